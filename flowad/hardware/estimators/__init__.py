"""FPGA resource/latency estimators behind one interface, each saying what it is.

- ``vitis``: real C synthesis (hls4ml build + ``hls4ml.report``) when ``vitis_hls``/``vivado_hls`` is on PATH;
- ``da4ml``: da4ml's distributed-arithmetic cost model (adders → LUT-equivalents, adder depth → cycles),
  through da4ml's own tracer or, for models it refuses, hls4ml's ``distributed_arithmetic`` strategy;
- ``yosys``: real open-source logic synthesis (``synth_xilinx``) of da4ml's Verilog or of a logic-gate
  student's Verilog: the reference estimator without vendor tools;
- ``rule4ml``: the published GNN surrogate of hls4ml + Vivado synthesis (optional extra);
- ``ebops``: HGQ's effective bit operations, a LUT-equivalent proxy;
- ``lgn``: closed-form LUT/FF count of a logic-gate student from its gate list.

An estimator that cannot run for a model or on this machine returns ``available=False`` with the reason:
never a made-up number.
"""

from flowad.hardware.estimators.registry import ESTIMATORS, HardwareReport, estimate, register, unavailable
from flowad.hardware.estimators import proxies, distributed_arithmetic, synthesis, surrogate, vendor  # noqa: F401,E402

__all__ = ["ESTIMATORS", "HardwareReport", "estimate", "register", "unavailable"]
