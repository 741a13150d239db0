"""The search platform end to end: Ray Tune + Optuna trials on real data, MLflow runs, Pareto, select, resume."""

from __future__ import annotations

import subprocess
import sys

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT, run_cli
from tests.test_cli import assert_one_line_error


MODEL_COST = "estimators: {da4ml_verilog: da4ml, lgn_verilog: lgn}\n"
"""For tests about the driver's lifecycle, not costing: each design is costed by its model in milliseconds, not by
yosys (~45 s a design on 2 cores; a search on the micro data takes 44 s instead of 186 s). Synthesis in a trial is
covered by test_no_test_array_reaches_a_trial, and the synth estimator itself by tests/test_hardware.py."""


def search_yaml(tmp_path, dataset, name="t", trials=4, extra="", space=None, objectives=None) -> str:
    space = space or ('  student.family: {choices: [qkeras, hgq, lgn]}\n'
                      '  student.widths: {choices: ["8", "16-8"]}\n'
                      '  student.bits: {low: 3, high: 8, integer: true}\n')
    objectives = objectives or "  - {metric: auc}\n  - {metric: lut}\n  - {metric: latency_ns}\n"
    # one cache beside the dataset for the whole session: its teacher, reference and baseline firmware are shared
    return (f"name: {name}\n"
            f"data: {{path: {dataset}, cache: {Path(dataset).parent / 'cache'}}}\n"
            "teacher: {kind: flow, view: calo, architecture: realnvp, depth: 2, hidden: 16, epochs: 3, patience: 2}\n"
            "student: {epochs: 3, patience: 3, batch_size: 64}\n"
            "distill: {augment: {fraction: 1.0, max_scale: 8}}\n"
            f"objectives:\n{objectives}space:\n{space}"
            f"trials: {trials}\nconcurrency: 2\n"
            f"tracking: {{uri: 'sqlite:///{tmp_path}/mlflow.db', experiment: e2e, artifacts: {tmp_path}/artifacts}}\n"
            f"ray: {{storage_path: {tmp_path}/ray}}\n" + extra)


def write(tmp_path, text, name="search.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def children(tmp_path, search=None):
    from search.record import tracking

    return tracking.child_runs(f"sqlite:///{tmp_path}/mlflow.db", "e2e", search)


def test_dominated_at_rung_rule():
    from search.running.pruning import RungRecord, dominators

    passed = [RungRecord("a", "hgq", 0.5, 100), RungRecord("b", "hgq", 0.6, 50), RungRecord("c", "lgn", 0.1, 1)]
    assert dominators(RungRecord("x", "hgq", 0.7, 120), passed) == 2
    assert dominators(RungRecord("x", "hgq", 0.55, 80), passed) == 0  # a has lower loss but more cost
    assert dominators(RungRecord("x", "hgq", 0.5, 100), passed) == 0  # a tie dominates nothing
    assert dominators(RungRecord("x", "lgn", 0.2, 2), passed) == 1  # only its own family counts


def test_front_and_hypervolume_from_optuna():
    from search.front.pareto import hypervolume, pareto_mask

    values = np.array([[0.9, 100.0], [0.8, 50.0], [0.7, 200.0], [np.nan, 10.0]])
    assert pareto_mask(values, ["max", "min"]).tolist() == [True, True, False, False]
    # union of [0.5,0.9]×[100,300] and [0.5,0.8]×[50,300]: 80 + 75 − 60
    assert hypervolume(values, ["max", "min"], [0.5, 300.0]) == pytest.approx(95.0)


def test_the_hypervolume_reference_is_fixed_before_any_trial_and_does_not_move_with_them(tmp_path):
    import pandas as pd

    from search.space.search_config import load_search_config
    from search.front.summary import summarise

    search = load_search_config(write(tmp_path, search_yaml(tmp_path, tmp_path / "data", extra=(
        "constraints:\n  - {metric: latency_ns, max: 100}\n"))))
    assert search.hypervolume_reference == [0.5, 433_200.0, 100.0]  # AUC ½, the Virtex-7's LUTs, the constraint
    early = pd.DataFrame({"run_id": ["a"], "trial_id": ["t0"], "status": ["FINISHED"], "auc": [0.8], "lut": [1000.0],
                          "latency_ns": [50.0]})
    later = pd.concat([early, early.assign(run_id="b", trial_id="t1", auc=0.6, lut=90_000.0, latency_ns=90.0)])
    first, second = (summarise(t, search.metric_names, search.directions, search.hypervolume_reference, search.constraints)
                     for t in (early, later))
    assert first.reference == second.reference == [0.5, 433_200.0, 100.0]
    assert second.hypervolume == pytest.approx(first.hypervolume)  # a dominated trial adds nothing, whenever it came
    assert first.hypervolume == pytest.approx(0.3 * 432_200.0 * 50.0)


def test_a_cost_objective_nothing_bounds_needs_its_reference(tmp_path):
    from flowad.errors import FlowadInputError
    from search.space.search_config import load_search_config

    text = search_yaml(tmp_path, tmp_path / "data", objectives="  - {metric: auc}\n  - {metric: emd}\n")
    with pytest.raises(FlowadInputError, match=r"search.yaml: objectives\[1\]\.reference: give the worst emd"):
        load_search_config(write(tmp_path, text))
    fixed = load_search_config(write(tmp_path, text.replace("{metric: emd}", "{metric: emd, reference: 5}")))
    assert fixed.hypervolume_reference == [0.5, 5.0]


def test_a_search_with_no_finished_trial_has_an_empty_front_not_a_crash():
    import pandas as pd

    from search.front.summary import summarise, trials_table

    for table in (trials_table([]), pd.DataFrame({"run_id": ["a"], "trial_id": ["t0000"], "status": ["FAILED"]})):
        summary = summarise(table, ["auc", "lut"], ["max", "min"], [None, None])
        assert summary.completed == 0 and summary.front_size == 0 and summary.hypervolume == 0


def test_the_front_counts_as_pruned_only_runs_that_ended_pruned_not_interrupted_ones():
    import pandas as pd

    from search.front.summary import summarise

    table = pd.DataFrame({"run_id": list("abcd"), "trial_id": ["t0", "t1", "t2", "t3"],
                          "status": ["FINISHED", "KILLED", "KILLED", "KILLED"],
                          "outcome": ["", "pruned", "interrupted", "time_budget"], "auc": [0.8, None, None, None],
                          "lut": [100.0, None, None, None]})
    summary = summarise(table, ["auc", "lut"], ["max", "min"], [None, None])
    assert (summary.completed, summary.pruned, summary.failed) == (1, 2, 0)  # t2 runs again on --resume


@pytest.mark.parametrize("change, message", [
    (lambda y: y.replace("{metric: lut}", "{metric: luts}"), "unknown metric 'luts'"),
    (lambda y: y.split("space:")[0] + "space: {}\n" + "trials:" + y.split("trials:")[1], "search space is empty"),
    (lambda y: y.replace("high: 8,", "high: 40,"), "space.student.bits"),
    (lambda y: y.replace("uri: 'sqlite:///", "uri: 'nosuch:///"), "not a tracking URI"),
    (lambda y: y.replace("sampler", "x") + "sampler: cmaes\n", "sampler"),
    # a combination no single parameter's extremes show: QKeras integer bits at or above the weight bits
    (lambda y: y.replace("space:\n", "space:\n  student.integer_bits: {choices: [1, 3]}\n"),
     "space.student.integer_bits: the combination student.integer_bits=3, student.family=qkeras, student.widths=8, student.bits=3"),
    (lambda y: y.replace("{metric: auc}", "{metric: auc/no_such_signal}"), "signal 'no_such_signal'"),
    (lambda y: y.replace("ray: {storage_path:", "ray: {reuse_actors: true, storage_path:"), "ray.reuse_actors"),
    (lambda y: y + "population: 6\n", "only NSGA-II has a population"),  # the default sampler is random
])
def test_bad_search_configs_are_one_line(tmp_path, micro_dataset, change, message):
    path = write(tmp_path, change(search_yaml(tmp_path, micro_dataset)))
    result = run_cli("search", "run", str(path))
    assert_one_line_error(result, message)
    assert not (tmp_path / "ray").exists()


def test_artefacts_follow_the_tracking_server_and_a_local_root_is_refused_for_a_remote_cluster(tmp_path, micro_dataset):
    from search.record.tracking import artifact_location

    assert artifact_location("sqlite:////x/m.db", None, "e") == "file:///x/artifacts/e"
    assert artifact_location("http://mlflow:5000", None, "e") is None  # the server's own (served) store
    for given in ("s3://bucket/flowad", "gs://b/p", "mlflow-artifacts:/flowad"):
        assert artifact_location("http://mlflow:5000", given, "e") == given
    text = search_yaml(tmp_path, micro_dataset).replace(f"uri: 'sqlite:///{tmp_path}/mlflow.db'", "uri: 'http://10.0.0.9:5000'")
    path = write(tmp_path, text)
    assert_one_line_error(run_cli("search", "run", str(path), "--address", "10.0.0.9:6379"), "tracking.artifacts",
                          "a path on this machine only")
    path = write(tmp_path, search_yaml(tmp_path, micro_dataset))
    assert_one_line_error(run_cli("search", "run", str(path), "--address", "10.0.0.9:6379"), "not a SQLite file")


def test_unreachable_ray_address_is_one_line(tmp_path, micro_dataset):
    path = write(tmp_path, search_yaml(tmp_path, micro_dataset))
    result = run_cli("search", "run", str(path), "--address", "127.0.0.1:9")
    assert_one_line_error(result, "cannot reach a Ray cluster at 127.0.0.1:9")


@pytest.mark.slow
def test_search_logs_front_then_pareto_and_select_work(tmp_path, micro_dataset):
    path = write(tmp_path, search_yaml(tmp_path, micro_dataset, name="e2e", extra=MODEL_COST))
    result = run_cli("search", "run", str(path), "--cpus", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "[4/4]" in result.stdout and "Pareto front:" in result.stdout and "make mlflow-ui" in result.stdout

    parent, runs = children(tmp_path)
    assert parent.info.status == "FINISHED" and len(runs) == 4
    assert len({r.data.tags["flowad.trial_id"] for r in runs}) == 4
    assert all(r.info.status in ("FINISHED", "FAILED", "KILLED") for r in runs)
    finished = [r for r in runs if r.info.status == "FINISHED"]
    assert finished, [r.data.tags.get("flowad.error") for r in runs]
    assert sum(r.data.metrics["teacher_trained_now"] for r in finished) <= 1  # one teacher for the whole search
    assert all(0 <= r.data.metrics["auc"] <= 1 and r.data.metrics["lut"] > 0 for r in finished)
    front = [r for r in runs if r.data.tags.get("pareto") == "true"]
    assert 1 <= len(front) <= len(finished)
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    logged = {a.path for a in client.list_artifacts(parent.info.run_id, "pareto")}
    assert {"pareto/pareto.csv", "pareto/pareto.parquet", "pareto/pareto_auc_vs_lut.png",
            "pareto/pareto_auc_vs_latency_ns.png"} <= logged
    # every design here is distributed arithmetic or logic gates: a DSP axis would be constant, so it is not drawn
    assert "pareto/pareto_auc_vs_dsp.png" not in logged
    assert "no DSPs by construction" in client.get_run(parent.info.run_id).data.tags["flowad.plots_note"]
    parent_metrics = client.get_run(parent.info.run_id).data.metrics
    assert "hypervolume" in parent_metrics
    assert {"baseline/sum_et/auc", "baseline/max_region_et/auc", "baseline/ht/auc"} <= set(parent_metrics)
    if __import__("shutil").which("yosys"):
        assert parent_metrics["baseline/max_region_et/lut"] > 0 and parent_metrics["baseline/ht/latency_ns"] > 0
    import json

    record = json.loads(Path(client.download_artifacts(parent.info.run_id, "reference/baselines.json", str(tmp_path))).read_text())
    assert record["split"] == "val" and set(record["baselines"]) == {"sum_et", "max_region_et", "ht"}
    assert "needs >=" in record["menu"]["reason"]  # micro data: too little ZeroBias for the menu's rates, said so
    assert not any(k.startswith("test") for r in runs for k in r.data.metrics)  # trials measure on validation only
    trial_files = {a.path for a in client.list_artifacts(front[0].info.run_id)}
    assert {"student", "plots", "firmware.zip", "hardware.json", "metrics.json"} <= trial_files
    for run in finished:  # the spec is on the run, the design's kind and hash beside its costs
        assert run.data.params["hw.strategy"] == "distributed_arithmetic" and run.data.params["hw.part"]
        assert run.data.tags["flowad.design_kind"] in ("da4ml_verilog", "lgn_verilog")
        assert len(run.data.tags["flowad.design_hash"]) == 64

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    shown = run_cli("search", "pareto", "--experiment", "e2e", "--tracking-uri", uri, "--out", str(tmp_path / "p"))
    assert shown.returncode == 0, shown.stderr
    assert (tmp_path / "p" / "pareto.csv").is_file() and (tmp_path / "p" / "pareto_auc_vs_lut.png").is_file()
    assert front[0].data.tags["flowad.trial_id"] in shown.stdout
    assert "no DSPs by construction" in shown.stdout  # the front table says why every DSP is 0

    select_args = ("search", "select", "--experiment", "e2e", "--tracking-uri", uri, "--out", str(tmp_path / "d"), "--events", "50")
    if not __import__("shutil").which("iverilog"):  # Verilog designs cannot be verified here: never aliased deployable
        assert_one_line_error(run_cli(*select_args), "--allow-unverified")
        unverified = run_cli(*select_args, "--allow-unverified")
        assert unverified.returncode == 0 and "NOT aliased 'deployable'" in unverified.stdout, unverified.stderr
        pytest.skip("iverilog not installed (apt-get install iverilog): verified shipping not checked")
    chosen = run_cli(*select_args)
    assert chosen.returncode == 0, chosen.stderr
    assert "alias 'deployable'" in chosen.stdout
    assert "test split" in chosen.stdout and "max region ET" in chosen.stdout and "L1 menu" in chosen.stdout
    version = client.get_model_version_by_alias("flowad-e2e", "deployable")
    assert version.run_id in {r.info.run_id for r in front}
    selected = client.get_run(version.run_id).data.metrics
    assert 0 <= selected["test_auc"] <= 1 and 0 <= selected["test_auc_low/wprime"] <= selected["test_auc/wprime"]
    assert "test_auc" in version.tags and "val_auc" in version.tags
    shipped = json.loads((tmp_path / "d" / "export.json").read_text())
    costed = client.get_run(version.run_id).data.tags["flowad.design_hash"]
    assert shipped["design_hash"] == version.tags["design_hash"] == costed and version.tags["verified"] == "true"

    # every family ships exactly the design its trial costed, proven in simulation: logic gates and HGQ in Icarus
    by_family = {}
    for run in finished:
        by_family.setdefault(run.data.params["student.family"], run)
    assert {"lgn", "hgq"} <= set(by_family), sorted(by_family)
    for family, run in sorted(by_family.items()):
        out = tmp_path / f"ship-{family}"
        shipped_run = run_cli("search", "select", "--experiment", "e2e", "--tracking-uri", uri, "--run-id",
                              run.info.run_id, "--out", str(out), "--events", "40")
        assert shipped_run.returncode == 0, shipped_run.stderr[-2000:]
        assert "icarus: 40/40 events bit-exact" in shipped_run.stdout, shipped_run.stdout
        exported = json.loads((out / "export.json").read_text())
        assert exported["design_hash"] == run.data.tags["flowad.design_hash"], family
        from flowad.hardware import read_design

        assert read_design(out / "firmware").digest == exported["design_hash"]

    too_small = run_cli("search", "select", "--experiment", "e2e", "--tracking-uri", uri, "--max-lut", "1",
                        "--out", str(tmp_path / "d2"))
    assert_one_line_error(too_small, "no front member fits the budgets")
    again = run_cli("search", "run", str(path))
    assert_one_line_error(again, "already holds a search")


def test_trial_configs_take_family_specific_widths_and_settings(tmp_path, micro_dataset):
    from search.space.search_config import load_search_config
    from search.space.parameters import trial_mapping

    space = ('  student.family: {choices: [qkeras, lgn]}\n  student.widths: {choices: ["16-8"]}\n'
             '  student.lgn_widths: {choices: ["256-128"]}\n  student.pileup_subtraction: {choices: [false, true]}\n')
    path = write(tmp_path, search_yaml(tmp_path, micro_dataset, space=space, extra="families: {lgn: {learning_rate: 0.01}}\n"))
    search = load_search_config(path)
    lgn = trial_mapping(search, {"student.family": "lgn", "student.widths": "16-8", "student.lgn_widths": "256-128"})
    mlp = trial_mapping(search, {"student.family": "qkeras", "student.widths": "16-8", "student.lgn_widths": "256-128"})
    assert lgn["student"]["widths"] == [256, 128] and lgn["student"]["learning_rate"] == 0.01
    assert mlp["student"]["widths"] == [16, 8] and "learning_rate" not in mlp["student"]
    # LGN's own field reaches LGN trials only (the space above loaded: no QKeras-style trial was refused for it)
    pus = {"student.widths": "16-8", "student.lgn_widths": "256-128", "student.pileup_subtraction": True}
    assert trial_mapping(search, {"student.family": "lgn", **pus})["student"]["pileup_subtraction"] is True
    assert "pileup_subtraction" not in trial_mapping(search, {"student.family": "qkeras", **pus})["student"]
    bad = write(tmp_path, search_yaml(tmp_path, micro_dataset, extra="families: {lgn: {bits: 0}}\n"), "bad.yaml")
    assert_one_line_error(run_cli("search", "run", str(bad)), "families.lgn", "bits")


def test_a_missing_dataset_is_refused_before_anything_is_started(tmp_path):
    path = write(tmp_path, search_yaml(tmp_path, tmp_path / "no-such-data"))
    assert_one_line_error(run_cli("search", "run", str(path)), "no such dataset")
    assert not (tmp_path / "ray").exists() and not (tmp_path / "mlflow.db").exists()


def space_study(tmp_path, choices=(1, 2)):
    """(the study, its reference, the space) of a two-objective study over one categorical parameter."""
    from search.space.search_config import Parameter
    from search.record.study import StudyRef, distributions

    ref = StudyRef(f"sqlite:///{tmp_path}/optuna.db", "s", ("maximize", "minimize"), "random", 3, 10)
    return ref.open(), ref, distributions({"student.bits": Parameter(choices=tuple(choices))})


def test_the_study_searcher_never_reruns_a_configuration_until_the_space_is_exhausted(tmp_path):
    import optuna

    from search.record.study import counts

    from search.record.tags import DUPLICATE_ATTR, TRIAL_KEY
    from search.record.study_searcher import StudySearcher

    study, ref, space = space_study(tmp_path)
    searcher = StudySearcher(ref, space, ["auc", "lut"], max_attempts=20)
    first = searcher.suggest("a")
    searcher.on_trial_complete("a", {"auc": 0.8, "lut": 10.0})
    second = searcher.suggest("b")
    assert second["student.bits"] != first["student.bits"]  # the only other configuration
    assert (first[TRIAL_KEY], second[TRIAL_KEY]) == ("t0000", second[TRIAL_KEY]) and second[TRIAL_KEY] != "t0000"
    searcher.on_trial_complete("b", {"error": "cannot be built"})
    third = searcher.suggest("c")  # nothing new is left: after 20 tries the duplicate runs
    assert third["student.bits"] in (1, 2) and searcher.skipped >= 19
    assert counts(study).finished == 1 and counts(study).failed == 1 and counts(study).running == 1
    duplicates = [t for t in study.trials if DUPLICATE_ATTR in t.user_attrs]
    assert len(duplicates) == searcher.skipped and all(t.state == optuna.trial.TrialState.FAIL for t in duplicates)
    assert [t.number for t in study.best_trials] == [0]  # a duplicate is never a second copy of a front point
    # a second driver on the same study hands the trial that was running out first, under the same id
    again = StudySearcher(ref, space, ["auc", "lut"])
    assert again.suggest("x") == third
    again.on_trial_complete("x", {"auc": 0.7, "lut": 5.0})
    again.on_trial_complete("x", {"auc": 0.1, "lut": 1.0})  # told once: a repeat changes nothing
    assert study.trials[int(third[TRIAL_KEY][1:])].values == [0.7, 5.0]


def test_a_sampler_stuck_on_seen_configurations_gets_an_unseen_one_until_the_space_is_exhausted(tmp_path):
    import optuna

    from search.record.study_searcher import StudySearcher
    from search.record.tags import DRAWN_ATTR, TRIAL_KEY

    study, ref, space = space_study(tmp_path, choices=(1, 2, 3))
    searcher = StudySearcher(ref, space, ["auc", "lut"], max_attempts=5)
    searcher.study.sampler = optuna.samplers.PartialFixedSampler({"student.bits": 1}, optuna.samplers.RandomSampler(0))
    ran = []
    for tune_id in "abcd":
        config = searcher.suggest(tune_id)
        searcher.on_trial_complete(tune_id, {"auc": 0.5 + 0.1 * len(ran), "lut": 10.0})
        ran.append(config["student.bits"])
    assert ran[0] == 1 and sorted(ran[:3]) == [1, 2, 3]  # the sampler only ever proposes 1
    assert ran[3] == 1  # exhausted: the last suggestion runs again, as before
    drawn = [t for t in searcher.study.trials if t.user_attrs.get(DRAWN_ATTR)]
    assert [t.params["student.bits"] for t in drawn] == ran[1:3] and all(TRIAL_KEY not in t.params for t in drawn)


def test_tpe_and_gp_start_modelling_after_the_same_random_trials():
    """The sampler study compares TPE and GP at 4–16 trials: GP's own default (10 random trials) left it 6 modelled
    trials of the quickstart's 16 against TPE's 12, and the docs said every sampler's random start was 4."""
    from search.record.study import optuna_sampler

    for trials, start in ((8, 4), (16, 4), (40, 10), (400, 10)):
        assert optuna_sampler("tpe", 0, trials)._n_startup_trials == start
        assert optuna_sampler("gp", 0, trials)._n_startup_trials == start
    with pytest.raises(ValueError, match="unknown sampler 'gps'"):
        optuna_sampler("gps", 0, 16)  # once, any unknown name ran random sampling without a word


@pytest.mark.parametrize("sampler", ["nsga2", "tpe", "random"])
def test_a_replay_runs_the_searcher_itself_every_configuration_once_each_told_its_own_values(sampler):
    """The samplers are measured with this replay (bench/sampler_ground_truth.py): a copy of the searcher's rules
    there could drift from what searches do; here a duplicate told COMPLETE, or a value told to the wrong
    configuration, fails."""
    from optuna.trial import TrialState

    from search.space.search_config import Parameter
    from search.record.study import IN_MEMORY, StudyRef, distributions, search_trials
    from search.record.tags import DUPLICATE_ATTR
    from search.record.study_searcher import StudySearcher, replay

    space = distributions({"student.widths": Parameter(choices=("8", "16", "32")), "student.bits": Parameter(low=4, high=5, integer=True)})
    truth = {(w, b): [0.5 + 0.01 * int(w) + 0.001 * b, float(int(w) * b)] for w in ("8", "16", "32") for b in (4, 5)}
    searcher = StudySearcher(StudyRef(IN_MEMORY, "replay", ("maximize", "minimize"), sampler, 0, 6), space, ["auc", "lut"])
    ran = replay(searcher, lambda p: truth[(p["student.widths"], p["student.bits"])], 6)
    keys = [(p["student.widths"], p["student.bits"]) for p in ran]
    assert sorted(keys) == sorted(truth)  # six trials, the six configurations, none twice
    told = search_trials(searcher.study)
    assert [t.state for t in told] == [TrialState.COMPLETE] * 6
    assert all(t.values == truth[(t.params["student.widths"], t.params["student.bits"])] for t in told)
    assert all(t.state == TrialState.FAIL for t in searcher.study.trials if DUPLICATE_ATTR in t.user_attrs)


@pytest.mark.parametrize("sampler", ["nsga2", "tpe", "gp", "random"])
def test_a_searcher_that_has_asked_its_study_still_pickles_and_carries_on_where_it_is_unpickled(tmp_path, sampler):
    """Tune pickles its searcher; an open study is not picklable with every Optuna (5.1's NSGA-II holds a lock)."""
    import pickle
    from dataclasses import replace

    from search.record.tags import TRIAL_KEY
    from search.record.study_searcher import StudySearcher

    _, ref, space = space_study(tmp_path, choices=(1, 2, 3))
    searcher = StudySearcher(replace(ref, sampler=sampler), space, ["auc", "lut"])
    first = searcher.suggest("a")
    searcher.on_trial_complete("a", {"auc": 0.8, "lut": 10.0})
    copy = pickle.loads(pickle.dumps(searcher))
    second = copy.suggest("b")
    assert first[TRIAL_KEY] == "t0000" and second[TRIAL_KEY] != "t0000"
    assert second["student.bits"] != first["student.bits"]  # the copy reopened the study and knows what ran


def test_only_the_scheduler_prunes_a_trial_stopped_from_outside_runs_again(tmp_path):
    from optuna.trial import TrialState

    from search.record.study import search_trials
    from search.record.study_searcher import StudySearcher

    study, ref, space = space_study(tmp_path, choices=(1, 2, 3))
    stopped: dict[str, int] = {}
    searcher = StudySearcher(ref, space, ["auc", "lut"], stopped=stopped)
    for tune_id in "abc":
        searcher.suggest(tune_id)
    stopped["a"] = 3  # the scheduler's decision at the rung of epoch 3
    searcher.on_trial_complete("a", {"epoch": 3, "val_loss": 0.2})
    searcher.on_trial_complete("b", {"epoch": 2, "val_loss": 0.3})  # Ctrl-C: the driver stopped it, nobody pruned it
    searcher.on_trial_complete("c", {"auc": float("nan"), "lut": 3.0, "mlflow_run_id": "r"})  # ran to its end
    assert [t.state for t in search_trials(study)] == [TrialState.PRUNED, TrialState.RUNNING, TrialState.PRUNED]


@pytest.mark.parametrize("sampler", ["nsga2", "tpe", "gp"])
def test_constraints_reach_the_sampler_and_an_infeasible_trial_is_not_best(tmp_path, sampler):
    from dataclasses import replace

    from search.space.search_config import Constraint
    from search.record.study import search_trials
    from search.record.study_searcher import StudySearcher

    _, ref, space = space_study(tmp_path, choices=(1, 2, 3))
    budget = (Constraint("latency_ns", max=100.0), Constraint("lut", min=5.0))
    searcher = StudySearcher(replace(ref, sampler=sampler), space, ["auc", "lut"], budget)
    for tune_id, result in (("a", {"auc": 0.9, "lut": 10.0, "latency_ns": 250.0}),  # best, but too slow
                            ("b", {"auc": 0.7, "lut": 10.0, "latency_ns": 50.0}),
                            ("c", {"auc": 0.6, "lut": 20.0})):  # no latency measured: infeasible
        searcher.suggest(tune_id)
        searcher.on_trial_complete(tune_id, result)
    study = searcher.study
    trials = search_trials(study)
    assert [t.constraints for t in trials] == [  # what the samplers read
        {"latency_ns<=100": 150.0, "lut>=5": -5.0}, {"latency_ns<=100": -50.0, "lut>=5": -5.0},
        {"latency_ns<=100": 1.0, "lut>=5": -15.0}]
    assert [t.number for t in study.best_trials] == [trials[1].number]


def test_a_tuner_over_the_study_starts_as_the_driver_starts_it(tmp_path):
    """The driver's own path to a Tuner (study opened fresh, a parent run, Ray on loopback): any object Tune cannot
    pickle fails here in seconds, not at minute 10 of a search."""
    from dataclasses import replace

    from flowad.errors import FlowadInputError
    from search.record import tracking
    from search.space.search_config import load_search_config
    from search.running.driver import absolutized, make_tuner
    from search.running.ray_session import start_ray, stop_ray
    from search.record.study import open_study

    search = absolutized(load_search_config(write(tmp_path, search_yaml(tmp_path, tmp_path / "data"))))
    open_study(search, fresh=True)
    run = tracking.open_search(search.tracking.uri, search.tracking.experiment, search.tracking.artifacts,
                               search.name, params={}, config_text="x")
    (tmp_path / "a-file").write_text("not a folder")
    unwritable = replace(search, ray=replace(search.ray, storage_path=str(tmp_path / "a-file" / "ray")))
    start_ray(None, num_cpus=1)
    try:
        tuner = make_tuner(search, run, n_trials=2, progress=lambda line: None)
        with pytest.raises(FlowadInputError, match="^ray.storage_path: Ray Tune cannot write"):
            make_tuner(unwritable, run, n_trials=2, progress=lambda line: None)  # a configuration cause: one line
    finally:
        stop_ray()
    assert tuner is not None


def test_reconcile_recovers_finished_runs_and_reruns_lost_ones(tmp_path):
    """The moment a driver dies decides nothing: MLflow's record of each trial's run is what counts."""
    from optuna.trial import TrialState

    from search.record import tracking
    from search.record.reconcile import reconcile
    from search.record.study import trial_label
    from search.record.tags import TRIAL_ATTR, Failure

    study, _, space = space_study(tmp_path, choices=(1, 2, 3, 4, 5))
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    run = tracking.open_search(uri, "e", str(tmp_path / "art"), "s", params={}, config_text="x")
    trials = [study.ask(space) for _ in range(6)]
    for t in trials[:5]:
        t.set_user_attr(TRIAL_ATTR, trial_label(t.number))
    ids = [tracking.trial_run(run, trial_label(t.number), t.params) for t in trials[:4]]
    lost = study.ask(space)  # failed in a worker before its run was made, and the study was told
    lost.set_user_attr(TRIAL_ATTR, trial_label(lost.number))
    lost.set_user_attr("flowad.reason", "ModuleNotFoundError: no module named 'flowad'")
    study.tell(lost, state=TrialState.FAIL)
    tracking.log_metrics(uri, ids[0], {"auc": 0.9, "lut": 100.0})
    tracking.end_run(uri, ids[0], "FINISHED")  # finished, but its driver died before telling the study
    tracking.end_run(uri, ids[1], "KILLED", "interrupted")  # Ctrl-C while it ran
    tracking.end_run(uri, ids[2], "FAILED", "integer_bits must be < bits", failure=Failure.CONFIGURATION)
    # ids[3] still RUNNING (SIGKILL mid-trial); trials[4] has no run at all; trials[5] was never a trial
    fixed = reconcile(study, run, ["auc", "lut"])
    labels = [trial_label(t.number) for t in trials]
    assert fixed.recovered == [labels[0]] and fixed.rerun == [labels[1], labels[3], labels[4]]
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.RUNNING, TrialState.FAIL, TrialState.RUNNING,
                      TrialState.RUNNING, TrialState.FAIL, TrialState.FAIL]
    made = tracking.find_trial_run(run, trial_label(lost.number))  # the failure has a run that says why
    assert made.info.status == "FAILED" and "ModuleNotFoundError" in made.data.tags["flowad.error"]
    assert study.trials[0].values == [0.9, 100.0]
    assert reconcile(study, run, ["auc", "lut"]).recovered == []  # idempotent


def test_resume_refuses_a_changed_config_and_only_lets_trials_grow(tmp_path, micro_dataset):
    from flowad.configio import from_mapping
    import yaml

    from search.space.search_config import SearchConfig
    from search.record.resume import check_resumable

    text = search_yaml(tmp_path, micro_dataset, name="r", trials=4)
    stored = from_mapping(SearchConfig, yaml.safe_load(text))
    from dataclasses import replace

    check_resumable(text, replace(stored, trials=9))  # extend: fine
    with pytest.raises(Exception, match="trials may only grow"):
        check_resumable(text, replace(stored, trials=3))
    changed = from_mapping(SearchConfig, yaml.safe_load(text.replace("{metric: lut}", "{metric: dsp}").replace("concurrency: 2", "concurrency: 1")))
    with pytest.raises(Exception, match=r"concurrency \(2 → 1\).*objectives"):
        check_resumable(text, changed)


def test_a_parameter_the_family_ignores_does_not_make_a_configuration_new():
    from search.record.study_searcher import config_key

    qkeras = {"student.family": "qkeras", "student.widths": "16-8", "student.lgn_widths": "512-256", "student.beta": 1e-7}
    assert config_key(qkeras) == config_key({**qkeras, "student.beta": 3e-7, "student.lgn_widths": "1024-512"})
    assert config_key(qkeras) != config_key({**qkeras, "student.widths": "32-16"})
    hgq = {**qkeras, "student.family": "hgq"}
    assert config_key(hgq) != config_key({**hgq, "student.beta": 3e-7})
    lgn = {**qkeras, "student.family": "lgn"}
    assert config_key(lgn) == config_key({**lgn, "student.widths": "32-16"})
    assert config_key(lgn) != config_key({**lgn, "student.lgn_widths": "1024-512"})


def test_processes_opening_one_fresh_store_at_once_all_succeed(tmp_path):
    """MLflow's schema set-up is not safe across processes: without the lock, at most 1 of 3 succeeded here."""
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    code = "import sys; from search.record import tracking; tracking.client_for(sys.argv[1]).search_experiments(); print('ok')"
    procs = [subprocess.Popen([sys.executable, "-c", code, uri], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outcomes = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-500:] for _, err in outcomes]


def test_reading_a_missing_store_is_one_line(tmp_path):
    shown = run_cli("search", "pareto", "--experiment", "e2e", "--tracking-uri", f"sqlite:///{tmp_path}/nope.db")
    assert_one_line_error(shown, "no MLflow store at")
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.slow
def test_no_test_array_reaches_a_trial(tmp_path, micro_dataset):
    """Every test-split shard of a copy of the dataset is garbage: a trial still runs, so it never opened one."""
    import shutil

    from search.space.search_config import load_search_config
    from search.running.trial import run_trial
    from search.space.trial_spec import TrialSpec

    dataset = tmp_path / "dataset"
    shutil.copytree(micro_dataset, dataset)
    poisoned = sorted(dataset.glob("*/test-*.parquet"))
    assert {p.parent.name for p in poisoned} == {"zerobias", "wprime", "pileup"}
    for path in poisoned:
        path.write_bytes(b"not parquet: a trial that reads the test split fails here")
    search = load_search_config(write(tmp_path, search_yaml(tmp_path, dataset)))
    result = run_trial(search, TrialSpec.of(search, {"student.family": "hgq", "student.widths": "8", "student.bits": 6}),
                       tmp_path / "trial")
    metrics = result.metrics
    assert all(isinstance(v, float) for v in metrics.values())  # numbers only: tags travel apart
    assert result.tags["flowad.design_kind"] == "da4ml_verilog" and result.hardware.strategy == "distributed_arithmetic"
    # the per-trial default estimator: yosys synthesis below 20k LUTs (the other search tests cost by the model)
    assert result.tags["flowad.estimator"] == "synth"
    assert result.tags["flowad.hardware_source"] == ("yosys" if shutil.which("yosys") else "da4ml"), result.tags
    assert 0 <= metrics["auc/wprime"] <= 1 and 0 <= metrics["teacher_auc/wprime"] <= 1
    assert {"tpr_at_rate", "pure_tpr_at_rate", "rate_khz"} <= set(metrics)  # NaN here: too little ZeroBias for 3 kHz
    from flowad.data import load

    with pytest.raises(Exception, match="not a readable"):
        load(dataset, "calo", splits=("test",))  # the poison is real


def test_parameters_a_family_does_not_use_are_not_part_of_its_identity():
    from search.space.parameters import relevant_params

    params = {"student.family": "hgq", "student.widths": "8", "student.bits": 6, "student.integer_bits": 2,
              "student.beta": 1e-7, "student.lgn_widths": "64"}
    assert relevant_params(params) == {"student.family": "hgq", "student.widths": "8", "student.bits": 6, "student.beta": 1e-7}
    qkeras = relevant_params({**params, "student.family": "qkeras"})
    assert "student.integer_bits" in qkeras and "student.beta" not in qkeras
    lgn = relevant_params({**params, "student.family": "lgn"})
    assert set(lgn) == {"student.family", "student.lgn_widths", "student.bits"}


def test_the_interactive_front_labels_every_point_and_draws_the_baselines():
    from search.front.pareto_html import pareto_html

    points = [{"trial": f"t000{i}", "run_name": f"t000{i} · hgq 8 @{b}b · auc {a}", "family": f, "front": front,
               "link": f"/#/experiments/1/runs/r{i}", "tooltip": f"model {i}", "auc": a, "lut": lut, "latency_ns": 25.0}
              for i, (f, b, a, lut, front) in enumerate([("hgq", 4, 0.7, 900.0, True), ("qkeras", 6, 0.8, 30_000.0, True),
                                                         ("lgn", 3, 0.6, 5_000.0, False)])]
    page = pareto_html(points, "auc", ["lut", "latency_ns"], {"max_region_et": {"auc": 0.79, "lut": 2056.0}},
                       ceiling=0.85, title="s: auc against cost")
    assert page.count("<svg") == 2 and "(log)" in page  # LUTs span ×33: a log axis
    for p in points:
        assert f">{p['trial']}</text>" in page and p["link"] in page and p["tooltip"] in page
    assert "max_region_et" in page and "best teacher auc 0.850" in page
    assert "<script src" not in page  # self-contained: nothing fetched from the network


def test_distinct_teachers_are_listed_once_each_for_their_own_tasks(tmp_path, micro_dataset):
    from search.space.search_config import load_search_config
    from search.running.teachers_first import distinct_teachers

    quickstart = load_search_config(ROOT / "configs/search/quickstart.yaml")
    teachers = distinct_teachers(quickstart)  # teacher.depth: [2, 4]; the student parameters do not multiply them
    assert sorted(t["depth"] for t in teachers) == [2, 4] and all(t["architecture"] == "maf" for t in teachers)
    ranged = search_yaml(tmp_path, micro_dataset).replace("space:\n", "space:\n  teacher.hidden: {low: 8, high: 32, integer: true}\n")
    assert distinct_teachers(load_search_config(write(tmp_path, ranged))) is None  # trained inside the trials, as before
    fixed = load_search_config(write(tmp_path, search_yaml(tmp_path, micro_dataset), "fixed.yaml"))
    assert len(distinct_teachers(fixed)) == 1


def test_a_run_stopped_by_its_time_budget_is_pruned_not_run_again(tmp_path):
    from optuna.trial import TrialState

    from search.record import tracking
    from search.record.reconcile import reconcile
    from search.record.study import trial_label
    from search.record.tags import REASON_ATTR, TRIAL_ATTR, Outcome

    study, _, space = space_study(tmp_path, choices=(1, 2))
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    run = tracking.open_search(uri, "e", str(tmp_path / "art"), "s", params={}, config_text="x")
    trial = study.ask(space)
    trial.set_user_attr(TRIAL_ATTR, trial_label(trial.number))
    tracking.end_run(uri, tracking.trial_run(run, trial_label(trial.number), trial.params), "KILLED", Outcome.TIME_BUDGET)
    fixed = reconcile(study, run, ["auc", "lut"])  # its driver died before telling the study
    assert fixed.rerun == [] and study.trials[0].state == TrialState.PRUNED
    assert study.trials[0].user_attrs[REASON_ATTR] == Outcome.TIME_BUDGET


@pytest.mark.slow
def test_a_trial_past_its_time_budget_stops_says_so_and_counts_as_pruned(tmp_path, micro_dataset):
    """``resources.time_budget_s`` is checked from the trial's start; 1 ms is spent before its teacher is loaded."""
    import optuna

    from optuna.trial import TrialState

    extra = "resources: {cpus: 1, time_budget_s: 0.001}\npruning: {enabled: false}\n"
    path = write(tmp_path, search_yaml(tmp_path, micro_dataset, name="budget", trials=2, extra=extra))
    result = run_cli("search", "run", str(path), "--cpus", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("stopped: over its time budget") == 2 and "after its teacher" in result.stdout
    assert "no trial finished (2 stopped early" in result.stdout
    parent, runs = children(tmp_path)
    assert [(r.info.status, r.data.tags["flowad.outcome"]) for r in runs] == [("KILLED", "time_budget")] * 2
    assert all("over time budget" in r.data.tags["mlflow.runName"] for r in runs)
    study = optuna.load_study(study_name="e2e/budget", storage=f"sqlite:///{tmp_path}/optuna.db")
    assert [t.state for t in study.trials] == [TrialState.PRUNED] * 2
    shown = run_cli("search", "status", "--experiment", "e2e", "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db")
    assert shown.returncode == 0 and shown.stdout.count("time_budget_s (not run again)") == 2, shown.stdout


def test_a_trial_run_is_found_again_logs_each_step_once_and_ends_in_the_tags_vocabulary(tmp_path):
    from search.record import tracking
    from search.record.tags import ERROR, FAILURE, OUTCOME, PREVIOUS_ENDS, Failure, Outcome

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    search = tracking.open_search(uri, "e", str(tmp_path / "art"), "s", params={}, config_text="x")
    params = {"student.family": "qkeras", "student.widths": "8", "student.beta": 1e-7, "student.integer_bits": 2}
    run = tracking.TrialRun.open(search, "t0001", params, name="t0001 · qkeras 8 @8b")
    assert tracking.TrialRun.open(search, "t0001", params).run_id == run.run_id  # found, not made twice
    run.log({"val_loss": 1.0}, step=1)
    again = tracking.TrialRun.open(search, "t0001", params, reopen=True)
    again.log({"val_loss": 0.5}, step=1)  # a re-run repeats epoch 1: the first value stays
    again.log({"val_loss": 0.4}, step=2)
    again.tag({"flowad.design_kind": "da4ml_verilog"})
    again.kill(Outcome.PRUNED)
    client = tracking.client_for(uri)
    stored = client.get_run(run.run_id)
    assert [m.value for m in client.get_metric_history(run.run_id, "val_loss")] == [1.0, 0.4]
    assert stored.info.status == "KILLED" and stored.data.tags[OUTCOME] == "pruned"
    assert stored.data.params == {"student.family": "qkeras", "student.widths": "8", "student.integer_bits": "2"}  # no β
    reopened = tracking.TrialRun.open(search, "t0001", params, reopen=True)
    reopened.fail("boom", Failure.CONFIGURATION)
    stored = client.get_run(run.run_id)
    assert stored.data.tags[PREVIOUS_ENDS] == "pruned" and OUTCOME not in stored.data.tags
    assert stored.info.status == "FAILED" and stored.data.tags[ERROR] == "boom" and stored.data.tags[FAILURE] == "configuration"


def test_the_private_optuna_apis_work_on_the_installed_version():
    """Each private API of search.record.optuna_private, on the Optuna this venv has (one of those it names as checked)."""
    import numpy as np
    import optuna
    from optuna.trial import TrialState

    from search.record import optuna_private

    assert optuna.__version__ in optuna_private.CHECKED
    assert optuna_private.compute_hypervolume(np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([3.0, 3.0])) == 3.0
    study = optuna.create_study(directions=["maximize"])
    asked = study.ask()
    frozen = optuna_private.frozen_trial(study, asked.number)
    assert frozen.number == asked.number and frozen.state == TrialState.RUNNING
    optuna_private.live_trial(study, frozen).set_user_attr("via", "handle")
    optuna_private.set_user_attr(study, frozen, "direct", 1)
    study.enqueue_trial({})
    waiting = study.get_trials(states=(TrialState.WAITING,))[0]
    optuna_private.fail_waiting(study, waiting)
    trials = study.get_trials()
    assert trials[0].user_attrs == {"via": "handle", "direct": 1} and trials[1].state == TrialState.FAIL
