"""Collision data: Pythia8 generation, Level-1 detector emulation, premixed pile-up, Parquet storage.

The public API:

- :func:`load`: ``{process: {split: array}}`` from a generated dataset, a shard or an ADC2021 file;
- :func:`generate`: produce (or find cached) the dataset of a :class:`DataConfig`;
- :func:`load_config`: a :class:`DataConfig` from YAML, strictly validated.
"""

from __future__ import annotations

from pathlib import Path

from flowad.configio import load_yaml
from flowad.data.config import DataConfig, DetectorConfig, PileupConfig, ProcessConfig
from flowad.data.generate import generate
from flowad.data.readers import load, read_adc2021


def load_config(path: str | Path) -> DataConfig:
    return load_yaml(DataConfig, path)


__all__ = ["DataConfig", "DetectorConfig", "PileupConfig", "ProcessConfig", "generate", "load", "load_config", "read_adc2021"]
