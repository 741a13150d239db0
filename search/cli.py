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


def _data_info(args: argparse.Namespace) -> int:
    from flowad.data.info import describe

    print(describe(args.path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
