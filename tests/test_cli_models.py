"""``flowad train teacher`` and ``flowad distill`` as a user runs them."""

import pytest

from tests.conftest import run_cli
from tests.test_cli import assert_one_line_error

TEACHER = "teacher: {kind: flow, view: objects, architecture: realnvp, depth: 2, hidden: 16, epochs: 8, batch_size: 32}"


def write(tmp_path, text):
    path = tmp_path / "run.yaml"
    path.write_text(text)
    return path


@pytest.mark.slow
def test_train_teacher_then_distill(micro_dataset, tmp_path):
    data = f"data: {{path: {micro_dataset}, cache: {tmp_path / 'cache'}}}\n"
    result = run_cli("train", "teacher", "--config", str(write(tmp_path, data + TEACHER + f"\nout: {tmp_path / 't'}\n")))
    assert result.returncode == 0, result.stderr
    assert "teacher flow (trained)" in result.stdout and "wprime" in result.stdout
    assert (tmp_path / "t" / "teacher.pt").is_file() and (tmp_path / "t" / "roc.png").is_file()
    student = "student: {family: lgn, widths: [64, 32], bits: 2, epochs: 3}\n"
    result = run_cli("distill", "--config", str(write(tmp_path, data + TEACHER + "\n" + student + f"out: {tmp_path / 'd'}\n")))
    assert result.returncode == 0, result.stderr
    assert "student lgn [64, 32] @ 2 bits" in result.stdout
    assert "Spearman" in result.stdout and "zerobias" in result.stdout
    assert (tmp_path / "d" / "student" / "gates.json").is_file()


@pytest.mark.parametrize("student, words", [
    ("{family: spiking}", ["student.family", "unknown student family 'spiking'"]),
    ("{family: qkeras, bits: 0}", ["student.bits", "must be in [1, 32]"]),
    ("{family: hgq, widths: [32, 0]}", ["student.widths[1]", "must be in [1, 65536]"]),
])
def test_bad_student_configs_are_one_line(tmp_path, student, words):
    path = write(tmp_path, f"data: {{path: {tmp_path}}}\nstudent: {student}\n")
    assert_one_line_error(run_cli("distill", "--config", str(path)), str(path), *words)


def test_bad_teacher_configs_are_one_line(tmp_path):
    path = write(tmp_path, f"data: {{path: {tmp_path}}}\nteacher: {{kind: flow, depth: 0}}\n")
    assert_one_line_error(run_cli("train", "teacher", "--config", str(path)), "teacher.depth", "must be in [1, 64]")
    path = write(tmp_path, f"data: {{path: {tmp_path}}}\nteacher: {{kind: gan}}\n")
    assert_one_line_error(run_cli("train", "teacher", "--config", str(path)), "unknown teacher 'gan'")
    path = write(tmp_path, f"data: {{path: {tmp_path / 'missing'}}}\n")
    assert_one_line_error(run_cli("train", "teacher", "--config", str(path)), "no such dataset")
    path = write(tmp_path, f"data: {{path: {tmp_path}}}\n")
    assert_one_line_error(run_cli("train", "teacher", "--config", str(path)), "not a complete flowad dataset")


@pytest.mark.slow
def test_hw_estimate_and_export(micro_dataset, tmp_path):
    data = f"data: {{path: {micro_dataset}, cache: {tmp_path / 'cache'}}}\n"
    student = "student: {family: hgq, widths: [8], bits: 6, epochs: 3}\n"
    assert run_cli("distill", "--config", str(write(tmp_path, data + TEACHER + "\n" + student + f"out: {tmp_path / 'd'}\n"))).returncode == 0
    model = str(tmp_path / "d" / "student")
    result = run_cli("hw", "estimate", "--model", model, "--estimator", "da4ml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("da4ml (") and "latency_cycles" in result.stdout
    vendor = run_cli("hw", "estimate", "--model", model, "--estimator", "vitis", "--strategy", "Latency")
    assert vendor.returncode == 0 and "unavailable" in vendor.stdout
    assert_one_line_error(run_cli("hw", "estimate", "--model", model, "--estimator", "vitis"),
                          "vitis does not model a da4ml distributed-arithmetic Verilog")
    result = run_cli("hw", "export", "--model", model, "--out", str(tmp_path / "fw"), "--events", "50")
    assert result.returncode == 0, result.stderr
    if __import__("shutil").which("iverilog"):
        assert '"bit_exact_fraction": 1.0' in result.stdout and '"verified_by": "icarus"' in result.stdout
    else:  # exported, and saying it could not be verified here
        assert '"verified_by": "not verified: iverilog/vvp not on PATH' in result.stdout
    assert len((tmp_path / "fw" / "test_vectors" / "tb_input_features.dat").read_text().splitlines()) == 50
    assert (tmp_path / "fw" / "firmware" / "design.json").is_file()
    assert_one_line_error(run_cli("hw", "estimate", "--model", model, "--estimator", "magic"), "unknown estimator 'magic'")


def test_hw_commands_refuse_what_is_not_a_student(tmp_path):
    assert_one_line_error(run_cli("hw", "estimate", "--model", str(tmp_path)), "not a flowad student")
    assert_one_line_error(run_cli("hw", "export", "--model", str(tmp_path), "--out", str(tmp_path / "o")), "not a flowad student")
