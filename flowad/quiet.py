"""Redirect a process's C-level stdout/stderr (file descriptors 1 and 2), for libraries that print from C++."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def fds_to(path: str | Path, fds: tuple[int, ...] = (1, 2)) -> Iterator[None]:
    """Within the block, file descriptors ``fds`` write to ``path`` (e.g. a log file or ``os.devnull``)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(fd) for fd in fds]
    with open(path, "w") as target:
        for fd in fds:
            os.dup2(target.fileno(), fd)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in zip(fds, saved):
                os.dup2(copy, fd)
                os.close(copy)
