"""Students of each family: real training on small inputs, fixed-point inputs, save/load, the LGN export."""

import json

import numpy as np
import pytest

from flowad.configio import from_mapping, to_plain
from flowad.errors import ConfigError, FlowadInputError
from flowad.student import StudentConfig, build_student, load_student
from flowad.student.inputs import FixedPointInputs
from flowad.student.lgn import GATE_NAMES, discrete_gates, relaxed_gates

pytestmark = pytest.mark.slow


def synthetic(n, seed):
    """Calo-like counts whose target is a known monotonic function of the total activity."""
    rng = np.random.default_rng(seed)
    x = rng.poisson(rng.uniform(0.2, 4.0, (n, 1, 1)), (n, 18, 14)).astype(np.uint16)
    target = np.floor(32 * np.log1p(x.reshape(n, -1).sum(1) / 10.0))
    return x, target


@pytest.mark.parametrize("family, extra", [
    ("qkeras", {"widths": [16, 8], "bits": 8, "integer_bits": 3, "device": "cpu"}),  # under tf.device
    ("hgq", {"widths": [16, 8], "bits": 8}),
    ("lgn", {"widths": [256, 128], "bits": 4, "learning_rate": 0.02}),  # auto: the GPU when there is one
])
def test_each_family_learns_and_round_trips(tmp_path, family, extra):
    from scipy.stats import spearmanr

    config = from_mapping(StudentConfig, {"family": family, "epochs": 25, "patience": 25, "batch_size": 64, **extra})
    x, t = synthetic(1500, 0)
    xv, tv = synthetic(300, 1)
    student = build_student(config)
    history = student.fit(x, t, xv, tv)
    assert history and history[-1]["train_loss"] < history[0]["train_loss"]
    prediction = student.predict(xv)
    assert prediction.shape == (300,)
    assert spearmanr(prediction, tv).statistic > 0.8
    loaded = load_student(student.save(tmp_path / "student"))
    np.testing.assert_allclose(loaded.predict(xv), prediction, rtol=1e-5)
    summary = student.summary()
    if family == "hgq":
        assert summary["ebops"] > 0
    if family == "lgn":
        gates = json.loads((tmp_path / "student" / "gates.json").read_text())
        assert [len(layer) for layer in gates["layers"]] == [256, 128]
        assert len(gates["inputs"]) == 252 * 4 and summary["gates"] == 384


def test_fixed_point_inputs_sit_on_the_grid():
    rng = np.random.default_rng(0)
    x = rng.exponential(40, (1000, 57)).astype(np.float32)
    inputs = FixedPointInputs.fit(x, total_bits=16, integer_bits=5)
    y = inputs.apply(x)
    step = 2.0 ** -inputs.fraction_bits
    assert np.all(np.abs(y / step - np.round(y / step)) == 0)
    assert y.max() < 2**5 and np.quantile(np.abs(y), 0.999) <= 2**4 + step
    assert np.all(inputs.apply(x * 1000) <= 2**5 - step)  # saturates, never wraps


def test_full_scale_inputs_are_the_10_bit_et_word():
    counts = np.random.default_rng(1).integers(0, 60, (500, 18, 14)).astype(np.uint16)
    inputs = FixedPointInputs.fit(counts, total_bits=16, integer_bits=5, full_scale=1023)
    assert (inputs.signed, inputs.total_bits) == (False, 10)
    hot = np.full((1, 18, 14), 1023, np.uint16)
    np.testing.assert_array_equal(inputs.words(hot), 1023)  # full scale is representable: no early saturation
    np.testing.assert_array_equal(inputs.words(counts), counts.reshape(500, -1))


def test_discrete_gates_are_the_hard_limit_of_the_relaxation():
    import torch

    a = np.array([False, False, True, True])
    b = np.array([False, True, False, True])
    relaxed = relaxed_gates(torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32)).numpy()
    for op, name in enumerate(GATE_NAMES):
        hard = discrete_gates(np.full(4, op), a[None], b[None])[0]
        np.testing.assert_array_equal(hard, relaxed[:, op] > 0.5, err_msg=name)


@pytest.mark.parametrize("spec, key", [
    ({"family": "bnn"}, "family"), ({"bits": 0}, "bits"), ({"bits": 33}, "bits"),
    ({"widths": [0]}, "widths[0]"), ({"widths": []}, "widths"), ({"device": "tpu"}, "device"), ({"family": "qkeras", "bits": 4, "integer_bits": 4}, "integer_bits"),
    ({"family": "qkeras", "pileup_subtraction": True}, "pileup_subtraction"),
    ({"family": "hgq", "pileup_subtraction": True}, "pileup_subtraction"),
])
def test_bad_student_configs(spec, key):
    with pytest.raises(ConfigError) as info:
        from_mapping(StudentConfig, spec)
    assert info.value.key == key
    if key == "pileup_subtraction":  # the field exists; the family refuses it
        assert "has no pile-up stage (families with one: lgn)" in str(info.value)


def test_asking_for_a_gpu_that_is_not_there_is_one_clear_error():
    """A student or teacher set to ``cuda`` on a process without a visible GPU (a trial given no GPU) says so."""
    import torch

    from flowad.devices import tensorflow_placement, torch_device
    from flowad.errors import FlowadInputError

    assert torch_device("cpu").type == "cpu"
    assert torch_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    with pytest.raises(FlowadInputError, match="torch sees no CUDA device"):
        torch_device("cuda")
    with pytest.raises(FlowadInputError, match="TensorFlow sees no GPU"):
        tensorflow_placement("cuda")


def test_building_a_qkeras_student_leaves_hgq_layers_alone():
    """hgq2 0.2.0's qkeras module patches hgq's classes in place; HGQ students must still get EBOPs."""
    x, t = synthetic(400, 2)
    for family in ("qkeras", "hgq"):
        config = from_mapping(StudentConfig, {"family": family, "widths": [8], "bits": 6, "integer_bits": 2, "epochs": 2})
        student = build_student(config)
        student.fit(x, t, x[:100], t[:100])
    dense = [layer for layer in student.model.layers if hasattr(layer, "kernel")]
    assert dense and all(layer.enable_ebops for layer in dense)
    assert student.ebops > 0


def test_lgn_thermometer_thresholds_reach_the_tail():
    from flowad.student.lgn import thermometer_quantiles

    np.testing.assert_allclose(thermometer_quantiles(3), [0.5, 1 - 0.5 * 0.002 ** 0.5, 0.999])
    assert thermometer_quantiles(1).tolist() == [0.5]
    for bits in (2, 4, 8):
        q = thermometer_quantiles(bits)
        assert q[-1] == pytest.approx(0.999) and np.all(np.diff(q) > 0)


def test_pileup_level_is_the_capped_upper_median():
    """Against its definition, enumerated: the largest k ≤ cap with at least ⌈N/2⌉ words ≥ k."""
    from flowad.student.lgn import pileup_level, pileup_subtracted

    rng = np.random.default_rng(5)
    for n_words in (7, 8, 252):
        words = rng.poisson(rng.uniform(0.5, 20.0, (300, 1)), (300, n_words)).astype(np.int64)
        truth = np.array([max(k for k in range(16) if (row >= k).sum() >= (n_words + 1) // 2) for row in words])
        assert np.array_equal(pileup_level(words), truth)
        assert (truth == 15).any() and (truth < 15).any()  # the cap binds on some events and not on others
        odd = n_words % 2 == 1
        uncapped = truth < 15
        if odd:  # an odd count's upper median is the median
            assert np.array_equal(truth[uncapped], np.median(words, axis=1)[uncapped])
        np.testing.assert_array_equal(pileup_subtracted(words), np.maximum(words - truth[:, None], 0))


def test_lgn_subtracting_pileup_reads_each_event_less_its_level():
    """Two events that differ only by a uniform pile-up offset look the same to the student; unsigned inputs only."""
    x, t = synthetic(400, 7)
    config = from_mapping(StudentConfig, {"family": "lgn", "widths": [64, 32], "bits": 3, "epochs": 2,
                                          "input_full_scale": 1023, "pileup_subtraction": True})
    student = build_student(config)
    student.fit(x, t, x[:100], t[:100])
    quiet = np.zeros((1, 18, 14), np.uint16)
    quiet[0, 3, 4], quiet[0, 9, 2] = 40, 25
    assert student.gate_list()["pileup"] == {"cap": 15, "rank": 126}
    np.testing.assert_array_equal(student.comparator_inputs(quiet + 6), student.comparator_inputs(quiet))
    assert student.predict(quiet + 6)[0] == student.predict(quiet)[0]
    plain = build_student(from_mapping(StudentConfig, {**to_plain(config), "pileup_subtraction": False}))
    plain.fit(x, t, x[:100], t[:100])
    assert plain.gate_list()["pileup"] is None
    assert not np.array_equal(plain.comparator_inputs(quiet + 6), plain.comparator_inputs(quiet))
    with pytest.raises(FlowadInputError, match="non-negative inputs on one scale"):
        build_student(config).fit(x.astype(np.float32) - 1.0, t, x[:100].astype(np.float32), t[:100])
    per_feature = from_mapping(StudentConfig, {**to_plain(config), "input_full_scale": None, "input_range": "p999"})
    with pytest.raises(FlowadInputError, match="non-negative inputs on one scale"):
        build_student(per_feature).fit(x * np.arange(1, 253).reshape(1, 18, 14), t, x[:100], t[:100])


def test_pileup_subtracting_lgn_sets_its_thresholds_on_the_real_crossings():
    """Hot teacher-labelled copies appended after the real crossings do not move its thermometer thresholds."""
    from flowad.student.lgn import thermometer_quantiles

    x, t = synthetic(300, 8)
    hot = np.minimum(x.astype(np.int64) * 16, 1023).astype(np.uint16)
    both, targets = np.concatenate([x, hot, hot]), np.concatenate([t, t + 50, t + 50])
    config = from_mapping(StudentConfig, {"family": "lgn", "widths": [32, 16], "bits": 3, "epochs": 1,
                                          "input_full_scale": 1023, "pileup_subtraction": True})
    real, everything = build_student(config), build_student(config)
    real.fit(both, targets, x[:50], t[:50], natural=len(x))
    everything.fit(both, targets, x[:50], t[:50])
    step = 2.0 ** -real.inputs.fraction_bits
    truth = np.floor(np.quantile(real.comparator_inputs(x), thermometer_quantiles(3), axis=0).T / step) * step
    np.testing.assert_array_equal(real.network.thresholds.numpy(), truth)
    assert (everything.network.thresholds.numpy() > truth).any()
