"""Firmware routes: how a student family becomes one :class:`~flowad.hardware.design.Design`, and how that design
is proven to compute what the model computes.

A student class names its route (``Student.firmware``): ``keras`` for hls4ml/da4ml-convertible Keras models,
``gates`` for logic-gate networks. A new family reuses a route by naming it, or brings one here.

- ``keras``: ``distributed_arithmetic`` → da4ml traces the whole model into pipelined Verilog, verified by
  Icarus Verilog simulation; ``Latency``/``Resource`` → an hls4ml project, verified by hls4ml's C simulation.
- ``gates``: the gate list's Verilog with its input comparators, verified by Icarus Verilog simulation.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from flowad.errors import FlowadInputError
from flowad.hardware.config import HardwareConfig
from flowad.hardware.design import Design
from flowad.hardware.emulate import BitExactReport
from flowad.hardware.simulation import VerificationUnavailable, memb_lines, stream
from flowad.student.base import Student

DA_SOLVER = {"hard_dc": 2}
VERILOG_TOP = "student"


class FirmwareRoute(Protocol):
    def kind(self, spec: HardwareConfig) -> str:
        """The design kind this route builds under ``spec``."""

    def build(self, student: Student, spec: HardwareConfig, root: Path) -> Design:
        """Write the design into ``root`` (emptied first) and return it."""

    def verify(self, student: Student, design: Design, x: np.ndarray) -> BitExactReport:
        """Firmware outputs against the model's on raw view events ``x``."""

    def test_vectors(self, student: Student, x: np.ndarray) -> dict[str, str]:
        """File name → text of the inputs the firmware reads and the outputs it must give, for events ``x``."""


def route_of(student_or_class) -> FirmwareRoute:
    return ROUTES[student_or_class.firmware]


def build_design(student: Student, spec: HardwareConfig, root: str | Path) -> Design:
    """The one firmware design of ``student`` under ``spec``, written into ``root`` with its manifest."""
    root = Path(root)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    design = route_of(student).build(student, spec, root)
    design.write_manifest()
    return design


def verify_design(student: Student, design: Design, x: np.ndarray) -> BitExactReport:
    """Firmware against model on raw view events ``x``; raises VerificationUnavailable without the tool."""
    return route_of(student).verify(student, design, x)


@dataclass(frozen=True)
class Verification:
    by: str
    """The design's verifier (``icarus``, ``csim``), or ``not verified: <why>`` when it could not run here."""
    report: BitExactReport | None

    @property
    def verified(self) -> bool:
        return self.report is not None and self.report.bit_exact

    def describe(self) -> str:
        if self.report is None:
            return self.by
        exact = round(self.report.exact_fraction * self.report.n_events)
        return f"{self.by}: {exact}/{self.report.n_events} events bit-exact (max |diff| {self.report.max_abs_diff:g})"


def verification(student: Student, design: Design, x: np.ndarray) -> Verification:
    """:func:`verify_design`, with a missing tool recorded as "not verified" instead of raised."""
    try:
        return Verification(design.verifier, verify_design(student, design, x))
    except VerificationUnavailable as exc:
        return Verification(f"not verified: {exc}", None)


def _report(firmware: np.ndarray, model: np.ndarray, seconds: float) -> BitExactReport:
    firmware = np.asarray(firmware, np.float64).reshape(len(model), -1)
    model = np.asarray(model, np.float64).reshape(len(model), -1)
    diff = np.abs(firmware - model)
    return BitExactReport(len(model), float(np.mean(np.all(diff == 0, axis=1))), float(diff.max(initial=0.0)), seconds)


class KerasRoute:
    def kind(self, spec: HardwareConfig) -> str:
        return "da4ml_verilog" if spec.strategy == "distributed_arithmetic" else "hls4ml"

    def build(self, student, spec, root):
        if self.kind(spec) == "hls4ml":
            from flowad.hardware.convert import convert

            convert(student, spec, root)
            sources = sorted(p.relative_to(root).as_posix() for p in (root / "firmware").rglob("*")
                             if p.is_file() and p.suffix in (".cpp", ".h", ".txt"))
            return Design("hls4ml", student.family, root, spec, tuple(sources))
        return self._da4ml(student, spec, root)

    def _da4ml(self, student, spec, root) -> Design:
        from da4ml.codegen import RTLModel
        from da4ml.codegen.rtl.rtl_model import get_io_kifs
        from da4ml.converter import trace_model
        from da4ml.trace import HWConfig, comb_trace

        from flowad.hardware.convert import ConversionError

        try:
            with contextlib.redirect_stdout(io.StringIO()):
                inputs, outputs = trace_model(student.model, HWConfig(1, -1, -1), DA_SOLVER)
        except (AssertionError, NotImplementedError, ValueError, KeyError) as exc:  # da4ml's refusals of a layer
            raise ConversionError(f"da4ml cannot trace this {student.family} model "
                                  f"({exc.__class__.__name__}: {str(exc)[:160]})") from None
        comb = comb_trace(inputs, outputs)
        with contextlib.redirect_stdout(io.StringIO()):
            RTLModel(comb, VERILOG_TOP, root, flavor="verilog", latency_cutoff=spec.da_levels_per_stage,
                     part_name=spec.part, clock_period=spec.clock_period_ns).write()
        meta = json.loads((root / "metadata.json").read_text())
        kifs_in, kifs_out = get_io_kifs(comb)
        src = root / "src"
        sources = sorted(p.relative_to(root).as_posix() for p in src.rglob("*.v") if p.name != "lookup_table.v")
        facts = {"adder_cost": float(comb.cost), "reg_bits": float(meta["reg_bits"]), "stages": int(meta["latency"]),
                 "n_in": int(comb.shape[0]), "n_out": int(comb.shape[1]),
                 "in_width": int(kifs_in.max(axis=1).sum()), "in_frac": int(kifs_in[2].max()),
                 "out_width": int(kifs_out.max(axis=1).sum()), "out_frac": int(kifs_out[2].max()),
                 "out_signed": bool(kifs_out[0].max())}
        return Design("da4ml_verilog", student.family, root, spec, tuple(sources), top=VERILOG_TOP,
                      latency_cycles=float(meta["latency"] + 1), facts=facts)

    def verify(self, student, design, x):
        inputs = np.ascontiguousarray(student.inputs.apply(x))
        model_out = np.asarray(student.model.predict(inputs, batch_size=8192, verbose=0), np.float64).reshape(len(x), -1)
        if design.kind == "da4ml_verilog":
            start = time.perf_counter()
            firmware = simulate_da4ml(design, inputs)
            return _report(firmware, model_out, time.perf_counter() - start)
        return self._csim(student, design, x)

    def test_vectors(self, student, x):
        inputs = student.inputs.apply(x)
        outputs = np.asarray(student.model.predict(inputs, batch_size=8192, verbose=0)).reshape(len(x), -1)
        return {"tb_input_features.dat": _rows(inputs), "tb_output_predictions.dat": _rows(outputs)}

    def _csim(self, student, design, x) -> BitExactReport:
        """hls4ml's C simulation of the same project: rebuilt from the student and spec into a scratch
        directory, checked to be byte-identical to ``design``, compiled with g++."""
        from flowad.hardware.convert import convert
        from flowad.hardware.design import source_digest
        from flowad.hardware.emulate import emulate

        if shutil.which("g++") is None:
            raise VerificationUnavailable("g++ not on PATH: hls4ml's C simulation needs a C++ compiler")
        with tempfile.TemporaryDirectory(prefix="flowad-csim-") as tmp:
            model = convert(student, design.spec, Path(tmp) / "hls")
            rebuilt = source_digest(Path(tmp) / "hls", design.sources)
            if rebuilt != design.digest:
                raise FlowadInputError(f"the student converts to a different HLS project than the design "
                                       f"({rebuilt[:12]} vs {design.digest[:12]}): hls4ml version or spec changed")
            _, report = emulate(student, model, x)
        return report


def simulate_da4ml(design: Design, inputs: np.ndarray) -> np.ndarray:
    """Outputs (float64) of da4ml's Verilog, simulated with Icarus, for inputs on the model's input grid.

    Drives ``<top>_wrapper``'s regular layout (each input ``in_width`` bits, LSB at 2^-in_frac), one event per
    clock, and reads each event's output ``stages + 1`` clocks later (the register in front of every stage,
    then the output register)."""
    f = design.facts
    n, n_in, n_out = len(inputs), f["n_in"], f["n_out"]
    words = np.floor(inputs.reshape(n, -1).astype(np.float64) * 2.0 ** f["in_frac"]).astype(np.int64)
    sources = [*design.files(".v")]
    wrapper = design.root / "src" / f"{design.top}_wrapper.v"
    if wrapper not in sources:
        sources.append(wrapper)
    lines = stream(sources, memb_lines(words, f["in_width"]), n, n_in * f["in_width"], n_out * f["out_width"],
                   f"{design.top}_wrapper dut(.clk(clk), .model_inp(x), .model_out(y));", int(design.latency_cycles),
                   display="%b")
    rows = [line for line in lines if set(line) <= {"0", "1", "x", "z"}]
    if len(rows) != n or any(set(r) - {"0", "1"} for r in rows):
        raise FlowadInputError(f"the Verilog simulation gave {len(rows)} defined outputs for {n} events")
    w = f["out_width"]
    values = np.array([[int(r[len(r) - (j + 1) * w: len(r) - j * w], 2) for j in range(n_out)] for r in rows], np.int64)
    if f["out_signed"]:
        values = np.where(values >= 2 ** (w - 1), values - 2 ** w, values)
    return values.astype(np.float64) * 2.0 ** -f["out_frac"]


def _rows(rows: np.ndarray) -> str:
    """hls4ml's test-bench format: one event per line, values separated by spaces."""
    return "\n".join(" ".join(repr(float(v)) for v in row) for row in np.asarray(rows).reshape(len(rows), -1)) + "\n"


class GateListRoute:
    def kind(self, spec: HardwareConfig) -> str:
        return "lgn_verilog"

    def build(self, student, spec, root):
        from flowad.hardware.lgn_verilog import MODULE, latency_cycles, resources, write_verilog

        gates = student.gate_list()
        write_verilog(gates, root / "lgn_student.v")
        return Design("lgn_verilog", student.family, root, spec, ("lgn_student.v",), top=MODULE,
                      latency_cycles=float(latency_cycles(gates)), facts=resources(gates))

    def verify(self, student, design, x):
        from flowad.hardware.lgn_verilog import simulate

        start = time.perf_counter()
        firmware = simulate(student.gate_list(), student.inputs.words(x), design.root / "lgn_student.v")
        return _report(firmware, student.output_counts(x), time.perf_counter() - start)

    def test_vectors(self, student, x):
        return {"input_words.mem": memb_lines(student.inputs.words(x), student.inputs.total_bits),
                "output_counts.txt": "\n".join(map(str, student.output_counts(x))) + "\n"}


ROUTES: dict[str, FirmwareRoute] = {"keras": KerasRoute(), "gates": GateListRoute()}
