"""riskapp: rare-earth export-control risk for bills of materials."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("riskapp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.1.0"

import logging as _logging

# A library stays quiet unless the application sets up logging (see riskapp.core.logsetup).
_logging.getLogger("riskapp").addHandler(_logging.NullHandler())
