"""The student registry: adding a family is one module and one line here.

What a family can do lives on its class: ``firmware`` names its route to a design (flowad.hardware.routes),
``static_cost`` its size before training."""

from __future__ import annotations

from flowad.student.keras_students import HGQStudent, QKerasStudent
from flowad.student.lgn import LGNStudent

STUDENT_FAMILIES = {cls.family: cls for cls in (QKerasStudent, HGQStudent, LGNStudent)}


def build_student(config):
    return STUDENT_FAMILIES[config.family](config)
