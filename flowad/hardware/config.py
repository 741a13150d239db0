"""The hardware spec of a trial's firmware: backend, FPGA part, clock, I/O, strategy. Defaults follow CICADA.

``strategy`` picks the design (see :mod:`flowad.hardware.routes`): ``distributed_arithmetic`` is da4ml's Verilog
of the whole network, ``Latency``/``Resource`` an hls4ml HLS project with those strategies. Logic-gate students
always become their own Verilog. Overflow and rounding are properties of the trained student (its datalane
saturates and truncates), recorded in each design's manifest, not settings here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flowad.errors import check

STRATEGIES = ("Latency", "Resource", "distributed_arithmetic")
IO_TYPES = ("io_parallel", "io_stream")
BACKENDS = ("Vitis", "Vivado")


@dataclass(frozen=True)
class HardwareConfig:
    backend: str = "Vitis"
    part: str = "xc7vx690tffg1927-2"
    """CICADA's Virtex-7 part."""
    clock_period_ns: float = 6.25
    """160 MHz, as CICADA."""
    io_type: str = "io_parallel"
    strategy: str = "distributed_arithmetic"
    reuse_factor: int = 1
    """hls4ml reuse factor (HLS designs); distributed arithmetic and logic gates are fully parallel (1)."""
    da_levels_per_stage: int = 5
    """Adder levels between pipeline registers in da4ml's Verilog (5 meets 6.25 ns on 7-series in its authors' use)."""
    default_precision: str = "ap_fixed<32,16>"
    """Only where a model does not fix precision itself (quantized layers always do)."""

    def __post_init__(self) -> None:
        check(self.backend in BACKENDS, "backend", f"must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        check(self.strategy in STRATEGIES, "strategy", f"must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        check(self.io_type in IO_TYPES, "io_type", f"must be one of {', '.join(IO_TYPES)}, got {self.io_type!r}")
        check(0.5 <= self.clock_period_ns <= 100, "clock_period_ns", f"must be in [0.5, 100] ns, got {self.clock_period_ns}")
        check(1 <= self.reuse_factor <= 4096, "reuse_factor", f"must be in [1, 4096], got {self.reuse_factor}")
        check(self.reuse_factor == 1 or self.strategy != "distributed_arithmetic", "reuse_factor",
              "distributed arithmetic is fully parallel: reuse_factor must be 1")
        check(1 <= self.da_levels_per_stage <= 64, "da_levels_per_stage", f"must be in [1, 64], got {self.da_levels_per_stage}")
        check(re.fullmatch(r"ap_(u)?fixed<\d+,-?\d+>", self.default_precision) is not None, "default_precision",
              f"must look like ap_fixed<W,I>, got {self.default_precision!r}")
