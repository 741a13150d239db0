"""Stable content hashes of configs and derived seeds."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flowad.configio import to_plain


def content_hash(obj: Any, length: int = 12) -> str:
    """Hex digest of the canonical JSON of ``obj`` (a dataclass config or plain data)."""
    text = json.dumps(to_plain(obj), sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()[:length]


def derive_seed(*parts: Any, modulus: int = 2**63 - 1) -> int:
    """A deterministic integer seed in ``[1, modulus)`` from any printable parts."""
    text = "\x1f".join(map(str, parts))
    digest = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
    return 1 + digest % (modulus - 1)
