"""Firmware: one design per student and spec (hls4ml project, da4ml or logic-gate Verilog), its verification,
resource and latency estimators of that design, and the baseline triggers' Verilog."""

from flowad.hardware.config import HardwareConfig
from flowad.hardware.convert import ConversionError, convert
from flowad.hardware.design import DESIGN_KINDS, Design, read_design
from flowad.hardware.emulate import BitExactReport, emulate
from flowad.hardware.estimators import ESTIMATORS, HardwareReport, cost, estimate, pairing_problem
from flowad.hardware.routes import ROUTES, Verification, build_design, route_of, verification, verify_design
from flowad.hardware.simulation import VerificationUnavailable

__all__ = ["BitExactReport", "ConversionError", "DESIGN_KINDS", "Design", "ESTIMATORS", "HardwareConfig", "HardwareReport",
           "ROUTES", "Verification", "VerificationUnavailable", "build_design", "convert", "cost", "emulate", "estimate", "pairing_problem",
           "read_design", "route_of", "verification", "verify_design"]
