"""Cold start: from a new process to the main window shown and painted, from source.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_startup.py      # or under xvfb-run

Runs the start in fresh processes (default 5) and prints each time and the median. The
time counts from the process's own start (the kernel's clock in /proc, so the interpreter
start is included) to the first processed paint after `show()`. Target: under 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = """
import os
def since_start():
    with open('/proc/self/stat') as f:
        ticks = int(f.read().rsplit(')', 1)[1].split()[19])
    with open('/proc/uptime') as f:
        up = float(f.read().split()[0])
    return up - ticks / os.sysconf('SC_CLK_TCK')
from PySide6.QtWidgets import QApplication
app = QApplication(['riskapp'])
from riskapp.gui import settings as cfg
from riskapp.gui.main_window import MainWindow
from riskapp.gui.settings_dialog import apply_theme
apply_theme(cfg.Settings())
window = MainWindow()
window.show()
app.processEvents()
print(f'{since_start():.3f}')
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if not sys.platform.startswith("linux"):
        print("needs Linux (/proc) to see when the process started", file=sys.stderr)
        return 1
    env = {**os.environ, "RISKAPP_USER_DIR": tempfile.mkdtemp(prefix="riskapp-start-")}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    times = []
    for _ in range(args.runs):
        done = subprocess.run(
            [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True
        )
        times.append(float(done.stdout.strip().splitlines()[-1]))
        print(f"window shown {times[-1]:.2f} s after the process started")
    print(f"median {statistics.median(times):.2f} s over {len(times)} starts (target < 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
