"""Knowledge distillation: a student regresses a transform of the teacher's anomaly score."""

from flowad.distill.config import DataSource, DistillConfig, TeacherRunConfig
from flowad.distill.outliers import OutlierExposureConfig, sample_weights
from flowad.distill.run import prepare, run_distillation, run_teacher
from flowad.distill.target import TargetConfig, TargetTransform

__all__ = ["DataSource", "DistillConfig", "OutlierExposureConfig", "TargetConfig", "TargetTransform",
           "TeacherRunConfig", "prepare", "run_distillation", "run_teacher", "sample_weights"]
