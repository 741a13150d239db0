"""The ``flowad`` command line.

Every user error (bad config, missing or corrupted file) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence

from flowad.errors import FlowadInputError

EXIT_USAGE = 2
EXIT_TERMINATED = 128 + signal.SIGTERM


def main(argv: Sequence[str] | None = None) -> int:
    # TensorFlow's C++ logging would otherwise print before our own messages; set before any import of it.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    in_main_thread = threading.current_thread() is threading.main_thread()  # only there can a handler be set
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    try:
        return args.run(args) or 0
    except FlowadInputError as exc:
        print(f"flowad: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("flowad: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("flowad: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


class Terminated(BaseException):
    """SIGTERM (``kill``, a batch scheduler's end of job), raised where the command was so that its cleanup runs:
    a data generation stops its worker processes and keeps its finished shards. Ray replaces the handler in a
    search's driver with its own once it starts."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowad", description="FPGA-deployable anomaly-detection triggers for the LHC.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    data = commands.add_parser("data", help="generate and inspect collision datasets")
    data_commands = data.add_subparsers(title="data commands", metavar="COMMAND")

    generate = data_commands.add_parser("generate", help="generate a dataset from a config (cached by config hash)")
    generate.add_argument("--config", required=True, help="data config YAML, e.g. configs/data/demo.yaml")
    generate.add_argument("--out", default="data", help="cache directory (default: ./data)")
    generate.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    generate.add_argument("--no-progress", action="store_true", help="no progress bar")
    generate.set_defaults(run=_data_generate)

    train = commands.add_parser("train", help="train models")
    train_commands = train.add_subparsers(title="train commands", metavar="COMMAND")
    teacher = train_commands.add_parser("teacher", help="train (or find cached) a teacher and print its AUC per signal")
    teacher.add_argument("--config", required=True, help="teacher run YAML, e.g. configs/teacher/flow.yaml")
    teacher.set_defaults(run=_train_teacher)

    distill = commands.add_parser("distill", help="distill a student from a teacher and print the metric table")
    distill.add_argument("--config", required=True, help="distillation YAML, e.g. configs/distill/hgq.yaml")
    distill.set_defaults(run=_distill)

    from search.cli.search_commands import add_search_commands

    add_search_commands(commands)

    results = commands.add_parser("results", help="run the studies behind docs/results.md and write it (make results)")
    results.add_argument("--config", default=None, help="results YAML (default: configs/results/default.yaml)")
    results.add_argument("--full", action="store_true", help="configs/results/full.yaml: more teachers, students and seeds")
    results.add_argument("--out", default="docs/results.md", help="the report (its figures go in a folder beside it)")
    results.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                         help="units of work run side by side, one core each (default: 2, or 1 on one core)")
    results.add_argument("--address", default=None,
                         help="a Ray cluster (host:port or ray://host:port) to run the units on, one CPU each; the data "
                              "cache must be a path every node sees")
    results.set_defaults(run=_results)

    hw = commands.add_parser("hw", help="firmware: resource estimates and export")
    hw_commands = hw.add_subparsers(title="hw commands", metavar="COMMAND")
    for name, helptext, runner in (("estimate", "estimate FPGA resources and latency of a student", _hw_estimate),
                                   ("export", "write the student's firmware project and test vectors", _hw_export)):
        sub = hw_commands.add_parser(name, help=helptext)
        sub.add_argument("--model", required=True, help="a student directory written by 'flowad distill'")
        sub.add_argument("--strategy", default="distributed_arithmetic",
                         help="Keras students' design: distributed_arithmetic (da4ml Verilog, default), Latency or Resource (hls4ml project)")
        if name == "estimate":
            from flowad.hardware.estimators import ESTIMATORS

            sub.add_argument("--estimator", default="da4ml", help=f"{', '.join(sorted(ESTIMATORS))} (default da4ml)")
            sub.add_argument("--workdir", default=None, help="where projects are written (default: <model>/../hw)")
        else:
            sub.add_argument("--out", required=True, help="output directory")
            sub.add_argument("--data", default=None, help="dataset for test vectors (default: the one it was distilled on)")
            sub.add_argument("--events", type=int, default=1000, help="test-vector events (default 1000)")
        sub.set_defaults(run=runner)

    info = data_commands.add_parser("info", help="summarise a dataset directory, shard or ADC2021 HDF5 file")
    info.add_argument("path")
    info.set_defaults(run=_data_info)
    return parser


def _data_generate(args: argparse.Namespace) -> int:
    from flowad.data import generate, load_config
    from flowad.data.generate import dataset_dir, default_workers

    config = load_config(args.config)
    workers = default_workers() if args.workers is None else args.workers
    if workers < 1:
        raise FlowadInputError(f"--workers must be >= 1, got {workers}")
    target = dataset_dir(config, args.out)
    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=0, unit="ev", unit_scale=True, desc=f"generating {config.name}", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.n = done
            bar.refresh()

    try:
        directory = generate(config, args.out, workers=workers, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    print(f"dataset {config.name}: {directory}")
    assert directory == target
    return 0


def _train_teacher(args: argparse.Namespace) -> int:
    from flowad.configio import load_yaml
    from flowad.distill import TeacherRunConfig, run_teacher
    from search.front.text_tables import trigger_table

    config = load_yaml(TeacherRunConfig, args.config)
    report = run_teacher(config)
    origin = "trained" if report.trained_now else "cached"
    print(f"teacher {config.teacher.kind} ({origin}): {report.path}")
    print(trigger_table({"teacher": report.teacher_performance, **report.baselines}, report.split, report.reference.menu))
    return 0


def _results(args: argparse.Namespace) -> int:
    from pathlib import Path

    from search.results.report import write_report

    if args.config and args.full:
        raise FlowadInputError("--full chooses configs/results/full.yaml: give --config or --full, not both")
    config = Path(args.config or f"configs/results/{'full' if args.full else 'default'}.yaml")
    if not config.is_file():
        raise FlowadInputError(f"{config}: no such results config")
    if args.workers < 1:
        raise FlowadInputError(f"--workers must be ≥ 1, got {args.workers}")
    if args.address:  # before the dataset is generated, not after
        from search.running.ray_session import check_reachable

        check_reachable(args.address)
    write_report(config, Path(args.out), args.workers, address=args.address)
    return 0


def _distill(args: argparse.Namespace) -> int:
    from flowad.configio import load_yaml
    from flowad.distill import DistillConfig, run_distillation
    from search.front.text_tables import distill_table

    config = load_yaml(DistillConfig, args.config)
    report = run_distillation(config)
    print(f"student {config.student.family} {list(config.student.widths)} @ {config.student.bits} bits: {report.out / 'student'}")
    print("size: " + ", ".join(f"{k} {v:,.0f}" for k, v in report.summary.items()))
    print(distill_table(report.metrics, report.agreement, report.split, report.student_performance.reason))
    return 0


def _hw_estimate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from flowad.hardware import ESTIMATORS, HardwareConfig, estimate
    from flowad.student import load_student

    if args.estimator not in ESTIMATORS:
        raise FlowadInputError(f"unknown estimator {args.estimator!r} (known: {', '.join(sorted(ESTIMATORS))})")
    student = load_student(args.model)
    workdir = Path(args.workdir) if args.workdir else Path(args.model).resolve().parent / "hw"
    report = estimate(student, args.estimator, HardwareConfig(strategy=args.strategy), workdir)
    if not report.available:
        print(f"{args.estimator}: unavailable: {report.notes}")
        return 0
    figures = {k: getattr(report, k) for k in ("lut", "ff", "dsp", "bram", "latency_cycles", "latency_ns", "ii")}
    print(f"{args.estimator} ({report.seconds:.1f} s): " + ", ".join(f"{k} {v:,.2f}".rstrip("0").rstrip(".")
                                                                    for k, v in figures.items() if v is not None))
    print(f"  {report.notes}")
    return 0


def _hw_export(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from flowad.data import load
    from flowad.hardware import HardwareConfig, build_design, verification
    from flowad.hardware.export import export
    from flowad.student import load_student

    student = load_student(args.model)
    record_path = Path(args.model).resolve().parent / "metrics.json"
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    data = args.data or record.get("data")
    if not data:
        raise FlowadInputError(f"{args.model}: no dataset recorded beside it; pass --data")
    if args.events < 1:
        raise FlowadInputError(f"--events must be >= 1, got {args.events}")
    arrays = load(data, record.get("view", "calo"))
    background = arrays[record.get("background", "zerobias")]
    x = background.get("test", next(iter(background.values())))[: args.events]
    design = build_design(student, HardwareConfig(strategy=args.strategy), Path(args.out) / "firmware")
    summary = export(student, design, args.out, x, verification(student, design, x))
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0


def _data_info(args: argparse.Namespace) -> int:
    from flowad.data.info import describe

    print(describe(args.path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
