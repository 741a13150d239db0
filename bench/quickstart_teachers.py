"""The quickstart's wall time with teachers trained inside the trials (before) and as Ray tasks first (after).

Issue #13: a trial used to train its teacher itself, behind a lock, while every other trial sharing that teacher
held its CPU (and GPU share) waiting. ``resources.teachers_first`` (default on) trains each distinct teacher once
as its own Ray task before the trials. This runs ``configs/search/quickstart.yaml`` unchanged but for that switch,
each search on a fresh tracking store and a fresh teacher cache (the dataset and the baselines' firmware are
made once, untimed, and shared by symlink), so both train the same two teachers from nothing. Printed: wall time,
the per-step time summed over trials (from each run's ``time_*`` metrics), and the fronts' best AUC, so the two
did the same work.

Usage: python bench/quickstart_teachers.py [--trials 16] [--order before after]
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

import yaml

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "configs" / "search" / "quickstart.yaml"
STEPS = ("teacher_wait", "teacher", "distill", "design", "estimate")
PER_SEARCH = ("teachers", "scores")
"""Cache entries each search makes for itself; everything else in the cache (dataset, baselines) is shared."""


def shared_cache(real: Path, fresh: Path) -> None:
    """``fresh``: the real cache's dataset and baseline records by symlink, without its teachers and scores."""
    fresh.mkdir(parents=True)
    for entry in real.iterdir():
        if entry.name not in PER_SEARCH:
            (fresh / entry.name).symlink_to(entry.resolve())


def warm(mapping: dict) -> None:
    """The dataset and the baselines' firmware, made once in the real cache before the timed searches."""
    from flowad.configio import from_mapping
    from search.running.baselines import reference_metrics
    from search.space.search_config import SearchConfig
    from search.running.driver import absolutized, warm_shared_inputs

    search = absolutized(from_mapping(SearchConfig, mapping))
    warm_shared_inputs(search)
    reference_metrics(search)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--order", nargs="+", choices=("before", "after"), default=["before", "after"])
    args = parser.parse_args()
    from mlflow.tracking import MlflowClient

    base = yaml.safe_load(QUICKSTART.read_text())
    base["data"] = {"path": str(ROOT / base["data"]["path"]), "cache": str(ROOT / base["data"]["cache"])}
    base["trials"] = args.trials
    print(f"warming the dataset and baselines in {base['data']['cache']} (untimed)", flush=True)
    warm(base)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="flowad-qs-teachers-") as tmp:
        for mode in args.order:
            work = Path(tmp) / mode
            shared_cache(Path(base["data"]["cache"]), work / "cache")
            mapping = {**base, "name": f"qs-{mode}",
                       "data": {**base["data"], "cache": str(work / "cache")},
                       "resources": {**base.get("resources", {}), "teachers_first": mode == "after"},
                       "tracking": {"uri": f"sqlite:///{work}/mlflow.db", "experiment": "bench", "artifacts": str(work / "artifacts")},
                       "ray": {"storage_path": str(work / "state")}}
            (work / "search.yaml").write_text(yaml.safe_dump(mapping, sort_keys=False))
            print(f"{mode}: running {args.trials} trials (teachers_first={mode == 'after'})", flush=True)
            begin = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "search.cli.main", "search", "run", "search.yaml"], cwd=work,
                                  env={**os.environ, "PYTHONWARNINGS": "ignore"}, capture_output=True, text=True, timeout=4 * 3600)
            wall = time.perf_counter() - begin
            (work / "driver.log").write_text(done.stdout + done.stderr)
            if done.returncode != 0:
                print(done.stdout[-3000:], done.stderr[-3000:])
                raise SystemExit(f"the {mode} search failed (exit {done.returncode})")
            client = MlflowClient(f"sqlite:///{work}/mlflow.db")
            experiment = client.get_experiment_by_name("bench")
            runs = [r for r in client.search_runs([experiment.experiment_id], max_results=5000)
                    if r.data.tags.get("flowad.role") == "trial"]
            finished = [r for r in runs if r.info.status == "FINISHED"]
            split = {step: sum(r.data.metrics.get(f"time_{step}", 0.0) for r in runs) for step in STEPS}
            split["trial run (MLflow start → end)"] = sum(((r.info.end_time or r.info.start_time) - r.info.start_time) / 1000 for r in runs)
            teacher_line = next((line for line in done.stdout.splitlines() if line.startswith("teachers:")), "")
            best = max((r.data.metrics.get("auc", float("nan")) for r in finished), default=float("nan"))
            rows[mode] = {"wall": wall, "finished": len(finished), "ended": len(runs), "split": split,
                          "best_auc": best, "teacher_line": teacher_line}
            print(f"{mode}: {wall:.0f} s, {len(finished)} finished of {len(runs)}", flush=True)
    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"configs/search/quickstart.yaml, {args.trials} trials, 2 at a time, 1 CPU each; dataset and baseline firmware "
          "made before both; each search trains its two flow teachers (depth 2 and 4) from nothing")
    modes = list(rows)
    names = {"before": "before (teacher inside the first trial that needs it)", "after": "after (teachers first, as Ray tasks)"}
    print("\n| | " + " | ".join(names[m] for m in modes) + " |")
    print("|---|" + "---|" * len(modes))
    print("| search wall s | " + " | ".join(f"{rows[m]['wall']:.0f}" for m in modes) + " |")
    print("| trials finished / ended | " + " | ".join(f"{rows[m]['finished']} / {rows[m]['ended']}" for m in modes) + " |")
    print("| best validation AUC | " + " | ".join(f"{rows[m]['best_auc']:.3f}" for m in modes) + " |")
    for step in [*STEPS, "trial run (MLflow start → end)"]:
        print(f"| {step}, s summed over trials | " + " | ".join(f"{rows[m]['split'][step]:.0f}" for m in modes) + " |")
    run_total = {m: rows[m]["split"]["trial run (MLflow start → end)"] for m in modes}
    print("| waiting share of trial time | " + " | ".join(
        f"{100 * rows[m]['split']['teacher_wait'] / run_total[m]:.1f} %" if run_total[m] else "–" for m in modes) + " |")
    if len(modes) == 2 and rows["before"]["wall"]:
        print(f"\nafter / before wall time: {rows['after']['wall'] / rows['before']['wall']:.2f}×")
    for m in modes:
        if rows[m]["teacher_line"]:
            print(f"{m}: {rows[m]['teacher_line']}")


if __name__ == "__main__":
    main()
