"""Adding a student family is one module and one registry line: a toy family, defined here and registered with
``@register_family``, is built, checked, trained, saved, loaded and searched like the real ones."""

from pathlib import Path

import numpy as np
import pytest

from flowad.errors import ConfigError, check
from flowad.student import StudentConfig, build_student, load_student
from flowad.student.base import Student
from flowad.student.registry import STUDENT_FAMILIES, family_params, register_family


class LinearStudent(Student):
    """A least-squares linear map of the inputs (β: its ridge penalty): the smallest thing a family can be."""

    family = "toy_linear"
    firmware = "gates"
    display_name = "linear (toy)"
    colour = "#123456"
    own_params = frozenset({"beta"})
    hardware_params = False

    @classmethod
    def static_cost(cls, config, n_inputs):
        return float(n_inputs * config.bits)

    @classmethod
    def check(cls, config):
        check(config.bits <= 16, "bits", f"a linear toy has at most 16 bits, got {config.bits}")

    def fit(self, x, target, x_val, target_val, weights=None, loss="mae", on_epoch=None, natural=None):
        flat = np.c_[x.reshape(len(x), -1), np.ones(len(x))]
        self.coef = np.linalg.solve(flat.T @ flat + self.config.beta * np.eye(flat.shape[1]), flat.T @ target)
        return [{"epoch": 0, "train_loss": float(np.abs(self.predict(x) - target).mean()),
                 "val_loss": float(np.abs(self.predict(x_val) - target_val).mean())}]

    def predict(self, x):
        return np.c_[x.reshape(len(x), -1), np.ones(len(x))] @ self.coef

    def summary(self):
        return {"parameters": int(self.coef.size)}

    def _state(self):
        return {"coef": self.coef.tolist()}

    def _save_model(self, directory: Path) -> None:
        pass

    @classmethod
    def _load(cls, config, state, directory):
        student = cls(config)
        student.coef = np.array(state["coef"])
        return student


@pytest.fixture
def toy_family():
    register_family(LinearStudent)  # the one registry line
    yield LinearStudent
    del STUDENT_FAMILIES[LinearStudent.family]


def test_a_toy_family_registered_in_one_line_is_built_trained_saved_and_loaded(toy_family, tmp_path):
    config = StudentConfig(family="toy_linear", bits=8, beta=1e-6)
    with pytest.raises(ConfigError) as info:
        StudentConfig(family="toy_linear", bits=20)
    assert info.value.key == "bits"  # the family's own check runs inside the config's
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5))
    target = x @ np.arange(1.0, 6.0) + 3
    student = build_student(config)
    history = student.fit(x[:300], target[:300], x[300:], target[300:])
    assert history[-1]["val_loss"] < 1e-3
    loaded = load_student(student.save(tmp_path / "student"))
    assert isinstance(loaded, LinearStudent)
    np.testing.assert_allclose(loaded.predict(x[300:]), student.predict(x[300:]))
    assert LinearStudent.label(config) == "toy_linear 32-16 @8b"


def test_a_search_reads_a_registered_family_from_its_class(toy_family):
    from search.space.parameters import describe_params, relevant_params
    from search.front.pareto_html import family_colour

    params = {"student.family": "toy_linear", "student.widths": "32-16", "student.lgn_widths": "512-256",
              "student.bits": 6, "student.beta": 1e-6, "student.integer_bits": 2, "hardware.strategy": "latency"}
    assert relevant_params(params) == {"student.family": "toy_linear", "student.widths": "32-16", "student.bits": 6,
                                       "student.beta": 1e-6}  # its own β; not LGN's widths, QKeras's integer bits, hardware
    assert "integer_bits" not in describe_params(params) and "beta=1e-06" in describe_params(params)
    assert family_colour("toy_linear") == "#123456" and family_colour("unknown") == "#7f7f7f"


@pytest.mark.parametrize("family, kept", [
    ("qkeras", {"student.widths", "student.integer_bits"}),
    ("hgq", {"student.widths", "student.beta"}),
    ("lgn", {"student.lgn_widths"}),
    (None, {"student.widths", "student.lgn_widths", "student.integer_bits", "student.beta"}),
])
def test_each_real_family_keeps_its_own_parameters(family, kept):
    params = {"student.widths": "32-16", "student.lgn_widths": "512-256", "student.integer_bits": 2, "student.beta": 1e-7,
              "student.bits": 4, "teacher.depth": 4}
    assert set(family_params(family, params)) == kept | {"student.bits", "teacher.depth"}
    without_own_widths = {k: v for k, v in params.items() if k != "student.lgn_widths"}
    if family == "lgn":  # no lgn_widths searched: an LGN takes the MLP widths
        assert "student.widths" in family_params("lgn", without_own_widths)


def test_registering_two_classes_under_one_name_is_refused(toy_family):
    class Other(LinearStudent):
        pass

    with pytest.raises(ValueError, match="registered twice"):
        register_family(Other)


@pytest.fixture
def toy_estimator():
    from flowad.hardware.estimators.registry import ESTIMATORS, HardwareReport, register

    @register("toy_count", designs=("lgn_verilog",), summary="one LUT per source byte (a toy)")  # the one registry line
    def count(design, student, workdir):
        size = sum((design.root / s).stat().st_size for s in design.sources)
        return HardwareReport("toy_count", True, lut=float(size), dsp=0.0, latency_cycles=design.latency_cycles,
                              latency_ns=design.latency_cycles * design.spec.clock_period_ns, notes="bytes")
    yield "toy_count"
    del ESTIMATORS["toy_count"]


def test_a_toy_estimator_registered_in_one_line_costs_designs_and_is_accepted_by_a_search(toy_estimator, tmp_path):
    from flowad.hardware import HardwareConfig
    from flowad.hardware.design import Design
    from flowad.hardware.estimators import cost, pairing_problem
    from search.space.search_config import SearchConfig

    assert pairing_problem("toy_count", "lgn_verilog") is None
    assert "does not model" in pairing_problem("toy_count", "da4ml_verilog")
    (tmp_path / "top.v").write_text("module top(); endmodule\n")
    design = Design("lgn_verilog", "lgn", tmp_path, HardwareConfig(), ("top.v",), "top", 2.0)
    report = cost(design, "toy_count", None, tmp_path / "work")
    assert report.available and report.lut == len("module top(); endmodule\n") and report.source == "toy_count"
    from flowad.configio import from_mapping

    config = from_mapping(SearchConfig, {"name": "s", "data": {"path": "data/demo"}, "objectives": [{"metric": "auc"}, {"metric": "lut"}],
                                         "space": {"student.family": {"choices": ["lgn"]}}, "estimators": {"lgn": "toy_count"}})
    assert config.estimator_for("lgn", "lgn_verilog") == "toy_count"


def test_a_raised_estimator_revision_re_measures_only_the_families_it_costs(monkeypatch):
    from dataclasses import replace

    from flowad.hardware.estimators import ESTIMATORS
    from search.results.distilled import cost_model_revision

    hardware = {"strategy": "distributed_arithmetic"}
    assert cost_model_revision("lgn", hardware) == ESTIMATORS["lgn"].revision == 2  # the live-cone count
    assert cost_model_revision("qkeras", hardware) == cost_model_revision("hgq", hardware) == ESTIMATORS["da4ml"].revision
    monkeypatch.setitem(ESTIMATORS, "da4ml", replace(ESTIMATORS["da4ml"], revision=5))
    assert cost_model_revision("hgq", hardware) == 5 and cost_model_revision("lgn", hardware) == 2
    assert cost_model_revision("qkeras", {"strategy": "Latency"}) == 1  # an hls4ml project: no model beside yosys
