"""Synthesizable Verilog for a logic-gate student, its simulation, and its resource estimate.

hls4ml has no logic-gate layers, so the discrete network (``LGNStudent.gate_list()``) is written as
Verilog directly: one registered layer of two-input gates per clock, then a registered popcount of the
output gates (the group sum). Inputs are the thermometer bits ``in_bits[f * bits + k] = x_f > θ_{f,k}``;
the comparators that make them from fixed-point features sit upstream and are not part of this module.
Latency = number of gate layers + 1 cycles, initiation interval 1.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from flowad.atomic import write_text_atomic
from flowad.errors import FlowadInputError

MODULE = "lgn_student"
EXPRESSIONS = {
    "false": "1'b0", "and": "{a} & {b}", "a_and_not_b": "{a} & ~{b}", "a": "{a}", "not_a_and_b": "~{a} & {b}",
    "b": "{b}", "xor": "{a} ^ {b}", "or": "{a} | {b}", "nor": "~({a} | {b})", "xnor": "~({a} ^ {b})",
    "not_b": "~{b}", "a_or_not_b": "{a} | ~{b}", "not_a": "~{a}", "not_a_or_b": "~{a} | {b}",
    "nand": "~({a} & {b})", "true": "1'b1",
}
TRIVIAL = {"false", "true", "a", "b"}


def count_width(n_out: int) -> int:
    return max(1, math.ceil(math.log2(n_out + 1)))


def verilog(gates: dict) -> str:
    """The Verilog text of a gate list (see ``LGNStudent.gate_list``)."""
    layers = gates["layers"]
    n_in = len(gates["inputs"])
    n_out = len(layers[-1])
    width = count_width(n_out)
    lines = [
        f"// flowad logic-gate student: {n_in} input bits, layers {[len(l) for l in layers]}, popcount of {n_out}",
        f"// latency {len(layers) + 1} cycles, II 1",
        f"module {MODULE} (",
        "  input  wire clk,",
        f"  input  wire [{n_in - 1}:0] in_bits,",
        f"  output reg  [{width - 1}:0] count",
        ");",
    ]
    previous = "in_bits"
    for depth, layer in enumerate(layers):
        name = f"layer{depth}"
        lines.append(f"  reg [{len(layer) - 1}:0] {name};")
        lines.append("  always @(posedge clk) begin")
        for i, (op, a, b) in enumerate(layer):
            expr = EXPRESSIONS[op].format(a=f"{previous}[{a}]", b=f"{previous}[{b}]")
            lines.append(f"    {name}[{i}] <= {expr};")
        lines.append("  end")
        previous = name
    lines += [
        "  integer i;",
        f"  reg [{width - 1}:0] sum;",
        "  always @(*) begin",
        "    sum = 0;",
        f"    for (i = 0; i < {n_out}; i = i + 1) sum = sum + {previous}[i];",
        "  end",
        "  always @(posedge clk) count <= sum;",
        "endmodule",
    ]
    return "\n".join(lines) + "\n"


def write_verilog(gates: dict, path: str | Path) -> Path:
    write_text_atomic(path, verilog(gates))
    return Path(path)


def simulate(gates: dict, in_bits: np.ndarray) -> np.ndarray:
    """Popcounts from simulating the Verilog with Icarus Verilog (``iverilog``/``vvp`` on PATH)."""
    if not (shutil.which("iverilog") and shutil.which("vvp")):
        raise FlowadInputError("iverilog/vvp not on PATH: install Icarus Verilog (Debian: apt-get install iverilog)")
    n_events, n_in = in_bits.shape
    latency = len(gates["layers"]) + 1
    with tempfile.TemporaryDirectory(prefix="flowad-lgn-") as tmp:
        tmp = Path(tmp)
        write_verilog(gates, tmp / "student.v")
        (tmp / "inputs.mem").write_text("\n".join("".join("1" if b else "0" for b in row[::-1]) for row in in_bits) + "\n")
        width = count_width(len(gates["layers"][-1]))
        (tmp / "tb.v").write_text(f"""
module tb;
  reg clk = 0;
  reg [{n_in - 1}:0] vectors [0:{n_events - 1}];
  reg [{n_in - 1}:0] in_bits;
  wire [{width - 1}:0] count;
  integer t;
  {MODULE} dut(.clk(clk), .in_bits(in_bits), .count(count));
  initial begin
    $readmemb("{tmp / 'inputs.mem'}", vectors);
    for (t = 0; t < {n_events + latency}; t = t + 1) begin
      in_bits = vectors[t < {n_events} ? t : 0];
      #1 clk = 1; #1 clk = 0;
      if (t >= {latency - 1} && t < {n_events + latency - 1}) $display("%0d", count);
    end
    $finish;
  end
endmodule
""")
        subprocess.run(["iverilog", "-o", str(tmp / "sim"), str(tmp / "tb.v"), str(tmp / "student.v")], check=True,
                       capture_output=True, text=True)
        out = subprocess.run(["vvp", "-n", str(tmp / "sim")], check=True, capture_output=True, text=True).stdout
    values = [int(line) for line in out.split() if line.strip().isdigit()]
    return np.asarray(values[:n_events])


def resources(gates: dict) -> dict[str, float]:
    """Closed-form resources: one LUT per non-trivial two-input gate (no LUT6 packing), a popcount of
    ``n`` bits as ≈ ``n`` LUTs (compressor tree), one FF per gate output and per count bit.

    Not a bound: yosys packs gates into LUT6s but its popcount adders can cost more than ``n`` LUTs."""
    ops = [g[0] for layer in gates["layers"] for g in layer]
    n_out = len(gates["layers"][-1])
    logic = sum(op not in TRIVIAL for op in ops)
    return {"lut": float(logic + n_out), "ff": float(len(ops) + count_width(n_out)),
            "latency_cycles": float(len(gates["layers"]) + 1), "logic_gates": float(logic)}
