"""Shared fixtures: one small real dataset generated once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from flowad.configio import from_mapping
from flowad.data import DataConfig, generate

ROOT = Path(__file__).resolve().parents[1]


MICRO_DATA = ROOT / "configs" / "data" / "micro.yaml"


def micro_config(**overrides) -> DataConfig:
    """A real but seconds-sized dataset (configs/data/micro.yaml): background with pile-up and a hard signal."""
    spec = yaml.safe_load(MICRO_DATA.read_text())
    spec.update(overrides)
    return from_mapping(DataConfig, spec)


@pytest.fixture(scope="session")
def micro_dataset(tmp_path_factory) -> Path:
    return generate(micro_config(), tmp_path_factory.mktemp("data"), workers=1)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the installed ``flowad`` entry point as a user would."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "search.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=600)
