"""The ``flowad`` command line.

Every user error (bad config, missing or corrupted file) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from flowad.errors import FlowadInputError

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.run(args) or 0
    except FlowadInputError as exc:
        print(f"flowad: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("flowad: interrupted", file=sys.stderr)
        return 130


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
    from search.report import teacher_table

    config = load_yaml(TeacherRunConfig, args.config)
    report = run_teacher(config)
    origin = "trained" if report.trained_now else "cached"
    print(f"teacher {config.teacher.kind} ({origin}): {report.path}")
    print(teacher_table(report.metrics))
    return 0


def _distill(args: argparse.Namespace) -> int:
    from flowad.configio import load_yaml
    from flowad.distill import DistillConfig, run_distillation
    from search.report import distill_table

    config = load_yaml(DistillConfig, args.config)
    report = run_distillation(config)
    print(f"student {config.student.family} {list(config.student.widths)} @ {config.student.bits} bits: {report.out / 'student'}")
    print("size: " + ", ".join(f"{k} {v:,.0f}" for k, v in report.summary.items()))
    print(distill_table(report.metrics, report.agreement))
    return 0


def _data_info(args: argparse.Namespace) -> int:
    from flowad.data.info import describe

    print(describe(args.path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
