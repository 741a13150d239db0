"""Teachers: unsupervised models of ordinary collisions whose per-event loss is the anomaly score."""

from flowad.teacher.config import TeacherConfig
from flowad.teacher.kinds import TEACHER_KINDS
from flowad.teacher.model import Teacher, train_teacher

__all__ = ["TEACHER_KINDS", "Teacher", "TeacherConfig", "train_teacher"]
