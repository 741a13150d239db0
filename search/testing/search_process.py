"""``flowad search run`` as a child process in a session of its own, the way a terminal runs it.

Its output goes to a file (a full pipe would block it) and signals go to its whole process group, as a closed
terminal (SIGHUP/SIGKILL) or Ctrl-C (SIGINT) would send them. The fault tests and ``bench/faults.py`` drive
searches through it, killing them at chosen moments.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


class SearchProcess:
    def __init__(self, config: Path, log: Path, resume: bool = False, cwd: Path | None = None, cpus: int = 2):
        self.log, self.start = log, time.perf_counter()
        args = [sys.executable, "-m", "search.cli.main", "search", "run", str(config), "--cpus", str(cpus)]
        args += ["--resume"] if resume else []
        with log.open("w") as out:
            self.process = subprocess.Popen(args, cwd=cwd, env={**os.environ, "PYTHONWARNINGS": "ignore"},
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text()

    @property
    def seconds(self) -> float:
        """Wall seconds since it was started."""
        return time.perf_counter() - self.start

    def running(self) -> bool:
        return self.process.poll() is None

    def signal(self, sig: int) -> None:
        """Send ``sig`` to its whole process group (Ray's processes started by it included)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.process.wait(timeout=60)

    def wait(self, timeout: float | None = None) -> int:
        """Its exit code; raises :class:`subprocess.TimeoutExpired` after ``timeout`` seconds."""
        return self.process.wait(timeout=timeout)
