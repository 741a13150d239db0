"""Firmware: hls4ml conversion, bit-accurate emulation, resource and latency estimators, baseline triggers' Verilog."""

from flowad.hardware.config import HardwareConfig
from flowad.hardware.convert import ConversionError, convert
from flowad.hardware.emulate import BitExactReport, emulate

__all__ = ["BitExactReport", "ConversionError", "HardwareConfig", "convert", "emulate"]

from flowad.hardware.estimators import ESTIMATORS, HardwareReport, estimate  # noqa: E402

__all__ += ["ESTIMATORS", "HardwareReport", "estimate"]
