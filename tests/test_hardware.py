"""Firmware designs of real, small trained students: hls4ml projects (C simulation, needs g++), da4ml and
logic-gate Verilog (Icarus simulation, yosys synthesis), the estimators that cost each, and no wrap-around."""

import shutil

import numpy as np
import pytest

from flowad.configio import from_mapping
from flowad.errors import ConfigError, FlowadInputError
from flowad.hardware import (ConversionError, HardwareConfig, build_design, convert, cost, estimate, read_design,
                             verify_design)
from flowad.student import StudentConfig, build_student
from tests.test_students import synthetic

pytestmark = pytest.mark.slow
needs_icarus = pytest.mark.skipif(not shutil.which("iverilog"), reason="iverilog not installed (apt-get install iverilog)")
needs_yosys = pytest.mark.skipif(not shutil.which("yosys"), reason="yosys not installed (apt-get install yosys)")
LATENCY = HardwareConfig(strategy="Latency")
DA = HardwareConfig(strategy="distributed_arithmetic")
_TRAINED = {}


def trained(family, **extra):
    """One small trained student per family and settings, shared by the tests of this module."""
    key = (family, tuple(sorted(extra.items())))
    if key not in _TRAINED:
        config = from_mapping(StudentConfig, {"family": family, "widths": [8, 4], "bits": 6, "integer_bits": 2,
                                              "epochs": 3, "input_full_scale": 1023, **extra})
        student = build_student(config)
        x, t = synthetic(600, 3)
        student.fit(x, t, x[:100], t[:100])
        _TRAINED[key] = student
    return _TRAINED[key]


def trained_lgn():
    return trained("lgn", widths=(64, 32), bits=3, learning_rate=0.02)


@pytest.mark.parametrize("family", ["qkeras", "hgq"])
def test_hls4ml_designs_are_c_simulated_bit_exact(tmp_path, family):
    student = trained(family)
    design = build_design(student, LATENCY, tmp_path / "a")
    assert design.kind == "hls4ml" and any(s.endswith("myproject.cpp") or s.endswith(".cpp") for s in design.sources)
    held_out, _ = synthetic(300, 4)
    report = verify_design(student, design, held_out)  # rebuilds, checks the hash, compiles with g++
    assert report.n_events == 300 and report.bit_exact and report.max_abs_diff == 0.0, report
    assert build_design(student, LATENCY, tmp_path / "b").digest == design.digest  # the design is reproducible


@needs_icarus
@pytest.mark.parametrize("family", ["qkeras", "hgq"])
def test_da4ml_designs_simulate_bit_exact_in_icarus(tmp_path, family):
    student = trained(family)
    design = build_design(student, DA, tmp_path / "a")
    assert design.kind == "da4ml_verilog" and design.latency_cycles == design.facts["stages"] + 1
    held_out, _ = synthetic(200, 4)
    report = verify_design(student, design, held_out)
    assert report.n_events == 200 and report.bit_exact, report
    assert read_design(tmp_path / "a").digest == design.digest == build_design(student, DA, tmp_path / "b").digest
    (tmp_path / "a" / design.sources[0]).write_text("// edited\n")
    with pytest.raises(FlowadInputError, match="changed since they were written"):
        read_design(tmp_path / "a")


@needs_icarus
def test_no_datalane_value_wraps_on_energy_scaled_events(tmp_path):
    """Events ×2…×16 hotter (saturated at 1023, the 10-bit full scale) than anything in training: the firmware
    equals the model's saturating arithmetic bit for bit, and the input word is the full 10-bit ET."""
    student = trained("hgq")
    assert student.inputs.total_bits == 10 and not student.inputs.signed
    datalane = {f"{layer.name}.{name}": q.config["overflow_mode"] for layer in student.model.layers
                for name in ("iq", "oq") if (q := getattr(layer, name, None)) is not None}
    assert datalane and set(datalane.values()) <= {"SAT", "SAT_SYM"}, datalane  # WRAP only on the exact input word
    design = build_design(student, DA, tmp_path)
    x, _ = synthetic(60, 7)
    x[::3, 4, 5] = 90  # a hot region: ×16 goes past the 10-bit full scale
    scaled = np.concatenate([np.minimum(x.astype(np.int64) * k, 1023) for k in (2, 4, 8, 16)]).astype(np.uint16)
    assert scaled.max() == 1023
    report = verify_design(student, design, scaled)
    assert report.bit_exact, report


def test_unconvertible_layer_is_named(tmp_path):
    from flowad.student.keras_students import keras_module

    keras = keras_module()
    student = build_student(from_mapping(StudentConfig, {"family": "hgq", "widths": [8]}))
    inp = keras.Input((252,))
    x = keras.layers.Dense(4, name="dense_ok")(inp)
    x = keras.layers.Lambda(lambda t: t * 2, name="doubler")(x)
    student.model = keras.Model(inp, keras.layers.Dense(1, name="out")(x))
    with pytest.raises(ConversionError, match=r"cannot convert layer 'doubler' \(Lambda\)"):
        convert(student, LATENCY, tmp_path / "hls")


@pytest.mark.parametrize("spec, key", [({"strategy": "Fast"}, "strategy"), ({"reuse_factor": 0}, "reuse_factor"),
                                       ({"clock_period_ns": 0}, "clock_period_ns"), ({"default_precision": "float"}, "default_precision"),
                                       ({"strategy": "distributed_arithmetic", "reuse_factor": 4}, "reuse_factor")])
def test_bad_hardware_configs(spec, key):
    with pytest.raises(ConfigError) as info:
        from_mapping(HardwareConfig, spec)
    assert info.value.key == key


def test_estimators_cost_only_the_designs_they_model(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no vendor tools here; make sure of it
    hgq = trained("hgq")
    da_design = build_design(hgq, DA, tmp_path / "da")
    da = cost(da_design, "da4ml", hgq, tmp_path)
    assert da.available and da.lut > 0 and da.ff > 0 and da.dsp == 0 and da.latency_cycles >= 2
    assert da.latency_ns == da.latency_cycles * 6.25 and "no DSPs by construction" in da.notes
    with pytest.raises(FlowadInputError, match="vitis does not model a da4ml distributed-arithmetic Verilog"):
        cost(da_design, "vitis", hgq, tmp_path)
    hls_design = build_design(hgq, LATENCY, tmp_path / "hls")
    with pytest.raises(FlowadInputError, match="da4ml does not model a hls4ml HLS project.*use rule4ml or vitis"):
        cost(hls_design, "da4ml", hgq, tmp_path)
    vendor = cost(hls_design, "vitis", hgq, tmp_path)
    assert not vendor.available and "no vitis_hls or vivado_hls on PATH" in vendor.notes and vendor.lut is None
    eb = estimate(hgq, "ebops", DA, tmp_path)
    assert eb.available and eb.lut == hgq.ebops > 0
    assert not estimate(trained("qkeras"), "ebops", DA, tmp_path).available


def test_rule4ml_is_a_labelled_surrogate_and_says_when_absent(tmp_path, monkeypatch):
    import importlib.util

    from flowad.hardware.estimators import surrogate

    assert surrogate.board_for("xcu250-figd2104-2L-e") == ("alveo-u250", "")
    board, note = surrogate.board_for(HardwareConfig().part)
    assert board == "alveo-u200" and "outside rule4ml's 4 boards" in note
    student = trained("qkeras")
    if importlib.util.find_spec("rule4ml") is not None:
        report = estimate(student, "rule4ml", LATENCY, tmp_path)
        assert report.available, report.notes
        assert report.surrogate and report.lut > 0 and report.latency_cycles > 0 and "outside rule4ml's 4 boards" in report.notes
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    absent = estimate(student, "rule4ml", LATENCY, tmp_path)
    assert not absent.available and "pip install 'flowad[rule4ml]'" in absent.notes


def test_lgn_design_is_whole_verilog_with_its_comparators(tmp_path):
    student = trained_lgn()
    design = build_design(student, DA, tmp_path)
    assert design.kind == "lgn_verilog" and design.latency_cycles == 4  # comparators, 2 gate layers, popcount
    report = cost(design, "lgn", student, tmp_path)
    assert report.available and report.latency_ns == 25.0
    assert report.lut >= student.summary()["logic_gates"] + design.facts["comparator_luts"] and design.facts["comparators"] > 0
    text = (tmp_path / "lgn_student.v").read_text()
    assert "module lgn_student" in text and "input  wire [2519:0] features" in text  # 252 words of 10 bits


@needs_icarus
def test_lgn_verilog_simulates_to_the_discrete_network(tmp_path):
    student = trained_lgn()
    design = build_design(student, DA, tmp_path)
    x, _ = synthetic(200, 6)
    hot = np.minimum(x.astype(np.int64) * 16, 1023).astype(np.uint16)
    report = verify_design(student, design, np.concatenate([x, hot]))
    assert report.n_events == 400 and report.bit_exact, report


@needs_icarus
def test_pileup_subtracting_lgn_verilog_simulates_to_the_discrete_network(tmp_path):
    """The binary-searched pile-up level of the firmware is the model's, where the cap binds and where it does not."""
    from flowad.student.lgn import pileup_level

    student = trained("lgn", widths=(64, 32), bits=3, learning_rate=0.02, pileup_subtraction=True)
    design = build_design(student, DA, tmp_path)
    assert design.latency_cycles == 4 + 4  # 4 binary-search steps of the 4-bit level, then as without
    plain = trained_lgn()
    assert design.facts["pileup_luts"] > 0 and "pileup_luts" in build_design(plain, DA, tmp_path / "plain").facts
    assert f"pile-up stage ({design.facts['pileup_luts']:.0f} LUTs)" in cost(design, "lgn", student, tmp_path / "est").notes
    assert design.facts["ff"] > 3 * 252 * 10  # every word is held for the search's steps
    x, _ = synthetic(200, 6)
    hot = np.minimum(x.astype(np.int64) * 16, 1023).astype(np.uint16)
    events = np.concatenate([x, hot])
    levels = pileup_level(student.inputs.words(events))
    assert (levels == 15).any() and len(np.unique(levels)) > 4
    report = verify_design(student, design, events)
    assert report.n_events == 400 and report.bit_exact, report
    shifted = np.minimum(x.astype(np.int64) + 9, 1023).astype(np.uint16)  # level + 9: the same counts, a new design
    assert np.array_equal(student.output_counts(shifted), student.output_counts(x))
    assert not np.array_equal(plain.output_counts(shifted), plain.output_counts(x))


def test_lgn_verilog_writes_only_the_live_cone_and_simulates_to_the_network(tmp_path):
    from flowad.hardware.lgn_verilog import live_cone, resources, simulate, verilog

    gates = {"inputs": [[0, 0.5, 1], [0, 1.0, 2], [1, 0.5, 1], [1, 2.0, 4]],
             "input_word": {"bits": 4, "fraction_bits": 1, "signed": False, "shifts": [0, 0]},
             "layers": [[["a", 0, 1], ["and", 2, 3], ["false", 0, 3]], [["not_a", 0, 2], ["b", 2, 1]]]}
    # layer1[0] reads layer0[0] (which reads in 0 only); layer1[1] reads layer0[1] (in 2 and 3); layer0[2], in 1 feed nothing
    assert live_cone(gates) == [{0, 2, 3}, {0, 1}, {0, 1}]
    text = verilog(gates)
    assert "in_bits[0] <=" in text and "in_bits[1] <=" not in text and "layer0[2] <=" not in text
    facts = resources(gates)
    assert facts["comparators"] == 3 and facts["logic_gates"] == 2 and facts["ff"] == 3 + 4 + 2
    if shutil.which("iverilog"):
        words = np.array([[a, b] for a in range(16) for b in range(16)])
        bits = words[:, [0, 0, 1, 1]] > np.array([1, 2, 1, 4])
        layer0 = np.stack([bits[:, 0], bits[:, 2] & bits[:, 3]], axis=1)
        expected = (~layer0[:, 0]).astype(int) + layer0[:, 1].astype(int)
        assert np.array_equal(simulate(gates, words), expected)


@pytest.fixture(scope="module")
def hgq_synthesised(tmp_path_factory):
    """The small HGQ student's design and its yosys report, synthesised once (~40 s) for the tests that read it."""
    root = tmp_path_factory.mktemp("hgq_synth")
    student = trained("hgq")
    design = build_design(student, DA, root / "design")
    return student, design, cost(design, "yosys", student, root / "ys")


@needs_yosys
def test_yosys_synthesises_da4ml_verilog_close_to_da4ml_estimate(tmp_path, hgq_synthesised):
    student, design, synth = hgq_synthesised
    da = cost(design, "da4ml", student, tmp_path / "da")
    assert synth.available, synth.notes
    assert synth.lut > 0 and synth.ff > 0 and synth.latency_cycles == da.latency_cycles
    assert "-family xc7" in synth.notes  # CICADA's Virtex-7 part
    assert 0.5 < synth.lut / da.lut < 2.0  # the cost model and real synthesis agree to a factor of two


@needs_yosys
def test_synth_synthesises_below_its_switch_and_uses_the_family_model_above(tmp_path, monkeypatch, hgq_synthesised):
    from flowad.hardware.estimators import synthesis
    from flowad.hardware.estimators.distributed_arithmetic import LUT_PER_ADDER_COST

    student, design, yosys = hgq_synthesised
    small = cost(design, "synth", student, tmp_path / "small")  # a few hundred LUTs: yosys runs
    assert small.source == "yosys" and small.synthesised and small.lut == yosys.lut and "yosys (model says" in small.notes
    monkeypatch.setattr(synthesis, "SYNTH_BELOW_LUT", 1)  # every design is now "large"
    large = cost(design, "synth", student, tmp_path / "large")
    assert large.source == "da4ml" and not large.synthesised and "da4ml model (≥ 1 LUTs)" in large.notes
    assert large.lut == pytest.approx(design.facts["adder_cost"] * LUT_PER_ADDER_COST["hgq"])  # HGQ's own constant


def test_synth_without_yosys_uses_the_model_and_says_so(tmp_path, monkeypatch):
    from flowad.hardware.estimators.distributed_arithmetic import LUT_PER_ADDER_COST

    student = trained("qkeras")
    design = build_design(student, DA, tmp_path / "design")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no yosys on PATH
    report = cost(design, "synth", student, tmp_path / "synth")
    assert report.available and report.source == "da4ml" and not report.synthesised
    assert "yosys not on PATH" in report.notes
    assert report.lut == pytest.approx(design.facts["adder_cost"] * LUT_PER_ADDER_COST["qkeras"])
    assert not cost(design, "yosys", student, tmp_path / "ys").available


def test_a_family_without_a_calibration_gets_no_number(tmp_path, monkeypatch):
    from flowad.hardware.estimators import distributed_arithmetic

    student = trained("qkeras")
    design = build_design(student, DA, tmp_path / "design")
    monkeypatch.delitem(distributed_arithmetic.LUT_PER_ADDER_COST, "qkeras")
    for estimator in ("da4ml", "synth"):
        report = cost(design, estimator, student, tmp_path / estimator)
        assert not report.available and report.lut is None and "no yosys calibration" in report.notes, report


def test_front_table_marks_model_figures(tmp_path):
    import pandas as pd

    from search.front.text_tables import front_table

    front = pd.DataFrame([{"trial_id": "t0000", "param.student.family": "hgq", "auc": 0.7, "lut": 30_000.0, "dsp": 0.0,
                           "latency_ns": 30.0, "design": "da4ml_verilog", "hardware_source": "da4ml",
                           "hardware_synthesised": "false"},
                          {"trial_id": "t0001", "param.student.family": "hgq", "auc": 0.6, "lut": 3_000.0, "dsp": 0.0,
                           "latency_ns": 25.0, "design": "da4ml_verilog", "hardware_source": "yosys",
                           "hardware_synthesised": "true"}])
    table = front_table(front, ["auc"])
    assert "30,000 (da4ml model)" in table and "3,000 (" not in table


@needs_yosys
def test_yosys_synthesises_logic_gate_students_with_comparators(tmp_path):
    student = trained_lgn()
    design = build_design(student, DA, tmp_path / "design")
    synth = cost(design, "yosys", student, tmp_path / "ys")
    assert synth.available, synth.notes
    assert synth.latency_cycles == 4 and synth.lut > 0 and synth.ff > 0
    assert "lgn_verilog" in synth.notes


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
