"""Where student families register: ``@register_family`` on the class, one import line in
:mod:`flowad.student.families`. Imports nothing, so the config can check names against it without a cycle."""

from __future__ import annotations

from typing import Any

STUDENT_FAMILIES: dict[str, Any] = {}
"""Family name → its :class:`flowad.student.base.Student` class."""


def register_family(cls):
    """Class decorator: make ``cls`` (a Student subclass with a ``family`` name) known to configs and searches."""
    if cls.family in STUDENT_FAMILIES and STUDENT_FAMILIES[cls.family] is not cls:
        raise ValueError(f"student family {cls.family!r} is registered twice")
    STUDENT_FAMILIES[cls.family] = cls
    return cls


def widths_params() -> frozenset[str]:
    """Every search parameter some family takes its layer widths from (``widths``, ``lgn_widths``)."""
    return frozenset(cls.widths_param for cls in STUDENT_FAMILIES.values())


def family_params(family: str | None, params: dict[str, Any], prefix: str = "student.") -> dict[str, Any]:
    """The ``params`` (search parameters, keys ``prefix + field``) that ``family`` reads: another family's own
    fields and widths parameter are dropped; the widths parameter falls back to ``widths`` when the family's own
    is not among ``params``. A family that is None or unknown keeps everything (the config refuses it elsewhere)."""
    cls = STUDENT_FAMILIES.get(family) if family is not None else None
    if cls is None:
        return dict(params)
    owned = {f for c in STUDENT_FAMILIES.values() for f in c.own_params} - cls.own_params
    mine = cls.widths_param if prefix + cls.widths_param in params else "widths"
    others = widths_params() - {mine}
    return {key: value for key, value in params.items()
            if not key.startswith(prefix) or key[len(prefix):] not in owned | others}
