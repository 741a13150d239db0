"""Fault-injection benchmark (issue #12): a search killed again and again, and what actor reuse is worth.

1. ``kills``: one search of ``--trials`` trials; its driver's process group is SIGKILLed at five moments (while the
   teacher trains, mid-trial, right after a trial reports, right after a resume reconciled, during the front
   computation) and ``--resume``d after each, then once more to the end. Printed: each driver's wall time and what
   it left, then the invariants: trials completed, lost, duplicated, orphan runs, duplicated metric steps, and
   the total wall time against the same search run without faults.
2. ``reuse``: the same search without pruning, with and without actor reuse (a new worker process per trial):
   wall time per trial. Pruning turns reuse off (search.space.search_config.RayConfig.reuse_actors), so this is its cost.

Usage: python bench/faults.py [kills|reuse|all] [--trials 6] [--work DIR]
Runs the real CLI on a seconds-sized generated dataset (W′ signal in val and test); ~15 min on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import tempfile
import time
from pathlib import Path

from search.testing.search_process import SearchProcess

ROOT = Path(__file__).resolve().parents[1]
MICRO_DATA = ROOT / "configs" / "data" / "micro.yaml"


def search_yaml(work: Path, name: str, trials: int, teacher_seed: int, pruning: bool = True, reuse: bool | None = None) -> Path:
    ray = f"{{storage_path: {work}/ray" + (f", reuse_actors: {str(reuse).lower()}" if reuse is not None else "") + "}"
    text = (f"name: {name}\n"
            f"data: {{path: {MICRO_DATA}, cache: {work}/cache}}\n"
            f"teacher: {{kind: flow, view: calo, architecture: realnvp, depth: 2, hidden: 16, epochs: 3, patience: 2, seed: {teacher_seed}}}\n"
            "student: {epochs: 3, patience: 3, batch_size: 64}\n"
            "distill: {augment: {fraction: 1.0, max_scale: 8}}\n"
            "objectives:\n  - {metric: auc}\n  - {metric: lut}\n  - {metric: latency_ns}\n"
            "space:\n  student.family: {choices: [qkeras, hgq]}\n  student.bits: {low: 3, high: 8, integer: true}\n"
            f"trials: {trials}\nconcurrency: 2\npruning: {{enabled: {str(pruning).lower()}}}\n"
            f"tracking: {{uri: 'sqlite:///{work}/mlflow.db', experiment: faults, artifacts: {work}/artifacts}}\n"
            f"ray: {ray}\n")
    path = work / f"{name}.yaml"
    path.write_text(text)
    return path


class Driver(SearchProcess):
    def __init__(self, config: Path, log: Path, resume: bool):
        super().__init__(config, log, resume, cwd=ROOT)

    def run_until(self, condition, timeout: float = 900) -> bool:
        """Poll ``condition``; SIGKILL the process group when it holds. False when the driver ended first."""
        deadline = time.time() + timeout
        while time.time() < deadline and self.running():
            if condition():
                self.kill()
                return True
            time.sleep(0.1)
        self.wait()
        return False


def child_runs(work: Path, name: str):
    from search.record import tracking

    try:
        return tracking.child_runs(f"sqlite:///{work}/mlflow.db", "faults", name)[1]
    except Exception:
        return []


def ended(runs) -> int:
    return sum(r.info.status != "RUNNING" and r.data.tags.get("flowad.outcome") not in ("interrupted", "stopped") for r in runs)


def invariants(work: Path, name: str, trials: int, logs: str) -> dict[str, int]:
    import optuna
    from mlflow.tracking import MlflowClient

    from search.record.study import search_trials
    from search.record.tags import TRIAL_ATTR

    runs = child_runs(work, name)
    labels = [r.data.tags["flowad.trial_id"] for r in runs]
    study = optuna.load_study(study_name=f"faults/{name}", storage=f"sqlite:///{work}/optuna.db")
    told = {t.user_attrs[TRIAL_ATTR] for t in search_trials(study) if t.state.is_finished()}
    client = MlflowClient(f"sqlite:///{work}/mlflow.db")
    repeated = 0
    for run in runs:
        for key in run.data.metrics:
            steps = [m.step for m in client.get_metric_history(run.info.run_id, key)]
            repeated += len(steps) - len(set(steps))
    ends = {label: len(re.findall(rf"\] {label} .*: (val auc|pruned|failed)", logs)) for label in labels}
    return {"completed": len(told & set(labels)), "lost": trials - len(told & set(labels)),
            "duplicated": sum(n > 1 for n in ends.values()) + (len(labels) - len(set(labels))),
            "orphans": sum(r.info.status == "RUNNING" or r.data.tags["flowad.trial_id"] not in told for r in runs),
            "repeated_steps": repeated}


def warm(config: Path) -> None:
    """Generate the dataset and cost the baselines' firmware first, so both searches below start equally warm
    (each still trains a teacher of its own)."""
    from search.running.baselines import reference_metrics
    from search.space.search_config import load_search_config
    from search.running.driver import absolutized, warm_shared_inputs

    search = absolutized(load_search_config(config))
    warm_shared_inputs(search)
    reference_metrics(search)


def kills(work: Path, trials: int) -> None:
    warm(search_yaml(work, "clean", trials, teacher_seed=1))
    reference = Driver(search_yaml(work, "clean", trials, teacher_seed=1), work / "clean.log", resume=False)
    reference.run_until(lambda: False)
    clean_seconds = reference.seconds
    config = search_yaml(work, "killed", trials, teacher_seed=2)
    teachers = work / "cache" / "teachers"
    since = time.time()
    moments = [
        ("while the teacher trains", lambda d: any(not lock.with_suffix("").exists() for lock in teachers.glob("*.pt.lock")
                                                  if lock.stat().st_mtime > since)),
        ("mid-trial", lambda d: any(r.info.status == "RUNNING" and "val_loss" in r.data.metrics for r in child_runs(work, "killed"))),
        ("right after a trial reported", lambda d: re.search(r"\[\d+/\d+\] t\d+ .*val auc", d.output()) is not None),
        ("right after a resume reconciled", lambda d: "resuming: " in d.output()),
        ("during the front computation", lambda d: "computing the Pareto front" in d.output()),
    ]
    rows, logs = [], []
    for i, (moment, condition) in enumerate(moments):
        driver = Driver(config, work / f"killed{i}.log", resume=i > 0)
        killed = driver.run_until(lambda: condition(driver))
        logs.append(driver.output())
        rows.append((i + 1, "resume" if i else "start", moment if killed else f"not killed: it ended before ({moment})",
                     driver.seconds, ended(child_runs(work, "killed")), killed))
    last = Driver(config, work / "killed-last.log", resume=True)
    last.run_until(lambda: False)
    logs.append(last.output())
    rows.append((len(moments) + 1, "resume", f"not killed (exit {last.process.returncode})", last.seconds,
                 ended(child_runs(work, "killed")), False))
    print(f"\n### Kill anywhere: one search of {trials} trials, SIGKILL of the driver's process group at five moments\n")
    print("| driver | started as | killed | wall s | trials ended after it |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} | {row[3]:.1f} | {row[4]} |")
    found = invariants(work, "killed", trials, "\n".join(logs))
    total = sum(r[3] for r in rows)
    print("\n| kills injected | trials configured | completed | lost | duplicated | orphan runs | repeated metric steps "
          "| wall s, all drivers | wall s, same search without faults |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {sum(r[5] for r in rows)} | {trials} "
          f"| {found['completed']} | {found['lost']} | {found['duplicated']} | {found['orphans']} | {found['repeated_steps']} "
          f"| {total:.0f} | {clean_seconds:.0f} |")


def reuse(work: Path, trials: int) -> None:
    print(f"\n### Actor reuse: the same {trials}-trial search without pruning, one worker process reused or one per trial\n")
    print("| actors | search wall s | finished trials | wall s per trial | mean trial run s (MLflow start → end) |")
    print("|---|---|---|---|---|")
    seconds = {}
    for flag in (True, False):
        name = f"reuse-{str(flag).lower()}"
        driver = Driver(search_yaml(work, name, trials, teacher_seed=3, pruning=False, reuse=flag), work / f"{name}.log", resume=False)
        driver.run_until(lambda: False)
        runs = [r for r in child_runs(work, name) if r.info.status == "FINISHED"]
        mean_run = sum((r.info.end_time - r.info.start_time) / 1000 for r in runs) / max(1, len(runs))
        seconds[flag] = driver.seconds / max(1, len(runs))
        print(f"| {'reused' if flag else 'new per trial'} | {driver.seconds:.1f} | {len(runs)} | {seconds[flag]:.1f} | {mean_run:.1f} |")
    print(f"\nA new worker per trial (what pruning needs) costs {seconds[False] - seconds[True]:+.1f} s of search wall time per trial "
          f"({seconds[False] / seconds[True]:.2f}×) with 2 trials at a time.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="all", choices=("kills", "reuse", "all"))
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--work", default=None, help="working folder (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flowad-faults-") as tmp:
        work = Path(args.work or tmp).resolve()
        work.mkdir(parents=True, exist_ok=True)
        print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"micro dataset (240 ZeroBias, 80 W′), realnvp teacher, 3-epoch students, 2 trials at a time")
        if args.what in ("kills", "all"):
            kills(work, args.trials)
        if args.what in ("reuse", "all"):
            reuse(work, args.trials)


if __name__ == "__main__":
    main()
