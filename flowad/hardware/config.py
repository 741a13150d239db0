"""Firmware target: backend, FPGA part, clock, I/O and hls4ml strategy. Defaults follow CICADA."""

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
    strategy: str = "Latency"
    reuse_factor: int = 1
    default_precision: str = "ap_fixed<32,16>"
    """Only where a model does not fix precision itself (quantized layers always do)."""

    def __post_init__(self) -> None:
        check(self.backend in BACKENDS, "backend", f"must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        check(self.strategy in STRATEGIES, "strategy", f"must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        check(self.io_type in IO_TYPES, "io_type", f"must be one of {', '.join(IO_TYPES)}, got {self.io_type!r}")
        check(0.5 <= self.clock_period_ns <= 100, "clock_period_ns", f"must be in [0.5, 100] ns, got {self.clock_period_ns}")
        check(1 <= self.reuse_factor <= 4096, "reuse_factor", f"must be in [1, 4096], got {self.reuse_factor}")
        check(re.fullmatch(r"ap_(u)?fixed<\d+,-?\d+>", self.default_precision) is not None, "default_precision",
              f"must look like ap_fixed<W,I>, got {self.default_precision!r}")
