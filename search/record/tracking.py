"""MLflow tracking of searches: one parent run per search, one child run per trial.

- The experiment and the schema are created on the driver before any trial starts (a fresh SQLite store
  raced when trials created it), with an explicit artifact location.
- A trial's run is found again by its tags (``flowad.search``, ``flowad.trial_id``) rather than created
  twice, so a retried or resumed trial re-attaches to its run: exactly one child run per trial.
- Runs always end: FINISHED, FAILED (tag ``flowad.error`` gives the reason) or KILLED (``flowad.outcome`` =
  ``pruned``).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowad.configio import to_plain
from flowad.errors import FlowadInputError
from flowad.hardware.config import HardwareConfig
from search.record.tags import ERROR, FAILURE, OUTCOME, PARENT, PREVIOUS_ENDS, ROLE, SEARCH, TRIAL_ID, Failure, Outcome



_READY: set[str] = set()


def client_for(uri: str):
    """An MLflow client. For a SQLite store, the first use in each process creates or upgrades the schema
    under a lock file beside the database: two processes initialising one fresh store at once (a search
    starting while ``select`` or the UI opens it) otherwise leave it half-made and one of them fails."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # MLflow prints "View run …" links on every run end with a server; they open the GenAI view (ui_links)
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    from mlflow.tracking import MlflowClient

    path = sqlite_path(uri)
    if not path or uri in _READY:
        return MlflowClient(tracking_uri=uri)
    from filelock import FileLock

    ensure_store(uri)
    with FileLock(f"{path}.lock"):  # the constructor creates or upgrades the schema
        client = MlflowClient(tracking_uri=uri)
        client.search_experiments(max_results=1)
    _READY.add(uri)
    return client


def sqlite_path(uri: str) -> str | None:
    """The database file of a ``sqlite:///path`` URI; None for any other store."""
    m = re.match(r"^sqlite:///(.+)$", uri)
    return m.group(1) if m else None


def absolute_uri(uri: str) -> str:
    """A relative ``sqlite:///path`` made absolute (Ray trials run in other working directories)."""
    path = sqlite_path(uri)
    if path and not path.startswith("/"):
        return f"sqlite:///{Path(path).resolve()}"
    return uri


def ensure_store(uri: str) -> None:
    path = sqlite_path(uri)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class SearchRun:
    uri: str
    experiment_id: str
    parent_run_id: str
    name: str


def open_experiment(uri: str, experiment: str, artifacts: str | None, create: bool):
    """(client, experiment id) of ``experiment`` in the store at ``uri``; a store MLflow cannot open is one line."""
    try:
        client = client_for(uri)
        return client, experiment_id(client, experiment, artifacts, create)
    except FlowadInputError:
        raise
    except Exception as exc:
        verb = "open" if create else "read"
        raise FlowadInputError(f"cannot {verb} MLflow store {uri}: {str(exc).splitlines()[0][:200]}") from None


def has_scheme(location: str) -> bool:
    """``s3://…``, ``gs://…``, ``mlflow-artifacts:/…``, ``file:///…``: a URI, not a bare path."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", location) is not None


def artifact_location(uri: str, artifacts: str | None, experiment: str) -> str | None:
    """Where a new experiment's artefacts go: ``artifacts`` (a URI as given, a path made absolute), else
    ``artifacts/`` beside a SQLite store, else None: a tracking server's own store (served, ``mlflow-artifacts:/``,
    so every host reads and writes artefacts through the server)."""
    if artifacts:
        return artifacts if has_scheme(artifacts) else (Path(artifacts).resolve() / experiment).as_uri()
    path = sqlite_path(uri)
    if path:
        return (Path(path).resolve().parent / "artifacts" / experiment).as_uri()
    return None


def is_local_location(location: str | None) -> bool:
    """An artefact location only this machine can write (a path or ``file:``)."""
    return bool(location) and (not has_scheme(location) or location.startswith("file:"))


def experiment_id(client, experiment: str, artifacts: str | None, create: bool) -> str:
    found = client.get_experiment_by_name(experiment)
    if found is not None:
        return found.experiment_id
    if not create:
        raise FlowadInputError(f"no MLflow experiment named {experiment!r} in this tracking store")
    location = artifact_location(client.tracking_uri, artifacts, experiment)
    return client.create_experiment(experiment, artifact_location=location)


def check_shared_artifacts(uri: str, experiment: str, artifacts: str | None) -> None:
    """With a Ray cluster on other machines, artefacts must go where every host can write and ``select`` can read."""
    uri = absolute_uri(uri)
    location = artifact_location(uri, artifacts, experiment)
    if not artifacts and not sqlite_path(uri):
        try:
            found = client_for(uri).get_experiment_by_name(experiment)
        except Exception:
            found = None
        if found is not None:
            location = found.artifact_location
    if is_local_location(location):
        raise FlowadInputError(f"tracking.artifacts: artefacts would go to {location}, a path on this machine only, but "
                               "the Ray cluster is on other machines: leave tracking.artifacts unset to use the tracking "
                               "server's store, or give a shared URI (s3://…, gs://…, mlflow-artifacts:/…)")


def parent_runs(client, exp_id: str, search: str | None = None):
    query = f"tags.`{ROLE}` = 'search'" + (f" and tags.`{SEARCH}` = '{search}'" if search else "")
    return client.search_runs([exp_id], filter_string=query, order_by=["attributes.start_time DESC"], max_results=1000)


def ui_links(base: str, experiment_id: str, run_id: str | None = None) -> dict[str, str]:
    """Links into the MLflow UI that open its model-training views. MLflow 3's experiment page opens on GenAI
    traces; the runs table needs ``/runs?workflowType=machine_learning`` (checked in headless Chromium)."""
    links = {"runs": f"{base}/#/experiments/{experiment_id}/runs?workflowType=machine_learning"}
    if run_id:
        links["run"] = f"{base}/#/experiments/{experiment_id}/runs/{run_id}"
        links["front"] = f"{base}/#/experiments/{experiment_id}/runs/{run_id}/artifacts/pareto/pareto.html"
    return links


def newest_search(uri: str, experiment: str, search: str | None = None):
    """The parent run of the newest search in ``experiment`` (or of the one named ``search``), or a one-line
    reason why there is none (no store at that path, no such experiment, no such search)."""
    uri = absolute_uri(uri)
    path = sqlite_path(uri)
    if path and not Path(path).is_file():
        return f"no MLflow store at {path} (check --tracking-uri)"
    try:
        client, exp_id = open_experiment(uri, experiment, None, create=False)
    except FlowadInputError as exc:
        return str(exc)
    parents = parent_runs(client, exp_id, search)
    if not parents:
        return f"experiment {experiment!r} has no search runs" + (f" named {search!r}" if search else "")
    return parents[0]


def find_search(uri: str, experiment: str, name: str):
    """The parent run of the search ``name`` in ``experiment``; one line when there is none to resume."""
    found = newest_search(uri, experiment, name)
    if isinstance(found, str):
        raise FlowadInputError(f"nothing to resume: {found}")
    return found


def refuse_existing(uri: str, experiment: str, name: str) -> None:
    """A new search never reuses another search's name (its runs and study would mix)."""
    found = newest_search(uri, experiment, name)
    if not isinstance(found, str):
        raise FlowadInputError(f"experiment {experiment!r} already holds a search named {name!r} "
                               f"(run {found.info.run_id}): resume it with --resume or choose another name")


def open_search(uri: str, experiment: str, artifacts: str | None, name: str, params: dict[str, Any], config_text: str,
                resumed=None) -> SearchRun:
    """The search's parent run: ``resumed`` (its run, from :func:`find_search`) set RUNNING again, or a new one.
    The caller has checked the name (:func:`refuse_existing`)."""
    uri = absolute_uri(uri)
    client, exp_id = open_experiment(uri, experiment, artifacts, create=True)
    if resumed is not None:
        run_id = resumed.info.run_id
        client.update_run(run_id, status="RUNNING")
        client.log_text(run_id, config_text, "search.yaml")  # the same but for ``trials`` (search.record.resume)
        return SearchRun(uri, exp_id, run_id, name)
    run = client.create_run(exp_id, run_name=name, tags={ROLE: "search", SEARCH: name})
    for key, value in params.items():
        client.log_param(run.info.run_id, key, str(value)[:6000])
    client.log_text(run.info.run_id, config_text, "search.yaml")
    return SearchRun(uri, exp_id, run.info.run_id, name)


def find_trial_run(search: SearchRun, trial_id: str):
    """The live child run of trial ``trial_id`` (its stable id), or None."""
    query = f"tags.`{TRIAL_ID}` = '{trial_id}' and tags.`{PARENT}` = '{search.parent_run_id}'"
    found = client_for(search.uri).search_runs([search.experiment_id], filter_string=query, max_results=5)
    return found[0] if found else None


def trial_run(search: SearchRun, trial_id: str, params: dict[str, Any], reopen: bool = False, name: str | None = None) -> str:
    """The child run of one trial, created once and found again on retry/resume (``reopen``: set RUNNING again).
    Its params are only those the trial's family uses (a QKeras-style run has no β)."""
    from search.space.parameters import relevant_params

    client = client_for(search.uri)
    found = find_trial_run(search, trial_id)
    if found:
        if reopen:  # a new attempt: how an earlier one ended is history, not this run's outcome
            ended = [found.data.tags[k] for k in (OUTCOME, ERROR) if k in found.data.tags]
            if ended:
                earlier = found.data.tags.get(PREVIOUS_ENDS, "")
                client.set_tag(found.info.run_id, PREVIOUS_ENDS, "; ".join(filter(None, [earlier, " / ".join(ended)]))[:5000])
            for key in (OUTCOME, ERROR, FAILURE):
                if key in found.data.tags:
                    client.delete_tag(found.info.run_id, key)
            client.update_run(found.info.run_id, status="RUNNING")
        return found.info.run_id
    run = client.create_run(search.experiment_id, run_name=name or trial_id,
                            tags={PARENT: search.parent_run_id, ROLE: "trial", SEARCH: search.name, TRIAL_ID: trial_id})
    for key, value in relevant_params(params).items():
        client.log_param(run.info.run_id, key, value)
    return run.info.run_id


def name_run(uri: str, run_id: str, name: str, description: str | None = None) -> None:
    """The run's name in MLflow's runs table, and its description (markdown, shown on the run's page)."""
    client = client_for(uri)
    client.set_tag(run_id, "mlflow.runName", name)
    if description is not None:
        client.set_tag(run_id, "mlflow.note.content", description)


def search_children(search: SearchRun):
    """The live child runs of a search."""
    return client_for(search.uri).search_runs([search.experiment_id], max_results=50_000,
                                              filter_string=f"tags.`{PARENT}` = '{search.parent_run_id}'")


class RunLog:
    """Metrics logged to one run at most once per (key, step): a trial run again after its worker or driver was
    lost re-attaches to its run and repeats its first epochs; what the run already holds is not logged twice
    (its history keeps the first attempt's values for those steps)."""

    def __init__(self, uri: str, run_id: str, keys: tuple[str, ...] | None = None):
        """``keys``: the only metrics this log will be given (fewer histories to read), default all the run has."""
        self.uri, self.run_id = uri, run_id
        client = client_for(uri)
        present = client.get_run(run_id).data.metrics
        self.logged: dict[str, set[int]] = {key: {m.step for m in client.get_metric_history(run_id, key)}
                                            for key in present if keys is None or key in keys}

    def log(self, metrics: dict[str, Any], step: int | None = None) -> None:
        step = step or 0
        fresh = {k: v for k, v in metrics.items() if step not in self.logged.get(k, ())}
        log_metrics(self.uri, self.run_id, fresh, step=step)
        for key in fresh:
            self.logged.setdefault(key, set()).add(step)


def log_hardware_spec(uri: str, run_id: str, spec: HardwareConfig) -> None:
    """The trial's hardware spec as ``hw.<field>`` params (the full record is the ``hardware.json`` artefact)."""
    from mlflow.exceptions import MlflowException

    client = client_for(uri)
    for key, value in to_plain(spec).items():
        try:
            client.log_param(run_id, f"hw.{key}", value)
        except MlflowException:  # a retried trial logs the same spec again: params are immutable, already there
            pass


def log_metrics(uri: str, run_id: str, metrics: dict[str, Any], step: int | None = None) -> None:
    from mlflow.entities import Metric
    import time

    now = int(time.time() * 1000)
    batch = [Metric(k, float(v), now, step or 0) for k, v in metrics.items()
             if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))]
    if batch:
        client_for(uri).log_batch(run_id, metrics=batch)


def end_run(uri: str, run_id: str, status: str, reason: str = "", failure: str = Failure.CRASH) -> None:
    """End a run: FAILED with ``reason`` (tag ``flowad.error``) and what failed (``failure``: ``configuration`` or
    ``crash``), KILLED with ``reason`` as its outcome (``pruned``, ``interrupted``), or FINISHED.

    Two processes can end one run at the same moment: on Ctrl-C the trial's worker and the driver both mark it
    ``interrupted``; when Tune stops a trial the worker says ``stopped`` while the driver says ``pruned``. The tags
    go in one ``log_batch``, which MLflow's SQL store retries when the other writer inserted the same tag between
    its read and its insert (``set_tag`` would fail there on the unique index); the later writer's value stays."""
    from mlflow.entities import RunTag

    tags = {}
    if status == "FAILED":
        tags = {ERROR: reason[:5000], FAILURE: str(failure)}
    if status == "KILLED":
        tags = {OUTCOME: str(reason or Outcome.STOPPED)}
    client = client_for(uri)
    if tags:
        client.log_batch(run_id, tags=[RunTag(key, value) for key, value in tags.items()])
    client.set_terminated(run_id, status=status)


def child_runs(uri: str, experiment: str, search: str | None = None):
    """(parent run, its child runs) of the newest search in ``experiment`` (or the one named ``search``)."""
    parent = newest_search(uri, experiment, search)
    if isinstance(parent, str):
        raise FlowadInputError(parent)
    client = client_for(absolute_uri(uri))
    children = client.search_runs([parent.info.experiment_id], filter_string=f"tags.`{PARENT}` = '{parent.info.run_id}'",
                                  max_results=50_000)
    return parent, children


@dataclass
class TrialRun:
    """One trial's MLflow run, and everything done to it: found or made once (:meth:`open`), then logged to,
    tagged, named and ended here, in the vocabulary of :mod:`search.record.tags` (how it ends: :meth:`finish`,
    :meth:`fail` with a :class:`~search.record.tags.Failure`, :meth:`kill` with an :class:`~search.record.tags.Outcome`)."""

    uri: str
    run_id: str
    _log: RunLog | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def open(cls, search: SearchRun, trial_id: str, params: dict[str, Any], reopen: bool = False,
             name: str | None = None) -> "TrialRun":
        """The trial's run, made on first use and found again on a retry or resume (:func:`trial_run`)."""
        return cls(search.uri, trial_run(search, trial_id, params, reopen, name))

    @classmethod
    def of(cls, search: SearchRun, run) -> "TrialRun":
        """An MLflow run already found (e.g. by :func:`search_children`)."""
        return cls(search.uri, run.info.run_id)

    def log(self, metrics: dict[str, Any], step: int | None = None) -> None:
        """Numbers, each (key, step) at most once however often the trial is re-run (:class:`RunLog`)."""
        if self._log is None:
            self._log = RunLog(self.uri, self.run_id)
        self._log.log(metrics, step)

    def tag(self, tags: dict[str, str]) -> None:
        client = client_for(self.uri)
        for key, value in tags.items():
            client.set_tag(self.run_id, key, value)

    def log_hardware(self, spec: HardwareConfig) -> None:
        log_hardware_spec(self.uri, self.run_id, spec)

    def log_artifacts(self, artifacts: dict[str, Path]) -> None:
        """``{name: path}``: a folder goes under ``name``; a file into ``name``'s folder (its own name kept)."""
        client = client_for(self.uri)
        for name, path in artifacts.items():
            if path.is_dir():
                client.log_artifacts(self.run_id, str(path), name)
            else:
                client.log_artifact(self.run_id, str(path), str(Path(name).parent) if "/" in name else None)

    def name(self, name: str, description: str | None = None) -> None:
        name_run(self.uri, self.run_id, name, description)

    def finish(self) -> None:
        end_run(self.uri, self.run_id, "FINISHED")

    def fail(self, reason: str, failure: Failure = Failure.CRASH) -> None:
        end_run(self.uri, self.run_id, "FAILED", reason, failure)

    def kill(self, outcome: Outcome) -> None:
        end_run(self.uri, self.run_id, "KILLED", outcome)

