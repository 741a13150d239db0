"""Real Pythia generation on a micro config: determinism, caching, resume, splits, physics sanity."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from flowad.data import generate, load
from flowad.data.generate import MANIFEST, dataset_dir
from flowad.data.shards import pool_paths
from tests.conftest import micro_config

pytestmark = pytest.mark.slow


def test_dataset_layout_and_manifest(micro_dataset):
    manifest = json.loads((micro_dataset / MANIFEST).read_text())
    assert manifest["name"] == "micro"
    assert (micro_dataset.parent / "micro").resolve() == micro_dataset.resolve()
    events = {(s["process"], s["split"]): 0 for s in manifest["shards"]}
    for s in manifest["shards"]:
        events[(s["process"], s["split"])] += s["events"]
    assert events == {("zerobias", "train"): 120, ("zerobias", "val"): 60, ("zerobias", "test"): 60,
                      ("wprime", "val"): 40, ("wprime", "test"): 40}
    assert not list(micro_dataset.rglob("*.tmp-*"))


def test_load_returns_arrays_per_process_and_split(micro_dataset):
    calo = load(micro_dataset, "calo")
    objects = load(micro_dataset, "objects", processes=["zerobias"], splits=["train"])
    assert calo["zerobias"]["train"].shape == (120, 18, 14) and calo["zerobias"]["train"].dtype == np.uint16
    assert objects == {"zerobias": {"train": objects["zerobias"]["train"]}}
    assert objects["zerobias"]["train"].shape == (120, 57) and objects["zerobias"]["train"].dtype == np.float32
    assert calo["wprime"].keys() == {"val", "test"}


def test_metadata_records_generator_settings(micro_dataset):
    shard = next((micro_dataset / "wprime").glob("test-*.parquet"))
    meta = json.loads(pq.read_schema(shard).metadata[b"flowad"])
    assert "NewGaugeBoson:ffbar2Wprime = on" in meta["pythia_settings"]
    assert any(s.startswith("Random:seed = ") for s in meta["pythia_settings"])
    assert meta["kind"] == "wprime" and meta["params"]["mass_gev"] == 2000
    assert meta["flowad_version"] and meta["pileup"]["mean"] == 10


def test_signal_is_harder_than_background(micro_dataset):
    calo = load(micro_dataset, "calo")
    objects = load(micro_dataset, "objects")
    bg_sum = calo["zerobias"]["test"].reshape(60, -1).sum(1)
    sig_sum = calo["wprime"]["test"].reshape(40, -1).sum(1)
    assert np.median(sig_sum) > 2 * np.median(bg_sum)
    lead_jet = lambda a: a.reshape(len(a), 19, 3)[:, 9, 0]  # noqa: E731
    assert np.median(lead_jet(objects["wprime"]["test"])) > 200 > np.median(lead_jet(objects["zerobias"]["test"]))


def test_splits_have_disjoint_pileup_pools(micro_dataset):
    seeds = set()
    for split in ("train", "val", "test"):
        (path,) = pool_paths(micro_dataset, split)
        settings = json.loads(pq.read_schema(path).metadata[b"flowad"])["pythia_settings"]
        seeds.add(next(s for s in settings if s.startswith("Random:seed")))
    assert len(seeds) == 3


def test_same_config_gives_identical_arrays_with_any_worker_count(micro_dataset, tmp_path):
    again = generate(micro_config(), tmp_path / "two_workers", workers=2)
    for view in ("calo", "objects"):
        first, second = load(micro_dataset, view), load(again, view)
        for process in first:
            for split in first[process]:
                assert first[process][split].tobytes() == second[process][split].tobytes()


def test_a_different_seed_changes_the_events(tmp_path):
    other = generate(micro_config(seed=12, processes={"zerobias": {"kind": "zerobias", "events": 60}}), tmp_path, workers=1)
    base = generate(micro_config(processes={"zerobias": {"kind": "zerobias", "events": 60}}), tmp_path, workers=1)
    assert other != base
    a, b = load(other, "calo")["zerobias"]["train"], load(base, "calo")["zerobias"]["train"]
    assert a.tobytes() != b.tobytes()


def test_cache_hit_and_resume_regenerate_only_what_is_missing(micro_dataset, tmp_path):
    config = micro_config()
    assert generate(config, micro_dataset.parent, workers=1) == micro_dataset  # cache hit: nothing to do
    # resume: copy the finished dataset, drop one shard and the manifest, run again
    import shutil

    copy = dataset_dir(config, tmp_path)
    shutil.copytree(micro_dataset, copy)
    victim = copy / "wprime" / "val-0000.parquet"
    victim.unlink()
    (copy / MANIFEST).unlink()
    untouched = copy / "zerobias" / "train-0000.parquet"
    before = untouched.stat().st_mtime_ns
    progress = []
    generate(config, tmp_path, workers=1, progress=lambda done, total: progress.append((done, total)))
    assert progress[0] == (progress[0][1] - 40, progress[0][1])  # only the 40 missing events to do
    assert untouched.stat().st_mtime_ns == before
    assert victim.read_bytes() == (micro_dataset / "wprime" / "val-0000.parquet").read_bytes()


class _BrokenExecutor:
    """An executor whose workers are all lost: every task fails."""

    def submit(self, fn, *args):
        from concurrent.futures import Future

        future = Future()
        future.set_exception(RuntimeError("worker lost"))
        return future


def test_a_failed_run_leaves_no_empty_dataset_behind(tmp_path):
    config = micro_config(name="doomed")
    with pytest.raises(RuntimeError, match="worker lost"):
        generate(config, tmp_path, executor=_BrokenExecutor())
    assert not dataset_dir(config, tmp_path).exists()
    assert not (tmp_path / "doomed").exists()


def test_sigterm_stops_the_generation_and_its_workers(tmp_path):
    """`kill <pid>` (or a batch scheduler's end of job) reaches only the command: it must stop its spawned workers
    rather than leave them generating, say so in one line, and exit 143."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil
    import yaml

    from tests.conftest import MICRO_DATA, ROOT

    spec = yaml.safe_load(MICRO_DATA.read_text())
    spec.update(name="long", processes={"zerobias": {"kind": "zerobias", "events": 6000}})
    config = tmp_path / "long.yaml"
    config.write_text(yaml.safe_dump(spec))
    command = subprocess.Popen([sys.executable, "-m", "search.cli.main", "data", "generate", "--config", str(config),
                                "--out", str(tmp_path / "data"), "--workers", "2", "--no-progress"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"})
    started: dict[int, float] = {}
    deadline = time.time() + 120
    while time.time() < deadline and len(started) < 2:
        for child in psutil.Process(command.pid).children(recursive=True):
            if "spawn_main" in " ".join(child.cmdline()):
                started.setdefault(child.pid, child.create_time())
        time.sleep(0.2)
    def alive(pid: int, created: float) -> bool:
        try:
            process = psutil.Process(pid)
            return process.create_time() == created and process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    try:
        assert len(started) >= 2, "the two workers never started"
        time.sleep(3)  # both are inside Pythia by now
        assert command.poll() is None, command.communicate()
        command.send_signal(signal.SIGTERM)  # the command only, not its process group
        command.wait(timeout=60)
        assert command.returncode == 143, command.returncode
        deadline = time.time() + 30
        while time.time() < deadline and any(alive(*p) for p in started.items()):
            time.sleep(0.2)
        assert not any(alive(*p) for p in started.items()), "workers left generating after the command ended"
        assert command.stderr.read().strip().splitlines()[-1] == "flowad: terminated"
    finally:  # whatever happened, nothing this test started outlives it
        for pid, created in started.items():
            if alive(pid, created):
                psutil.Process(pid).kill()
        if command.poll() is None:
            command.kill()
