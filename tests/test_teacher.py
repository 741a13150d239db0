"""Real teacher training on the session's generated micro dataset."""

import numpy as np
import pytest
import torch

from flowad.configio import from_mapping
from flowad.data import load
from flowad.errors import ConfigError, FlowadInputError
from flowad.metrics import roc_auc
from flowad.teacher import Teacher, TeacherConfig, train_teacher
from flowad.teacher.preprocessing import Preprocessor

pytestmark = pytest.mark.slow
FAST = {"epochs": 15, "patience": 15, "batch_size": 32, "depth": 2, "hidden": 16}


@pytest.mark.parametrize("spec", [
    {"kind": "flow", "view": "calo", "architecture": "nsf"},
    {"kind": "flow", "view": "objects", "architecture": "realnvp"},
    {"kind": "flow", "view": "objects", "architecture": "maf"},
    {"kind": "cae", "view": "calo", "hidden": 8},
    {"kind": "flow", "view": "calo+objects", "architecture": "maf", "pileup_subtraction": True},
    {"kind": "latent_flow", "view": "calo", "architecture": "maf", "latent": 16, "embedding_hidden": 16},
    {"kind": "latent_flow", "view": "objects", "architecture": "maf", "latent": 8, "embedding_hidden": 16},
])
def test_teacher_separates_a_hard_signal(micro_dataset, tmp_path, spec):
    config = TeacherConfig(**{**FAST, **spec})
    data = load(micro_dataset, config.view)
    bg = data["zerobias"]
    teacher = train_teacher(config, bg["train"], bg["val"])
    assert teacher.history and all(np.isfinite(h["val_loss"]) for h in teacher.history)
    background, signal = teacher.score(bg["test"]), teacher.score(data["wprime"]["test"])
    assert np.isfinite(background).all() and np.isfinite(signal).all()
    assert roc_auc(background, signal) > 0.8
    loaded = Teacher.load(teacher.save(tmp_path / "teacher.pt"))
    np.testing.assert_allclose(loaded.score(bg["test"]), background, rtol=1e-5, atol=1e-5)


def test_training_is_seeded(micro_dataset):
    bg = load(micro_dataset, "objects")["zerobias"]
    config = TeacherConfig(view="objects", architecture="realnvp", **{**FAST, "epochs": 3})
    a = train_teacher(config, bg["train"], bg["val"]).score(bg["test"])
    b = train_teacher(config, bg["train"], bg["val"]).score(bg["test"])
    np.testing.assert_array_equal(a, b)


def test_preprocessing_is_fitted_on_train_only():
    rng = np.random.default_rng(0)
    train = rng.poisson(3, (500, 18, 14)).astype(np.uint16)
    pre = Preprocessor.fit("calo", train, 0.0)
    z = pre.transform(train)
    assert abs(z.mean()) < 1e-3 and abs(z.std() - 1) < 0.05
    shifted = pre.transform(train + 5)
    assert shifted.mean() > 1  # other data is judged by the training statistics
    objects = rng.normal(size=(300, 57)).astype(np.float32)
    objects[:, 1] = 0  # MET eta: constant, dropped
    assert Preprocessor.fit("objects", objects, 0.05).n_features == 56


def _calo_and_objects(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    calo = np.minimum(rng.poisson(4, (n, 18, 14)), 1023).astype(np.uint16)
    objects = np.abs(rng.normal(size=(n, 57))).astype(np.float32)
    objects[:, 1] = 0  # MET's η: a constant feature, dropped
    return calo, objects


@pytest.mark.parametrize("view, pileup_subtraction", [
    ("calo", False), ("calo", True), ("objects", False), ("calo+objects", False), ("calo+objects", True)])
def test_device_preprocessing_equals_host_preprocessing(view, pileup_subtraction):
    """Scoring on a GPU preprocesses with torch; it must give the numpy path's inputs, bit for bit on CPU."""
    calo, objects = _calo_and_objects(np.random.default_rng(1), 400)
    x = {"calo": calo, "objects": objects,
         "calo+objects": np.concatenate([calo.reshape(400, -1), objects], axis=1, dtype=np.float32)}[view]
    pre = Preprocessor.fit(view, x[:300], 0.05, pileup_subtraction)
    raw = torch.from_numpy(x.reshape(len(x), -1).astype(np.float32))
    np.testing.assert_array_equal(pre.transform_tensor(raw).numpy(), pre.transform(x))


def test_the_combined_view_treats_its_regions_as_counts_and_its_objects_as_objects():
    """calo+objects preprocesses its 252 counts exactly as the calo view does and its 57 features as the objects
    view does: pile-up subtraction touches only the counts, object noise only the objects."""
    rng = np.random.default_rng(4)
    calo, objects = _calo_and_objects(rng, 500)
    both = np.concatenate([calo.reshape(500, -1), objects], axis=1, dtype=np.float32)
    pre = Preprocessor.fit("calo+objects", both, 0.05, pileup_subtraction=True)
    alone = {"calo": Preprocessor.fit("calo", calo, 0.05, pileup_subtraction=True), "objects": Preprocessor.fit("objects", objects, 0.05)}
    assert pre.n_features == 252 + 56 and pre.counts.sum() == 252
    z = pre.transform(both)
    np.testing.assert_allclose(z[:, :252], alone["calo"].transform(calo), atol=1e-6)
    np.testing.assert_allclose(z[:, 252:], alone["objects"].transform(objects), atol=1e-6)
    busy = both.copy()
    busy[:, :252] += 6  # a higher pile-up level under the same objects
    np.testing.assert_allclose(pre.transform(busy), z, atol=1e-5)
    noisy = pre.transform(both, np.random.default_rng(0)) - z  # training mode
    assert np.all(np.abs(noisy[:, 252:]) <= 0.5 * 0.05 + 1e-6) and np.abs(noisy[:, 252:]).max() > 0.01
    assert np.abs(noisy[:, :252]).max() > 0.01  # counts get U(0, 1) dequantisation instead of the mid-point 0.5
    restored = Preprocessor.from_state(pre.state())
    np.testing.assert_array_equal(restored.transform(busy), pre.transform(busy))
    legacy = Preprocessor.fit("calo", calo, 0.05)  # a checkpoint from before the combined view has no counts mask
    state = legacy.state()
    del state["counts"]
    np.testing.assert_array_equal(Preprocessor.from_state(state).transform(calo), legacy.transform(calo))


def test_a_latent_flow_trains_its_autoencoder_then_only_its_flow():
    """Stage one fits the autoencoder on reconstruction; stage two freezes it, standardises its latents on the
    training crossings and fits the flow: the score is −log p(z), and the encoder is the stage-one encoder."""
    rng = np.random.default_rng(5)
    x = np.minimum(rng.poisson(3, (700, 18, 14)), 1023).astype(np.uint16)
    config = TeacherConfig(kind="latent_flow", latent=6, embedding_hidden=4, **{**FAST, "epochs": 3})
    teacher = train_teacher(config, x[:500], x[500:600])
    stages = [h["stage"] for h in teacher.history]
    assert stages[0] == "autoencoder" and stages[-1] == "flow" and stages == sorted(stages)
    module = teacher.module
    z = module.autoencoder.encode(torch.from_numpy(teacher.preprocessor.transform(x[:500])))
    np.testing.assert_allclose(module.latent_mean.numpy(), z.mean(0).detach().numpy(), atol=1e-4)
    assert not any(p.requires_grad for p in module.autoencoder.parameters())
    inputs = torch.from_numpy(teacher.preprocessor.transform(x[600:]))
    expected = -module.density.flow().log_prob((module.autoencoder.encode(inputs) - module.latent_mean) / module.latent_std)
    np.testing.assert_allclose(teacher.score(x[600:]), expected.detach().double().numpy(), rtol=1e-5, atol=1e-5)
    reconstruction = [h["val_loss"] for h in teacher.history if h["stage"] == "autoencoder"]
    assert reconstruction[-1] < reconstruction[0]


def test_scoring_in_chunks_changes_nothing():
    rng = np.random.default_rng(2)
    x = np.minimum(rng.poisson(4, (600, 18, 14)), 1023).astype(np.uint16)
    teacher = train_teacher(TeacherConfig(**{**FAST, "epochs": 1}), x[:400], x[400:500])
    # float32 matrix products may round differently with the batch's shape: equal to float32 precision
    np.testing.assert_allclose(teacher.score(x[500:], chunk=7), teacher.score(x[500:]), rtol=1e-6)


def test_checkpoints_are_loaded_safely(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": 1, "config": {"kind": "flow"}, "payload": object()}, path)
    with pytest.raises(FlowadInputError, match="not a flowad teacher checkpoint"):
        Teacher.load(path)
    (tmp_path / "junk.pt").write_bytes(b"nonsense")
    with pytest.raises(FlowadInputError, match="not a flowad teacher checkpoint"):
        Teacher.load(tmp_path / "junk.pt")


@pytest.mark.parametrize("spec, key", [
    ({"depth": 0}, "depth"), ({"kind": "vae"}, "kind"), ({"kind": "cae", "view": "objects"}, "view"),
    ({"hidden": 0}, "hidden"), ({"architecture": "glow"}, "architecture"), ({"device": "tpu"}, "device"),
    ({"view": "objects", "pileup_subtraction": True}, "pileup_subtraction"), ({"view": "both"}, "view"),
    ({"kind": "cae", "view": "calo+objects"}, "view"), ({"view": "calo+objects", "decorrelate": "sum_et"}, "decorrelate"),
])
def test_bad_teacher_configs(spec, key):
    with pytest.raises(ConfigError) as info:
        from_mapping(TeacherConfig, spec)
    assert info.value.key == key


def test_pileup_subtraction_removes_the_crossings_level_and_matches_on_device():
    from flowad.teacher.preprocessing import Preprocessor

    rng = np.random.default_rng(3)
    quiet = rng.poisson(2, (300, 18, 14)).astype(np.uint16)
    busy = (quiet + 6).astype(np.uint16)  # the same hard pattern on a higher pile-up level
    pre = Preprocessor.fit("calo", quiet, 0.05, pileup_subtraction=True)
    np.testing.assert_allclose(pre.transform(busy), pre.transform(quiet), atol=1e-5)
    np.testing.assert_allclose(pre.transform_tensor(torch.from_numpy(busy.astype(np.float32))).numpy(),
                               pre.transform(busy), atol=1e-5)
    restored = Preprocessor.from_state(pre.state())
    assert restored.pileup_subtraction and np.array_equal(restored.transform(busy), pre.transform(busy))
    plain = Preprocessor.fit("calo", quiet, 0.05)
    assert not np.allclose(plain.transform(busy), plain.transform(quiet), atol=1e-2)


def test_a_teacher_trained_on_menu_rejected_crossings_sees_only_those(micro_dataset, tmp_path, monkeypatch):
    from flowad.distill import DataSource, prepare
    from flowad.metrics import menu
    from flowad.metrics.l1_quantities import max_region_et

    # A menu whose one seed (hottest region >= 12 GeV) keeps about half of the micro ZeroBias.
    monkeypatch.setitem(menu.MENUS, "test_half", menu.NamedMenu(
        lambda: menu.MenuConfig(rates_khz={}, thresholds_gev={"single_region": 12.0}), "hottest region above 12 GeV"))
    config = TeacherConfig(**{**FAST, "epochs": 2, "view": "calo", "architecture": "maf"}, train_on_menu_rejected="test_half")
    prepared = prepare(DataSource(str(micro_dataset), cache=str(tmp_path)), config)
    train = load(micro_dataset, "calo")["zerobias"]["train"]
    rejected = train[max_region_et(train) < 12.0]
    assert 0 < len(rejected) < len(train)
    np.testing.assert_allclose(prepared.teacher.preprocessor.mean, Preprocessor.fit("calo", rejected, config.dequantize).mean)
    with pytest.raises(FlowadInputError, match="'calibrated' menu cannot be set"):  # 120 crossings cannot set 5 kHz cuts
        prepare(DataSource(str(micro_dataset), cache=str(tmp_path)), TeacherConfig(**FAST, train_on_menu_rejected="calibrated"))


def test_a_decorrelated_score_has_no_trend_with_its_complexity_and_survives_a_reload(micro_dataset, tmp_path):
    from scipy.stats import spearmanr

    from flowad.metrics.l1_quantities import sum_et

    bg = load(micro_dataset, "calo")["zerobias"]
    raw = train_teacher(TeacherConfig(**FAST, view="calo", architecture="maf"), bg["train"], bg["val"])
    flat = train_teacher(TeacherConfig(**FAST, view="calo", architecture="maf", decorrelate="sum_et"), bg["train"], bg["val"])
    x = np.concatenate([bg["val"], bg["test"]])  # crossings the flow was not fitted on
    before, after = spearmanr(raw.score(x), sum_et(x))[0], spearmanr(flat.score(x), sum_et(x))[0]
    assert before > 0.5 and abs(after) < 0.5 * before  # −log p tracks ΣET; the corrected score much less
    np.testing.assert_allclose(flat.score(x), raw.score(x) - flat.correction(x))  # same flow, same seed
    loaded = Teacher.load(flat.save(tmp_path / "flat.pt"))
    np.testing.assert_allclose(loaded.score(x), flat.score(x), rtol=1e-6, atol=1e-6)
    with pytest.raises(ConfigError, match="calo view only"):
        TeacherConfig(view="objects", decorrelate="sum_et")
