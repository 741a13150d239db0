from pathlib import Path

import pytest

from flowad.configio import from_mapping, load_yaml
from flowad.data import DataConfig, load_config
from flowad.errors import ConfigError, FlowadInputError

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = {"name": "x", "processes": {"bg": {"kind": "zerobias", "events": 10}}}


def build(**changes):
    spec = {**MINIMAL, **changes}
    return from_mapping(DataConfig, spec)


def test_shipped_configs_load():
    for path in (ROOT / "configs" / "data").glob("*.yaml"):
        config = load_config(path)
        assert config.processes


def test_defaults_follow_design():
    config = build()
    assert config.pileup.mean == 60
    assert config.detector.region_bits == 10
    assert config.sqrt_s_gev == 13600


@pytest.mark.parametrize("spec, key, words", [
    ({"colour": 1}, "colour", "unknown key"),
    ({"pileup": {"mean": -1}}, "pileup.mean", "must be in [0, 200]"),
    ({"pileup": {"mean": 1000}}, "pileup.mean", "must be in [0, 200]"),
    ({"pileup": {"mean": "lots"}}, "pileup.mean", "expected a number"),
    ({"processes": {"bg": {"kind": "qcd_zz", "events": 10}}}, "processes.bg.kind", "unknown process 'qcd_zz'"),
    ({"processes": {"bg": {"kind": "zerobias", "events": 0}}}, "processes.bg.events", "must be >= 1"),
    ({"processes": {"bg": {"kind": "zerobias", "events": 5, "splits": ["holdout"]}}}, "processes.bg.splits", "unknown split"),
    ({"processes": {"s": {"kind": "wprime", "events": 5, "params": {"mass": 3}}}}, "processes.s.params.mass", "unknown key"),
    ({"processes": {"s": {"kind": "stop_pair", "events": 5, "params": {"stop_mass_gev": 300, "neutralino_mass_gev": 200}}}},
     "processes.s.params.neutralino_mass_gev", "stop -> t chi10"),
    ({"splits": {"train": 0.5, "test": 0.2}}, "splits", "sum to 1"),
    ({"detector": {"region_bits": 0}}, "detector.region_bits", "must be in [1, 16]"),
    ({"processes": {}}, "processes", "at least one"),
])
def test_bad_values_name_the_key(spec, key, words):
    with pytest.raises(ConfigError) as info:
        build(**spec)
    assert info.value.key == key
    assert words in info.value.problem


def test_missing_required_key():
    with pytest.raises(ConfigError, match="processes: required key is missing"):
        from_mapping(DataConfig, {"name": "x"})


def test_yaml_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nprocesses: {bg: {kind: zerobias, events: 10}}\npileup: {mean: -5}\n")
    with pytest.raises(FlowadInputError) as info:
        load_yaml(DataConfig, path)
    assert str(info.value).startswith(f"{path}: pileup.mean:")
    path.write_text("name: [unclosed\n")
    with pytest.raises(FlowadInputError, match="not valid YAML"):
        load_yaml(DataConfig, path)
    with pytest.raises(FlowadInputError, match="no such config file"):
        load_yaml(DataConfig, tmp_path / "absent.yaml")


def test_process_splits_are_renormalised_and_complete():
    config = build(processes={"s": {"kind": "ttbar", "events": 101, "splits": ["val", "test"]}})
    counts = config.process_splits("s")
    assert set(counts) == {"val", "test"}
    assert sum(counts.values()) == 101
    assert config.used_splits() == ["val", "test"]


def test_exact_split_counts_and_pool_sizes():
    config = build(processes={"bg": {"kind": "zerobias", "split_events": {"train": 30, "val": 100, "test": 100}}},
                   pileup={"pool_events": 50, "split_pool_events": {"val": 500}})
    assert config.process_splits("bg") == {"train": 30, "val": 100, "test": 100}
    assert config.pileup.pool_size("val") == 500 and config.pileup.pool_size("train") == 50
    with pytest.raises(ConfigError, match="processes.bg.split_events: unknown split .holdout."):
        build(processes={"bg": {"kind": "zerobias", "split_events": {"holdout": 10}}})
    with pytest.raises(ConfigError, match="give split_events or events/splits, not both"):
        build(processes={"bg": {"kind": "zerobias", "events": 5, "split_events": {"val": 10}}})
    with pytest.raises(ConfigError, match="pileup.split_pool_events.holdout: unknown split"):
        build(pileup={"split_pool_events": {"holdout": 100}})
    with pytest.raises(ConfigError, match="a ZeroBias crossing is all pile-up"):
        build(pileup={"mean": 0})
    with pytest.raises(ConfigError, match="hard_pthat_min_gev"):
        build(pileup={"hard_pthat_min_gev": 2.0})
