"""A search's trials as a table, its Pareto front and hypervolume, logged to the parent run.

The table is read back from MLflow (the record that survives the driver), so ``finish_search`` at the end
of a run and ``flowad search pareto`` later compute the same front.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from flowad.atomic import atomic_path
from flowad.hardware.design import NO_DSP
from search.record import tracking
from search.running.baselines import baselines_from_metrics
from search.space.search_config import SearchConfig
from search.front.pareto import default_reference, hypervolume, pareto_mask, plot_fronts
from search.record.tags import (DESIGN_KIND, ERROR, ESTIMATOR, ESTIMATOR_SURROGATE, FRONT, HARDWARE_SOURCE, HARDWARE_SYNTHESISED,
                         HYPERVOLUME_REFERENCE, OUTCOME, PLOTS_NOTE, TRIAL_ID, Outcome)

PLOT_COSTS = ("lut", "dsp", "latency_ns")
"""Parent-run tag: ``live: …`` while trials run (or after an interruption), ``final`` when the search finished."""


@dataclass(frozen=True)
class FrontSummary:
    table: pd.DataFrame
    front: pd.DataFrame
    reference: list[float]
    hypervolume: float
    completed: int
    failed: int
    pruned: int

    @property
    def front_size(self) -> int:
        return len(self.front)


def trials_table(children) -> pd.DataFrame:
    rows = []
    for run in children:
        row = {"run_id": run.info.run_id, "trial_id": run.data.tags.get(TRIAL_ID, ""), "status": run.info.status,
               "run_name": run.data.tags.get("mlflow.runName", run.info.run_name or ""),
               "outcome": run.data.tags.get(OUTCOME, ""), "error": run.data.tags.get(ERROR, ""),
               "estimator": run.data.tags.get(ESTIMATOR, ""), "design": run.data.tags.get(DESIGN_KIND, ""),
               "estimator_surrogate": run.data.tags.get(ESTIMATOR_SURROGATE, ""),
               "hardware_source": run.data.tags.get(HARDWARE_SOURCE, ""),
               "hardware_synthesised": run.data.tags.get(HARDWARE_SYNTHESISED, "")}
        row.update({f"param.{k}": v for k, v in run.data.params.items()})
        row.update(run.data.metrics)
        rows.append(row)
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame, metrics: list[str], directions: list[str], references: list[float | None],
              constraints=()) -> FrontSummary:
    if not len(table):
        table = pd.DataFrame({"run_id": pd.Series(dtype=str), "trial_id": pd.Series(dtype=str),
                              "status": pd.Series(dtype=str)})
    finished = table[table["status"] == "FINISHED"] if len(table) else table
    values = np.full((len(finished), len(metrics)), np.nan)
    for j, metric in enumerate(metrics):
        if metric in finished:
            values[:, j] = pd.to_numeric(finished[metric], errors="coerce").to_numpy(dtype=float)
    feasible = np.ones(len(finished), dtype=bool)
    for c in constraints:
        column = pd.to_numeric(finished[c.metric], errors="coerce") if c.metric in finished else pd.Series(np.nan, index=finished.index)
        feasible &= np.array([c.holds(v) for v in column])
    masked = np.where(feasible[:, None], values, np.nan)
    front_mask = pareto_mask(masked, directions)
    reference = default_reference(values, directions, metrics, references)
    hv = hypervolume(masked, directions, reference)
    front = finished[front_mask].sort_values(metrics[0], ascending=directions[0] == "min") if len(finished) else finished
    n_failed = int((table["status"] == "FAILED").sum()) if len(table) else 0
    outcome = table["outcome"] if "outcome" in table else pd.Series("", index=table.index, dtype=object)
    pruned = (table["status"] == "KILLED") & outcome.isin([Outcome.PRUNED, Outcome.TIME_BUDGET])  # not interrupted
    n_pruned = int(pruned.sum())
    return FrontSummary(table.assign(pareto=table["run_id"].isin(front["run_id"]) if len(table) else []),
                        front, reference, hv, len(finished), n_failed, n_pruned)


def write_front(summary: FrontSummary, metrics: list[str], out_dir: str | Path, title: str,
                baselines: dict[str, dict[str, float]] | None = None) -> list[Path]:
    """pareto.csv, pareto.parquet, trials.csv and the plots into ``out_dir``; ``baselines`` (from the parent
    run, :func:`search.running.baselines.baselines_from_metrics`) are drawn beside the trials with the teacher's ceiling."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in (("pareto.csv", summary.front), ("trials.csv", summary.table)):
        with atomic_path(out_dir / name) as tmp:
            frame.to_csv(tmp, index=False)
        paths.append(out_dir / name)
    with atomic_path(out_dir / "pareto.parquet") as tmp:
        summary.front.to_parquet(tmp, index=False)
    paths.append(out_dir / "pareto.parquet")
    finished = summary.table[summary.table["status"] == "FINISHED"]
    columns = {m: pd.to_numeric(finished[m], errors="coerce").to_numpy(float) for m in set(metrics) | set(PLOT_COSTS) if m in finished}
    if metrics[0] in columns:
        teacher = f"teacher_{metrics[0]}"
        ceiling = float(pd.to_numeric(finished[teacher], errors="coerce").max()) if teacher in finished else None
        costs = [c for c in PLOT_COSTS if c in columns and c not in constant_costs(finished)]
        paths += plot_fronts(columns, finished["pareto"].to_numpy(bool), metrics[0], costs,
                             out_dir, title=title, baselines=baselines or {}, ceiling=ceiling)
    return paths


def constant_costs(finished: pd.DataFrame) -> dict[str, str]:
    """Cost axes on which every finished trial has the same value, with why (no plot is drawn for them)."""
    out = {}
    for cost in PLOT_COSTS:
        values = pd.to_numeric(finished.get(cost), errors="coerce").dropna() if cost in finished else pd.Series(dtype=float)
        if len(values) and values.nunique() == 1:
            why = f"every trial has {cost} = {values.iloc[0]:g}"
            kinds = set(finished.get("design", pd.Series(dtype=str))) - {""}
            if cost == "dsp" and values.iloc[0] == 0 and kinds and kinds <= set(NO_DSP):
                why += f" ({'; '.join(NO_DSP[k] for k in sorted(kinds))})"
            out[cost] = why
    return out


def tag_front(search: SearchConfig, search_run: tracking.SearchRun) -> FrontSummary:
    """Compute the front from the search's runs in MLflow and tag each run ``pareto`` true/false (only changes
    are written). Called as every trial ends, so the MLflow UI shows the current front during the search."""
    client = tracking.client_for(search_run.uri)
    children = tracking.search_children(search_run)
    summary = summarise(trials_table(children), search.metric_names, search.directions,
                        search.hypervolume_reference, search.constraints)
    tagged = {run.info.run_id: run.data.tags.get("pareto") for run in children}
    for run_id, on_front in zip(summary.table.get("run_id", []), summary.table.get("pareto", [])):
        value = "true" if on_front else "false"
        if tagged.get(run_id) != value:
            client.set_tag(run_id, "pareto", value)
    client.set_tag(search_run.parent_run_id, FRONT,
                   f"live: {summary.front_size} models from {summary.completed} finished trials")
    log_front_page(search, search_run, summary)
    ended = int((summary.table["status"] != "RUNNING").sum()) if len(summary.table) else 0
    progress = {"hypervolume": summary.hypervolume, "front_size": summary.front_size,
                "trials_completed": summary.completed, "trials_failed": summary.failed, "trials_pruned": summary.pruned}
    # step = trials ended so far: the parent's history is the front's growth (a resume re-logs no step)
    tracking.RunLog(search_run.uri, search_run.parent_run_id, tuple(progress)).log(progress, step=ended)
    return summary


def front_points(summary: FrontSummary, metrics: list[str], experiment_id: str) -> list[dict]:
    """The finished trials as the points of :func:`search.front.pareto_html.pareto_html`."""
    from search.space.parameters import describe_params

    finished = summary.table[summary.table["status"] == "FINISHED"] if summary.completed else summary.table.iloc[:0]
    shown = list(dict.fromkeys([*metrics, *PLOT_COSTS]))
    points = []
    for _, row in finished.iterrows():
        params = {c.removeprefix("param."): row[c] for c in finished.columns if c.startswith("param.") and row[c] == row[c]}
        values = {m: float(pd.to_numeric(row.get(m), errors="coerce")) for m in shown if m in row}
        figures = ", ".join(f"{m} {v:,.4g}" for m, v in values.items())
        points.append({"trial": row["trial_id"], "run_name": row.get("run_name") or row["trial_id"],
                       "family": params.get("student.family", "?"), "front": bool(row["pareto"]),
                       "link": f"/#/experiments/{experiment_id}/runs/{row['run_id']}",
                       "tooltip": f"{row.get('run_name') or row['trial_id']}\n{describe_params(params)}\n{figures}", **values})
    return points


def log_front_page(search: SearchConfig, search_run: tracking.SearchRun, summary: FrontSummary, note: str = "") -> None:
    """``pareto/pareto.html`` on the parent run: the interactive front (search.front.pareto_html), rewritten as trials end."""
    from search.front.pareto_html import pareto_html

    client = tracking.client_for(search_run.uri)
    quality = search.metric_names[0]
    points = front_points(summary, search.metric_names, search_run.experiment_id)
    finished = summary.table[summary.table["status"] == "FINISHED"] if summary.completed else summary.table.iloc[:0]
    teacher = pd.to_numeric(finished.get(f"teacher_{quality}", pd.Series(dtype=float)), errors="coerce")
    ceiling = float(teacher.max()) if len(teacher.dropna()) else None
    costs = [c for c in PLOT_COSTS if c not in constant_costs(finished)] or ["lut"]
    baselines = baselines_from_metrics(client.get_run(search_run.parent_run_id).data.metrics)
    page = pareto_html(points, quality, costs, baselines, ceiling, title=f"{search.name}: {quality} against cost",
                       note=note or "; ".join(f"no {c} panel: {why}" for c, why in constant_costs(finished).items()))
    with tempfile.TemporaryDirectory(prefix="flowad-front-") as tmp:
        path = Path(tmp) / "pareto.html"
        path.write_text(page)
        client.log_artifact(search_run.parent_run_id, str(path), "pareto")


def search_description(search: SearchConfig, summary: FrontSummary, note: str = "") -> str:
    """The parent run's description (markdown): where the front is and how to ship one of its models."""
    return (f"**Search `{search.name}`**: {summary.completed} finished, {summary.pruned} pruned, {summary.failed} failed "
            f"trials; {summary.front_size} on the Pareto front of {', '.join(f'{d} {m}' for d, m in zip(search.directions, search.metric_names))} "
            f"(validation split).\n\n"
            "**The front**: Artifacts → `pareto/pareto.html` (interactive: hover a point for its model, click to open "
            "its run); `pareto/pareto.csv` for the table; the PNGs for papers. Front members carry the tag `pareto=true`."
            f"\n\n**Ship one**: `flowad search select --experiment {search.tracking.experiment} --search {search.name} "
            "[--max-lut N] [--run-id RUN]`" + (f"\n\n{note}" if note else ""))


def finish_search(search: SearchConfig, search_run: tracking.SearchRun) -> FrontSummary:
    """The final front: tagged on the runs, logged (tables, plots, hypervolume) to the parent run, which ends
    FINISHED with ``flowad.front=final``. A search with no finished trial has no front, and says so."""
    client = tracking.client_for(search_run.uri)
    summary = tag_front(search, search_run)
    finished = summary.table[summary.table["status"] == "FINISHED"] if summary.completed else None
    if finished is not None:
        baselines = baselines_from_metrics(client.get_run(search_run.parent_run_id).data.metrics)
        with tempfile.TemporaryDirectory(prefix="flowad-front-") as tmp:
            for path in write_front(summary, search.metric_names, tmp, title=search.name, baselines=baselines):
                client.log_artifact(search_run.parent_run_id, str(path), "pareto")
        skipped = constant_costs(finished)
        note = ""
        if skipped:
            note = "No Pareto plot against " + "; ".join(f"{c}: {why}" for c, why in skipped.items()) + "."
            client.set_tag(search_run.parent_run_id, PLOTS_NOTE, note)
        client.set_tag(search_run.parent_run_id, "mlflow.note.content", search_description(search, summary, note))
    client.set_tag(search_run.parent_run_id, HYPERVOLUME_REFERENCE,
                   ", ".join(f"{m}={r:g}" for m, r in zip(search.metric_names, summary.reference)))
    client.set_tag(search_run.parent_run_id, FRONT, "final" if summary.completed else
                   "none: no trial finished")
    client.set_terminated(search_run.parent_run_id, status="FINISHED")
    return summary
