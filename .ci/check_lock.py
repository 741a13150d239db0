"""Say which versions this venv holds and refuse one that drifted from constraints.txt.

Run by `make venv` after it installs: prints the key packages' versions in one block, then checks that every
installed distribution is in the lock at exactly its locked version (torch is pinned by the Makefile, flowad is
the checkout). A package the lock does not name (pyproject.toml gained a dependency) or a version that differs
fails with one line per package and exit code 1: run `make lock`.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

KEY = ("torch", "tensorflow", "keras", "hls4ml", "hgq2", "da4ml", "ray", "optuna", "mlflow", "sqlalchemy",
       "alembic", "cloudpickle", "numpy", "zuko", "pythia8mc", "fastjet", "pip", "setuptools")
NOT_LOCKED = {"torch", "flowad"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonical(name)] = version.strip()
    return pins


def main(lock: str = "constraints.txt") -> int:
    installed = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    print("versions: " + ", ".join(f"{k} {installed.get(canonical(k), 'absent')}" for k in KEY))
    pins = locked(Path(lock))
    drift = [f"{name} {version} (lock: {pins.get(name, 'not in the lock')})" for name, version in sorted(installed.items())
             if name not in NOT_LOCKED and pins.get(name) != version]
    for line in drift:
        print(f"check_lock: {line}", file=sys.stderr)
    if drift:
        print(f"check_lock: {len(drift)} package(s) differ from {lock}; run `make lock` (re-resolves and tests)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
