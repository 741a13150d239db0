"""Pick a deployable model from a search's front under FPGA budgets, ship the design its trial costed, prove it.

The best front member (by ``objective``, a validation metric like every number on the front) whose LUT, DSP
and latency fit the budgets (or the front member ``run_id`` names) is shipped as the firmware its trial logged:
``firmware.zip`` is unpacked, its sources' SHA-256 must equal the hash the trial costed (tag
``flowad.design_hash``), then the design is verified on held-out test events against the model: Icarus Verilog
simulation for da4ml and logic-gate Verilog, hls4ml's C simulation for HLS projects. Only a bit-exact design is
registered with the alias ``deployable``; one that cannot be verified on this machine is registered only with
``allow_unverified`` and tagged ``verified=false``, without the alias. Only here is the test split read: the
chosen student is measured on it (rate cut set on validation, as in the search) beside the no-ML baselines on the
same events, and the ``test_*`` metrics with their 95 % intervals go on its run and its model version.
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flowad.errors import FlowadInputError
from flowad.hardware.routes import Verification
from flowad.metrics.menu import CalibratedMenu
from flowad.metrics.trigger import SIGNAL_METRICS, ScorePerformance
from search.record import tracking
from search.space.search_config import METRICS, known_metric
from search.front.summary import trials_table
from search.record.tags import DESIGN_HASH, ESTIMATOR, ESTIMATOR_SURROGATE, HARDWARE_SOURCE, SEARCH, TRIAL_ID

ALIAS = "deployable"
BUDGET_METRICS = {"max_lut": "lut", "max_dsp": "dsp", "max_latency_ns": "latency_ns"}


@dataclass(frozen=True)
class Selection:
    run_id: str
    trial_id: str
    metrics: dict[str, float]
    model_name: str
    version: str
    export: dict
    test: ScorePerformance
    """The student on the test split."""
    test_baselines: dict[str, ScorePerformance]
    menu: CalibratedMenu
    signals: list[str]
    verification: Verification


def test_metrics(performance: ScorePerformance, signals: list[str]) -> dict[str, float]:
    """``test_<metric>`` (mean over ``signals``) and per signal ``test_<metric>[_low|_high]/<signal>``, plus the
    rate the validation cut gives on test (``test_rate_khz[_low|_high]``)."""
    out = {"test_rate_khz": performance.rate_khz.value, "test_rate_khz_low": performance.rate_khz.low,
           "test_rate_khz_high": performance.rate_khz.high}
    out.update(performance.means("test_", signals))
    for metric, attribute in SIGNAL_METRICS.items():
        for signal in signals:
            estimate = getattr(performance.signals[signal], attribute)
            out[f"test_{metric}/{signal}"] = estimate.value
            out[f"test_{metric}_low/{signal}"] = estimate.low
            out[f"test_{metric}_high/{signal}"] = estimate.high
    return out


def measure_on_test(student, record: dict) -> tuple[ScorePerformance, dict[str, ScorePerformance], CalibratedMenu]:
    """The student's trigger performance on test (cut set on validation ZeroBias) and the baselines'."""
    from flowad.data import load
    from flowad.metrics.menu import MENUS
    from flowad.metrics.reference import reference_for

    background = record.get("background", "zerobias")
    data = Path(record["data"])
    arrays = load(data, record.get("view", "calo"), splits=("val", "test"))
    scores = {p: {s: student.predict(x) for s, x in by.items() if s == "test" or p == background} for p, by in arrays.items()}
    reference = reference_for(data, background, ("val", "test"), record.get("cache", "data"), MENUS[record.get("menu", "calibrated")]())
    rate = float(record.get("rate_khz", 3.0))
    return reference.evaluate(scores, "test", rate), reference.evaluate_baselines("test", rate), reference.menu


def choose(table: pd.DataFrame, budgets: dict[str, float | None], objective: str) -> pd.Series:
    """The best Pareto-front row by ``objective`` within ``budgets`` (``max_lut``, ``max_dsp``, ``max_latency_ns``)."""
    if not known_metric(objective):
        raise FlowadInputError(f"unknown objective {objective!r} (known: {', '.join(METRICS)}, auc/<signal>)")
    front = table[(table.get("pareto", False) == True) & (table["status"] == "FINISHED")]  # noqa: E712
    if front.empty:
        raise FlowadInputError("the search has no Pareto front yet (no finished trial)")
    fits = pd.Series(True, index=front.index)
    for key, limit in budgets.items():
        if limit is not None:
            column = pd.to_numeric(front.get(BUDGET_METRICS[key]), errors="coerce")
            fits &= column.le(limit).fillna(False)
    if objective not in front:
        raise FlowadInputError(f"no trial recorded metric {objective!r}")
    eligible = front[fits]
    if eligible.empty:
        cheapest = front.sort_values("lut").iloc[0] if "lut" in front else front.iloc[0]
        raise FlowadInputError(f"no front member fits the budgets ({describe_budgets(budgets)}); the smallest has "
                               f"lut {cheapest.get('lut', math.nan):,.0f}, dsp {cheapest.get('dsp', math.nan):.0f}, "
                               f"latency {cheapest.get('latency_ns', math.nan):.1f} ns")
    ascending = METRICS.get(objective, "max") == "min"
    return eligible.sort_values(objective, ascending=ascending).iloc[0]


def describe_budgets(budgets: dict[str, float | None]) -> str:
    return ", ".join(f"{BUDGET_METRICS[k]} ≤ {v:g}" for k, v in budgets.items() if v is not None) or "none"


def shipped_design(client, run_id: str, tags: dict[str, str], into: Path):
    """The run's logged firmware, unpacked into ``into``, its sources' hash checked against the costed one."""
    import zipfile

    from mlflow.exceptions import MlflowException

    from flowad.hardware import read_design

    logged = tags.get(DESIGN_HASH)
    try:
        archive = client.download_artifacts(run_id, "firmware.zip", str(into.parent))
    except (MlflowException, OSError):
        archive = None
    if logged is None or archive is None:
        raise FlowadInputError(f"run {run_id} has no logged firmware design (searched with flowad before designs "
                               "were logged): run the search again")
    with zipfile.ZipFile(archive) as z:
        z.extractall(into)
    design = read_design(into)
    if design.digest != logged:
        raise FlowadInputError(f"run {run_id}: the logged firmware hashes to {design.digest[:12]}, the trial costed "
                               f"{logged[:12]}: not shipping it")
    return design


def select(uri: str, experiment: str, budgets: dict[str, float | None], out: str | Path, objective: str = "auc",
           search: str | None = None, model_name: str | None = None, events: int = 500, run_id: str | None = None,
           allow_unverified: bool = False) -> Selection:
    from flowad.data import load
    from flowad.hardware import verification as check
    from flowad.hardware.export import export
    from flowad.student import load_student

    if events < 1:
        raise FlowadInputError(f"--events must be ≥ 1, got {events}")
    parent, children = tracking.child_runs(uri, experiment, search)
    table = trials_table(children)
    table["pareto"] = [run.data.tags.get("pareto") == "true" for run in children]
    row = pick(table, run_id) if run_id else choose(table, budgets, objective)
    client = tracking.client_for(tracking.absolute_uri(uri))
    tags = client.get_run(row["run_id"]).data.tags
    with tempfile.TemporaryDirectory(prefix="flowad-select-") as tmp:
        student_dir = client.download_artifacts(row["run_id"], "student", tmp)
        record = json.loads(Path(client.download_artifacts(row["run_id"], "metrics.json", tmp)).read_text())
        student = load_student(student_dir)
        design = shipped_design(client, row["run_id"], tags, Path(tmp) / "firmware")
        background = record.get("background", "zerobias")
        arrays = load(record["data"], record.get("view", "calo"), processes=[background], splits=("test",))
        x = arrays[background]["test"][:events]
        verification = check(student, design, x)
        if verification.report is not None and not verification.verified:
            export(student, design, out, x, verification)
            raise FlowadInputError(f"run {row['run_id']}: firmware matches the model on only "
                                   f"{verification.report.exact_fraction:.1%} of {events} events; not registering it "
                                   f"(export left in {out} for inspection)")
        if not verification.verified and not allow_unverified:
            raise FlowadInputError(f"run {row['run_id']}: the {design.kind} design cannot be verified here "
                                   f"({verification.by}); install the tool, or pass --allow-unverified to register it "
                                   "tagged verified=false (no 'deployable' alias)")
        summary = export(student, design, out, x, verification)
        test, baselines, menu = measure_on_test(student, record)
    signals_param = parent.data.params.get("signals", "all")
    signals = list(test.signals) if signals_param == "all" else [s.strip() for s in signals_param.split(",")]
    measured = test_metrics(test, signals)
    tracking.log_metrics(tracking.absolute_uri(uri), row["run_id"], measured)
    name = model_name or f"flowad-{parent.data.tags.get(SEARCH, 'search')}"
    version = register(client, name, row["run_id"], row, summary, measured, verification, tags)
    metrics = {k: float(row[k]) for k in ("auc", "tpr_at_rate", "pure_tpr_at_rate", "lut", "ff", "dsp", "latency_ns",
                                          "latency_cycles") if k in row and pd.notna(row[k])}
    return Selection(row["run_id"], row["trial_id"], metrics, name, version, summary, test, baselines, menu, signals,
                     verification)


def pick(table: pd.DataFrame, run_id: str) -> pd.Series:
    """The finished trial run ``run_id`` of the search (any front member, whatever the budgets)."""
    rows = table[table["run_id"] == run_id]
    if rows.empty:
        raise FlowadInputError(f"run {run_id} is not a trial of this search")
    if rows.iloc[0]["status"] != "FINISHED":
        raise FlowadInputError(f"run {run_id} did not finish ({rows.iloc[0]['status']}): nothing to ship")
    return rows.iloc[0]


def register(client, name: str, run_id: str, row: pd.Series, summary: dict, measured: dict[str, float],
             verification: Verification, tags: dict[str, str]) -> str:
    """A new version of registered model ``name`` from the run's ``student`` artefacts; aliased ``deployable`` only
    when its firmware was verified bit-exact."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name, description="flowad anomaly-trigger students selected under FPGA budgets")
    source = f"{client.get_run(run_id).info.artifact_uri}/student"
    version_tags = {
        TRIAL_ID: str(row["trial_id"]), "design_hash": summary["design_hash"], "design_kind": summary["kind"],
        "estimator": tags.get(ESTIMATOR, ""), "estimator_surrogate": tags.get(ESTIMATOR_SURROGATE, "false"),
        "hardware_source": tags.get(HARDWARE_SOURCE, ""),
        "verified": str(verification.verified).lower(), "verification": verification.describe()[:5000],
        "bit_exact_fraction": str(summary.get("bit_exact_fraction", "n/a")),
        **{f"val_{k}": f"{row[k]:.6g}" for k in ("auc", "tpr_at_rate", "pure_tpr_at_rate") if k in row and pd.notna(row[k])},
        **{k: f"{row[k]:.6g}" for k in ("lut", "dsp", "latency_ns") if k in row and pd.notna(row[k])},
        **{k: f"{v:.6g}" for k, v in measured.items() if "/" not in k}}
    version = client.create_model_version(name, source, run_id=run_id, tags=version_tags)
    if verification.verified:
        client.set_registered_model_alias(name, ALIAS, version.version)
    return str(version.version)
