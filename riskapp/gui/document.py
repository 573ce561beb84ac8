"""The open BOM as a document: the user's edits (a :class:`~riskapp.core.session.Session`),
the analysis of those edits, undo/redo, and the background runs that keep them in step.

The session state is the truth; the analysis follows it. Every edit — an override, a
scenario parameter, accepted advice, a column mapping — is a :class:`QUndoCommand` that
swaps one state for another, so undo and redo are the same operation. Each state change
starts :func:`run_analysis` in a :class:`~riskapp.gui.workers.Worker` (cancelling a run
that is still busy with an older state); only the newest run's outcome is shown.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from riskapp.core.errors import CancelledError
from riskapp.core.reference import bundled_sample
from riskapp.core.session import Session
from riskapp.gui import forked
from riskapp.gui.workers import Worker, dispose

if TYPE_CHECKING:
    from riskapp.core.pipeline import Analysis
    from riskapp.gui.dashboard import DashboardData
    from riskapp.gui.table_model import PreparedLines

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Outcome:
    """What a run hands back to the GUI thread: everything prepared off the GUI thread."""

    state: Session
    analysis: Analysis
    prepared: PreparedLines
    dashboard: DashboardData
    fresh_file: bool  # the file was (re)imported: the table starts afresh
    applied_saved_mapping: bool = False
    signature: str = ""  # layout key of the file as read automatically ('' = not known)
    advice_index: Any = None  # detail_panel.AdviceIndex: line -> rows of advice
    accepted: frozenset[tuple[int, str]] = frozenset()  # options counted in Potential
    ignored_overrides: tuple[str, ...] = ()  # why each unusable override was left out


def run_analysis(
    state: Session,
    base: Analysis | None,
    *,
    use_saved_mapping: bool = False,
    currency: str = "USD",
    limits: Any = None,
    on_progress: Any,
    should_cancel: Any,
) -> Outcome:
    """Worker job: analyse (or re-analyse) the BOM of *state* and prepare the views, in a
    forked child where possible (see :mod:`riskapp.gui.forked`)."""
    outcome: Outcome = forked.run(
        _in_child,
        compute_outcome,
        state,
        after_fork=lambda: start_warm_up(state.reference_dir),
        base=base,
        use_saved_mapping=use_saved_mapping,
        currency=currency,
        limits=limits,
        on_progress=on_progress,
        should_cancel=should_cancel,
    )
    return replace(outcome, analysis=_with_import_of(outcome.analysis, base))


_WARMED: set[str] = set()  # reference folders ('' = built-in) this process is warm for


def warm_up(reference_dir: str | None = None) -> None:
    """Fill this process's caches by analysing the bundled sample BOM here, once per
    reference folder: the reference tables, the compiled tagging rules and column
    patterns, the lazily imported modules.

    A forked run starts from this process's memory, and what it computes for itself goes
    when it ends: without this, every open and re-score in a child compiled the rules
    again (measured on a 48-line BOM: opening took 1.5 s instead of 0.8 s, a re-score
    1.0 s instead of 0.55 s). Never raises: a sample that cannot be analysed (a broken
    reference folder) is logged, and the run itself reports what is wrong.
    """
    key = reference_dir or ""
    if key in _WARMED:
        return
    started = time.perf_counter()
    try:
        with bundled_sample() as sample:
            compute_outcome(
                Session(source_path=str(sample), reference_dir=reference_dir),
                None,
                on_progress=lambda *_args: None,
                should_cancel=lambda: False,
            )
    except Exception:
        log.warning("Warming up on the bundled sample failed", exc_info=True)
    else:
        log.info("Warmed up in %.2f s", time.perf_counter() - started)
    _WARMED.add(key)


def start_warm_up(reference_dir: str | None = None) -> threading.Thread | None:
    """:func:`warm_up` on a background thread, during which runs wait to fork (see
    :func:`riskapp.gui.forked.without_forks`). The app starts it while the user picks a
    file; a run that forks while this process is still cold starts it right after its
    fork, so the next runs are warm. None when warm already or a warm-up is under way."""
    if (reference_dir or "") in _WARMED:
        return None
    if threading.current_thread() is threading.main_thread():
        import_for_warm_up()
    return forked.without_forks(lambda: warm_up(reference_dir), "riskapp-warm-up")


def import_for_warm_up() -> None:
    """Import here (the GUI thread) the modules a warm-up needs that the window has not
    (~25 ms; each :class:`Document` does it once made, so a warm-up started later from a
    worker thread imports nothing new).

    PySide6 hooks every import, and importing pyarrow in a background thread while the GUI
    thread ran Qt's event loop once crashed the process (docs/performance.md, cold start).
    These are the modules a warm-up imported besides (measured with sys.modules).
    """
    import importlib

    import riskapp.core.pipeline  # noqa: F401

    optional = [
        "python_calamine",
        "pyarrow.pandas_compat",  # pyarrow is optional (the frozen app goes without)
        "encodings.utf_8_sig",  # small modules the libraries load on first use
        "pandas.core.methods.to_dict",
        "pyarrow.vendored.version",
    ]
    if forked.fork_available():  # what the reader child's parent loads (riskapp.core.guard)
        optional += ["ctypes", "resource", "isal.isal_zlib"]
    for name in optional:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


SAME_IMPORT = "riskapp:same-import-as-base"
"""Stands for the base analysis's import in an answer from a child: a re-analysis that
did not re-read the file keeps it, and it need not travel back (the parent has it)."""


def _in_child(fn: Any, *args: Any, base: Analysis | None = None, **kwargs: Any) -> Any:
    """Run *fn* (in the child) and leave out of its answer what the parent already has."""
    result = fn(*args, base=base, **kwargs)
    if base is None or not forked.fork_available():
        return result
    if isinstance(result, Outcome) and result.analysis.imported is base.imported:
        return replace(result, analysis=replace(result.analysis, imported=SAME_IMPORT))  # type: ignore[arg-type]
    if not isinstance(result, Outcome) and getattr(result, "imported", None) is base.imported:
        return replace(result, imported=SAME_IMPORT)
    return result


def _with_import_of(analysis: Analysis, base: Analysis | None) -> Analysis:
    if isinstance(analysis.imported, str) and analysis.imported == SAME_IMPORT:
        assert base is not None
        return replace(analysis, imported=base.imported)
    return analysis


def compute_outcome(
    state: Session,
    base: Analysis | None,
    *,
    use_saved_mapping: bool = False,
    currency: str = "USD",
    limits: Any = None,
    on_progress: Any,
    should_cancel: Any,
) -> Outcome:
    """Analyse (or re-analyse) the BOM of *state* and prepare the views (no Qt).
    *limits* (riskapp.core.readers.Limits, None = built-in) apply to reading the file."""
    from riskapp.core.importer import ImportOptions
    from riskapp.core.session import find_layout_mapping, import_signature, session_options
    from riskapp.core.tagging import usable_overrides
    from riskapp.gui.dashboard import dashboard_data
    from riskapp.gui.lines import prepare_analysis

    def with_limits(options: Any) -> Any:
        if limits is None:
            return options
        return replace(options, import_options=replace(options.import_options, limits=limits))

    options = with_limits(session_options(state))
    fresh = base is None or options.import_options != base.options.import_options
    analysis = core_analysis(
        state.source_path, base, options, on_progress=on_progress, should_cancel=should_cancel
    )
    applied = False
    automatic = state.import_options == ImportOptions()
    signature = import_signature(analysis.imported) if fresh and automatic else ""
    if use_saved_mapping and automatic:
        saved = find_layout_mapping(signature)
        if saved is not None and saved != state.import_options:
            on_progress(0.5, "Reading the file with your saved column mapping")
            state = replace(state, import_options=saved)
            options = with_limits(session_options(state))
            analysis = core_analysis(
                state.source_path,
                None,
                options,
                on_progress=on_progress,
                should_cancel=should_cancel,
            )
            applied = True
    if should_cancel():
        raise CancelledError()
    on_progress(0.97, "Preparing the views")
    # a hand-edited session may hold a value tagging cannot use: tagging left it out, and
    # the state drops it so that no view shows it as applied (the window says which)
    usable, ignored = usable_overrides(state.overrides, analysis.reference)
    if ignored:
        state = replace(state, overrides=usable)
    if not state.source_sha256:
        state = replace(state, source_sha256=analysis.imported.report.sha256)
    prepared = prepare_analysis(analysis, state.overrides)
    from riskapp.gui.detail_panel import accepted_pairs, advice_index

    return Outcome(
        state,
        analysis,
        prepared,
        dashboard_data(analysis, currency),
        fresh,
        applied,
        signature,
        advice_index(analysis),
        accepted_pairs(analysis),
        tuple(ignored),
    )


def core_analysis(
    path: str, base: Analysis | None, options: Any, *, on_progress: Any, should_cancel: Any
) -> Analysis:
    """``analyse`` (no base) or ``reanalyse``; runs in the forked child (see
    :mod:`riskapp.gui.forked`). The frames the GUI never reads again are shared with
    ``scored.lines`` so the answer travels back once, not three times."""
    import pandas as pd

    from riskapp.core.pipeline import analyse, reanalyse

    if base is None:
        analysis = analyse(path, options, on_progress=on_progress, should_cancel=should_cancel)
    else:
        analysis = reanalyse(base, options, on_progress=on_progress, should_cancel=should_cancel)
    lines = analysis.scored.lines
    for column in ("evidence", "score_evidence"):
        if column in lines.columns:
            # Tuples of strings are dropped from the garbage collector's watch; 200,000
            # lists would make every full collection of the GUI process take ~100 ms.
            lines[column] = pd.Series(
                [tuple(e) if isinstance(e, list) else e for e in lines[column]],
                index=lines.index,
                dtype=object,
            )
    return replace(
        analysis,
        tagged=analysis.scored.lines,
        potential=replace(analysis.potential, scored=analysis.scored),
    )


def run_comparison(base: Analysis, state: Session, *, on_progress: Any, should_cancel: Any) -> Any:
    """Worker job: the same BOM and edits under the comparison scenario."""
    from riskapp.core.session import session_options

    other = replace(state, scenario=state.compare_with or "baseline", scenario_changes={})
    analysis = forked.run(
        _in_child,
        _core_analysis_kw,
        base.path,
        session_options(other),
        after_fork=lambda: start_warm_up(state.reference_dir),
        base=base,
        on_progress=on_progress,
        should_cancel=should_cancel,
    )
    return _with_import_of(analysis, base)


def _core_analysis_kw(
    path: str, options: Any, *, base: Analysis | None, on_progress: Any, should_cancel: Any
) -> Analysis:
    return core_analysis(path, base, options, on_progress=on_progress, should_cancel=should_cancel)


class EditCommand(QUndoCommand):
    """One edit: the state before and after (undo and redo just swap them).

    Edits with the same *merge_id* made one after the other merge into one undo step
    (typing a tariff rate digit by digit is one edit).
    """

    def __init__(
        self, document: Document, text: str, before: Session, after: Session, merge_id: int = -1
    ) -> None:
        super().__init__(text)
        self.document = document
        self.before = before
        self.after = after
        self._merge_id = merge_id

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand) or other.id() != self.id() or self.id() < 0:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.document._set_state(self.after)

    def undo(self) -> None:
        self.document._set_state(self.before)


class Document(QObject):
    """The open BOM, its edits and its analysis.

    Signals:
        run_started(str): a background run began (a message for the status bar).
        progress(float, str): progress of the run.
        analysed(object): an :class:`Outcome` is now the one shown.
        failed(str, object): a run failed — what was being done, and the exception
            (``CancelledError`` when the user cancelled).
        state_changed(): the edits changed (the analysis follows when its run ends).
        comparison_changed(object): the comparison analysis (or None when none).
        busy_changed(bool): a run started or the last one ended.
    """

    run_started = Signal(str)
    progress = Signal(float, str)
    analysed = Signal(object)
    failed = Signal(str, object)
    state_changed = Signal()
    comparison_changed = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.state: Session | None = None  # what the user asked for
        self.shown: Outcome | None = None  # what the views show
        self.comparison: Analysis | None = None
        self._worker: Worker | None = None
        self._worker_state: Session | None = None
        self._worker_is_open = False
        self._compare_worker: Worker | None = None
        self._pending_open: Session | None = None
        self._restoring = False
        self._keep_history = False
        self.default_currency = "USD"  # names money when a BOM states no currency
        self.limits: Any = None  # the reader's safety limits (None = built-in), a setting
        import_for_warm_up()

    # -- queries -------------------------------------------------------------------------
    @property
    def analysis(self) -> Analysis | None:
        """The analysis shown (None before the first file was analysed)."""
        return self.shown.analysis if self.shown is not None else None

    @property
    def path(self) -> str:
        """The BOM file shown ('' when none)."""
        return self.shown.state.source_path if self.shown is not None else ""

    def is_busy(self) -> bool:
        """True while a run is going."""
        return self._worker is not None

    def session(self) -> Session | None:
        """The current edits as a session (with the BOM's hash), or None when empty."""
        if self.state is None:
            return None
        sha = self.state.source_sha256
        if not sha and self.shown is not None:
            sha = self.shown.analysis.imported.report.sha256
        return replace(self.state, source_sha256=sha)

    # -- opening -------------------------------------------------------------------------
    def open(self, state: Session, *, use_saved_mapping: bool = True) -> None:
        """Analyse a BOM afresh with *state* (a new file, or a session being opened).

        What is shown now stays until the run succeeds; on success the undo history starts
        over.
        """
        self._stop(self._worker)
        self._worker = None
        self._pending_open = state
        self._start(state, None, is_open=True, use_saved_mapping=use_saved_mapping)

    def reload(self) -> None:
        """Read the file again (it may have changed), keeping the edits."""
        if self.state is not None:
            state = replace(self.state, source_sha256="")
            self._stop(self._worker)
            self._worker = None
            self._pending_open = state
            self._start(state, None, is_open=True, use_saved_mapping=False, keep_history=True)

    def cancel(self) -> None:
        """Ask the running analysis to stop (``failed`` reports a CancelledError)."""
        if self._worker is not None:
            self._worker.cancel()

    def close(self) -> None:
        """Stop every run (the window closes)."""
        self._stop(self._worker)
        self._worker = None
        self._stop_comparison()

    # -- editing -------------------------------------------------------------------------
    def edit(self, text: str, merge_id: int = -1, **changes: Any) -> None:
        """Change fields of the session state as one undoable edit named *text*."""
        if self.state is None or self._pending_open is not None:
            return  # nothing open yet, or a file is being opened: it replaces everything
        after = replace(self.state, **changes)
        if after.edits_equal(self.state):
            return
        self.undo_stack.push(EditCommand(self, text, self.state, after, merge_id))

    def _set_state(self, state: Session) -> None:
        """Called by the undo commands: make *state* current and bring the analysis along."""
        self.state = state
        self.state_changed.emit()
        if self._restoring:
            return
        shown = self.shown
        if shown is not None and _same_lines(state, shown.state):
            # Back to what is shown (an edit undone while it ran), or only the comparison
            # changed: the lines stay as they are.
            if self._worker is not None:
                self._stop(self._worker)
                self._worker = None
                self.busy_changed.emit(False)
            compare_changed = state.compare_with != shown.state.compare_with
            self.shown = replace(shown, state=state)
            if compare_changed:
                self._update_comparison()
            return
        self._start(state, self.analysis, is_open=False)

    def set_comparison(self, scenario: str | None) -> None:
        """Compare the current edits with preset *scenario* (None: no comparison)."""
        self.edit(
            f"Compare with {scenario}" if scenario else "Stop comparing", compare_with=scenario
        )

    # -- runs ----------------------------------------------------------------------------
    def _start(
        self,
        state: Session,
        base: Analysis | None,
        *,
        is_open: bool,
        use_saved_mapping: bool = False,
        keep_history: bool = False,
    ) -> None:
        was_busy = self._worker is not None
        self._stop(self._worker)
        worker = Worker(
            run_analysis,
            state,
            base,
            use_saved_mapping=use_saved_mapping,
            currency=self.default_currency,
            limits=self.limits,
        )
        worker.progress.connect(self.progress)
        worker.finished.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        self._worker_state = state
        self._worker_is_open = is_open
        self._keep_history = keep_history
        name = Path(state.source_path).name
        self.run_started.emit(f"Opening {name}…" if is_open and base is None else "Updating…")
        if not was_busy:
            self.busy_changed.emit(True)
        worker.start()

    def _stop(self, worker: Worker | None) -> None:
        """Cancel a main run; its outcome is no longer wanted and arrives nowhere."""
        if worker is None:
            return
        worker.cancel()
        worker.progress.disconnect(self.progress)
        worker.finished.disconnect(self._on_done)
        worker.failed.disconnect(self._on_failed)

    def _stop_comparison(self) -> None:
        worker = self._compare_worker
        self._compare_worker = None
        if worker is None:
            return
        worker.cancel()
        worker.finished.disconnect(self._on_compared)
        worker.failed.disconnect(self._on_compare_failed)

    def _on_done(self, outcome: Outcome) -> None:
        is_open = self._worker_is_open
        self._worker = None
        if is_open:
            self._pending_open = None
            if not self._keep_history:
                self._restoring = True
                try:
                    self.undo_stack.clear()
                finally:
                    self._restoring = False
            self.state = outcome.state
            self.comparison = None
        elif self.state is not None:
            if not _same_lines(self.state, outcome.state):
                # an edit arrived while this ran and was not started (should not happen)
                self._start(self.state, outcome.analysis, is_open=False)
                return
            outcome = replace(
                outcome, state=replace(self.state, source_sha256=outcome.state.source_sha256)
            )
        retired, self.shown = self.shown, outcome
        if is_open and not self._keep_history:
            self.undo_stack.setClean()
        self.busy_changed.emit(False)
        self.analysed.emit(outcome)
        if is_open:
            self.state_changed.emit()
        # every view shows the new outcome now: the old one is freed off the GUI thread
        dispose(retired)
        del retired
        self._update_comparison()

    def _on_failed(self, error: BaseException) -> None:
        is_open = self._worker_is_open
        self._worker = None
        self.busy_changed.emit(False)
        if is_open:
            self._pending_open = None
            what = f"open {Path(self._worker_state.source_path).name}" if self._worker_state else ""
            self.failed.emit(what, error)
            return
        self.failed.emit("update the analysis", error)
        if isinstance(error, CancelledError):
            return
        # The edit cannot be analysed: take it back so what is shown matches the state.
        if self.undo_stack.canUndo():
            self._restoring = True
            try:
                self.undo_stack.undo()
            finally:
                self._restoring = False
        if self.shown is not None:
            self.state = self.shown.state
            self.state_changed.emit()

    # -- comparison ----------------------------------------------------------------------
    def _update_comparison(self) -> None:
        self._stop_comparison()
        state, base = self.state, self.analysis
        if state is None or base is None or not state.compare_with:
            if self.comparison is not None:
                retired, self.comparison = self.comparison, None
                self.comparison_changed.emit(None)
                dispose(retired)
            return
        worker = Worker(run_comparison, base, state)
        worker.finished.connect(self._on_compared)
        worker.failed.connect(self._on_compare_failed)
        self._compare_worker = worker
        worker.start()

    def _on_compared(self, analysis: Analysis) -> None:
        self._compare_worker = None
        retired, self.comparison = self.comparison, analysis
        self.comparison_changed.emit(analysis)
        dispose(retired)

    def _on_compare_failed(self, error: BaseException) -> None:
        self._compare_worker = None
        self.comparison = None
        self.comparison_changed.emit(None)
        if not isinstance(error, CancelledError):
            self.failed.emit("compare the scenarios", error)

    def is_comparing(self) -> bool:
        """True while the comparison scenario is being analysed."""
        return self._compare_worker is not None


def _same_lines(a: Session, b: Session) -> bool:
    """True when *a* and *b* give the same analysed lines (they may compare differently)."""
    return replace(a, compare_with=b.compare_with).edits_equal(b)
