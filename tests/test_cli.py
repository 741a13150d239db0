"""The ``flowad data`` commands as a user runs them: output, and one clear line + exit 2 for bad input."""

import h5py
import numpy as np
import pytest

from tests.conftest import run_cli

GOOD = """name: clitest
seed: 3
shard_events: 40
pileup: {mean: 5, pool_events: 50}
processes:
  zerobias: {kind: zerobias, events: 80}
  ttbar: {kind: ttbar, events: 40, splits: [test]}
"""


def assert_one_line_error(result, *words):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("flowad: error: ")
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.slow
def test_generate_then_info(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD)
    out = tmp_path / "data"
    result = run_cli("data", "generate", "--config", str(tmp_path / "good.yaml"), "--out", str(out), "--workers", "2", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "dataset clitest:" in result.stdout
    info = run_cli("data", "info", str(out / "clitest"))
    assert info.returncode == 0, info.stderr
    assert "dataset clitest" in info.stdout
    rows = [line.split() for line in info.stdout.splitlines() if line.startswith(("zerobias", "ttbar"))]
    assert [(r[0], r[1], r[2]) for r in rows] == [("zerobias", "train", "48"), ("zerobias", "val", "16"),
                                                 ("zerobias", "test", "16"), ("ttbar", "test", "40")]
    shard = next((out / "clitest" / "ttbar").glob("*.parquet"))
    assert "shard" in run_cli("data", "info", str(shard)).stdout


@pytest.mark.parametrize("change, words", [
    (("kind: ttbar", "kind: zprime_to_unicorns"), ["unknown process 'zprime_to_unicorns'"]),
    (("mean: 5", "mean: -3"), ["pileup.mean", "must be in [0, 200]"]),
    (("mean: 5", "mean: 5000"), ["pileup.mean", "must be in [0, 200]"]),
    (("seed: 3", "seed: 3\nluminosity: 2"), ["luminosity", "unknown key"]),
    (("events: 80", "events: eighty"), ["processes.zerobias.events", "expected an integer"]),
])
def test_bad_config_is_one_line_and_writes_nothing(tmp_path, change, words):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(*change))
    out = tmp_path / "data"
    result = run_cli("data", "generate", "--config", str(path), "--out", str(out))
    assert_one_line_error(result, str(path), *words)
    assert not out.exists()


def test_missing_paths_and_bad_worker_count(tmp_path):
    assert_one_line_error(run_cli("data", "generate", "--config", str(tmp_path / "nope.yaml")), "no such config file")
    assert_one_line_error(run_cli("data", "info", str(tmp_path / "nope")), "no such file or directory")
    (tmp_path / "good.yaml").write_text(GOOD)
    out = tmp_path / "data"
    assert_one_line_error(run_cli("data", "generate", "--config", str(tmp_path / "good.yaml"), "--out", str(out), "--workers", "0"),
                          "--workers must be >= 1")
    assert not out.exists()


def test_corrupted_files_are_one_line(tmp_path):
    (tmp_path / "broken.parquet").write_bytes(b"PAR1\x00\x01broken")
    assert_one_line_error(run_cli("data", "info", str(tmp_path / "broken.parquet")), "not a readable Parquet file")
    (tmp_path / "broken.h5").write_bytes(b"\x89HDF\r\n garbage")
    assert_one_line_error(run_cli("data", "info", str(tmp_path / "broken.h5")), "not a readable HDF5 file")
    with h5py.File(tmp_path / "shape.h5", "w") as f:
        f.create_dataset("Particles", data=np.zeros((4, 19, 7)))
    assert_one_line_error(run_cli("data", "info", str(tmp_path / "shape.h5")), "shape (4, 19, 7)")
    (tmp_path / "notadataset").mkdir()
    assert_one_line_error(run_cli("data", "info", str(tmp_path / "notadataset")), "not a complete flowad dataset")


def test_adc2021_file_info(tmp_path):
    with h5py.File(tmp_path / "background_for_training.h5", "w") as f:
        f.create_dataset("Particles", data=np.ones((10, 19, 4)))
    result = run_cli("data", "info", str(tmp_path / "background_for_training.h5"))
    assert result.returncode == 0, result.stderr
    assert "events: 10" in result.stdout
