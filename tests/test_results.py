"""``flowad results`` end to end on the micro dataset: every study runs for real, the page has every section,
and a second run reuses every unit of work instead of training again."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.test_cli import assert_one_line_error

pytestmark = pytest.mark.slow


def micro_results(tmp_path: Path, dataset: Path) -> Path:
    teacher = {"kind": "flow", "view": "calo", "architecture": "realnvp", "depth": 2, "hidden": 16, "epochs": 3, "patience": 2}
    config = {
        "data": {"path": str(dataset), "cache": str(Path(dataset).parent / "cache")},  # the session's teacher is reused
        "signals": ["wprime"], "seeds": 2,
        "teachers": {"flow": teacher, "cae": {"kind": "cae", "view": "calo", "depth": 1, "hidden": 4, "latent": 4, "epochs": 2, "patience": 2}},
        "distill_teacher": "flow",
        "students": {"qkeras 8 @4b": {"family": "qkeras", "widths": [8], "bits": 4, "integer_bits": 2},
                     "hgq 8 @4b": {"family": "hgq", "widths": [8], "bits": 4},
                     "lgn 64-32 @2": {"family": "lgn", "widths": [64, 32], "bits": 2, "learning_rate": 0.02}},
        "lut_budgets": [500, 100000],
        "student_training": {"epochs": 3, "patience": 3, "batch_size": 64},
        "distill": {"augment": {"fraction": 1.0, "max_scale": 8}},
        "ablation_student": "hgq 8 @4b",
        "ablations": {"augmentation": {}, "neither": {"augment": {"fraction": 0.0}}},
        "samplers": {"samplers": ["nsga2", "random"], "trials": 12, "seeds": 2, "checkpoints": [6, 12]},
    }
    path = tmp_path / "results.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_results_writes_every_study_and_reuses_its_units(tmp_path, micro_dataset):
    config = micro_results(tmp_path, micro_dataset)
    out = tmp_path / "docs" / "results.md"
    first = run_cli("results", "--config", str(config), "--out", str(out))
    if not __import__("shutil").which("yosys"):  # every student number is yosys's: refused before any unit runs
        assert_one_line_error(first, "synthesised by yosys")
        assert not out.exists()
        pytest.skip("yosys not installed (apt-get install yosys): the report itself not checked")
    assert first.returncode == 0, first.stderr[-3000:]
    page = out.read_text()
    for section in ("## 1. Teachers", "## 2. Students at matched LUT budgets", "## 3. Distillation", "## 4. Sampler smoke test",
                    "## 5. Firmware", "## 6. How this compares"):
        assert section in page, section
    assert "max region ET (no ML)" in page and "cae" in page and " ± " in page
    first_section = page.split("## 1.")[1].split("## 2.")[0]  # the ceiling and both budgets, per signal
    assert "**total budget**" in first_section and "**pure budget**" in first_section
    assert "| supervised ceiling (one per signal) |" in first_section and "`flow` earns its place" in first_section
    students = page.split("## 2.")[1].split("## 3.")[0]  # students per signal, beside the no-ML triggers
    assert "**AUC per signal**" in students and "**pure eff @ rate per signal**" in students
    assert re.search(r"\| lgn 64-32 @2 \| \d\.\d{3} ± \d\.\d{3} \|", students)
    # each claim is printed with its criterion; whether it holds is tested on known inputs (tests/test_verdicts.py)
    assert "(criterion: mean AUC retained ≥ 0.8" in page and "beats every no-ML trigger* (criterion:" in page
    assert (out.parent / "results" / "students_auc_vs_lut.png").stat().st_size > 1000
    assert (out.parent / "results" / "samplers_hypervolume.png").stat().st_size > 1000
    units = sorted((Path(micro_dataset).parent / "cache" / "results").rglob("*.json"))
    studies = [u.parent.name for u in units]
    # 2 teachers × 2 seeds, 3 students × 2 seeds, one more ablation × 2 seeds (the other is a student unit)
    assert studies.count("teachers") + studies.count("distilled") == 4 + 6 + 2, studies
    assert studies.count("samplers") == 2 * 2, studies  # 2 samplers × 2 seeds
    shipped = [json.loads(u.read_text()) for u in units if u.parent.name == "distilled"]
    if __import__("shutil").which("yosys"):
        assert sum(u.get("hw_yosys", {}).get("available", False) for u in shipped) == 6
        assert "| LGN | lgn: closed-form count of the logic-gate Verilog | 2 |" in page
    again = run_cli("results", "--config", str(config), "--out", str(out))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "teacher flow seed 0" in again.stdout and sorted((Path(micro_dataset).parent / "cache" / "results").rglob("*.json")) == units
    assert out.read_text().split("## 1.")[1] == page.split("## 1.")[1]  # the same numbers, samplers' included


def test_results_refuses_a_config_and_full_together(tmp_path):
    assert_one_line_error(run_cli("results", "--config", "x.yaml", "--full"), "not both")
    assert_one_line_error(run_cli("results", "--config", str(tmp_path / "missing.yaml")), "no such results config")
