"""Shared fixtures: one small real dataset generated once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowad.configio import from_mapping
from flowad.data import DataConfig, generate

ROOT = Path(__file__).resolve().parents[1]


def micro_config(**overrides) -> DataConfig:
    """A real but seconds-sized dataset: background with pile-up and a hard signal."""
    spec = {
        "name": "micro",
        "seed": 11,
        "shard_events": 60,
        "splits": {"train": 0.5, "val": 0.25, "test": 0.25},
        "pileup": {"mean": 10, "pool_events": 60},
        "processes": {
            "zerobias": {"kind": "zerobias", "events": 240},
            "wprime": {"kind": "wprime", "events": 80, "splits": ["val", "test"], "params": {"mass_gev": 2000}},
        },
    }
    spec.update(overrides)
    return from_mapping(DataConfig, spec)


@pytest.fixture(scope="session")
def micro_dataset(tmp_path_factory) -> Path:
    return generate(micro_config(), tmp_path_factory.mktemp("data"), workers=1)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the installed ``flowad`` entry point as a user would."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "search.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=600)
