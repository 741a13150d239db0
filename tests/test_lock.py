"""The lock (constraints.txt) that every install uses: it covers pyproject's ranges, and drift is caught."""

from __future__ import annotations

import importlib.util
import tomllib
from importlib import metadata

from packaging.requirements import Requirement

from tests.conftest import ROOT


def check_lock():
    spec = importlib.util.spec_from_file_location("check_lock", ROOT / ".ci" / "check_lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lock_pins_every_dependency_at_a_version_its_range_admits():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]]
    lock = check_lock()
    pins = lock.locked(ROOT / "constraints.txt")
    for requirement in wanted:
        name = lock.canonical(requirement.name)
        if name in lock.NOT_LOCKED:  # torch: pinned by the Makefile
            continue
        assert name in pins, f"{requirement.name} is not in constraints.txt: run make lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{requirement} vs locked {pins[name]}"


def test_a_venv_that_drifted_from_the_lock_is_refused(tmp_path, capsys):
    lock = check_lock()
    installed = {d.metadata["Name"]: d.version for d in metadata.distributions()}
    exact = tmp_path / "exact.txt"
    exact.write_text("# a lock of this very venv\n" + "".join(f"{n}=={v}\n" for n, v in installed.items()))
    assert lock.main(str(exact)) == 0
    drifted = tmp_path / "drifted.txt"
    drifted.write_text("".join(f"{n}=={'0.0.1' if n.lower() == 'numpy' else v}\n" for n, v in installed.items()
                               if n.lower() != "optuna"))
    assert lock.main(str(drifted)) == 1
    err = capsys.readouterr().err
    assert "numpy" in err and "optuna" in err and "not in the lock" in err and "make lock" in err
