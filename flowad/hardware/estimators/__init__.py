"""FPGA resource/latency estimators of one firmware design each, behind one interface, each saying what it is
and which design kinds it models (:mod:`registry`):

- ``vitis`` (hls4ml projects): real C synthesis when ``vitis_hls``/``vivado_hls`` is on PATH;
- ``rule4ml`` (hls4ml projects, surrogate): the published GNN surrogate of hls4ml + Vivado (optional extra);
- ``da4ml`` (da4ml Verilog): da4ml's adder cost, calibrated to yosys, and its pipeline depth;
- ``yosys`` (da4ml and logic-gate Verilog): real open-source synthesis (``synth_xilinx``), the reference
  without vendor tools;
- ``lgn`` (logic-gate Verilog): closed-form count of comparators, gates and popcount;
- ``ebops``: HGQ's effective bit operations of the student, a proxy that models no design (``flowad hw
  estimate`` only; a search refuses it).

An estimator that cannot run for a model or on this machine returns ``available=False`` with the reason:
never a made-up number.
"""

from flowad.hardware.estimators.registry import (ESTIMATORS, HardwareReport, cost, estimate, pairing_problem, register,
                                                 unavailable)
from flowad.hardware.estimators import proxies, distributed_arithmetic, synthesis, surrogate, vendor  # noqa: F401,E402

__all__ = ["ESTIMATORS", "HardwareReport", "cost", "estimate", "pairing_problem", "register", "unavailable"]
