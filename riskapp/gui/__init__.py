"""The desktop app (PySide6): a thin layer over :mod:`riskapp.core`."""

import builtins as _builtins

PLAIN_IMPORT = _builtins.__import__
"""Python's own handler of import statements, kept before PySide6 replaces it with one that
runs Python code on every import statement (~12 µs each; pandas runs ~3,700 of them in a
48-line analysis). Forked workers, which never touch Qt, put it back (riskapp.gui.forked)."""
