"""One firmware design: the artefact a trial costs and ``flowad search select`` ships, with its content hash.

A design is a directory (``root``) and the list of its source files that *are* the firmware (HLS C++ and
weights, or Verilog). Their SHA-256 over relative paths and bytes is the design's identity: the trial logs it
beside its costs, and ``select`` recomputes it on what it exports. Files with machine-specific contents
(absolute paths in build scripts, compiled libraries) are not sources and are not hashed.

Kinds:

- ``hls4ml``: an hls4ml HLS project (Latency or Resource strategy), C++ for Vitis/Vivado HLS;
- ``da4ml_verilog``: da4ml's pipelined Verilog of the whole network (distributed arithmetic: constant
  multiplications as adder trees, no DSPs by construction);
- ``lgn_verilog``: a logic-gate student's Verilog, input comparators included.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from flowad.atomic import write_text_atomic
from flowad.configio import from_mapping, to_plain
from flowad.errors import FlowadInputError
from flowad.hardware.config import HardwareConfig

DESIGN_KINDS = {
    "hls4ml": "hls4ml HLS project",
    "da4ml_verilog": "da4ml distributed-arithmetic Verilog",
    "lgn_verilog": "logic-gate Verilog with input comparators",
}
VERIFIERS = {"hls4ml": "csim", "da4ml_verilog": "icarus", "lgn_verilog": "icarus"}
"""How each kind is proven equal to its model: hls4ml's C simulation (g++) or Icarus Verilog simulation."""
NO_DSP = {"da4ml_verilog": "distributed arithmetic: no DSPs by construction",
          "lgn_verilog": "logic gates: no DSPs by construction"}
"""Design kinds that use no DSPs whatever the student, and why."""
MANIFEST = "design.json"


@dataclass(frozen=True)
class Design:
    kind: str
    family: str
    root: Path
    spec: HardwareConfig
    sources: tuple[str, ...]
    """Files under ``root`` that make the firmware (hashed), POSIX relative paths."""
    top: str | None = None
    """Top Verilog module for synthesis (Verilog kinds)."""
    latency_cycles: float | None = None
    """Clock cycles from input to output, where the design itself fixes them (Verilog kinds)."""
    facts: dict[str, Any] = field(default_factory=dict)
    """Kind-specific numbers: da4ml's adder cost and I/O widths, the gate list's closed-form counts, ..."""

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the sources, read once per Design (:func:`read_design` makes a new one to re-check files)."""
        return source_digest(self.root, self.sources)

    @property
    def verifier(self) -> str:
        return VERIFIERS[self.kind]

    def files(self, suffix: str = "") -> list[Path]:
        return [self.root / s for s in self.sources if s.endswith(suffix)]

    def manifest(self) -> dict[str, Any]:
        return {"kind": self.kind, "family": self.family, "spec": to_plain(self.spec), "sources": list(self.sources),
                "top": self.top, "latency_cycles": self.latency_cycles, "facts": self.facts, "digest": self.digest}

    def write_manifest(self) -> Path:
        write_text_atomic(self.root / MANIFEST, json.dumps(self.manifest(), indent=2, sort_keys=True) + "\n")
        return self.root / MANIFEST


def source_digest(root: Path, sources: tuple[str, ...] | list[str]) -> str:
    """SHA-256 over each source's relative path and bytes, in sorted order."""
    h = hashlib.sha256()
    for name in sorted(sources):
        h.update(name.encode() + b"\0")
        h.update((root / name).read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def read_design(root: str | Path) -> Design:
    """The design in ``root`` (written by a route), its sources checked against the hash it was written with."""
    root = Path(root)
    try:
        manifest = json.loads((root / MANIFEST).read_text())
        design = Design(manifest["kind"], manifest["family"], root, from_mapping(HardwareConfig, manifest["spec"]),
                        tuple(manifest["sources"]), manifest.get("top"), manifest.get("latency_cycles"),
                        manifest.get("facts", {}))
        digest = design.digest
    except (OSError, ValueError, KeyError) as exc:
        raise FlowadInputError(f"{root}: not a flowad firmware design ({exc.__class__.__name__}: {exc})") from None
    if digest != manifest["digest"]:
        raise FlowadInputError(f"{root}: firmware sources changed since they were written "
                               f"(hash {digest[:12]}, recorded {manifest['digest'][:12]})")
    return design
