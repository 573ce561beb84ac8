"""The import engine, one rule per test, on small workbooks built here."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest

from riskapp.core.errors import InputFileError, UsageError
from riskapp.core.importer import ImportOptions, import_bom


def xlsx(
    path: Path, rows: list[list[object]], *, sheet: str = "BOM", start_col: int = 1, **kw: object
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=start_col):
            if v is not None:
                ws.cell(r, c, v)
    setup = kw.get("setup")
    if callable(setup):
        setup(wb, ws)
    wb.save(path)
    return path


def lines_of(path: Path, **kw: object):  # type: ignore[no-untyped-def]
    return import_bom(path, ImportOptions(**kw) if kw else None)  # type: ignore[arg-type]


def test_title_rows_above_header_and_table_in_column_d(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "t.xlsx",
        [
            ["Drive unit BOM — rev C"],
            ["Prepared by: engineering, 2026-03-01"],
            [],
            ["Pos.", "Description", "Manufacturer", "MPN", "Qty"],
            [1, "Rotor magnet N42SH", "JL MAG", "JLM-42SH-01", 16],
            [2, "Bearing 6205", "SKF", "6205-2RS", 2],
        ],
        start_col=4,
    )
    res = lines_of(p)
    df = res.lines
    assert df["row"].tolist() == [5, 6]
    assert df["description"].tolist() == ["Rotor magnet N42SH", "Bearing 6205"]
    assert df["description_column"].unique().tolist() == ["E"]
    assert df["quantity"].tolist() == [16, 2]
    assert df["manufacturer"].tolist() == ["JL MAG", "SKF"]
    assert res.report.tables[0].header_row == 4
    mapping = res.report.tables[0].mapping_dict()
    assert mapping["mpn"] == "G" and mapping["item"] == "D"


def test_side_by_side_tables_each_become_their_own_group(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "s.xlsx",
        [
            ["Variant A", None, None, None, "Variant B"],
            ["Description", "Qty", "Notes", None, "Description", "Qty", "Notes"],
            ["Stepper NEMA17", 4, "", None, "Stepper NEMA17", 6, ""],
            ["M3 screw", 20, "", None, "M3 screw", 30, ""],
        ],
    )
    df = lines_of(p).lines
    assert len(df) == 4
    a = df[df["description_column"] == "A"]
    e = df[df["description_column"] == "E"]
    assert a["quantity"].tolist() == [4, 20] and e["quantity"].tolist() == [6, 30]
    assert a["table"].nunique() == 1 and set(a["table"]) != set(e["table"])
    assert a["category"].tolist() == ["Variant A", "Variant A"]


def test_two_description_columns_are_one_table_and_a_repeated_layout_is_two(
    tmp_path: Path,
) -> None:
    """Altium's default BOM has 'Comment' and 'Description' side by side: one table (each
    line was counted twice when they split). 'Description | Qty | Bezeichnung | Menge'
    repeats the quantity too: two tables side by side, without a blank column between."""
    altium = xlsx(
        tmp_path / "altium.xlsx",
        [
            ["Comment", "Description", "Designator", "Quantity", "Manufacturer Part Number 1"],
            ["Magnet", "Diametric magnet 6x2.5mm NdFeB N35", "MAG1", 1, "AS5000-MD6H-2"],
            ["10uF", "CAP CER 10UF 25V X7R 1206", "C1, C2", 2, "GRM31CR71E106KA12L"],
        ],
    )
    res = lines_of(altium)
    assert len(res.report.tables) == 1 and len(res.lines) == 2
    assert res.lines["quantity"].tolist() == [1, 2]
    assert "Diametric magnet" in res.lines["description"].iloc[0]

    twin = xlsx(
        tmp_path / "twin.xlsx",
        [
            ["Description", "Qty", "Bezeichnung", "Menge"],
            ["Stepper NEMA17", 4, "Stepper NEMA23", 6],
            ["M3 screw", 20, "M4 screw", 30],
        ],
    )
    df = lines_of(twin).lines
    assert sorted(df["quantity"].tolist()) == [4, 6, 20, 30]
    assert df["table"].nunique() == 2


def test_sections_repeated_headers_and_totals(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "sec.xlsx",
        [
            ["Part", "Description", "Qty", "Price"],
            ["Motors:", None, None, None],
            ["M1", "BLDC motor 2207", 4, 12.5],
            ["Electronics", None, None, None],
            ["E1", "Flight controller", 1, 30],
            ["Part", "Description", "Qty", "Price"],
            ["E2", "ESC 4-in-1", 1, 45],
            ["Total", None, None, 117.5],
        ],
    )
    df = lines_of(p).lines
    assert df["row"].tolist() == [3, 5, 7]
    assert df["category"].tolist() == ["Motors", "Electronics", "Electronics"]


def test_category_column_is_filled_down(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "cat.xlsx",
        [
            ["Category", "Description", "Qty"],
            ["Fasteners", "M5x40 SHCS", 22],
            [None, "M4x6 BHCS", None],
            ["Motion", "GT2 pulley", 3],
        ],
    )
    res = lines_of(p)
    df = res.lines
    assert df["category"].tolist() == ["Fasteners", "Fasteners", "Motion"]
    assert df["description"].tolist()[1] == "M4x6 BHCS"  # a line without quantity is still a line
    assert any(i.code == "qty_missing" and i.row == 3 for i in res.report.issues)


def test_hidden_rows_and_columns_are_kept_but_marked(tmp_path: Path) -> None:
    def setup(wb, ws):  # type: ignore[no-untyped-def]
        ws.row_dimensions[3].hidden = True

    p = xlsx(
        tmp_path / "h.xlsx",
        [["Description", "Qty"], ["Visible part", 1], ["Hidden part", 2]],
        setup=setup,
    )
    df = lines_of(p).lines
    assert df["hidden"].tolist() == [False, True]


def test_merged_category_cells(tmp_path: Path) -> None:
    def setup(wb, ws):  # type: ignore[no-untyped-def]
        ws.merge_cells("A2:A3")

    p = xlsx(
        tmp_path / "m.xlsx",
        [["Group", "Description", "Qty"], ["Drive", "Motor", 1], [None, "Encoder", 1]],
        setup=setup,
    )
    df = lines_of(p).lines
    assert df["category"].tolist() == ["Drive", "Drive"]


@pytest.mark.parametrize(
    "headers",
    [
        ["Pos.", "Benennung", "Hersteller", "Menge", "Herkunftsland"],
        ["Posición", "Descripción", "Fabricante", "Cantidad", "País de origen"],
        ["Item", "Descripton", "Manufacturer", "Quantitiy", "COO"],
        ["#", "Part Description", "Mfr.", "QTY.", "Country of Origin"],
    ],
)
def test_header_synonyms_in_several_languages_and_typos(tmp_path: Path, headers: list[str]) -> None:
    p = xlsx(tmp_path / "lang.xlsx", [headers, [1, "Neodym-Magnet N42", "ACME", 3, "CN"]])
    res = lines_of(p)
    m = res.report.tables[0].mapping_dict()
    assert m["description"] == "B" and m["quantity"] == "D"
    assert m["manufacturer"] == "C" and m["country_of_origin"] == "E"
    assert res.lines["quantity"].tolist() == [3]


def test_user_mapping_wins(tmp_path: Path) -> None:
    p = xlsx(tmp_path / "u.xlsx", [["Description", "Qty", "Spare"], ["Motor", 1, 7]])
    res = lines_of(p, mapping={"quantity": "C"})
    assert res.lines["quantity"].tolist() == [7]
    assert any(
        m.field == "quantity" and m.column == "C" and m.how == "user"
        for m in res.report.tables[0].mapping
    )


def test_user_header_row(tmp_path: Path) -> None:
    p = xlsx(tmp_path / "hr.xlsx", [["x", "y"], ["Thing", "Count"], ["Motor", 2]])
    res = lines_of(p, header_row=2, mapping={"description": "A", "quantity": "B"})
    assert res.lines["description"].tolist() == ["Motor"]
    assert res.lines["quantity"].tolist() == [2]


def test_multi_level_by_level_column(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "ml.xlsx",
        [
            ["Level", "Description", "Qty"],
            [0, "Drive unit", 1],
            [1, "Motor assembly", 2],
            [2, "Rotor", 1],
            [3, "Magnet segment N42SH", 16],
            [1, "Inverter", 1],
            [2, "Capacitor", 4],
        ],
    )
    df = lines_of(p).lines
    assert df["extended_quantity"].tolist() == [1, 2, 2, 32, 1, 4]
    assert df["parent_row"].tolist()[3] == 4
    assert df["has_children"].tolist() == [True, True, True, False, True, False]
    assert df["level"].tolist() == [1, 2, 3, 4, 2, 3]


def test_multi_level_dotted_levels_and_outline(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "dots.xlsx",
        [
            ["Lvl", "Description", "Qty"],
            [".1", "Motor", 2],
            ["..2", "Magnet", 8],
            [".1", "Cable", 1],
        ],
    )
    assert lines_of(p).lines["extended_quantity"].tolist() == [2, 16, 1]
    p2 = xlsx(
        tmp_path / "outline.xlsx",
        [
            ["Item", "Description", "Qty"],
            ["1", "Motor", 3],
            ["1.1", "Rotor", 1],
            ["1.1.1", "Magnet", 10],
            ["2", "Housing", 1],
        ],
    )
    assert lines_of(p2).lines["extended_quantity"].tolist() == [3, 3, 30, 1]


def test_hyperlinks_are_kept(tmp_path: Path) -> None:
    def setup(wb, ws):  # type: ignore[no-untyped-def]
        ws["B2"].hyperlink = "https://example.com/magnet"

    p = xlsx(
        tmp_path / "l.xlsx",
        [["Description", "Link", "Qty"], ["Magnet N52", "Link", 2]],
        setup=setup,
    )
    assert lines_of(p).lines["link"].tolist() == ["https://example.com/magnet"]


def test_prices_currency_and_mass_units(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Description", "Qty", "Unit Price", "Weight (kg)"],
            ["Magnet", "2 pcs", "$355,80", 0.4],
            ["Motor", 1, "€ 12.50", "300 g"],
        ],
    )
    df = lines_of(p).lines
    assert df["unit_price"].tolist() == [355.8, 12.5]
    assert df["currency"].tolist() == ["USD", "EUR"]
    assert df["mass_g"].tolist() == pytest.approx([400.0, 300.0])
    assert df["quantity_text"].tolist() == ["2 pcs", "1"]


def test_designators_give_quantity_when_there_is_no_quantity_column(tmp_path: Path) -> None:
    p = tmp_path / "kicad.csv"
    p.write_text(
        'Reference,Value,Footprint\n"R1,R2,R5",10k,R_0603\n"BZ1",Buzzer,Buzzer_12mm\n',
        encoding="utf-8",
    )
    df = lines_of(p).lines
    assert df["quantity"].tolist() == [3, 1]


def test_stray_cell_beside_quantity_is_repaired_and_reported(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "stray.xlsx",
        [
            ["Description", "Qty", None, "Notes"],
            ["Cable chain - 1m", " 2 End Sets", 1, None],
            ["Belt", 3, None, None],
        ]
        + [[f"Part {i}", 1, None, None] for i in range(12)],
    )
    res = lines_of(p)
    assert res.lines["description"].iloc[0] == "Cable chain - 1m, 2 End Sets"
    assert res.lines["quantity"].iloc[0] == 1
    assert any(i.code == "stray_cell" and i.row == 2 and i.column == "B" for i in res.report.issues)


def test_headerless_block_beside_a_table_is_its_own_table(tmp_path: Path) -> None:
    rows = [["Category", "Description", "Qty", None, None, None, "Notes"]]
    for i in range(8):
        rows.append(
            [
                "Cat" if i == 0 else None,
                f"Screw M{i + 2}",
                i + 1,
                None,
                f"Bolt M{i + 2}",
                i + 10,
                None,
            ]
        )
    res = lines_of(xlsx(tmp_path / "hl.xlsx", rows))
    df = res.lines
    assert sorted(df["description_column"].unique()) == ["B", "E"]
    assert df[df["description_column"] == "E"]["quantity"].tolist() == [
        10,
        11,
        12,
        13,
        14,
        15,
        16,
        17,
    ]
    assert any(i.code == "table_inferred" for i in res.report.issues)


# ---------------------------------------------------------------- CSV


def test_csv_encodings_and_delimiters(tmp_path: Path) -> None:
    text = "Beschreibung;Menge;Einzelpreis\nNeodym-Magnet Ø10x5;4;1,25\nSchraube M3;10;0,05\n"
    for enc in ("utf-8-sig", "cp1252", "utf-16"):
        p = tmp_path / f"e_{enc}.csv"
        p.write_bytes(text.encode(enc))
        df = lines_of(p).lines
        assert df["description"].tolist() == ["Neodym-Magnet Ø10x5", "Schraube M3"], enc
        assert df["unit_price"].tolist() == [1.25, 0.05]
        assert df["sheet"].tolist() == ["", ""]
    tsv = tmp_path / "t.tsv"
    tsv.write_text("Description\tQty\nMotor\t2\n", encoding="utf-8")
    assert lines_of(tsv).lines["quantity"].tolist() == [2]


def test_csv_row_is_the_line_where_the_record_starts(tmp_path: Path) -> None:
    p = tmp_path / "q.csv"
    p.write_text('Description,Qty\n"Motor, BLDC\nwith two lines",2\nMagnet,3\n', encoding="utf-8")
    df = lines_of(p).lines
    assert df["row"].tolist() == [2, 4]


def test_csv_stray_extra_field_is_reported_not_shifted(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("Description,Qty,Price\nMotor,2,1,5\nMagnet,3,2\n", encoding="utf-8")
    res = lines_of(p)
    assert res.lines["quantity"].tolist() == [2, 3]
    assert any(i.code == "extra_field" and i.row == 2 for i in res.report.issues)


# ---------------------------------------------------------------- errors and safety


def test_clear_errors_for_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        import_bom(tmp_path / "nope.xlsx")
    with pytest.raises(InputFileError, match="folder"):
        import_bom(tmp_path)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        import_bom(empty)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(InputFileError, match="binary"):
        import_bom(junk)
    html = tmp_path / "export.xls"
    html.write_text("<html><table><tr><td>x</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(InputFileError, match="HTML"):
        import_bom(html)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputFileError, match="damaged"):
        import_bom(broken)


def test_no_table_found_names_the_file(tmp_path: Path) -> None:
    p = xlsx(tmp_path / "none.xlsx", [[1, 2, 3], [4, 5, 6]])
    with pytest.raises(InputFileError, match=r"none\.xlsx.*no BOM table"):
        import_bom(p)


def test_unknown_sheet_is_a_usage_error(tmp_path: Path) -> None:
    p = xlsx(tmp_path / "s.xlsx", [["Description", "Qty"], ["Motor", 1]])
    with pytest.raises(UsageError, match="no sheet named 'Nope'"):
        import_bom(p, ImportOptions(sheets=("Nope",)))


def test_extension_lies_are_handled(tmp_path: Path) -> None:
    real = xlsx(tmp_path / "real.xlsx", [["Description", "Qty"], ["Motor", 1]])
    fake = tmp_path / "bom.csv"
    fake.write_bytes(real.read_bytes())
    res = import_bom(fake)
    assert res.lines["description"].tolist() == ["Motor"]
    assert any(i.code == "format_mismatch" for i in res.report.issues)


def test_input_file_is_never_modified(tmp_path: Path) -> None:
    p = xlsx(tmp_path / "ro.xlsx", [["Description", "Qty"], ["Motor", 1]])
    before = hashlib.sha256(p.read_bytes()).hexdigest()
    mtime = p.stat().st_mtime_ns
    res = import_bom(p)
    assert res.report.sha256 == before
    assert hashlib.sha256(p.read_bytes()).hexdigest() == before
    assert p.stat().st_mtime_ns == mtime


def test_progress_and_cancel(tmp_path: Path) -> None:
    from riskapp.core.errors import CancelledError

    p = xlsx(tmp_path / "c.xlsx", [["Description", "Qty"], ["Motor", 1]])
    seen: list[float] = []
    import_bom(p, on_progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    with pytest.raises(CancelledError):
        import_bom(p, should_cancel=lambda: True)


def test_footnotes_under_the_table_are_not_lines(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "foot.xlsx",
        [
            ["Description", "Qty", "Price"],
            ["Stepper motor NEMA17", 2, 12.0],
            ["Belt GT2 6mm", 1, 3.0],
            [],
            ["Prices as of 2024-01-01, excl. VAT"],
        ],
    )
    res = lines_of(p)
    assert res.lines["description"].tolist() == ["Stepper motor NEMA17", "Belt GT2 6mm"]
    assert any(i.code == "note_row" and i.row == 5 for i in res.report.issues)


def test_an_sap_cs12_export_in_german(tmp_path: Path) -> None:
    """Title block, 'Objektkurztext' and 'Komponentenmenge', quantities with three decimals
    after a comma ('1,000' is one piece, '0,350' a third of a kilogram)."""
    p = xlsx(
        tmp_path / "cs12.xlsx",
        [
            ["Strukturstückliste mehrstufig (CS12)"],
            ["Material", "EB-2000-DU", "E-Bike Antriebseinheit 250W"],
            ["Werk", "1000", "Verwendung", "1", "Alternative", "1"],
            [],
            ["Stufe", "Pos.", "Komponente", "Objektkurztext", "Komponentenmenge", "ME"],
            [".1", "0010", "100-2001", "Mittelmotor kpl. 250W 36V", "1,000", "ST"],
            ["..2", "0010", "100-2111", "Dauermagnet NdFeB N42SH 20x8x3", "12,000", "ST"],
            ["..2", "0020", "100-2211", "Kupferlackdraht 0,5 mm", "0,350", "KG"],
        ],
    )
    res = lines_of(p)
    df = res.lines
    assert res.report.tables[0].header_row == 5
    assert "Dauermagnet NdFeB N42SH 20x8x3" in df["description"].tolist()[1]
    assert df["quantity"].tolist() == [1.0, 12.0, 0.35]
    assert df["extended_quantity"].tolist() == [1.0, 12.0, 0.35]


@pytest.mark.parametrize(
    ("header", "row"),
    [
        (
            ["序号", "物料编码", "物料名称", "规格型号", "数量", "单位", "供应商"],
            [1, "ES-M-002", "钕铁硼磁铁", "N35 20x10x2", 30, "片", "宁波"],
        ),
        (
            ["No.", "品番", "品名", "型番", "数量", "単位", "メーカー"],
            [1, "RB-001", "ネオジム磁石", "φ10×5", 30, "個", "信越化学"],
        ),
    ],
)
def test_chinese_and_japanese_headers(tmp_path: Path, header: list[str], row: list[object]) -> None:
    p = xlsx(tmp_path / "cjk.xlsx", [["BOM 清单 / 部品表"], header, row])
    res = lines_of(p)
    mapping = res.report.tables[0].mapping_dict()
    assert res.report.tables[0].header_row == 2
    assert mapping["quantity"] == "E"
    assert str(row[2]) in res.lines["description"].iloc[0]
    assert res.lines["quantity"].tolist() == [30]


def test_labelled_rows_under_the_total_are_notes_not_lines(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "foot.xlsx",
        [
            ["Part #", "Description", "Qty", "Unit Cost"],
            ["SB-01", 'Woofer 4" 4 ohm neodymium', 2, 4.1],
            ["SB-02", "Enclosure MDF", 1, 3],
            [None, "TOTAL", 3, None],
            [],
            ["Notes:", "All parts RoHS compliant. Speaker drivers sourced from Guangdong."],
            ["Prepared by:", "J. Smith", None, "Date:"],
        ],
    )
    res = lines_of(p)
    assert res.lines["row"].tolist() == [2, 3]
    notes = [i for i in res.report.issues if i.code == "note_row"]
    assert [i.row for i in notes] == [6, 7]


def test_a_spacer_column_before_qty_keeps_the_table_whole(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "spacer.xlsx",
        [
            ["Part No", "Description", None, "Qty", "Supplier"],
            ["P1", "Stepper motor NEMA17", None, 2, "Nanotec"],
            ["P2", "Screw M3x8", None, 10, None],
        ],
    )
    res = lines_of(p)
    assert len(res.report.tables) == 1
    assert res.lines["quantity"].tolist() == [2, 10]
    assert res.lines["supplier"].tolist() == ["Nanotec", ""]


def test_a_side_box_beside_the_table_stays_apart(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "box.xlsx",
        [
            ["Part Name", "Part Quantity", "Total Part Cost", None, "Total Cost w/ Controller"],
            ["6805 Bearing", 2, 2.58, None, 72.63],
            ["Magnet N52 10x5", 8, 4.0, None, None],
        ],
    )
    res = lines_of(p)
    assert res.report.tables[0].last_col == "C"
    assert res.lines["ext_price"].tolist() == [2.58, 4.0]


def test_a_hidden_old_description_is_not_read_as_the_description(tmp_path: Path) -> None:
    def hide(_wb: object, ws: object) -> None:
        ws.column_dimensions["D"].hidden = True  # type: ignore[attr-defined]

    p = xlsx(
        tmp_path / "hidden.xlsx",
        [
            ["Part Number", "Description", "Qty", "Old description"],
            ["P4", "Bracket", 2, "Stepper NEMA17"],
        ],
        setup=hide,
    )
    res = lines_of(p)
    assert "Stepper" not in res.lines["description"].iloc[0]
    assert any("Hidden column D" in i.message for i in res.report.issues)


def test_a_revision_history_sheet_is_not_a_second_bom(tmp_path: Path) -> None:
    def more(wb: object, _ws: object) -> None:
        rev = wb.create_sheet("Rev history")  # type: ignore[attr-defined]
        for row in [
            ["Rev", "Description", "Date", "Qty"],
            ["A", "Replaced servo motor with stepper motor", "2024-01-01", 1],
            ["B", "Added neodymium magnets to latch", "2024-02-01", 2],
        ]:
            rev.append(row)

    p = xlsx(
        tmp_path / "rev.xlsx",
        [["Part Number", "Description", "Qty"], ["S1", "Hub motor 350W", 1]],
        setup=more,
    )
    res = lines_of(p)
    assert res.report.chosen_sheets == ["BOM"]
    assert any(i.code == "sheet_skipped" and i.sheet == "Rev history" for i in res.report.issues)
    # chosen on purpose, it is read
    assert len(lines_of(p, sheets=("Rev history",)).lines) == 2


def test_a_sheet_named_bom_rev_c_is_the_bom(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "bomrev.xlsx",
        [["Part Number", "Description", "Qty"], ["S1", "Hub motor 350W", 1]],
        sheet="BOM rev C",
    )
    assert lines_of(p).report.chosen_sheets == ["BOM rev C"]


def test_dates_in_the_quantity_column_are_not_quantities(tmp_path: Path) -> None:
    import datetime as dt

    p = xlsx(
        tmp_path / "dates.xlsx",
        [
            ["Part", "Description", "Qty"],
            ["P1", "Magnet N52 10x5", dt.date(2024, 1, 2)],
            ["P2", "Screw", "2024-04-02"],
            ["P3", "Nut", 4],
        ],
    )
    res = lines_of(p)
    q = res.lines["quantity"].tolist()
    assert q[2] == 4 and all(v != v or v is None for v in q[:2])  # NaN/None: no quantity
    assert sum("is a date or time" in i.message for i in res.report.issues) == 2


def test_a_prose_column_under_an_unknown_header_describes_the_line(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "blurb.xlsx",
        [
            ["Part No", "Blurb", "Qty", "Maker"],
            ["P1", "Stepper motor NEMA17 1.8 deg 0.4Nm", 2, "Nanotec"],
            ["P2", "Screw M3x8 DIN912 A2", 10, None],
            ["P3", "Bearing 608ZZ deep groove", 4, "SKF"],
        ],
    )
    res = lines_of(p)
    assert res.report.tables[0].mapping_dict()["description"] == "B"
    assert "Stepper motor NEMA17" in res.lines["description"].iloc[0]


def test_codes_under_a_weak_description_word_beside_unheaded_prose(tmp_path: Path) -> None:
    # McMaster's order history: 'Product' holds catalogue numbers, the prose has no header
    p = xlsx(
        tmp_path / "order.xlsx",
        [
            ["Line", "Product", None, "Ordered", "Price"],
            [1, "5862K104", 'Super-Strength Neodymium Magnet, 1/2" Diameter', 20, 9.99],
            [2, "57295K52", "High-Temperature Samarium-Cobalt Magnet Disc", 10, 9.99],
            [3, "5857K14", 'Ceramic Magnet Disc, 3/4" Diameter x 3/16" Thick', 10, 9.99],
        ],
    )
    res = lines_of(p)
    mapping = res.report.tables[0].mapping_dict()
    assert mapping["description"] == "C" and mapping["ipn"] == "B"
    assert res.lines["description"].iloc[1].startswith("High-Temperature Samarium")


def test_codes_under_a_description_word_stay_without_prose_beside(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "codes.xlsx",
        [
            ["Line", "Product", "Ordered"],
            [1, "5862K104", 20],
            [2, "57295K52", 10],
        ],
    )
    assert lines_of(p).report.tables[0].mapping_dict()["description"] == "B"


def test_a_two_row_header_under_merged_group_words(tmp_path: Path) -> None:
    def merge(_wb: object, ws: object) -> None:
        for rng in ("A2:B2", "C2:D2", "E2:F2"):
            ws.merge_cells(rng)  # type: ignore[attr-defined]

    p = xlsx(
        tmp_path / "two_rows.xlsx",
        [
            ["Pitch System PS-3 – Bill of Materials"],
            ["Part", None, "Quantity", None, "Supplier", None],
            ["Number", "Description", "per axis", "per turbine", "Name", "Part No."],
            ["P-1001", "Pitch motor PMSM 7.5 kW IP54", 1, 3, "Siemens", "1PH8"],
            ["P-1002", "Pitch gearbox planetary i=150", 1, 3, "Bonfiglioli", "709T"],
        ],
        setup=merge,
    )
    res = lines_of(p)
    mapping = res.report.tables[0].mapping_dict()
    assert mapping["quantity"] == "C" and mapping["description"] == "B"
    assert mapping["supplier"] == "E" and mapping["ipn"] == "A"
    assert res.lines["quantity"].tolist() == [1, 1]
    assert res.lines["supplier"].tolist() == ["Siemens", "Bonfiglioli"]


def test_a_stray_cell_far_right_is_left_out(tmp_path: Path) -> None:
    def stray(_wb: object, ws: object) -> None:
        ws.cell(1, 16384, "x")  # type: ignore[attr-defined]  # column XFD
        ws.cell(6, 9000, "end")  # type: ignore[attr-defined]

    p = xlsx(
        tmp_path / "xfd.xlsx",
        [
            ["Part No", "Description", "Qty", "Manufacturer"],
            ["M-01", "BLDC motor 24V 100W", 2, "Nidec"],
            ["M-02", "Neodymium magnet N42 10x5x2", 8, None],
        ],
        setup=stray,
    )
    res = lines_of(p)
    assert res.lines["quantity"].tolist() == [2, 8]
    assert res.report.tables[0].last_col == "D"
    far = [i for i in res.report.issues if i.code == "far_columns"]
    assert len(far) == 1 and "2 column(s)" in far[0].message and far[0].column == "MHD"


def test_a_grouped_quantities_header_takes_the_quantity_per_unit(tmp_path: Path) -> None:
    def merge(_wb: object, ws: object) -> None:
        for rng in ("A1:A2", "B1:B2", "C1:C2", "D1:F1", "G1:G2"):
            ws.merge_cells(rng)  # type: ignore[attr-defined]

    p = xlsx(
        tmp_path / "grouped.xlsx",
        [
            ["Item", "Part No.", "Description", "Quantities", None, None, "Vendor"],
            [None, None, None, "Per Node", "Nodes", "Total", None],
            [1, "ST-20T", 'HDD 3.5" 20TB SATA', 12, 8, 96, "Seagate"],
            [2, "SSD-U2", "SSD 3.84TB U.2 NVMe", 2, 8, 16, "Samsung"],
        ],
        setup=merge,
    )
    res = lines_of(p)
    mapping = res.report.tables[0].mapping_dict()
    assert mapping["quantity"] == "D" and mapping["extended_quantity"] == "F"
    assert res.lines["quantity"].tolist() == [12, 2]


def test_a_teamcenter_header_with_two_item_columns_is_one_table(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "tc.xlsx",
        [
            ["BOM Line", "Level", "Find No.", "Item Id", "Rev", "Name", "Quantity"],
            ["000123/A;1-E-Axle assy", 0, "", "000123", "A", "E-Axle assembly", 1],
            ["000124/A;1-PMSM motor", 1, "10", "000124", "A", "PMSM traction motor 150 kW", 1],
            ["000125/A;1-Gearbox", 1, "20", "000125", "A", "Reduction gearbox 9.6:1", 1],
        ],
    )
    res = lines_of(p)
    assert len(res.report.tables) == 1 and len(res.lines) == 3
    assert res.report.tables[0].mapping_dict()["ipn"] == "D"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Q.tà", "quantity"),
        ("Qtà", "quantity"),
        ("Ilość", "quantity"),
        ("Množství", "quantity"),
        ("Počet", "quantity"),
        ("Nazwa", "description"),
        ("Název", "description"),
        ("Objektkurztext", "description"),
        ("Komponentenmenge", "quantity"),
        ("数量", "quantity"),
        ("品名", "description"),
        ("Item Id", "ipn"),
        ("QPA", "quantity"),
    ],
)
def test_more_header_words(header: str, field: str) -> None:
    from riskapp.core.mapping import header_field

    assert header_field(header)[0] == field


def test_lines_written_over_two_merged_rows_are_read_once(tmp_path: Path) -> None:
    def merge(_wb: object, ws: object) -> None:
        for r in (1, 3, 5):
            for c in "ABC":
                ws.merge_cells(f"{c}{r}:{c}{r + 1}")  # type: ignore[attr-defined]

    p = xlsx(
        tmp_path / "pairs.xlsx",
        [
            ["Part No", "Description", "Qty"],
            [],
            ["M-01", "BLDC motor 24V 100W", 2],
            [],
            ["M-02", "Neodymium magnet N42 10x5x2", 8],
            [],
        ],
        setup=merge,
    )
    res = lines_of(p)
    assert res.lines["row"].tolist() == [3, 5]
    assert res.lines["quantity"].tolist() == [2, 8]


def test_a_category_merged_down_beside_its_lines_keeps_every_line(tmp_path: Path) -> None:
    def merge(_wb: object, ws: object) -> None:
        ws.merge_cells("A2:A3")  # type: ignore[attr-defined]

    p = xlsx(
        tmp_path / "cat.xlsx",
        [
            ["Category", "Description", "Qty"],
            ["Motors", "BLDC motor 24V 100W", 2],
            [None, "Stepper motor NEMA17", 4],
        ],
        setup=merge,
    )
    assert lines_of(p).lines["quantity"].tolist() == [2, 4]


def test_quoted_line_breaks_in_a_csv_read_as_plain_line_breaks(tmp_path: Path) -> None:
    p = tmp_path / "crlf.csv"
    p.write_bytes(
        b'Part,Description,Qty\r\nM-01,"BLDC motor 24V\r\nwith Hall sensors",2\r\nM-02,Screw,4\r\n'
    )
    res = lines_of(p)
    assert res.lines["description"].tolist()[0].endswith("BLDC motor 24V\nwith Hall sensors")
    assert res.lines["row"].tolist() == [2, 4]


def test_a_sheet_that_is_not_read_leaves_no_warnings(tmp_path: Path) -> None:
    def more(wb: object, _ws: object) -> None:
        other = wb.create_sheet("Sheet2")  # type: ignore[attr-defined]
        other.append(["Description"])
        other.append(["placeholder"])

    p = xlsx(
        tmp_path / "two.xlsx",
        [
            ["Part Number", "Description", "Qty"],
            ["S1", "Hub motor 350W", 1],
            ["S2", "Magnet N35 20x10x2", 30],
            ["S3", "Controller 36V", 1],
        ],
        setup=more,
    )
    res = lines_of(p)
    assert res.report.chosen_sheets == ["BOM"]
    other = [i for i in res.report.issues if i.sheet == "Sheet2"]
    assert [i.code for i in other] == ["sheet_skipped"]


def test_a_title_merged_over_the_header_is_no_group_header(tmp_path: Path) -> None:
    def merge(_wb: object, ws: object) -> None:
        ws.merge_cells("A1:E1")  # type: ignore[attr-defined]

    p = xlsx(
        tmp_path / "title.xlsx",
        [
            ["Motor Assembly BOM rev C"],
            ["Part No", "Description", "Qty", "Manufacturer", "Price"],
            ["P1", "Stepper motor NEMA17", 2, "Nanotec", 12.5],
        ],
        setup=merge,
    )
    table = lines_of(p).report.tables[0]
    assert [m.header for m in table.mapping] == [
        "Part No",
        "Description",
        "Qty",
        "Manufacturer",
        "Price",
    ]


def test_an_odoo_export_reads_the_bom_lines_not_the_parent(tmp_path: Path) -> None:
    """'Product | Quantity | BoM Lines/Component | BoM Lines/Quantity': the parent's
    columns describe the product; the lines' columns are the BOM."""
    p = tmp_path / "odoo.csv"
    p.write_text(
        '"Product","Quantity","BoM Lines/Component","BoM Lines/Quantity","BoM Lines/Product Unit of Measure"\n'
        '"[WM-8KG] Washing Machine 8kg","1.00","[MOT-DD-01] Direct Drive Motor BLDC","1.00","Units"\n'
        '"","","[PMP-DR-02] Drain pump 30W synchronous","2.00","Units"\n'
        '"","","[SCR-M4] Screw M4x10","12.00","Units"\n',
        encoding="utf-8",
    )
    res = lines_of(p)
    mapping = res.report.tables[0].mapping_dict()
    assert mapping["quantity"] == "D" and "description" not in mapping
    assert res.lines["quantity"].tolist() == [1, 2, 12]
    assert "Washing Machine" not in res.lines["description"].iloc[0]
    assert not [i for i in res.report.issues if i.code == "qty_missing"]


@pytest.mark.parametrize(
    "headers",
    [
        ["Поз.", "Обозначение", "Наименование", "Кол.", "Примечание", "Формат"],
        ["Nível", "Código", "Descrição", "Qtde", "Un.", "Fornecedor"],
        ["Seviye", "Malzeme Kodu", "Malzeme Açıklaması", "Miktar", "Birim", "Tedarikçi"],
        ["STT", "Mã vật tư", "Tên vật tư", "Số lượng", "ĐVT", "Ghi chú"],
        ["Pos", "Nivå", "Artikelnummer", "Benämning", "Antal", "Leverantör", "Anmärkning"],
        ["Niveau", "Artikelcode", "Omschrijving", "Aantal", "Eenheid", "Opmerking"],
    ],
)
def test_headers_in_more_languages_give_the_quantity_column(
    tmp_path: Path, headers: list[str]
) -> None:
    qty = next(
        i
        for i, h in enumerate(headers)
        if h in ("Кол.", "Qtde", "Miktar", "Số lượng", "Antal", "Aantal")
    )
    rows = [headers]
    for i, (text, q) in enumerate([("Magnet N42 10x5", 24), ("Bolt M6", 12), ("Motor", 3)]):
        row: list[object] = [None] * len(headers)
        row[0], row[1] = i + 1, 1 if headers[1] != "Artikelnummer" else f"A-{i}"
        row[qty - 1] = text
        row[qty] = q
        rows.append(row)
    res = lines_of(xlsx(tmp_path / "lang2.xlsx", rows))
    assert res.report.tables[0].header_row == 1
    assert res.lines["quantity"].tolist() == [24, 12, 3]


def test_a_name_repeated_on_every_line_is_the_parent_not_the_line(tmp_path: Path) -> None:
    # NetSuite: the assembly's name on each member line; joined, every line would be a motor
    parent = "GMB-300 gimbal with 3x brushless NdFeB motors"
    rows: list[list[object]] = [
        ["Name", "Member Item", "Member Item : Description", "Member Quantity"]
    ]
    for i, text in enumerate(["Housing PA6", "Screw M2x4", "Bearing 6800", "Cable 20cm", "Knob"]):
        rows.append([parent, f"P-{i}", text, 1])
    res = lines_of(xlsx(tmp_path / "ns.xlsx", rows))
    assert res.lines["description"].tolist()[0] == "Housing PA6"
    assert not any("gimbal" in d for d in res.lines["description"])


def test_ruled_lines_of_a_printed_report_are_no_lines(tmp_path: Path) -> None:
    p = tmp_path / "report.txt"
    p.write_text(
        "LVL|COMPONENT  |DESCRIPTION              |QTY\n"
        "---|-----------|-------------------------|----\n"
        "1  |M-100      |BLDC motor 24V           |1\n"
        "1  |S-200      |Screw M3x8               |4\n"
        "---|-----------|-------------------------|----\n",
        encoding="utf-8",
    )
    res = lines_of(p)
    assert res.lines["quantity"].tolist() == [1, 4]


def test_a_json_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    p = tmp_path / "out.json"
    p.write_text('{"tables": [{"header_row": 1}], "lines": []}', encoding="utf-8")
    with pytest.raises(InputFileError, match="JSON file"):
        import_bom(p)
    q = tmp_path / "dump.csv"
    q.write_text('[{"part": "P1", "qty": 2}]', encoding="utf-8")
    with pytest.raises(InputFileError, match="JSON file"):
        import_bom(q)


def grouped_xlsx(path: Path, rows: list[list[object]], levels: dict[int, int]) -> Path:
    """A workbook whose rows (1-based) are grouped to these outline levels."""

    def group(_wb: object, ws: object) -> None:
        for r, level in levels.items():
            ws.row_dimensions[r].outline_level = level  # type: ignore[attr-defined]

    return xlsx(path, rows, setup=group)


def test_levels_from_the_rows_outline_grouping(tmp_path: Path) -> None:
    p = grouped_xlsx(
        tmp_path / "grouped.xlsx",
        [
            ["Part No", "Description", "Qty"],
            ["100", "Machine", 1],
            ["200", "Spindle unit", 2],
            ["210", "Spindle motor, NdFeB rotor", 1],
            ["220", "Bearing set", 2],
            ["300", "Frame", 1],
        ],
        {3: 1, 4: 2, 5: 2, 6: 1},
    )
    res = lines_of(p)
    assert res.lines["level"].tolist() == [1, 2, 3, 3, 2]
    assert res.lines["extended_quantity"].tolist() == [1, 2, 2, 4, 1]
    assert any(i.code == "levels_implied" for i in res.report.issues)


def test_levels_from_names_indented_with_spaces(tmp_path: Path) -> None:
    p = tmp_path / "creo.csv"
    p.write_text(
        "Component,Qty,Description\n"
        "STICK-ASM.ASM,1,Vacuum\n"
        "  MOTOR-ASM.ASM,1,Digital motor brushless\n"
        "    ROTOR.PRT,1,Rotor with bonded NdFeB ring magnet\n"
        "    STATOR.PRT,1,Stator wound\n"
        "  CYCLONE.PRT,2,Cyclone\n",
        encoding="utf-8",
    )
    res = lines_of(p)
    assert res.lines["level"].tolist() == [1, 2, 3, 3, 2]
    assert res.lines["has_children"].tolist() == [True, True, False, False, False]


def test_a_flat_bom_with_a_few_indented_names_gets_no_levels(tmp_path: Path) -> None:
    rows = [["Part", "Description", "Qty"]] + [[f"P{i}", f"Part {i}", 1] for i in range(12)]
    rows[5][1] = " Part 4 (typed with a space)"
    res = lines_of(xlsx(tmp_path / "flat.xlsx", rows))
    assert res.lines["level"].isna().all()


def test_stray_spaces_that_skip_a_level_are_no_hierarchy(tmp_path: Path) -> None:
    p = tmp_path / "stray.csv"
    p.write_text(
        "Part,Description,Qty\n"
        "A-1,Housing,1\n"
        "A-2, Screw M3x8,8\n"
        "A-3,Washer M3,8\n"
        "A-4, Nut M3,8\n"
        "A-5,Label,1\n"
        "A-6,   Gasket,1\n",
        encoding="utf-8",
    )
    res = lines_of(p)
    assert res.lines["level"].isna().all()
    assert res.lines["extended_quantity"].tolist() == [1, 8, 8, 8, 1, 1]


def test_a_revision_box_beside_the_bom_is_no_second_bom(tmp_path: Path) -> None:
    p = xlsx(
        tmp_path / "rev.xlsx",
        [
            ["Part Number", "Description", "Qty", None, "Rev", "Date", "Description", "By"],
            ["B-1", "Housing", 1, None, "A", "2023-01-05", "Initial release", "JS"],
            ["B-2", "Magnet NdFeB arc", 8, None, "B", "2023-06-01", "Changed magnet grade", "KL"],
            ["B-3", "Screw", 12, None, None, None, None, None],
        ],
    )
    res = lines_of(p)
    assert res.lines["description"].tolist() == ["Housing", "Magnet NdFeB arc", "Screw"]
    assert [i.code for i in res.report.issues] == ["revision_block"]


def test_page_furniture_of_a_printed_report_is_no_line(tmp_path: Path) -> None:
    p = tmp_path / "pages.csv"
    p.write_text(
        "Part Number,Description,Qty\nP-1,Motor BLDC,1\nPage 1 of 2,,\nP-2,Screw,4\n"
        "Continued on next page,,\nP-3,Nut,4\n*** END OF REPORT ***,,\n",
        encoding="utf-8",
    )
    assert lines_of(p).lines["description"].tolist() == ["Motor BLDC", "Screw", "Nut"]


@pytest.mark.parametrize(
    "headers",
    [
        ["رقم القطعة", "الوصف", "الكمية", "الشركة المصنعة"],
        ['מק"ט', "תיאור", "כמות", "יצרן"],
        ["Κωδικός", "Περιγραφή", "Ποσότητα", "Κατασκευαστής"],
    ],
)
def test_arabic_hebrew_and_greek_headers(tmp_path: Path, headers: list[str]) -> None:
    p = xlsx(
        tmp_path / "rtl.xlsx",
        [headers, ["X-1", "Motor", 2, "Acme"], ["X-2", "Magnet NdFeB", 8, "Acme"]],
    )
    res = lines_of(p)
    assert res.report.tables[0].header_row == 1
    assert res.lines["quantity"].tolist() == [2, 8]


def test_levels_from_grouping_with_summary_rows_below(tmp_path: Path) -> None:
    # Excel's default: the assembly row follows its grouped parts
    p = grouped_xlsx(
        tmp_path / "below.xlsx",
        [
            ["Part No", "Description", "Qty"],
            ["210", "Magnet segment NdFeB", 8],
            ["200", "Rotor assembly", 2],
            ["300", "Bearing", 1],
            ["400", "Shaft", 1],
            ["100", "Motor", 1],
        ],
        {2: 2, 3: 1, 4: 1, 5: 1},
    )
    res = lines_of(p)
    assert res.lines["extended_quantity"].tolist() == [16, 2, 1, 1, 1]
    assert res.lines["has_children"].tolist() == [False, True, False, False, True]


def test_row_groups_and_hidden_rows_of_an_ods_sheet(tmp_path: Path) -> None:
    import zipfile

    from riskapp.core.readers import RawSheet, _add_ods_metadata

    row = "<table:table-row><table:table-cell/></table:table-row>"
    hidden = '<table:table-row table:visibility="collapse"><table:table-cell/></table:table-row>'
    content = (
        "<office:document-content><office:body><office:spreadsheet>"
        '<table:table table:name="BOM"><table:table-column table:number-columns-repeated="3"/>'
        f"{row}{row}<table:table-row-group>{row}<table:table-row-group>{row}{row}"
        f"</table:table-row-group>{hidden}</table:table-row-group>{row}"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "groups.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("content.xml", content)
    sheet = RawSheet("BOM", [[""]] * 7)
    _add_ods_metadata(path, [sheet])
    assert sheet.outline_rows == {2: 1, 3: 2, 4: 2, 5: 1}
    assert sheet.hidden_rows == {5}


def test_a_two_row_header_with_words_above_unmerged_columns(tmp_path: Path) -> None:
    def merge(_wb: object, ws: object) -> None:
        ws.merge_cells("A1:B1")  # type: ignore[attr-defined]

    p = xlsx(
        tmp_path / "two_rows_b.xlsx",
        [
            ["Part", None, "Qty", "Notes", "Manufacturer"],
            ["Number", "Description", "per unit", None, None],
            ["P-1", "Bracket", 2, "see drawing", "Acme"],
            ["P-2", "Magnet NdFeB arc", 6, None, "Ningbo"],
        ],
        setup=merge,
    )
    res = lines_of(p)
    mapping = res.report.tables[0].mapping_dict()
    assert mapping["quantity"] == "C" and mapping["manufacturer"] == "E"
    assert res.lines["quantity"].tolist() == [2, 6]


def test_a_flat_parent_child_list_is_linked_by_part_number(tmp_path: Path) -> None:
    # listed by parent, not depth-first: the level alone could not say which parent
    p = tmp_path / "flat.csv"
    p.write_text(
        "Parent Item,Component,Description,Qty per\n"
        ",100,Pump,1\n"
        "100,110,Motor subassembly,2\n"
        "100,120,Housing,1\n"
        "110,111,Rotor assembly,1\n"
        "120,121,Housing screw,6\n"
        "111,112,Magnet segment NdFeB N42SH,8\n",
        encoding="utf-8",
    )
    res = lines_of(p)
    assert "Parent Item" not in {m.header for m in res.report.tables[0].mapping}
    assert res.lines["level"].tolist() == [1, 2, 2, 3, 3, 4]
    assert res.lines["parent_row"].tolist()[3:] == [3, 4, 5]
    assert res.lines["extended_quantity"].tolist() == [1, 2, 1, 2, 6, 16]


def test_a_parent_loop_does_not_hang(tmp_path: Path) -> None:
    p = tmp_path / "loop.csv"
    p.write_text(
        "Parent,Part Number,Description,Qty\nB,A,Alpha,2\nA,B,Beta,3\nA,C,Gamma,1\n",
        encoding="utf-8",
    )
    res = lines_of(p)
    assert len(res.lines) == 3 and res.lines["level"].notna().all()
