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


def test_energy_augmentation_of_the_combined_view_scales_both_parts_by_one_factor():
    rng = np.random.default_rng(3)
    calo = rng.poisson(5, (60, 252)).astype(np.float32)
    objects = np.abs(rng.normal(size=(60, 57))).astype(np.float32) + 1
    both = np.concatenate([calo, objects], axis=1)
    config = AugmentConfig(fraction=1.0, max_scale=4)
    scaled = energy_scaled(both, "calo+objects", config, np.random.default_rng(4))
    picked = both[np.random.default_rng(4).integers(0, 60, 60)]
    factor = scaled[:, 252] / picked[:, 252]  # MET's pT
    assert np.all((factor >= 1) & (factor <= 4)) and factor.std() > 0.1
    np.testing.assert_allclose(scaled[:, 252::3], picked[:, 252::3] * factor[:, None], rtol=1e-5)
    np.testing.assert_array_equal(scaled[:, 253::3], picked[:, 253::3])  # η untouched
    assert np.array_equal(scaled[:, :252], np.rint(scaled[:, :252]))  # counts stay whole
    np.testing.assert_allclose(scaled[:, :252], picked[:, :252] * factor[:, None], atol=0.5 + 1e-3)


def one_event_pool(et_gev: float, towers=(1000, 1001)):
    """A pool of one interaction: ``et_gev`` in each of ``towers``, with the default detector."""
    from flowad.data.config import DetectorConfig
    from flowad.data.event_table import EventTable
    from flowad.data.pileup import empty_deposits
    from flowad.distill.remix import PileupPool

    empty = empty_deposits(1)
    towers = EventTable(1, np.zeros(len(towers), np.int64), {"tower": np.array(towers, np.int32),
                                                             "et": np.full(len(towers), et_gev, np.float32)})
    return PileupPool(type(empty)(towers, empty.eg, empty.muons), DetectorConfig())


def test_pileup_remixing_adds_whole_interactions_to_the_regions_and_saturates():
    from flowad.distill.remix import RemixConfig, added_regions, remixed

    pool = one_event_pool(7.0)
    image = added_regions(pool, np.array([1]), np.random.default_rng(0))[0]  # one interaction
    assert image.sum() == 14 and set(np.unique(image)) <= {0, 7, 14}  # 7 GeV towers: 7 counts of 1 GeV each
    x = np.random.default_rng(1).poisson(3, (400, 18, 14)).astype(np.uint16)
    copies = remixed(x, pool, RemixConfig(fraction=0.5, max_extra_pileup=10), np.random.default_rng(2))
    assert copies.shape == (200, 18, 14) and copies.dtype == np.uint16
    picked = x[np.random.default_rng(2).integers(0, 400, 200)].astype(np.int64)  # the same first draw
    added = copies.astype(np.int64) - picked
    multiples = added.reshape(200, -1).sum(1) / image.sum()
    assert np.all(added >= 0) and np.allclose(multiples, np.round(multiples))  # whole interactions only
    assert abs(multiples.mean() - 5.0) < 0.8  # Poisson(λ), λ uniform in [0, 10]: 5 on average
    hot = remixed(x, one_event_pool(400.0), RemixConfig(fraction=0.5, max_extra_pileup=10), np.random.default_rng(2))
    assert hot.max() == 1023  # saturated at 10 bits, never wrapped
    with pytest.raises(Exception, match="calo view"):
        remixed(np.zeros((10, 57), np.float32), pool, RemixConfig(fraction=1.0), np.random.default_rng(0))


def test_deposit_injection_adds_the_drawn_energy_in_one_region_or_two_neighbours():
    from flowad.distill.injection import InjectionConfig, injected

    x = np.zeros((300, 18, 14), np.uint16)
    one = InjectionConfig(fraction=1.0, max_deposits=1, min_gev=40.0, max_gev=40.0)
    copies = injected(x, one, region_lsb_gev=0.5, saturation=1023, rng=np.random.default_rng(0))
    assert copies.shape == x.shape and copies.dtype == np.uint16
    flat = copies.reshape(300, -1).astype(np.int64)
    assert np.all((flat.sum(1) >= 79) & (flat.sum(1) <= 80))  # 40 GeV = 80 counts of 0.5 GeV, two regions floored
    for image in copies:
        hit = np.argwhere(image > 0)
        assert 1 <= len(hit) <= 2 and image.max() >= 40  # at least half of it in the hit region
        if len(hit) == 2:
            d_eta, d_phi = np.abs(hit[0] - hit[1])
            assert (d_eta, min(d_phi, 14 - d_phi)) in ((1, 0), (0, 1))  # a neighbour, φ wrapping
    many = injected(x, InjectionConfig(fraction=0.5, max_deposits=4), 1.0, 1023, np.random.default_rng(1))
    deposits = (many.reshape(150, -1) > 0).sum(1)
    assert len(many) == 150 and deposits.min() >= 1 and deposits.max() <= 8
    hot = injected(x, InjectionConfig(fraction=0.1, max_deposits=1, min_gev=5000.0, max_gev=5000.0), 1.0, 1023,
                   np.random.default_rng(2))
    assert hot.max() == 1023  # saturated, never wrapped
    assert len(injected(x, InjectionConfig(), 1.0, 1023, np.random.default_rng(0))) == 0
    with pytest.raises(Exception, match="calo view"):
        injected(np.zeros((10, 57), np.float32), one, 1.0, 1023, np.random.default_rng(0))


def test_tail_mining_keeps_only_remixed_crossings_its_score_puts_above_the_natural_quantile():
    from flowad.distill.tail_mining import TailMiningConfig, mined_tail

    pool = one_event_pool(7.0)  # each added interaction: +14 counts
    x = np.random.default_rng(1).poisson(3, (2000, 18, 14)).astype(np.uint16)

    def sum_et(a):
        return a.reshape(len(a), -1).sum(1).astype(np.float64)

    natural = sum_et(x)
    config = TailMiningConfig(candidates=3.0, quantile=0.99, max_extra_pileup=4)
    kept, scores = mined_tail(x, natural, pool, sum_et, config, np.random.default_rng(2))
    threshold = np.quantile(natural, 0.99)
    assert kept.dtype == x.dtype and kept.shape[1:] == x.shape[1:]
    np.testing.assert_array_equal(scores, sum_et(kept))  # labelled by the score, not by anything else
    assert np.all(scores > threshold)
    # truth: a candidate is a natural crossing plus 14 k counts, k ~ Poisson(λ), λ ~ U[0, 4]; its chance to pass the
    # threshold, averaged over crossings and k by direct enumeration
    rng = np.random.default_rng(3)
    lam = rng.uniform(0, 4, 200_000)
    k = rng.poisson(lam)
    expected = np.mean(natural[rng.integers(0, len(x), len(k))] + 14 * k > threshold) * 3 * len(x)
    assert abs(len(kept) - expected) < 4 * np.sqrt(expected)  # ~33 % of 6,000, where natural crossings give 1 %
    # a score no candidate passes keeps nothing; mining off keeps nothing and draws nothing
    assert len(mined_tail(x, natural, pool, lambda a: np.zeros(len(a)), config, np.random.default_rng(2))[0]) == 0
    off = mined_tail(x, natural, pool, sum_et, TailMiningConfig(), np.random.default_rng(2))
    assert len(off[0]) == len(off[1]) == 0
    with pytest.raises(Exception, match="candidates"):
        TailMiningConfig(candidates=-1)


def test_a_remixed_crossing_carries_the_energy_of_one_simulated_whole(micro_dataset, tmp_path):
    """Truth: the same interactions digitised together, as the generator makes a crossing."""
    from flowad.data.pileup import attach, empty_deposits
    from flowad.data.views import calo_view, tower_grid
    from flowad.distill.remix import PileupPool, interactions_regions
    from flowad.errors import FlowadInputError

    pool = PileupPool.of(micro_dataset, "train")
    rng = np.random.default_rng(0)
    base, extra = rng.poisson(60, 500), rng.poisson(10, 500)
    own = [rng.integers(0, pool.deposits.n_events, k) for k in base]
    added = [rng.integers(0, pool.deposits.n_events, k) for k in extra]

    def digitised(chosen, counts):
        crossings = attach(empty_deposits(len(counts)), pool.deposits, np.concatenate(chosen), np.repeat(np.arange(len(counts)), counts))
        return calo_view(tower_grid(crossings.towers, pool.detector), pool.detector).astype(np.float64)

    whole = digitised([np.concatenate(p) for p in zip(own, added)], base + extra)
    stored = digitised(own, base)
    remixed = np.floor(stored + interactions_regions(pool, np.concatenate(added), extra) + 1e-9)
    alone = stored + digitised(added, extra)  # the added interactions digitised on their own
    sum_et = {name: a.reshape(500, -1).sum(1).mean() for name, a in
              {"whole": whole, "stored": stored, "remixed": remixed, "alone": alone}.items()}
    assert sum_et["remixed"] == pytest.approx(sum_et["whole"], rel=0.05)  # measured: −3.6 % here, −2.2 % on the demo
    assert abs(sum_et["alone"] - sum_et["whole"]) > abs(sum_et["remixed"] - sum_et["whole"])
    with pytest.raises(FlowadInputError, match="no pile-up pool"):
        PileupPool.of(tmp_path, "train")


@pytest.mark.slow
def test_a_distillation_trains_on_remixed_crossings_labelled_by_its_teacher(micro_dataset, tmp_path):
    from dataclasses import replace

    from flowad.distill import DataSource
    from flowad.distill.injection import InjectionConfig
    from flowad.distill.run import with_augmented
    from flowad.errors import FlowadInputError

    prepared = prepare(DataSource(str(micro_dataset), cache=str(tmp_path / "cache")), TeacherConfig(**TEACHER))
    config = from_mapping(DistillConfig, {"data": {"path": str(micro_dataset)}, "teacher": TEACHER,
                                          "student": {"family": "qkeras"}, "remix": {"fraction": 2.0}})
    x, s = prepared.arrays["zerobias"]["train"], prepared.scores["zerobias"]["train"]
    x_all, s_all = with_augmented(x, s, prepared.teacher, config, "train", prepared.dataset)
    assert len(x_all) == len(s_all) == 3 * len(x) and np.array_equal(x_all[:len(x)], x)
    np.testing.assert_allclose(s_all[len(x):], prepared.teacher.score(x_all[len(x):]), rtol=1e-5)  # the teacher's labels
    assert x_all[len(x):].reshape(2 * len(x), -1).sum(1).mean() > x.reshape(len(x), -1).sum(1).mean()  # more pile-up
    mining = from_mapping(DistillConfig, {"data": {"path": str(micro_dataset)}, "teacher": TEACHER,
                                          "student": {"family": "qkeras"},
                                          "tail_mining": {"candidates": 5.0, "quantile": 0.9}})
    x_mined, s_mined = with_augmented(x, s, prepared.teacher, mining, "train", prepared.dataset)
    assert len(x_mined) > len(x) and np.array_equal(x_mined[:len(x)], x)
    np.testing.assert_allclose(s_mined[len(x):], prepared.teacher.score(x_mined[len(x):]), rtol=1e-5)
    assert np.all(s_mined[len(x):] > np.quantile(s, 0.9))  # only the teacher's tail is kept
    injecting = replace(config, remix=replace(config.remix, fraction=0.0), injection=InjectionConfig(fraction=0.5))
    x_inj, s_inj = with_augmented(x, s, prepared.teacher, injecting, "train", prepared.dataset)
    assert len(x_inj) == len(x) + round(0.5 * len(x))
    np.testing.assert_allclose(s_inj[len(x):], prepared.teacher.score(x_inj[len(x):]), rtol=1e-5)
    for remixing in (config, mining, injecting):
        objects = replace(remixing, teacher=TeacherConfig(**{**TEACHER, "view": "objects"}))
        with pytest.raises(FlowadInputError, match="calo view"):
            with_augmented(x, s, prepared.teacher, objects, "train", prepared.dataset)


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
