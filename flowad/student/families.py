"""The student families: adding one is a module whose class carries ``@register_family``, and one import line here.

What a family can do lives on its class (:class:`flowad.student.base.Student`): its search parameters, checks,
label, colour, static size and firmware route."""

from __future__ import annotations

import flowad.student.keras_students  # noqa: F401  (registers qkeras, hgq)
import flowad.student.lgn  # noqa: F401  (registers lgn)
from flowad.student.registry import STUDENT_FAMILIES


def build_student(config):
    return STUDENT_FAMILIES[config.family](config)
