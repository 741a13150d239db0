"""A real cluster on one machine: a Ray head and two worker nodes, an MLflow server, all separate processes.

The search runs from another working directory with ``--address`` and an ``http://`` tracking URI; everything
is checked from a third directory through the server's REST API only; everything is torn down by process id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest
import yaml

from tests.test_results import micro_results
from tests.test_search import MODEL_COST, search_yaml

pytestmark = pytest.mark.slow


def rest(uri: str, endpoint: str, **query) -> dict:
    url = f"{uri}/api/2.0/mlflow/{endpoint}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())


def rest_post(uri: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(f"{uri}/api/2.0/mlflow/{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def artefacts(uri: str, run_id: str, path: str = "") -> set[str]:
    """Every file under ``path`` of a run, listed through the server (recursively)."""
    listing = rest(uri, "artifacts/list", run_id=run_id, **({"path": path} if path else {}))
    out = set()
    for item in listing.get("files", []):
        out |= artefacts(uri, run_id, item["path"]) if item.get("is_dir") else {item["path"]}
    return out


def rendered(url: str) -> str:
    """The DOM a real browser builds for ``url`` (headless Chromium, JavaScript run for up to 20 s of virtual time)."""
    done = subprocess.run(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000",
                           "--dump-dom", url], capture_output=True, text=True, timeout=120)
    return done.stdout


def test_search_on_a_multi_process_cluster_with_an_mlflow_server(tmp_path, micro_dataset):
    from search.testing.local_cluster import start_local_cluster

    cluster = start_local_cluster(tmp_path / "site", worker_nodes=2, cpus_per_node=1)
    try:
        driver_dir, reader_dir = tmp_path / "driver", tmp_path / "reader"
        driver_dir.mkdir()
        reader_dir.mkdir()
        space = '  student.family: {choices: [qkeras, lgn]}\n  student.bits: {low: 3, high: 4, integer: true}\n'
        text = search_yaml(tmp_path, micro_dataset, name="cl", trials=2, space=space, extra=MODEL_COST)
        text = text.replace(f"tracking: {{uri: 'sqlite:///{tmp_path}/mlflow.db', experiment: e2e, artifacts: {tmp_path}/artifacts}}",
                            f"tracking: {{uri: '{cluster.tracking_uri}', experiment: cluster}}")
        text = text.replace(f"ray: {{storage_path: {tmp_path}/ray}}", "ray: {storage_path: driver-state}")
        text += "families: {lgn: {widths: [64, 32], learning_rate: 0.01}}\n"
        (driver_dir / "search.yaml").write_text(text)
        env = {**os.environ, **cluster.env, "PYTHONWARNINGS": "ignore"}
        run = subprocess.run([sys.executable, "-m", "search.cli.main", "search", "run", "search.yaml", "--address", cluster.address],
                             cwd=driver_dir, env=env, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
        assert "[2/2]" in run.stdout

        # from a third directory, through the server only
        experiment = rest(cluster.tracking_uri, "experiments/get-by-name", experiment_name="cluster")["experiment"]
        assert experiment["artifact_location"].startswith("mlflow-artifacts:")
        runs = rest_post(cluster.tracking_uri, "runs/search", {"experiment_ids": [experiment["experiment_id"]]})["runs"]
        tags = [{t["key"]: t["value"] for t in r["data"].get("tags", [])} for r in runs]
        parent = [r for r, t in zip(runs, tags) if t.get("flowad.role") == "search"]
        trials = [(r, t) for r, t in zip(runs, tags) if t.get("flowad.role") == "trial"]
        assert len(parent) == 1 and len(trials) == 2
        hosts = set()
        for run_record, run_tags in trials:
            assert run_record["info"]["status"] == "FINISHED", run_tags.get("flowad.error")
            files = artefacts(cluster.tracking_uri, run_record["info"]["run_id"])
            assert {"firmware.zip", "hardware.json", "metrics.json"} <= files
            assert any(f.startswith("student/") for f in files) and any(f.startswith("plots/") for f in files)
            hosts.add(run_tags.get("flowad.node", ""))
            assert run_tags["mlflow.runName"].startswith(run_tags["flowad.trial_id"] + " · ") and " · auc " in run_tags["mlflow.runName"]
            assert "flowad search select" in run_tags["mlflow.note.content"]
            params = {p["key"] for p in run_record["data"]["params"]}
            assert "student.beta" not in params and "student.lgn_widths" not in params  # only what the family uses
        assert len(hosts) == 2 and "" not in hosts  # one trial on each worker node
        front = artefacts(cluster.tracking_uri, parent[0]["info"]["run_id"], "pareto")
        assert {"pareto/pareto.csv", "pareto/pareto_auc_vs_lut.png", "pareto/pareto.html"} <= front

        select = subprocess.run([sys.executable, "-m", "search.cli.main", "search", "select", "--experiment", "cluster",
                                 "--tracking-uri", cluster.tracking_uri, "--out", "deploy", "--events", "30"]
                                + ([] if __import__("shutil").which("iverilog") else ["--allow-unverified"]),
                                cwd=reader_dir, env=env, capture_output=True, text=True, timeout=600)
        assert select.returncode == 0, select.stderr[-3000:]
        assert (reader_dir / "deploy" / "export.json").is_file()
        if __import__("shutil").which("iverilog"):
            alias = rest(cluster.tracking_uri, "registered-models/alias", name="flowad-cl", alias="deployable")
            assert alias["model_version"]["run_id"] in {r["info"]["run_id"] for r, _ in trials}

        # what a user sees: the links flowad prints, opened in a real browser
        links = [word for word in run.stdout.split() if "#/experiments/" in word]
        assert len(links) == 2 and all(link.startswith(cluster.tracking_uri) for link in links), run.stdout[-600:]
        if __import__("shutil").which("chromium"):
            front_page, runs_page = rendered(links[0]), rendered(links[1])
            assert "pareto.html" in front_page and "<iframe" in front_page  # the interactive front, shown in place
            assert "Run Name" in runs_page and ">cl<" in runs_page  # the runs table, not the GenAI traces view
            assert "Detect issues in traces" not in runs_page

        # the report's units as one-CPU Ray tasks on the same cluster (`make results ADDRESS=…`), from a fresh cache
        results = micro_results(tmp_path, micro_dataset)
        config = yaml.safe_load(results.read_text())
        lgn = "lgn 64-32 @2"
        config.update(seeds=1, teachers={"flow": config["teachers"]["flow"]}, students={lgn: config["students"][lgn]},
                      ablation_student=lgn, ablations={"as the students": {}}, lut_budgets=[100000],
                      samplers={"samplers": ["random"], "trials": 6, "seeds": 2, "checkpoints": [6]})
        config["data"]["cache"] = str(tmp_path / "results-cache")
        results.write_text(yaml.safe_dump(config))
        report = subprocess.run([sys.executable, "-m", "search.cli.main", "results", "--config", str(results), "--address", cluster.address,
                                 "--out", "report/results.md"], cwd=reader_dir, env=env, capture_output=True, text=True, timeout=600)
        if not __import__("shutil").which("yosys"):  # the workers synthesised nothing: one line, exit 2, no page
            assert report.returncode == 2 and "no student was synthesised" in report.stderr, report.stderr[-3000:]
            assert not (reader_dir / "report" / "results.md").exists()
        else:
            assert report.returncode == 0, report.stdout[-2000:] + report.stderr[-3000:]
            assert f"as Ray tasks on the cluster at {cluster.address}" in report.stdout
            assert "units on a Ray cluster" in (reader_dir / "report" / "results.md").read_text()
            kept = [u.parent.name for u in (tmp_path / "results-cache" / "results").rglob("*.json")]
            assert sorted(kept) == ["distilled", "samplers", "samplers", "teachers"], kept
    finally:
        left = cluster.stop()
    assert not left, f"processes left behind: {left}"
    assert not cluster.pids()
