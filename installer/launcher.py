"""Entry script PyInstaller freezes: the same `main` as the `riskapp` console script."""

import sys

from riskapp.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
