"""``flowad search run | pareto | select``: the search platform's commands."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from flowad.errors import FlowadInputError
from search.record.tags import HYPERVOLUME_REFERENCE, SEARCH

DEFAULT_URI = "sqlite:///mlflow/mlflow.db"


def add_search_commands(commands) -> None:
    search = commands.add_parser("search", help="multi-objective searches: run, Pareto fronts, select a deployable model")
    sub = search.add_subparsers(title="search commands", metavar="COMMAND")

    run = sub.add_parser("run", help="run (or --resume) a Ray Tune + Optuna search logged to MLflow")
    run.add_argument("config", help="search YAML, e.g. configs/search/quickstart.yaml")
    run.add_argument("--address", default=None, help="join the Ray cluster at host:port instead of starting a local one")
    run.add_argument("--resume", action="store_true", help="finish an interrupted search of the same name")
    run.add_argument("--name", default=None, help="override the config's search name (a new search)")
    run.add_argument("--cpus", type=int, default=None, help="CPUs of the local Ray node (default: all)")
    run.set_defaults(run=_run)

    status = sub.add_parser("status", help="a table of a search's trials from MLflow: state, model, objectives, reason")
    status.add_argument("--experiment", required=True, help="MLflow experiment name")
    status.add_argument("--search", default=None, help="search name (default: the newest in the experiment)")
    status.add_argument("--tracking-uri", default=DEFAULT_URI)
    status.set_defaults(run=_status)

    pareto = sub.add_parser("pareto", help="print a search's Pareto front and write its table and plots")
    pareto.add_argument("--experiment", required=True, help="MLflow experiment name")
    pareto.add_argument("--search", default=None, help="search name (default: the newest in the experiment)")
    pareto.add_argument("--tracking-uri", default=DEFAULT_URI)
    pareto.add_argument("--out", default=None, help="directory for pareto.csv/.parquet and plots (default: out/pareto/<search>)")
    pareto.set_defaults(run=_pareto)

    select = sub.add_parser("select", help="pick the best front member under budgets, verify it, register it `deployable`, export it")
    select.add_argument("--experiment", required=True)
    select.add_argument("--search", default=None)
    select.add_argument("--tracking-uri", default=DEFAULT_URI)
    select.add_argument("--max-lut", type=float, default=None)
    select.add_argument("--max-dsp", type=float, default=None)
    select.add_argument("--max-latency-ns", type=float, default=None)
    select.add_argument("--objective", default="auc")
    select.add_argument("--model-name", default=None, help="registered model name (default: flowad-<search>)")
    select.add_argument("--run-id", default=None, help="ship this trial run (a front member) instead of the best under budgets")
    select.add_argument("--events", type=int, default=500, help="held-out events for the bit-exact check and test vectors")
    select.add_argument("--allow-unverified", action="store_true",
                        help="register a design that cannot be verified on this machine, tagged verified=false (never aliased deployable)")
    select.add_argument("--out", default="out/deploy", help="where the firmware design and test vectors go")
    select.set_defaults(run=_select)


def _run(args: argparse.Namespace) -> int:
    from search.record import tracking
    from search.space.search_config import load_search_config
    from search.running.driver import SearchInterrupted, run_search
    from search.running.ray_session import stop_ray

    config = load_search_config(args.config)
    if args.name is not None:
        from flowad.configio import from_mapping, to_plain
        from flowad.errors import ConfigError

        try:
            config = from_mapping(type(config), {**to_plain(config), "name": args.name})
        except ConfigError as exc:
            raise FlowadInputError(f"--name: {exc.problem}") from None
    if args.cpus is not None and args.cpus < 1:
        raise FlowadInputError(f"--cpus must be ≥ 1, got {args.cpus}")
    try:
        outcome = run_search(config, Path(args.config).read_text(), resume=args.resume, address=args.address,
                             num_cpus=args.cpus, progress=lambda line: print(line, flush=True))
    except SearchInterrupted as stopped:
        resume = f"flowad search run {args.config}" + (f" --name {args.name}" if args.name else "") + " --resume"
        print(f"\nflowad: search {config.name} interrupted with {stopped.ended} of {stopped.total} trials ended; the "
              f"running trials are KILLED (interrupted) and run again on resume; no front is final.\n"
              f"finish it with: {resume}", file=sys.stderr, flush=True)
        return 130
    finally:
        stop_ray()
    run = outcome.search_run
    if outcome.n_completed == 0:
        print(f"\nno trial finished ({outcome.n_pruned} stopped early, {outcome.n_failed} failed): no Pareto front; "
              f"see why with: flowad search status --experiment {config.tracking.experiment} --search {config.name} "
              f"--tracking-uri {config.tracking.uri}")
        return 0
    print(f"\n{outcome.n_completed} trials completed, {outcome.n_pruned} stopped early, {outcome.n_failed} failed "
          f"in {outcome.seconds / 60:.1f} min; Pareto front: {outcome.front_size} models, hypervolume {outcome.hypervolume:.6g}")
    print(f"front:   flowad search pareto --experiment {config.tracking.experiment} --search {config.name} --tracking-uri {config.tracking.uri}")
    base = "http://127.0.0.1:5000" if run.uri.startswith("sqlite:") else run.uri.rstrip("/")
    links = tracking.ui_links(base, run.experiment_id, run.parent_run_id)
    print(f"browse:  {'make mlflow-ui, then ' if run.uri.startswith('sqlite:') else ''}{links['front']}  (the interactive front)")
    print(f"         {links['runs']}  (every trial, named by its model)")
    return 0


def _status(args: argparse.Namespace) -> int:
    from search.front.status import status_table

    print(status_table(args.tracking_uri, args.experiment, args.search))
    return 0


def _pareto(args: argparse.Namespace) -> int:
    from search.record import tracking
    from search.front.summary import summarise, trials_table, write_front
    from search.front.text_tables import front_table

    parent, children = tracking.child_runs(args.tracking_uri, args.experiment, args.search)
    objectives = [o.strip().split(" ", 1) for o in parent.data.params.get("objectives", "max auc").split(",")]
    metrics, directions = [m for _, m in objectives], [d for d, _ in objectives]
    table = trials_table(children)
    stored = dict(part.split("=", 1) for part in parent.data.tags.get(HYPERVOLUME_REFERENCE, "").split(", ") if "=" in part)
    summary = summarise(table, metrics, directions, [float(stored[m]) if m in stored else None for m in metrics])
    if summary.completed == 0:
        raise FlowadInputError(f"search {parent.data.tags.get(SEARCH, '?')} has no finished trial, so no Pareto "
                               f"front ({summary.failed} failed, {summary.pruned} stopped): see flowad search status")
    tagged = {run.info.run_id for run in children if run.data.tags.get("pareto") == "true"}
    if tagged:  # the front the search computed (with its constraints); recomputed only when untagged
        front = summary.table[summary.table["run_id"].isin(tagged)].sort_values(metrics[0], ascending=directions[0] == "min")
        summary = replace(summary, table=summary.table.assign(pareto=summary.table["run_id"].isin(tagged)), front=front)
    name = parent.data.tags.get(SEARCH, "search")
    out = Path(args.out or f"out/pareto/{name}")
    from search.running.baselines import baselines_from_metrics

    paths = write_front(summary, metrics, out, title=name, baselines=baselines_from_metrics(parent.data.metrics))
    print(front_table(summary.front, metrics))
    print(f"\n{summary.completed} finished trials, {summary.front_size} on the front; written: "
          + ", ".join(str(p) for p in paths))
    return 0


def _select(args: argparse.Namespace) -> int:
    from search.front.select import select

    budgets = {"max_lut": args.max_lut, "max_dsp": args.max_dsp, "max_latency_ns": args.max_latency_ns}
    chosen = select(args.tracking_uri, args.experiment, budgets, args.out, objective=args.objective,
                    search=args.search, model_name=args.model_name, events=args.events, run_id=args.run_id,
                    allow_unverified=args.allow_unverified)
    from search.front.text_tables import trigger_table

    figures = ", ".join(f"{k} {v:.3f}" if "auc" in k or "tpr" in k else f"{k} {v:,.1f}".removesuffix(".0")
                        for k, v in chosen.metrics.items())
    print(f"selected trial {chosen.trial_id} (run {chosen.run_id}) on its validation figures: {figures}")
    print(f"firmware:   {chosen.export['kind']} design {chosen.export['design_hash'][:12]} (the one its trial costed)")
    print(f"verified:   {chosen.verification.describe()}")
    alias = "alias 'deployable'" if chosen.verification.verified else "tagged verified=false, NOT aliased 'deployable'"
    print(f"registered: {chosen.model_name} version {chosen.version}, {alias}")
    print(f"exported:   {args.out}")
    means = {m: chosen.test.mean(a, chosen.signals) for m, a in (("AUC", "auc"), ("eff", "tpr"), ("pure eff", "pure_tpr"))}
    print(f"\ntest split, mean over {', '.join(chosen.signals)}: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items())
          + f"; the validation cut gives {chosen.test.rate_khz:.2f} kHz on test")
    print(trigger_table({"student": chosen.test, **chosen.test_baselines}, "test", chosen.menu))
    return 0
