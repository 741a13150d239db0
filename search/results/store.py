"""Every unit of a study (one teacher and seed, one student and seed, one sampler run, …) is run once: its numbers
are kept as ``<cache>/results/<study>/<hash of its spec>.json`` (written atomically) and read back on the next run.
A spec names the dataset by its identity, never by a path, so a moved cache or another clone reuses it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flowad.atomic import write_text_atomic
from flowad.hashing import content_hash

RESULTS_VERSION = 2
"""Part of every unit's key: raise it when what a unit measures changes, so old numbers are not reused."""


def unit(cache: str | Path, study: str, spec: Any, run: Callable[[], dict]) -> dict:
    """The kept result of ``spec`` in ``study``, or ``run()``'s (kept now)."""
    path = Path(cache) / "results" / study / f"{content_hash({'v': RESULTS_VERSION, 'spec': spec}, 16)}.json"
    if path.is_file():
        return json.loads(path.read_text())
    result = run()
    write_text_atomic(path, json.dumps(result, indent=1, sort_keys=True, default=float) + "\n")
    return result
