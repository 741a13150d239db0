"""Cluster benchmark (issue #13): a search on a real multi-process cluster on this machine, with 1 and 2 worker nodes.

For each node count, ``search.testing.local_cluster`` starts a Ray head (0 CPUs), that many Ray worker nodes (1 CPU each,
separate ``ray start`` processes, token auth) and an MLflow server with served artefacts; a search of ``--trials``
trials runs from another working directory with ``--address`` and the server's ``http://`` URI; everything is torn
down by process id. Printed: start-up times, trials per hour, and where a trial's time goes (from each run's
``time_*`` metrics, read through the server). All nodes share this machine's cores: this measures the platform
(scheduling, tracking through a server), not a real cluster's speed-up.

Usage: python bench/cluster.py [--trials 4] [--nodes 1 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MICRO_DATA = ROOT / "configs" / "data" / "micro.yaml"
STEPS = ("data", "teacher_wait", "teacher", "distill", "design", "estimate")


def config(work: Path, name: str, trials: int, uri: str, teacher_seed: int) -> str:
    return (f"name: {name}\n"
            f"data: {{path: {MICRO_DATA}, cache: {work}/cache}}\n"
            f"teacher: {{kind: flow, view: calo, architecture: realnvp, depth: 2, hidden: 16, epochs: 3, patience: 2, seed: {teacher_seed}}}\n"
            "student: {epochs: 3, patience: 3, batch_size: 64}\n"
            "distill: {augment: {fraction: 1.0, max_scale: 8}}\n"
            "objectives:\n  - {metric: auc}\n  - {metric: lut}\n  - {metric: latency_ns}\n"
            "space:\n  student.family: {choices: [qkeras, hgq]}\n  student.bits: {low: 3, high: 8, integer: true}\n"
            f"trials: {trials}\nconcurrency: 2\npruning: {{enabled: false}}\n"
            f"tracking: {{uri: '{uri}', experiment: bench}}\nray: {{storage_path: state}}\n")


def warm(work: Path, trials: int) -> None:
    """The dataset and the baselines' firmware, made once before the timed searches."""
    from search.running.baselines import reference_metrics
    from search.space.search_config import SearchConfig
    from search.running.driver import absolutized, warm_shared_inputs
    import yaml

    from flowad.configio import from_mapping

    search = absolutized(from_mapping(SearchConfig, yaml.safe_load(config(work, "warm", trials, "sqlite:///unused.db", 0))))
    warm_shared_inputs(search)
    reference_metrics(search)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    from mlflow.tracking import MlflowClient

    from search.testing.local_cluster import start_local_cluster

    rows, splits = [], {}
    with tempfile.TemporaryDirectory(prefix="flowad-cluster-") as tmp:
        work = Path(tmp)
        warm(work, args.trials)
        for nodes in args.nodes:
            begin = time.perf_counter()
            cluster = start_local_cluster(work / f"site{nodes}", worker_nodes=nodes, cpus_per_node=1)
            started = time.perf_counter() - begin
            try:
                driver = work / f"driver{nodes}"
                driver.mkdir()
                # each run trains a teacher of its own (its first step, a Ray task); the dataset and the baselines'
                # firmware were made before either
                (driver / "search.yaml").write_text(config(work, f"n{nodes}", args.trials, cluster.tracking_uri, nodes))
                begin = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "search.cli.main", "search", "run", "search.yaml", "--address", cluster.address],
                                      cwd=driver, env={**os.environ, **cluster.env, "PYTHONWARNINGS": "ignore"},
                                      capture_output=True, text=True, timeout=3600)
                wall = time.perf_counter() - begin
                if done.returncode != 0:
                    print(done.stdout[-2000:], done.stderr[-2000:])
                    raise SystemExit(f"the search on {nodes} node(s) failed")
                client = MlflowClient(cluster.tracking_uri)
                experiment = client.get_experiment_by_name("bench")
                runs = [r for r in client.search_runs([experiment.experiment_id], f"tags.`flowad.search` = 'n{nodes}'")
                        if r.data.tags.get("flowad.role") == "trial" and r.info.status == "FINISHED"]
                used = {r.data.tags.get("flowad.node") for r in runs}
                splits[nodes] = {step: sum(r.data.metrics.get(f"time_{step}", 0.0) for r in runs) for step in STEPS}
                splits[nodes]["trial run (MLflow start → end)"] = sum((r.info.end_time - r.info.start_time) / 1000 for r in runs)
                rows.append((nodes, started, cluster.started_s, len(runs), wall, len(used)))
            finally:
                left = cluster.stop()
                if left:
                    print(f"warning: processes left behind: {left}")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; micro dataset, "
          f"realnvp teacher, 3-epoch QKeras/HGQ students, synth estimator, {args.trials} trials, 2 at a time; "
          "dataset and baseline firmware made before; each search trains its own teacher as a Ray task")
    print("\n| worker nodes | cluster start s (head / nodes / MLflow server) | trials finished | nodes used | search wall s | trials / hour |")
    print("|---|---|---|---|---|---|")
    for nodes, started, parts, n, wall, used in rows:
        split = " / ".join(f"{v:.1f}" for v in (parts["ray head"], sum(v for k, v in parts.items() if "worker" in k), parts["mlflow server"]))
        print(f"| {nodes} | {started:.1f} ({split}) | {n} | {used} | {wall:.1f} | {n / wall * 3600:.0f} |")
    print("\n| step (sum over trials, s) | " + " | ".join(f"{n} node(s)" for n in splits) + " |")
    print("|---|" + "---|" * len(splits))
    for step in [*STEPS, "trial run (MLflow start → end)"]:
        print(f"| {step} | " + " | ".join(f"{splits[n][step]:.1f}" for n in splits) + " |")


if __name__ == "__main__":
    main()
