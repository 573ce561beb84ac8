"""The Qt-free core: import, tag, score, advise, report.

Nothing in this package may import PySide6; an import-linter contract in the test run
enforces it.
"""
