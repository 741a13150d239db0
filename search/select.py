"""Pick a deployable model from a search's front under FPGA budgets, check it bit for bit, register it.

The best front member (by ``objective``) whose LUT, DSP and latency fit the budgets is re-emulated with
hls4ml's C simulation on held-out background events, registered in the MLflow Model Registry with the
alias ``deployable``, and its HLS project (or Verilog) plus input/output test vectors are exported.
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flowad.errors import FlowadInputError
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
        arrays = load(record["data"], record.get("view", "calo"), processes=[record.get("background", "zerobias")])
        background = arrays[record.get("background", "zerobias")]
        x = background.get("test", next(iter(background.values())))[:events]
        summary = export(student, hardware, out, x)
    exact = summary.get("bit_exact_fraction")
    if exact is not None and exact < 1.0:
        raise FlowadInputError(f"run {row['run_id']}: firmware matches the model on only {exact:.1%} of {events} events; "
                               f"not registering it (export left in {out} for inspection)")
    name = model_name or f"flowad-{parent.data.tags.get(tracking.SEARCH, 'search')}"
    version = register(client, name, row["run_id"], row, summary)
    metrics = {k: float(row[k]) for k in ("auc", "lut", "ff", "dsp", "latency_ns", "latency_cycles") if k in row and pd.notna(row[k])}
    return Selection(row["run_id"], row["trial_id"], metrics, name, version, summary)


def register(client, name: str, run_id: str, row: pd.Series, summary: dict) -> str:
    """A new version of registered model ``name`` from the run's ``student`` artefacts, aliased ``deployable``."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name, description="flowad anomaly-trigger students selected under FPGA budgets")
    source = f"{client.get_run(run_id).info.artifact_uri}/student"
    tags = {"flowad.trial_id": str(row["trial_id"]), "bit_exact_fraction": str(summary.get("bit_exact_fraction", "n/a")),
            **{k: f"{row[k]:.6g}" for k in ("auc", "lut", "dsp", "latency_ns") if k in row and pd.notna(row[k])}}
    version = client.create_model_version(name, source, run_id=run_id, tags=tags)
    client.set_registered_model_alias(name, ALIAS, version.version)
    return str(version.version)
