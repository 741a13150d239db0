"""Distillation end to end on real generated data, plus its parts."""

import numpy as np
import pytest

from flowad.configio import from_mapping
from flowad.distill import DistillConfig, TargetConfig, TargetTransform, prepare, run_distillation, sample_weights
from flowad.distill.augment import AugmentConfig, energy_scaled
from flowad.distill.outliers import OutlierExposureConfig
from flowad.teacher import TeacherConfig

TEACHER = {"kind": "flow", "view": "calo", "architecture": "realnvp", "depth": 2, "hidden": 16, "epochs": 10, "patience": 10, "batch_size": 32}


def test_target_transforms():
    scores = np.array([-50.0, -10.0, 0.0, 30.0])
    log = TargetTransform.fit(TargetConfig("log", 32, True), scores)
    assert log(scores)[0] == 0 and np.all(np.diff(log(scores)) > 0) and np.all(log(scores) == np.floor(log(scores)))
    assert log(np.array([-1e9]))[0] == 0  # below the training range: clipped, defined
    rank = TargetTransform.fit(TargetConfig("rank", 1, False), scores)
    assert rank(np.array([1e9]))[0] == 1 and rank(np.array([-1e9]))[0] == 0
    identity = TargetTransform.fit(TargetConfig("identity", 2, False), scores)
    np.testing.assert_allclose(identity(scores), 2 * (scores + 50))


def test_outlier_exposure_weights_the_tail():
    t = np.arange(1000.0)
    assert sample_weights(OutlierExposureConfig(0.99, 1.0), t) is None
    w = sample_weights(OutlierExposureConfig(0.9, 5.0), t)
    assert abs(w.mean() - 1) < 1e-6 and w[-1] / w[0] == pytest.approx(5.0)


def test_outlier_exposure_takes_its_quantile_over_the_natural_events_only():
    natural = np.arange(1000.0)
    augmented = np.full(1000, 5000.0)  # energy-scaled copies, all far above the natural tail
    w = sample_weights(OutlierExposureConfig(0.99, 10.0), np.r_[natural, augmented], natural=1000)
    heavy = w > w.min()
    assert heavy[:1000].sum() == 10  # the natural ZeroBias tail: its top 1 %
    assert heavy[1000:].all()  # copies above that quantile are weighted too, but they did not move it
    naive = sample_weights(OutlierExposureConfig(0.99, 10.0), np.r_[natural, augmented])
    assert (naive[:1000] > naive.min()).sum() == 0  # the old behaviour: the quantile fell inside the copies


def test_a_nan_teacher_score_is_an_error_not_a_target():
    from flowad.errors import FlowadInputError

    with pytest.raises(FlowadInputError, match="non-finite teacher scores"):
        TargetTransform.fit(TargetConfig(), np.array([1.0, np.nan, 2.0]))
    transform = TargetTransform.fit(TargetConfig(), np.array([1.0, 2.0]))
    with pytest.raises(FlowadInputError, match="first at event 1"):
        transform(np.array([1.5, np.inf]))


def test_energy_augmentation_scales_up_and_saturates():
    rng = np.random.default_rng(0)
    x = rng.poisson(5, (200, 18, 14)).astype(np.uint16)
    extra = energy_scaled(x, "calo", AugmentConfig(fraction=0.5, max_scale=300), np.random.default_rng(1))
    assert extra.shape == (100, 18, 14) and extra.dtype == np.uint16
    assert extra.max() == 1023 and extra.reshape(100, -1).sum(1).mean() > x.reshape(200, -1).sum(1).mean()
    objects = np.abs(rng.normal(size=(50, 57))).astype(np.float32)
    scaled = energy_scaled(objects, "objects", AugmentConfig(fraction=1.0, max_scale=4), np.random.default_rng(2))
    assert np.all(scaled[:, 1::3] == objects[np.random.default_rng(2).integers(0, 50, 50)][:, 1::3])  # eta untouched


@pytest.mark.slow
def test_teacher_is_trained_once_and_scores_are_cached(micro_dataset, tmp_path):
    from flowad.distill import DataSource

    source = DataSource(str(micro_dataset), cache=str(tmp_path / "cache"))
    first = prepare(source, TeacherConfig(**TEACHER))
    second = prepare(source, TeacherConfig(**TEACHER))
    assert first.teacher_trained_now and not second.teacher_trained_now
    assert len(list((tmp_path / "cache" / "teachers").glob("*.pt"))) == 1
    np.testing.assert_array_equal(first.scores["wprime"]["val"], second.scores["wprime"]["val"])
    assert "test" not in first.arrays["zerobias"] and "test" not in first.scores["zerobias"]  # a distillation never reads test


@pytest.mark.slow
@pytest.mark.parametrize("family", ["qkeras", "hgq", "lgn"])
def test_distilled_students_separate_a_hard_signal(micro_dataset, tmp_path, family):
    student = {"family": family, "widths": [16, 8], "bits": 8, "epochs": 30, "patience": 30, "batch_size": 32}
    if family == "lgn":
        student.update(widths=[256, 128], bits=3, learning_rate=0.02)
    config = from_mapping(DistillConfig, {
        "data": {"path": str(micro_dataset), "cache": str(tmp_path / "cache")},
        "teacher": {**TEACHER, "view": "objects"}, "student": student, "augment": {"fraction": 2.0, "max_scale": 8},
        "out": str(tmp_path / "out"),
    })
    report = run_distillation(config)
    assert report.metrics["wprime"]["teacher_auc"] > 0.8
    assert report.metrics["wprime"]["student_auc"] > 0.7
    assert set(report.fidelity) == {"kept_together", "teacher_sum_et_spearman", "student_sum_et_spearman"}
    assert -1 <= report.fidelity["student_sum_et_spearman"] <= 1  # the micro data has calo regions: ΣET is defined
    assert (tmp_path / "out" / "student" / "student.json").is_file()
    assert (tmp_path / "out" / "roc_student.png").is_file() and (tmp_path / "out" / "metrics.json").is_file()
