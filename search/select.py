"""Pick a deployable model from a search's front under FPGA budgets, check it bit for bit, register it.

The best front member (by ``objective``, a validation metric like every number on the front) whose LUT, DSP
and latency fit the budgets is re-emulated with hls4ml's C simulation on held-out background events,
registered in the MLflow Model Registry with the alias ``deployable``, and its HLS project (or Verilog) plus
input/output test vectors are exported. Only here is the test split read: the chosen student is measured on
it (rate cut set on validation, as in the search) beside the no-ML baselines on the same events, and the
``test_*`` metrics with their 95 % intervals go on its run and its model version.
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flowad.errors import FlowadInputError
from flowad.metrics.menu import CalibratedMenu
from flowad.metrics.trigger import SIGNAL_METRICS, ScorePerformance
from search import tracking
from search.config import METRICS, known_metric
from search.front import trials_table

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
    from flowad.metrics.reference import reference_for

    background = record.get("background", "zerobias")
    data = Path(record["data"])
    arrays = load(data, record.get("view", "calo"), splits=("val", "test"))
    scores = {p: {s: student.predict(x) for s, x in by.items() if s == "test" or p == background} for p, by in arrays.items()}
    reference = reference_for(data, background, ("val", "test"), record.get("cache", "data"))
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


def select(uri: str, experiment: str, budgets: dict[str, float | None], out: str | Path, objective: str = "auc",
           search: str | None = None, model_name: str | None = None, events: int = 500) -> Selection:
    from flowad.data import load
    from flowad.hardware import HardwareConfig
    from flowad.hardware.export import export
    from flowad.student import load_student

    if events < 1:
        raise FlowadInputError(f"--events must be ≥ 1, got {events}")
    parent, children = tracking.child_runs(uri, experiment, search)
    table = trials_table(children)
    table["pareto"] = [run.data.tags.get("pareto") == "true" for run in children]
    row = choose(table, budgets, objective)
    client = tracking.client_for(tracking.absolute_uri(uri))
    with tempfile.TemporaryDirectory(prefix="flowad-select-") as tmp:
        student_dir = client.download_artifacts(row["run_id"], "student", tmp)
        record = json.loads(Path(client.download_artifacts(row["run_id"], "metrics.json", tmp)).read_text())
        student = load_student(student_dir)
        hardware = HardwareConfig(part=parent.data.params.get("part", HardwareConfig.part),
                                  clock_period_ns=float(parent.data.params.get("clock_period_ns", HardwareConfig.clock_period_ns)))
        background = record.get("background", "zerobias")
        arrays = load(record["data"], record.get("view", "calo"), processes=[background], splits=("test",))
        x = arrays[background]["test"][:events]
        summary = export(student, hardware, out, x)
        exact = summary.get("bit_exact_fraction")
        if exact is not None and exact < 1.0:
            raise FlowadInputError(f"run {row['run_id']}: firmware matches the model on only {exact:.1%} of {events} events; "
                                   f"not registering it (export left in {out} for inspection)")
        test, baselines, menu = measure_on_test(student, record)
    signals_param = parent.data.params.get("signals", "all")
    signals = list(test.signals) if signals_param == "all" else [s.strip() for s in signals_param.split(",")]
    measured = test_metrics(test, signals)
    tracking.log_metrics(tracking.absolute_uri(uri), row["run_id"], measured)
    name = model_name or f"flowad-{parent.data.tags.get(tracking.SEARCH, 'search')}"
    version = register(client, name, row["run_id"], row, summary, measured)
    metrics = {k: float(row[k]) for k in ("auc", "tpr_at_rate", "pure_tpr_at_rate", "lut", "ff", "dsp", "latency_ns",
                                          "latency_cycles") if k in row and pd.notna(row[k])}
    return Selection(row["run_id"], row["trial_id"], metrics, name, version, summary, test, baselines, menu, signals)


def register(client, name: str, run_id: str, row: pd.Series, summary: dict, measured: dict[str, float]) -> str:
    """A new version of registered model ``name`` from the run's ``student`` artefacts, aliased ``deployable``."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name, description="flowad anomaly-trigger students selected under FPGA budgets")
    source = f"{client.get_run(run_id).info.artifact_uri}/student"
    tags = {"flowad.trial_id": str(row["trial_id"]), "bit_exact_fraction": str(summary.get("bit_exact_fraction", "n/a")),
            **{f"val_{k}": f"{row[k]:.6g}" for k in ("auc", "tpr_at_rate", "pure_tpr_at_rate") if k in row and pd.notna(row[k])},
            **{k: f"{row[k]:.6g}" for k in ("lut", "dsp", "latency_ns") if k in row and pd.notna(row[k])},
            **{k: f"{v:.6g}" for k, v in measured.items() if "/" not in k}}
    version = client.create_model_version(name, source, run_id=run_id, tags=tags)
    client.set_registered_model_alias(name, ALIAS, version.version)
    return str(version.version)
