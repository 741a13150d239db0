"""da4ml's LUT model calibrated per student family, checked out of sample against yosys (issue 23, item 4).

Above ``SYNTH_BELOW_LUT`` the per-trial ``synth`` estimator trusts da4ml's adder cost × a constant instead of
synthesising. One constant for both Keras families was 0.88× yosys for QKeras-style students and 1.10× for HGQ
on the results' designs: a 20 % tilt exactly where the two families are compared. Here, on the 20 Keras points of
the student grid (bench/student_grid.py: the quickstart's space, each point distilled, shipped and synthesised):

1. per family, the students are sorted by adder cost and split alternately into two halves; the constant (median
   of yosys LUT / adder cost over the students the model puts at ≥ 10k LUTs) is fitted on one half and its ratio
   to yosys read on the *other* half, and the other way round (two-fold), so every ratio printed is out of sample;
2. the one pooled constant (the code before this bench) is printed beside it, and the constants fitted on all
   students of a family (what the code then uses) last.

Usage: python bench/synth_calibration.py [--data configs/data/demo.yaml] [--cache data] [--grid data/student-grid]
(builds what the grid is missing first)
"""

from __future__ import annotations

import argparse
import platform

import numpy as np

from flowad.hardware.estimators import distributed_arithmetic
from flowad.hardware.estimators.synthesis import SYNTH_BELOW_LUT
from student_grid import HARDWARE, build, load_grid

POOLED_BEFORE = 0.95
"""The single constant the code used for both families before this bench (fitted on 8 students of bench/hardware.py)."""
FAMILIES = ("qkeras", "hgq")


def fit_constant(rows: list[dict]) -> float:
    """yosys LUTs per unit of adder cost: the median ratio over the students the model puts at ≥ half the switch
    (where synth uses it), or over all when fewer than two are that large."""
    large = [r for r in rows if POOLED_BEFORE * r["adder_cost"] >= SYNTH_BELOW_LUT / 2]
    return float(np.median([r["yosys_lut"] / r["adder_cost"] for r in (large if len(large) >= 2 else rows)]))


def two_fold(rows: list[dict]) -> list[tuple[dict, float]]:
    """Each student with the constant fitted on the other half of its family (sorted by adder cost, alternated)."""
    rows = sorted(rows, key=lambda r: r["adder_cost"])
    halves = (rows[0::2], rows[1::2])
    out = []
    for held, fit in ((halves[0], halves[1]), (halves[1], halves[0])):
        k = fit_constant(fit)
        out += [(r, k) for r in held]
    return out


def band_summary(ratios: list[tuple[float, float]]) -> str:
    """``model LUT`` → ratio pairs as 'median [min, max] (n)'."""
    if not ratios:
        return "none"
    values = np.array([r for _, r in ratios])
    return f"{np.median(values):.2f} [{values.min():.2f}, {values.max():.2f}] ({len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="configs/data/demo.yaml")
    parser.add_argument("--cache", default="data")
    parser.add_argument("--grid", default="bench/measured/student-grid")
    parser.add_argument("--jobs", type=int, default=2, help="yosys runs side by side")
    args = parser.parse_args()
    rows = [r for r in build(args.data, args.cache, args.grid, args.jobs, FAMILIES) if r["family"] in FAMILIES]
    for r in rows:
        r["adder_cost"] = r["facts"]["adder_cost"]

    print(f"\nMachine: {platform.machine()}, 2 cores; yosys synth_xilinx, part {HARDWARE.part}; {len(rows)} students of "
          "the student grid (bench/student_grid.py)\n")
    print("| student | adder cost | yosys LUT | yosys s | pooled 0.95 / yosys | per-family, out of sample / yosys |")
    print("|---|---|---|---|---|---|")
    held_out = {family: two_fold([r for r in rows if r["family"] == family]) for family in FAMILIES}
    for family, pairs in held_out.items():
        for r, k in pairs:
            print(f"| {r['name']} | {r['adder_cost']:,.0f} | {r['yosys_lut']:,.0f} | {r['yosys_s']:.0f} | "
                  f"{POOLED_BEFORE * r['adder_cost'] / r['yosys_lut']:.2f} | {k * r['adder_cost'] / r['yosys_lut']:.2f} (k {k:.3f}) |")

    print(f"\nRatio model / yosys, median [min, max] (students), split at the model's {SYNTH_BELOW_LUT:,} LUTs "
          "(where synth switches from yosys to the model):\n")
    print("| family | calibration | model < 20k | model ≥ 20k | all |")
    print("|---|---|---|---|---|")
    for family, pairs in held_out.items():
        for what, lut_of in (("pooled 0.95 (before)", lambda r, k: POOLED_BEFORE * r["adder_cost"]),
                             ("per family, out of sample", lambda r, k: k * r["adder_cost"])):
            ratios = [(lut_of(r, k), lut_of(r, k) / r["yosys_lut"]) for r, k in pairs]
            below = [x for x in ratios if x[0] < SYNTH_BELOW_LUT]
            above = [x for x in ratios if x[0] >= SYNTH_BELOW_LUT]
            print(f"| {family} | {what} | {band_summary(below)} | {band_summary(above)} | {band_summary(ratios)} |")

    print("\nFitted on all students of the family (what synth uses above 20k):")
    for family in FAMILIES:
        mine = [r for r in rows if r["family"] == family]
        print(f"  {family}: LUT_PER_ADDER_COST = {fit_constant(mine):.3f} over {len(mine)} students "
              f"(code: {distributed_arithmetic.LUT_PER_ADDER_COST.get(family, 'none')})")

    gates = [r for r in load_grid(args.grid) if r["family"] == "lgn"]
    if gates:
        ratios = [(r["model_lut"], r["model_lut"] / r["yosys_lut"]) for r in gates]
        print(f"\nLogic-gate students: the closed-form `lgn` count (not fitted: nothing to hold out) / yosys over the grid's "
              f"{len(gates)} LGN points ({min(r['yosys_lut'] for r in gates):,.0f}–{max(r['yosys_lut'] for r in gates):,.0f} "
              f"yosys LUTs, all below the {SYNTH_BELOW_LUT:,}-LUT switch, so synth runs yosys for them): {band_summary(ratios)}")


if __name__ == "__main__":
    main()
