"""A search survives what clusters do to it: SIGKILL of the driver at any moment, Ctrl-C, a lost worker, pruning.

Each test drives the real CLI in its own process group, as a terminal would, on the session's micro dataset;
the invariants are read back from MLflow and the Optuna study.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.testing.search_process import SearchProcess
from search.record.tags import OUTCOME, TRIAL_ID
from tests.conftest import ROOT
from tests.test_search import MODEL_COST, search_yaml, write

pytestmark = pytest.mark.slow
SPACE = '  student.family: {choices: [qkeras, hgq]}\n  student.bits: {low: 3, high: 8, integer: true}\n'


class Driver(SearchProcess):
    """A search process whose waits end the test with its output when they fail, and which remembers every process
    it started (Ray's included), so a test checks and kills only its own."""

    def __init__(self, config: Path, log: Path, resume: bool = False):
        super().__init__(config, log, resume, cwd=ROOT)
        self.seen: dict[int, float] = {}
        """pid → create time of every descendant seen while it ran"""

    def descendants(self) -> list:
        import psutil

        try:
            found = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        for p in found:
            try:
                self.seen.setdefault(p.pid, p.create_time())
            except psutil.NoSuchProcess:
                pass
        return found

    def wait_for(self, condition, what: str, timeout: float = 400, poll: float = 0.1) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.descendants()
            if condition():
                return
            if not self.running():
                pytest.fail(f"the driver exited ({self.process.returncode}) before {what}:\n{self.output()[-3000:]}")
            time.sleep(poll)
        self.kill()
        pytest.fail(f"timed out waiting for {what}:\n{self.output()[-3000:]}")

    def kill(self) -> None:
        self.descendants()
        super().kill()

    def finish(self, timeout: float = 600) -> int:
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.descendants()
            try:
                return self.wait(0.5)
            except subprocess.TimeoutExpired:
                continue
        self.kill()
        pytest.fail(f"the driver did not finish:\n{self.output()[-3000:]}")

    def left_behind(self) -> list[int]:
        """The processes it started that still run (a pid reused by another process does not count)."""
        import psutil

        alive = []
        for pid, created in self.seen.items():
            try:
                p = psutil.Process(pid)
                if p.create_time() == created and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        return alive


def command_line(process) -> str:
    import psutil

    try:
        return process.name() + " " + " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        return ""


def uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/mlflow.db"


def runs(tmp_path: Path, search: str):
    from search.record import tracking

    try:
        return tracking.child_runs(uri(tmp_path), "e2e", search)[1]
    except Exception:  # the store or the parent run is not made yet
        return []


def study(tmp_path: Path, search: str):
    import optuna

    return optuna.load_study(study_name=f"e2e/{search}", storage=f"sqlite:///{tmp_path}/optuna.db")


def check_exactly_once(tmp_path: Path, search: str, trials: int, logs: str) -> list:
    """The invariants: every configured trial ended exactly once, one live run each, none RUNNING, no metric
    step logged twice, the study agrees with MLflow, and the final front is the one the runs give."""
    from mlflow.tracking import MlflowClient

    from search.record import tracking
    from search.space.search_config import load_search_config
    from search.record.study import search_trials
    from search.record.tags import TRIAL_ATTR

    parent, children = tracking.child_runs(uri(tmp_path), "e2e", search)
    assert parent.info.status == "FINISHED" and parent.data.tags["flowad.front"] == "final"
    labels = [r.data.tags[TRIAL_ID] for r in children]
    assert len(labels) == trials and len(set(labels)) == trials, labels
    assert all(r.info.status in ("FINISHED", "KILLED", "FAILED") for r in children), [r.info.status for r in children]
    killed = {r.data.tags[TRIAL_ID]: r.data.tags.get(OUTCOME) for r in children if r.info.status == "KILLED"}
    assert all(outcome in ("pruned", "time_budget") for outcome in killed.values()), killed  # never unlabelled
    client = MlflowClient(uri(tmp_path))
    for run in children:
        for key in run.data.metrics:
            steps = [m.step for m in client.get_metric_history(run.info.run_id, key)]
            assert len(steps) == len(set(steps)), (run.data.tags[TRIAL_ID], key, steps)
    told = {t.user_attrs[TRIAL_ATTR]: t for t in search_trials(study(tmp_path, search))}
    assert set(told) == set(labels) and all(t.state.is_finished() for t in told.values())
    for run in children:
        trial = told[run.data.tags[TRIAL_ID]]
        assert trial.state.name == {"FINISHED": "COMPLETE", "KILLED": "PRUNED", "FAILED": "FAIL"}[run.info.status]
        if trial.values:
            assert trial.values == [run.data.metrics[m] for m in ("auc", "lut", "latency_ns")]
    # a finished trial is trained once: its end is printed once, or it was recovered from MLflow without a re-run
    for label in labels:
        ended = len(re.findall(rf"\] {label} .*: (val auc|pruned|failed)", logs))
        recovered = sum(label in found.split(", ") for found in re.findall(r"without a re-run: ([^)]*)\)", logs))
        assert ended <= 1 and ended + recovered >= 1, (label, ended, recovered)
        if recovered:  # told to the study from its FINISHED run, so never listed to run again afterwards
            after = logs[logs.index("without a re-run: "):]
            reruns = re.findall(r"while they ran\): ([^;]*);", after)
            assert not any(label in found.split(", ") for found in reruns[1:]), (label, reruns)
    assert tagged_front(children) == oracle_front(children, load_search_config(tmp_path / f"{search}.yaml")) != set()
    return children


def tagged_front(children) -> set[str]:
    return {r.info.run_id for r in children if r.data.tags.get("pareto") == "true"}


def oracle_front(children, search) -> set[str]:
    """The front from the runs' own metrics by brute force, independent of search.front.summary and search.front.pareto:
    finished runs meeting every constraint, none of which another such run dominates."""
    sign = {"max": -1.0, "min": 1.0}
    points = {}
    for run in children:
        m = run.data.metrics
        if run.info.status != "FINISHED" or any(k not in m or m[k] != m[k] for k in search.metric_names):
            continue
        if any(c.metric not in m or (c.max is not None and m[c.metric] > c.max) or (c.min is not None and m[c.metric] < c.min)
               for c in search.constraints):
            continue
        points[run.info.run_id] = [sign[d] * m[k] for k, d in zip(search.metric_names, search.directions)]
    return {a for a, pa in points.items()
            if not any(all(x <= y for x, y in zip(pb, pa)) and pb != pa for b, pb in points.items() if b != a)}


def no_ray_left(driver: Driver) -> None:
    """A killed driver takes the Ray it started with it (Ray's processes share its fate); nothing it started is
    left running. A worker in the middle of a Ray task (a teacher's training) notices its raylet is gone only
    after tens of seconds (seen: > 30 s); the teacher's lock keeps a resumed driver from training it twice
    meanwhile. Only the driver's own processes are looked at, never others on the machine."""
    deadline = time.time() + 150
    while time.time() < deadline:
        left = driver.left_behind()
        if not left:
            return
        time.sleep(1)
    pytest.fail(f"processes the driver started are left behind: {left}")


def test_driver_killed_at_any_moment_finishes_every_trial_exactly_once(tmp_path, micro_dataset):
    trials = 6
    # a teacher of its own (hidden 12), so the first driver is killed while it trains
    text = search_yaml(tmp_path, micro_dataset, name="k", trials=trials, space=SPACE, extra=MODEL_COST).replace("hidden: 16", "hidden: 12")
    config = write(tmp_path, text, "k.yaml")
    teachers = Path(micro_dataset).parent / "cache" / "teachers"
    logs = []

    def cycle(resume: bool, condition, what: str) -> None:
        driver = Driver(config, tmp_path / f"driver{len(logs)}.log", resume=resume)
        driver.wait_for(condition(driver), what)
        driver.kill()
        logs.append(driver.output())
        no_ray_left(driver)

    def training_teacher(driver):
        return lambda: any(not lock.with_suffix("").exists() for lock in teachers.glob("*.pt.lock")
                           if lock.stat().st_mtime > started)

    def mid_trial(driver):
        return lambda: any(r.info.status == "RUNNING" and "val_loss" in r.data.metrics for r in runs(tmp_path, "k"))

    def printed(pattern):
        return lambda driver: (lambda: re.search(pattern, driver.output()) is not None)

    started = time.time()
    cycle(False, training_teacher, "the teacher's training")
    cycle(True, mid_trial, "a trial mid-way")
    cycle(True, printed(r"\[\d/6\] t\d+ .*val auc"), "a trial's report")
    cycle(True, printed(r"resuming: "), "a resume's reconciliation")
    cycle(True, printed(r"computing the Pareto front"), "the front computation")
    last = Driver(config, tmp_path / "driver-last.log", resume=True)
    assert last.finish() == 0, last.output()[-3000:]
    logs.append(last.output())
    assert len(logs) == 6
    check_exactly_once(tmp_path, "k", trials, "\n".join(logs))
    assert "to run again (their driver stopped while they ran): none; 0 new" in logs[-1]  # it only computed the front
    no_ray_left(last)


def test_ctrl_c_interrupts_and_resume_finishes(tmp_path, micro_dataset):
    config = write(tmp_path, search_yaml(tmp_path, micro_dataset, name="c", trials=4, space=SPACE, extra=MODEL_COST), "c.yaml")
    driver = Driver(config, tmp_path / "c.log")
    driver.wait_for(lambda: any(r.info.status == "RUNNING" and "val_loss" in r.data.metrics for r in runs(tmp_path, "c")),
                    "a trial mid-way")
    driver.signal(signal.SIGINT)  # as Ctrl-C in a terminal: the whole foreground process group
    assert driver.finish(timeout=120) == 130, driver.output()[-3000:]
    assert "--resume" in driver.output() and "interrupted" in driver.output()
    from search.record import tracking

    parent, children = tracking.child_runs(uri(tmp_path), "e2e", "c")
    assert parent.info.status == "KILLED" and parent.data.tags.get("flowad.front") != "final"
    assert not [r for r in children if r.info.status == "RUNNING"]
    interrupted = [r for r in children if r.data.tags.get(OUTCOME) == "interrupted"]
    assert interrupted and all(r.info.status == "KILLED" for r in interrupted)
    labels = {r.data.tags[TRIAL_ID] for r in interrupted}
    no_ray_left(driver)
    status = subprocess.run([sys.executable, "-m", "search.cli.main", "search", "status", "--experiment", "e2e",
                             "--tracking-uri", uri(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert status.returncode == 0 and "interrupted" in status.stdout and "runs again on --resume" in status.stdout

    resumed = Driver(config, tmp_path / "c2.log", resume=True)
    assert resumed.finish() == 0, resumed.output()[-3000:]
    children = check_exactly_once(tmp_path, "c", 4, driver.output() + resumed.output())
    # every interrupted trial ran again: listed to run again, its end printed by the second driver, its run ended anew
    rerun = re.search(r"while they ran\): ([^;]*);", resumed.output()).group(1).split(", ")
    assert labels <= set(rerun), (labels, rerun)
    for label in labels:
        assert re.search(rf"\] {label} .*: (val auc|pruned)", resumed.output()), label
        run = next(r for r in children if r.data.tags[TRIAL_ID] == label)
        assert run.data.tags.get(OUTCOME) != "interrupted", label
    # a finished search is extended by a larger `trials`; nothing else may change
    config.write_text(config.read_text().replace("trials: 4", "trials: 5"))
    extended = Driver(config, tmp_path / "c3.log", resume=True)
    assert extended.finish() == 0, extended.output()[-3000:]
    assert "; 1 new" in extended.output()
    check_exactly_once(tmp_path, "c", 5, driver.output() + resumed.output() + extended.output())


def test_two_processes_ending_one_run_at_once_both_succeed(tmp_path):
    """On Ctrl-C the trial's worker and the driver both mark a running trial ``interrupted``. Here the other writer's
    insert lands, through its own connection, between this process's read and insert of the tag, every time (a
    flush hook): ending the run must still succeed, not fail on the tag's unique index."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from search.record import tracking
    from search.record.tags import Outcome

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    client = tracking.client_for(uri)
    run_id = client.create_run(client.create_experiment("race")).info.run_id
    raced = []

    def other_writer(session, *_):
        if not raced and any(getattr(o, "key", None) == OUTCOME for o in session.new):
            with sqlite3.connect(tmp_path / "mlflow.db", timeout=30) as other:
                other.execute("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)", (OUTCOME, "interrupted", run_id))
            raced.append(True)

    event.listen(Session, "before_flush", other_writer)
    try:
        tracking.end_run(uri, run_id, "KILLED", Outcome.INTERRUPTED)
    finally:
        event.remove(Session, "before_flush", other_writer)
    assert raced, "the other writer never ran: the test did not race"
    run = client.get_run(run_id)
    assert run.info.status == "KILLED" and run.data.tags[OUTCOME] == "interrupted"


def test_a_lost_worker_is_retried_on_the_same_run(tmp_path, micro_dataset):
    text = search_yaml(tmp_path, micro_dataset, name="w", trials=1, space=SPACE, extra=MODEL_COST).replace(
        "student: {epochs: 3, patience: 3, batch_size: 64}", "student: {epochs: 6, patience: 6, batch_size: 16}")
    config = write(tmp_path, text, "w.yaml")
    driver = Driver(config, tmp_path / "w.log")
    driver.wait_for(lambda: any(r.info.status == "RUNNING" and "val_loss" in r.data.metrics for r in runs(tmp_path, "w")),
                    "a trial mid-way")
    workers = [p for p in driver.descendants() if "ImplicitFunc" in command_line(p)]
    assert workers, "no Tune worker process found among the driver's"
    workers[0].kill()  # a lost node, as Ray sees it: the actor's process dies mid-epoch
    assert driver.finish() == 0, driver.output()[-3000:]
    assert "retrying" in driver.output(), driver.output()[-2000:]
    check_exactly_once(tmp_path, "w", 1, driver.output())
