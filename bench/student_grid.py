"""A small real search space, every point a real trial: the ground truth of bench/synth_calibration.py and
bench/sampler_ground_truth.py (issue 23, items 2 and 4).

The space is the quickstart's with the teacher fixed (its depth-4 flow) and HGQ's β fixed at 1e-7: student family
(QKeras-style, HGQ, LGN) × widths (16-8, 32-16; LGN 512-256, 1024-512) × bits (4…8; LGN: thresholds per input),
30 points. Each point is distilled as a quickstart trial distils (15 epochs, patience 4, energy augmentation),
built as the design a trial ships (da4ml Verilog, or gate-list Verilog with comparators), costed by its model
(da4ml, lgn) and by yosys ``synth_xilinx`` (every design, whatever its size), and scored on validation: mean AUC
and pure efficiency over the quickstart's five signals, latency from the design's pipeline. Nothing reads test.

Each point is kept as one JSON file in ``--out`` once it is complete, so a rerun does only what is missing; yosys
runs ``--jobs`` designs side by side while the next students train.

Usage: python bench/student_grid.py [--data configs/data/demo.yaml] [--cache data] [--out data/student-grid] [--jobs 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flowad.atomic import write_text_atomic
from flowad.configio import from_mapping
from flowad.distill import DistillConfig, run_distillation
from flowad.hardware import HardwareConfig, build_design, cost, read_design

TEACHER = {"kind": "flow", "view": "calo", "architecture": "maf", "depth": 4, "hidden": 128, "pileup_subtraction": True,
           "epochs": 40, "patience": 5}
"""The quickstart search's teacher at depth 4 (configs/search/quickstart.yaml)."""
SIGNALS = ["haa4b_15", "haa4tau_15", "htautau_60", "a4l_50", "dark_shower_125"]
"""The quickstart's signals: the AUC objective is their mean."""
HARDWARE = HardwareConfig(strategy="distributed_arithmetic", part="xc7vx690tffg1927-2", clock_period_ns=6.25)
SPACE = {"family": ("qkeras", "hgq", "lgn"), "widths": ("16-8", "32-16"), "lgn_widths": ("512-256", "1024-512"),
         "bits": (4, 5, 6, 7, 8)}
"""The quickstart's space without the teacher's depth and β (every parameter a choice)."""
DIRECTIONS = ("max", "min", "min")
OBJECTIVES = ("val AUC", "yosys LUT", "latency ns")


def point_key(params: dict) -> tuple[str, str, int]:
    """A configuration as its family sees it: LGN reads its own widths, the MLP families theirs."""
    widths = params["lgn_widths"] if params["family"] == "lgn" else params["widths"]
    return (params["family"], widths, int(params["bits"]))


def grid() -> list[tuple[str, str, int]]:
    return sorted({point_key(dict(zip(SPACE, values))) for values in itertools.product(*SPACE.values())})


def name_of(key: tuple[str, str, int]) -> str:
    return f"{key[0]}-{key[1]}-{key[2]}b"


def student_settings(key: tuple[str, str, int]) -> dict:
    family, widths, bits = key
    spec = {"family": family, "widths": [int(w) for w in widths.split("-")], "bits": bits, "epochs": 15, "patience": 4}
    if family == "hgq":
        spec["beta"] = 1e-7
    if family == "lgn":
        spec.update({"learning_rate": 0.01, "batch_size": 128})  # the quickstart's `families: lgn`
    return spec


def distil_and_build(data: str, cache: str, out: Path, key: tuple[str, str, int]) -> dict:
    """Distil one point, build and model-cost its design, score it on validation (yosys comes later)."""
    work = out / name_of(key)
    config = from_mapping(DistillConfig, {
        "data": {"path": data, "cache": cache}, "teacher": TEACHER, "student": student_settings(key),
        "augment": {"fraction": 1.0, "max_scale": 8}, "out": str(work / "distill")})
    start = time.perf_counter()
    report = run_distillation(config)
    train_s = time.perf_counter() - start
    design = build_design(report.student, HARDWARE, work / "design")
    model = cost(design, "lgn" if design.kind == "lgn_verilog" else "da4ml", report.student, work / "model")
    perf = report.student_performance
    return {"key": list(key), "name": name_of(key), "family": key[0], "kind": design.kind,
            "val_auc": perf.mean("auc", SIGNALS), "val_pure_eff": perf.mean("pure_tpr", SIGNALS),
            "teacher_val_auc": report.teacher_performance.mean("auc", SIGNALS),
            "teacher_val_pure_eff": report.teacher_performance.mean("pure_tpr", SIGNALS),
            "spearman": report.agreement["zerobias"]["spearman"], "fidelity": report.fidelity,
            "latency_ns": design.latency_cycles * HARDWARE.clock_period_ns, "facts": design.facts,
            "model": model.source, "model_lut": model.lut, "train_s": train_s, "work": str(work)}


def synthesise(out: Path, row: dict) -> dict:
    """yosys of the point's design; the point is kept (written) only now that it is complete."""
    design = read_design(Path(row["work"]) / "design")
    start = time.perf_counter()
    report = cost(design, "yosys", None, Path(row["work"]) / "yosys")
    if not report.available:
        raise SystemExit(f"yosys failed on {row['name']}: {report.notes}")
    row = {**row, "yosys_lut": report.lut, "yosys_ff": report.ff, "yosys_s": time.perf_counter() - start}
    write_text_atomic(out / f"{row['name']}.json", json.dumps(row, indent=1) + "\n")
    print(f"synthesised {row['name']}: yosys {row['yosys_lut']:,.0f} LUT ({row['yosys_s']:.0f} s)", flush=True)
    return row


def load_grid(out: str | Path) -> list[dict]:
    """The points kept so far."""
    return [json.loads(p.read_text()) for p in sorted(Path(out).glob("*.json"))]


def build(data: str, cache: str, out: str | Path, jobs: int, families: tuple[str, ...] = SPACE["family"]) -> list[dict]:
    if shutil.which("yosys") is None:
        raise SystemExit("the student grid needs yosys on PATH (apt-get install --no-install-recommends yosys)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    todo = [k for k in grid() if k[0] in families and not (out / f"{name_of(k)}.json").is_file()]
    # small designs first: yosys of the first ones overlaps the training of the rest
    todo.sort(key=lambda k: (k[0] == "lgn", k[1] != "16-8", k[2]))
    with ThreadPoolExecutor(jobs) as pool:
        futures = []
        for key in todo:
            row = distil_and_build(data, cache, out, key)
            print(f"built {row['name']}: {row['model']} {row['model_lut']:,.0f} LUT, val AUC {row['val_auc']:.3f} "
                  f"({row['train_s']:.0f} s to distil)", flush=True)
            futures.append(pool.submit(synthesise, out, row))
        for future in futures:
            future.result()
    return load_grid(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="configs/data/demo.yaml")
    parser.add_argument("--cache", default="data")
    parser.add_argument("--out", default="data/student-grid")
    parser.add_argument("--jobs", type=int, default=2, help="yosys runs side by side")
    parser.add_argument("--families", default="qkeras,hgq,lgn")
    args = parser.parse_args()
    rows = build(args.data, args.cache, args.out, args.jobs, tuple(args.families.split(",")))
    print(f"{len(rows)} of {len(grid())} points kept in {args.out}")


if __name__ == "__main__":
    main()
