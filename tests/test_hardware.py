"""hls4ml conversion and bit-exact C simulation of real, small trained students (needs g++)."""

import numpy as np
import pytest

from flowad.configio import from_mapping
from flowad.errors import ConfigError
from flowad.hardware import ConversionError, HardwareConfig, convert, emulate
from flowad.student import StudentConfig, build_student
from tests.test_students import synthetic

pytestmark = pytest.mark.slow


def trained(family):
    config = from_mapping(StudentConfig, {"family": family, "widths": [8, 4], "bits": 6, "integer_bits": 2, "epochs": 3})
    student = build_student(config)
    x, t = synthetic(600, 3)
    student.fit(x, t, x[:100], t[:100])
    return student


@pytest.mark.parametrize("family", ["qkeras", "hgq"])
def test_keras_students_convert_and_match_bit_for_bit(tmp_path, family):
    student = trained(family)
    model = convert(student, HardwareConfig(), tmp_path / "hls")
    assert (tmp_path / "hls" / "firmware").is_dir() and (tmp_path / "hls" / "build_prj.tcl").is_file()
    held_out, _ = synthetic(300, 4)
    firmware, report = emulate(student, model, held_out)
    assert report.n_events == 300 and report.compile_seconds > 0
    assert report.bit_exact, report
    assert report.max_abs_diff == 0.0
    # the firmware is the student: same scores in target units
    np.testing.assert_allclose(student.normaliser.inverse(firmware), student.predict(held_out))


def test_unconvertible_layer_is_named(tmp_path):
    from flowad.student.keras_students import keras_module

    keras = keras_module()
    student = trained("hgq")
    inp = keras.Input((252,))
    x = keras.layers.Dense(4, name="dense_ok")(inp)
    x = keras.layers.Lambda(lambda t: t * 2, name="doubler")(x)
    student.model = keras.Model(inp, keras.layers.Dense(1, name="out")(x))
    with pytest.raises(ConversionError, match=r"cannot convert layer 'doubler' \(Lambda\)"):
        convert(student, HardwareConfig(), tmp_path / "hls")


def test_lgn_students_are_refused_clearly(tmp_path):
    student = build_student(from_mapping(StudentConfig, {"family": "lgn", "widths": [8], "bits": 2}))
    with pytest.raises(ConversionError, match="lgn students are not Keras models"):
        convert(student, HardwareConfig(), tmp_path)


@pytest.mark.parametrize("spec, key", [({"strategy": "Fast"}, "strategy"), ({"reuse_factor": 0}, "reuse_factor"),
                                       ({"clock_period_ns": 0}, "clock_period_ns"), ({"default_precision": "float"}, "default_precision")])
def test_bad_hardware_configs(spec, key):
    with pytest.raises(ConfigError) as info:
        from_mapping(HardwareConfig, spec)
    assert info.value.key == key


def test_estimators_report_what_they_can_and_say_why_not(tmp_path, monkeypatch):
    from flowad.hardware import estimate

    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no vendor tools here; make sure of it
    hgq, qkeras = trained("hgq"), trained("qkeras")
    config = HardwareConfig()
    da = estimate(hgq, "da4ml", config, tmp_path / "hgq")
    assert da.available and da.lut > 0 and da.ff > 0 and da.latency_cycles >= 1
    assert da.latency_ns == da.latency_cycles * 6.25
    assert (tmp_path / "hgq" / "da4ml" / "metadata.json").is_file()
    eb = estimate(hgq, "ebops", config, tmp_path)
    assert eb.available and eb.lut == hgq.ebops > 0
    vendor = estimate(hgq, "vitis", config, tmp_path)
    assert not vendor.available and "no vitis_hls or vivado_hls on PATH" in vendor.notes and vendor.lut is None
    assert not estimate(qkeras, "ebops", config, tmp_path).available
    lgn = build_student(from_mapping(StudentConfig, {"family": "lgn", "widths": [8], "bits": 2}))
    assert not estimate(lgn, "da4ml", config, tmp_path).available


def test_qkeras_students_reach_da4ml_through_hls4ml_distributed_arithmetic(tmp_path):
    from flowad.hardware import estimate

    report = estimate(trained("qkeras"), "da4ml", HardwareConfig(), tmp_path)
    assert report.available, report.notes
    assert report.lut > 0 and report.ff is None and report.latency_cycles >= 1
    assert "distributed_arithmetic" in report.notes
    assert (tmp_path / "hls_da" / "firmware").is_dir()


def test_rule4ml_says_when_absent_and_when_the_part_is_not_its_board(tmp_path, monkeypatch):
    import importlib.util

    from flowad.hardware import estimate
    from flowad.hardware.estimators import surrogate

    assert surrogate.board_for("xcu250-figd2104-2L-e") == ("alveo-u250", "")
    board, note = surrogate.board_for(HardwareConfig().part)
    assert board == "alveo-u200" and "outside rule4ml's 4 boards" in note
    student = trained("qkeras")
    if importlib.util.find_spec("rule4ml") is not None:
        report = estimate(student, "rule4ml", HardwareConfig(), tmp_path)
        assert report.available, report.notes
        assert report.lut > 0 and report.latency_cycles > 0 and "outside rule4ml's 4 boards" in report.notes
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    absent = estimate(student, "rule4ml", HardwareConfig(), tmp_path)
    assert not absent.available and "pip install 'flowad[rule4ml]'" in absent.notes



def trained_lgn():
    config = from_mapping(StudentConfig, {"family": "lgn", "widths": [64, 32], "bits": 3, "epochs": 3, "learning_rate": 0.02})
    student = build_student(config)
    x, t = synthetic(600, 5)
    student.fit(x, t, x[:100], t[:100])
    return student


def test_lgn_estimate_writes_verilog(tmp_path):
    from flowad.hardware import estimate

    student = trained_lgn()
    report = estimate(student, "lgn", HardwareConfig(), tmp_path)
    assert report.available and report.latency_cycles == 3 and report.latency_ns == 18.75
    assert report.lut >= student.summary()["logic_gates"] and report.ff >= 96
    text = (tmp_path / "lgn" / "lgn_student.v").read_text()
    assert "module lgn_student" in text and text.count("<=") == 96 + 1


@pytest.mark.skipif(not __import__("shutil").which("iverilog"), reason="iverilog not installed (apt-get install iverilog)")
def test_lgn_verilog_simulates_to_the_discrete_network():
    from flowad.hardware.lgn_verilog import simulate

    student = trained_lgn()
    x, _ = synthetic(200, 6)
    gates = student.gate_list()
    thresholds = student.network.thresholds.numpy()
    flat = x.reshape(len(x), -1).astype(np.float32)
    in_bits = (flat[:, :, None] > thresholds[None]).reshape(len(x), -1)
    counts = simulate(gates, in_bits)
    expected = np.rint(student._discrete_fraction(flat) * len(gates["layers"][-1])).astype(int)
    np.testing.assert_array_equal(counts, expected)


@pytest.mark.skipif(not __import__("shutil").which("yosys"), reason="yosys not installed (apt-get install yosys)")
def test_yosys_synthesises_da4ml_verilog_close_to_da4ml_estimate(tmp_path):
    from flowad.hardware import estimate

    student = trained("hgq")
    da = estimate(student, "da4ml", HardwareConfig(), tmp_path / "da")
    synth = estimate(student, "yosys", HardwareConfig(), tmp_path / "ys")
    assert synth.available, synth.notes
    assert synth.lut > 0 and synth.ff > 0 and synth.latency_cycles == da.latency_cycles
    assert "-family xc7" in synth.notes  # CICADA's Virtex-7 part
    assert 0.5 < synth.lut / da.lut < 2.0  # the cost model and real synthesis agree to a factor of two


@pytest.mark.skipif(not __import__("shutil").which("yosys"), reason="yosys not installed (apt-get install yosys)")
def test_yosys_synthesises_logic_gate_students(tmp_path):
    from flowad.hardware import estimate

    student = trained_lgn()
    synth = estimate(student, "yosys", HardwareConfig(), tmp_path)
    assert synth.available, synth.notes
    assert synth.latency_cycles == 3 and synth.lut > 0 and synth.ff > 0
    assert "gate list" in synth.notes


@pytest.mark.skipif(not __import__("shutil").which("iverilog"), reason="iverilog not installed (apt-get install iverilog)")
def test_baseline_trigger_firmware_simulates_to_the_numpy_baselines(tmp_path):
    from flowad.hardware.baseline_firmware import JET_IETA_BITS, JET_PT_BITS, simulate, write_baseline
    from flowad.metrics.l1_quantities import max_region_et, sum_et

    rng = np.random.default_rng(0)
    regions = rng.integers(0, 60, (150, 18, 14))
    regions[::5, rng.integers(0, 18), rng.integers(0, 14)] = 1023
    flat = regions.reshape(150, -1)
    for name, quantity, threshold in (("max_region_et", max_region_et, 400), ("sum_et", sum_et, 7450)):
        fired = simulate(write_baseline(name, tmp_path), flat, [10] * 252, threshold)
        expected = quantity(regions) > threshold
        assert 0 < expected.mean() < 1 and np.array_equal(fired, expected), name
    pt, ieta = rng.integers(0, 200, (150, 10)), rng.integers(-56, 57, (150, 10))
    jets = np.stack([pt, ieta], axis=2).reshape(150, 20)
    fired = simulate(write_baseline("ht", tmp_path), jets, [JET_PT_BITS, JET_IETA_BITS] * 10, 250)
    expected = np.where((pt > 30) & (np.abs(ieta) <= 27), pt, 0).sum(axis=1) > 250
    assert 0 < expected.mean() < 1 and np.array_equal(fired, expected)


@pytest.mark.skipif(not __import__("shutil").which("yosys"), reason="yosys not installed (apt-get install yosys)")
def test_baseline_trigger_firmware_is_costed_by_yosys(tmp_path):
    from flowad.hardware.baseline_firmware import estimate_baselines

    reports = estimate_baselines(HardwareConfig(), tmp_path, names=("ht", "max_region_et"))
    ht, region = reports["ht"], reports["max_region_et"]
    assert ht.available and region.available and ht.estimator == "yosys"
    assert 100 < ht.lut < region.lut < 10_000 and region.dsp == 0  # 252 comparators cost more than 10 jets' sum
    assert region.latency_cycles == 2 and region.latency_ns == 12.5


def test_yosys_family_of_xilinx_parts():
    from flowad.hardware.estimators.synthesis import yosys_family

    assert yosys_family("xc7vx690tffg1927-2") == "xc7"
    for part in ("xcvu9p-flga2104-2L-e", "xcku15p-ffve1517-2-e", "xczu9eg-ffvb1156-2-e", "xcu250-figd2104-2L-e",
                 "xcu50-fsvh2104-2-e"):
        assert yosys_family(part) == "xcup", part
    for part in ("xcvu440-flga2892-2-e", "xcku040-ffva1156-2-e"):
        assert yosys_family(part) == "xcu", part
