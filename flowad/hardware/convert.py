"""hls4ml conversion of Keras students into an HLS project on disk."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from flowad.errors import FlowadInputError
from flowad.hardware.config import HardwareConfig
from flowad.student.base import Student

PROJECT_NAME = "flowad_student"


class ConversionError(FlowadInputError):
    """hls4ml cannot convert the model; the message names the layer."""


def hls_config(student: Student, config: HardwareConfig) -> dict:
    """hls4ml's configuration dict for ``student`` on ``config``'s target."""
    settings = student.hls4ml_precision(config.default_precision, config.backend)
    settings["Model"]["Strategy"] = config.strategy
    settings["Model"]["ReuseFactor"] = config.reuse_factor
    return settings


HLS4ML_REFUSALS = (Exception, ValueError, KeyError, NotImplementedError, AssertionError, RuntimeError)
"""The exception classes hls4ml 1.3 raises for models it cannot convert (bare ``Exception`` included, matched
exactly): anything else, such as a TypeError or AttributeError, is a bug and propagates."""


def convert(student: Student, config: HardwareConfig, output_dir: str | Path):
    """Convert a Keras student with hls4ml and write its HLS project into ``output_dir``; returns the ModelGraph."""
    import hls4ml

    output_dir = Path(output_dir)
    chatter = io.StringIO()
    try:
        with contextlib.redirect_stdout(chatter):
            model = hls4ml.converters.convert_from_keras_model(
                student.model, output_dir=str(output_dir), project_name=PROJECT_NAME, backend=config.backend,
                part=config.part, clock_period=config.clock_period_ns, io_type=config.io_type,
                hls_config=hls_config(student, config),
            )
            model.write()
    except Exception as exc:
        if type(exc) not in HLS4ML_REFUSALS:
            raise
        raise ConversionError(describe_failure(student.model, exc)) from None
    return model


def describe_failure(keras_model, exc: BaseException) -> str:
    """One line: which layer(s) of the model hls4ml choked on, and hls4ml's own words."""
    message = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:300]
    culprits = [layer for layer in keras_model.layers
                if re.search(rf"\b{re.escape(type(layer).__name__)}\b", message) or re.search(rf"\b{re.escape(layer.name)}\b", message)]
    named = ", ".join(f"{layer.name!r} ({type(layer).__name__})" for layer in culprits)
    return f"hls4ml cannot convert layer {named}: {message}" if named else f"hls4ml cannot convert the model: {message}"
