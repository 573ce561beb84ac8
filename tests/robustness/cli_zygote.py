"""Run many CLI commands cheaply: import riskapp once, then fork one process per command.

Started by the tests as ``python -m tests.robustness.cli_zygote``; reads one JSON request
per line on stdin (``{"jobs": [[args...], ...], "timeout": 20, "workers": 2}``) and answers
one JSON line per request: a list of ``{"returncode", "stdout", "stderr", "seconds",
"peak_mb"}`` in the order of the jobs.

Each command runs in a fresh fork of this process, exactly as ``python -m riskapp ARGS``
would run after start-up (same interpreter, same modules, ``riskapp.__main__.main``), with
its own stdout/stderr, a hard timeout and its peak memory measured by ``os.wait4``. Only
the second of Python start-up and pandas import is shared, which is what lets the whole
oddsheets corpus run inside the suite's time budget on a slow 2-core machine.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback


def _child(args: list[str], out_fd: int, err_fd: int) -> None:  # pragma: no cover - child
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    code = 1
    try:
        from riskapp.__main__ import main

        code = main(args)
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()  # what the interpreter would print for an escaped exception
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class _Job:
    def __init__(self, index: int, args: list[str], timeout: float) -> None:
        self.index = index
        self.args = args
        self.timeout = timeout
        self.out = tempfile.TemporaryFile()  # noqa: SIM115 - closed in poll()
        self.err = tempfile.TemporaryFile()  # noqa: SIM115 - closed in poll()
        sys.stdout.flush()
        sys.stderr.flush()
        self.started = time.monotonic()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - child
            _child(args, self.out.fileno(), self.err.fileno())

    def poll(self) -> dict[str, object] | None:
        done, status, usage = os.wait4(self.pid, os.WNOHANG)
        killed = False
        if not done:
            if time.monotonic() - self.started <= self.timeout:
                return None
            os.kill(self.pid, 9)
            killed = True
            done, status, usage = os.wait4(self.pid, 0)
        seconds = time.monotonic() - self.started
        self.out.seek(0)
        self.err.seek(0)
        answer = {
            "index": self.index,
            "returncode": None if killed else os.waitstatus_to_exitcode(status),
            "stdout": self.out.read().decode("utf-8", "replace"),
            "stderr": self.err.read().decode("utf-8", "replace"),
            "seconds": seconds,
            "peak_mb": usage.ru_maxrss / 1024,
        }
        self.out.close()
        self.err.close()
        return answer


def run_many(jobs: list[list[str]], timeout: float, workers: int) -> list[dict[str, object]]:
    """Run the commands, at most `workers` at a time; answers in the order given."""
    waiting = list(enumerate(jobs))
    running: list[_Job] = []
    answers: list[dict[str, object]] = []
    while waiting or running:
        while waiting and len(running) < workers:
            index, args = waiting.pop(0)
            running.append(_Job(index, args, timeout))
        for job in list(running):
            answer = job.poll()
            if answer is not None:
                running.remove(job)
                answers.append(answer)
        time.sleep(0.005)
    return sorted(answers, key=lambda a: int(str(a["index"])))


def main() -> None:
    # everything `riskapp inspect` needs, loaded before the first fork
    import python_calamine  # noqa: F401

    import riskapp.cli
    import riskapp.core.export
    import riskapp.core.importer  # noqa: F401

    reply = os.fdopen(os.dup(1), "w", encoding="utf-8")
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        answers = run_many(req["jobs"], float(req.get("timeout", 20)), int(req.get("workers", 1)))
        reply.write(json.dumps(answers) + "\n")
        reply.flush()


if __name__ == "__main__":
    main()
