"""Icarus Verilog simulation of a pipelined design, the one testbench every Verilog check in flowad uses.

:func:`stream` drives one input vector per clock into ``dut`` and prints its output ``latency`` clocks later, one
line per vector: a design with initiation interval 1 is checked at full rate, as it would run in the trigger.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from flowad.errors import FlowadInputError


class VerificationUnavailable(FlowadInputError):
    """The tool a verification needs is not on this machine (the design is unverified, not wrong)."""


def require_icarus() -> None:
    if not (shutil.which("iverilog") and shutil.which("vvp")):
        raise VerificationUnavailable("iverilog/vvp not on PATH: Verilog designs are verified with Icarus Verilog "
                                      "(Debian: apt-get install iverilog)")


def memb_lines(values: np.ndarray, bits: int | Sequence[int]) -> str:
    """``$readmemb`` text: each row of ``values`` (N, fields) as one binary string, field 0 in the least significant
    bits, two's complement for negative values; ``bits`` per field, or one width for all."""
    values = np.asarray(values, np.int64)
    widths = [bits] * values.shape[1] if isinstance(bits, int) else list(bits)
    return "\n".join("".join(format(int(v) & ((1 << b) - 1), f"0{b}b") for v, b in zip(row[::-1], widths[::-1]))
                     for row in values) + "\n"


def stream(sources: Sequence[str | Path], vectors: str, n: int, input_bits: int, output_bits: int, instance: str,
           latency: int, display: str = "%0d") -> list[str]:
    """The ``display``-formatted output for each of the ``n`` input ``vectors`` (``$readmemb`` text), simulated.

    ``instance`` instantiates the design as ``dut`` on ``clk``, input ``x`` (``input_bits`` wide) and output ``y``
    (``output_bits`` wide); the output of vector ``t`` is read ``latency`` clocks after it was applied."""
    require_icarus()
    with tempfile.TemporaryDirectory(prefix="flowad-sim-") as tmp:
        tmp = Path(tmp)
        (tmp / "inputs.mem").write_text(vectors)
        (tmp / "tb.v").write_text(f"""
module tb;
  reg clk = 0;
  reg [{input_bits - 1}:0] vectors [0:{n - 1}];
  reg [{input_bits - 1}:0] x;
  wire [{output_bits - 1}:0] y;
  integer t;
  {instance}
  initial begin
    $readmemb("{tmp / 'inputs.mem'}", vectors);
    for (t = 0; t < {n + latency}; t = t + 1) begin
      x = vectors[t < {n} ? t : 0];
      #1 clk = 1; #1 clk = 0;
      if (t >= {latency - 1} && t < {n + latency - 1}) $display("{display}", y);
    end
    $finish;
  end
endmodule
""")
        run = subprocess.run(["iverilog", "-o", str(tmp / "sim"), str(tmp / "tb.v"), *map(str, sources)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise FlowadInputError(f"iverilog cannot compile the design: {(run.stderr.strip().splitlines() or ['?'])[0][:200]}")
        out = subprocess.run(["vvp", "-n", str(tmp / "sim")], check=True, capture_output=True, text=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]
