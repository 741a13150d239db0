"""Students: small quantized models that regress the teacher's score and fit in Level-1 firmware."""

from flowad.student.base import LOSSES, Student, load_student
from flowad.student.config import StudentConfig
from flowad.student.families import STUDENT_FAMILIES, build_student

__all__ = ["LOSSES", "STUDENT_FAMILIES", "Student", "StudentConfig", "build_student", "load_student"]
