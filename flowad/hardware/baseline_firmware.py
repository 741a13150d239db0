"""Firmware of the no-ML baseline triggers, as synthesizable Verilog, so they sit on the Pareto plots at a real cost.

Each design takes the same inputs the students read and fires when its quantity exceeds a *programmable*
threshold (an input port, as Level-1 thresholds are loaded at run time):

- ``max_region_et``: "hottest region > T" is built as its cheapest equivalent, one 10-bit comparator per
  region and a 252-input OR (no max tree is needed to decide it); 2 pipeline stages;
- ``sum_et``: a pipelined adder tree over the 252 regions (``LEVELS_PER_STAGE`` adder levels per register
  stage), then the comparator;
- ``ht``: the 10 jets' pT masked by pT > 30 GeV and |η| < 2.4 (jet η as a tower index), summed by an adder
  tree, then the comparator. The jet finder itself is the standard trigger's and is not costed here.

Latency is the number of register stages the Verilog has, times the clock: yosys does no timing, so the
stages are placed conservatively (two adder levels or one comparator+OR level per 6.25 ns).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flowad.atomic import write_text_atomic
from flowad.hardware.config import HardwareConfig
from flowad.hardware.estimators.registry import HardwareReport
from flowad.hardware.simulation import memb_lines, stream

REGION_BITS = 10
N_REGIONS = 252
JET_PT_BITS = 11
"""Jet pT in GeV, 11 bits."""
JET_IETA_BITS = 7
"""Jet η as a signed tower index (±56 over |η| < 5 in steps ≈ 0.087), 7 bits."""
N_JETS = 10
HT_JET_PT_MIN = 30
HT_JET_IETA_MAX = 27
"""|η| < 2.4 ≈ 27.6 towers of 0.087: CMS's |ieta| ≤ 27."""
LEVELS_PER_STAGE = 2
BASELINE_DESIGNS = ("sum_et", "max_region_et", "ht")


@dataclass(frozen=True)
class TriggerDesign:
    """One baseline's Verilog and what a testbench needs to drive it."""

    name: str
    top: str
    path: Path
    latency_cycles: int
    input_bits: int
    threshold_bits: int


def write_baseline(name: str, out_dir: str | Path) -> TriggerDesign:
    """Write the Verilog of baseline ``name`` (``max_region_et``, ``sum_et``, ``ht``) into ``out_dir``."""
    writers = {"max_region_et": _max_region, "sum_et": _sum_et, "ht": _ht}
    if name not in writers:
        raise KeyError(f"no firmware for baseline {name!r} (known: {', '.join(writers)})")
    text, cycles, input_bits, threshold_bits = writers[name]()
    top = f"{name}_trigger"
    path = Path(out_dir) / f"{top}.v"
    write_text_atomic(path, text.replace("MODULE", top))
    return TriggerDesign(name, top, path, cycles, input_bits, threshold_bits)


def _max_region() -> tuple[str, int, int, int]:
    lines = [
        "// fires when any calorimeter region's ET exceeds the threshold: max(region) > T without a max tree",
        f"module MODULE(input clk, input [{N_REGIONS * REGION_BITS - 1}:0] regions, "
        f"input [{REGION_BITS - 1}:0] threshold, output reg fire);",
        f"  reg [{N_REGIONS - 1}:0] above;",
        "  integer i;",
        "  always @(posedge clk) begin",
        f"    for (i = 0; i < {N_REGIONS}; i = i + 1) above[i] <= regions[i*{REGION_BITS} +: {REGION_BITS}] > threshold;",
        "    fire <= |above;",
        "  end",
        "endmodule",
    ]
    return "\n".join(lines) + "\n", 2, N_REGIONS * REGION_BITS, REGION_BITS


def _sum_et() -> tuple[str, int, int, int]:
    inputs = [f"regions[{i * REGION_BITS} +: {REGION_BITS}]" for i in range(N_REGIONS)]
    body, total, width, stages = _adder_tree(inputs, REGION_BITS)
    lines = [
        "// fires when the sum of all region ETs exceeds the threshold (pipelined adder tree)",
        f"module MODULE(input clk, input [{N_REGIONS * REGION_BITS - 1}:0] regions, "
        f"input [{width - 1}:0] threshold, output reg fire);",
        *body,
        f"  always @(posedge clk) fire <= {total} > threshold;",
        "endmodule",
    ]
    return "\n".join(lines) + "\n", stages + 1, N_REGIONS * REGION_BITS, width


def _ht() -> tuple[str, int, int, int]:
    per_jet = JET_PT_BITS + JET_IETA_BITS
    lines = [
        "// fires when HT (jets above 30 GeV within |ieta| <= 27) exceeds the threshold",
        f"module MODULE(input clk, input [{N_JETS * per_jet - 1}:0] jets, input [{JET_PT_BITS + 3}:0] threshold, "
        "output reg fire);",
        f"  reg [{JET_PT_BITS - 1}:0] kept [0:{N_JETS - 1}];",
        "  integer j;",
        f"  reg [{JET_PT_BITS - 1}:0] pt; reg signed [{JET_IETA_BITS - 1}:0] ieta;",
        "  always @(posedge clk) begin",
        f"    for (j = 0; j < {N_JETS}; j = j + 1) begin",
        f"      pt = jets[j*{per_jet} +: {JET_PT_BITS}];",
        f"      ieta = jets[j*{per_jet} + {JET_PT_BITS} +: {JET_IETA_BITS}];",
        f"      kept[j] <= (pt > {HT_JET_PT_MIN} && ieta <= {HT_JET_IETA_MAX} && ieta >= -{HT_JET_IETA_MAX}) ? pt : 0;",
        "    end",
        "  end",
    ]
    body, total, width, stages = _adder_tree([f"kept[{j}]" for j in range(N_JETS)], JET_PT_BITS)
    assert width <= JET_PT_BITS + 4
    lines += [*body, f"  always @(posedge clk) fire <= {total} > threshold;", "endmodule"]
    return "\n".join(lines) + "\n", stages + 2, N_JETS * per_jet, JET_PT_BITS + 4


def _adder_tree(terms: list[str], width: int) -> tuple[list[str], str, int, int]:
    """Verilog of a binary adder tree over ``terms`` (each ``width`` bits), registered every ``LEVELS_PER_STAGE``
    levels and at the end; returns (lines, the sum's name, its width, register stages)."""
    lines: list[str] = []
    level, stages = 0, 0
    while len(terms) > 1:
        level += 1
        width += 1
        registered = level % LEVELS_PER_STAGE == 0 or len(terms) <= 2
        names = []
        for k in range(0, len(terms), 2):
            name = f"s{level}_{k // 2}"
            value = f"{terms[k]} + {terms[k + 1]}" if k + 1 < len(terms) else terms[k]
            if registered:
                lines.append(f"  reg [{width - 1}:0] {name}; always @(posedge clk) {name} <= {value};")
            else:
                lines.append(f"  wire [{width - 1}:0] {name} = {value};")
            names.append(name)
        stages += int(registered)
        terms = names
    return lines, terms[0], width, stages


def simulate(design: TriggerDesign, fields: np.ndarray, field_bits: list[int], threshold: int) -> np.ndarray:
    """The design's decision (bool per row of ``fields``), simulated by Icarus Verilog (``iverilog``, ``vvp``)."""
    port = "regions" if design.name in ("max_region_et", "sum_et") else "jets"
    n = len(fields)
    lines = stream([design.path], memb_lines(fields, field_bits), n, design.input_bits, 1,
                   f"{design.top} dut(.clk(clk), .{port}(x), .threshold({design.threshold_bits}'d{threshold}), .fire(y));",
                   design.latency_cycles)
    return np.asarray([int(v) for v in lines if v in ("0", "1")][:n], bool)


def estimate_baselines(config: HardwareConfig, workdir: str | Path, names: tuple[str, ...] = BASELINE_DESIGNS
                       ) -> dict[str, HardwareReport]:
    """yosys cost of each baseline's firmware on ``config.part`` (unavailable, saying why, without yosys)."""
    from flowad.hardware.estimators.registry import unavailable
    from flowad.hardware.estimators.synthesis import INSTALL_HINT, synthesize

    reports = {}
    for name in names:
        if shutil.which("yosys") is None:
            reports[name] = unavailable("yosys", INSTALL_HINT)
            continue
        design = write_baseline(name, Path(workdir) / name)
        reports[name] = synthesize([design.path], design.top, config, Path(workdir) / name, float(design.latency_cycles),
                                   f"the {name} trigger's Verilog")
    return reports
