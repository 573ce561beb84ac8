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

.PHONY: run test report lint bench screenshots system-deps look-deps clean help installer installer-test

help:
	@echo "make run      - set up .venv and open the desktop app with a sample BOM"
	@echo "make test     - set up .venv with test extras and run lint, types and the whole suite"
	@echo "make report   - score a sample BOM from the command line into $(REPORT)"
	@echo "make bench    - run the speed benchmarks"
	@echo "make installer      - build the Linux package dist/riskapp_<version>_<arch>.deb"
	@echo "make installer-test - build, install, run and remove the .deb (root; minutes)"

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

$(VENV)/.installed-build: $(VENV)/.created pyproject.toml
	$(PIP) install -q -e ".[build]"
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

$(VENV)/.installed-bench: $(VENV)/.created pyproject.toml
	$(PIP) install -q -e ".[test,bench]"
	@touch $@ $(VENV)/.installed $(VENV)/.installed-test

bench: $(VENV)/.installed-bench
	$(PY) benchmarks/run.py

screenshots: system-deps look-deps $(VENV)/.installed
	sh scripts/screenshots.sh

# The Linux installer: freezes the app with PyInstaller (installer/riskapp.spec), runs the
# frozen `riskapp --self-test` (a failure or unexpected stderr stops the build) and packs
# dist/riskapp_<version>_<arch>.deb. Install it with `sudo apt-get install ./dist/riskapp_*.deb`.
# Windows and macOS installers are built on those systems: see docs/installing.md.
installer: system-deps $(VENV)/.installed-build
	$(PY) installer/build_deb.py
	@ls -l dist/*.deb

# tests/installer: builds the .deb from this checkout, installs it with dpkg -i, runs it
# with no Python on PATH, takes a screenshot, removes it and checks nothing is left, and
# compile-checks the NSIS script (Debian's nsis). Needs root: skips with the reason
# otherwise, fails instead in CI. Prints what it measured at the end.
installer-test: system-deps $(VENV)/.installed-test $(VENV)/.installed-build
	@PKGS="nsis" sh scripts/ensure-debs.sh || echo "(no makensis: the NSIS compile check will be skipped)"
	RISKAPP_INSTALLER_TESTS=1 QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest tests/installer

clean:
	rm -rf $(VENV) build dist out *.egg-info .pytest_cache .mypy_cache .ruff_cache
