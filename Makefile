# riskapp — the two commands a new user needs: `make run` and `make test`.
# Works on a fresh Debian/Ubuntu machine: installs the Qt runtime libraries when run as root,
# otherwise prints the exact apt command.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
SAMPLE ?= sample_boms/robot_arm.xlsx
REPORT ?= out/robot_arm_report.xlsx

# Debian packages Qt (PySide6 wheels) needs for offscreen and X11 windows, and fonts.
QT_DEBS := libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 \
           libxkbcommon0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
           libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 \
           libxkbcommon-x11-0 fonts-dejavu-core
# Extra tools for looking at the app and its reports (screenshots, PDF pages).
LOOK_DEBS := xvfb xauth xdotool imagemagick poppler-utils libreoffice-calc

.PHONY: run test report lint bench screenshots system-deps look-deps clean help installer

help:
	@echo "make run      - set up .venv and open the desktop app with a sample BOM"
	@echo "make test     - set up .venv with test extras and run lint, types and the whole suite"
	@echo "make report   - score a sample BOM from the command line into $(REPORT)"
	@echo "make bench    - run the speed benchmarks"

system-deps:
	@PKGS="$(QT_DEBS)" sh scripts/ensure-debs.sh

look-deps:
	@PKGS="$(LOOK_DEBS)" sh scripts/ensure-debs.sh

$(VENV)/.created:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed"' 
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { PKGS="python3-venv" sh scripts/ensure-debs.sh && $(PYTHON) -m venv $(VENV); }
	@$(PIP) install -q --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.created pyproject.toml
	$(PIP) install -q -e ".[test]"
	@touch $@ $(VENV)/.installed

run: system-deps $(VENV)/.installed
	$(PY) -m riskapp $(SAMPLE)

report: $(VENV)/.installed
	@mkdir -p $(dir $(REPORT))
	$(PY) -m riskapp score $(SAMPLE) -o $(REPORT)
	@echo "Report written to $(REPORT)"

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy riskapp/core
	$(VENV)/bin/lint-imports

test: system-deps $(VENV)/.installed-test lint
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest

bench: $(VENV)/.installed-test
	$(PY) benchmarks/run.py

screenshots: system-deps look-deps $(VENV)/.installed
	sh scripts/screenshots.sh

clean:
	rm -rf $(VENV) build dist out *.egg-info .pytest_cache .mypy_cache .ruff_cache
