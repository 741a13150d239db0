"""A real cluster on one machine: a Ray head and worker nodes and an MLflow tracking server, each its own process.

What a site runs on several machines (``ray start --head``, ``ray start --address …``, ``mlflow server
--artifacts-destination …``), started here on loopback for tests, benchmarks and trying the cluster path on a
laptop. Ray's token authentication is on (a fresh token in the environment of every process, never in a file).
Everything is torn down by process id: the Ray processes are those whose command line names this cluster's
temp directory, the server is its own process tree.

    cluster = start_local_cluster(Path("work"), worker_nodes=2)
    ...  flowad search run CONFIG --address {cluster.address}  (tracking.uri: {cluster.tracking_uri})
    cluster.stop()
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from flowad.errors import FlowadInputError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin(name: str) -> str:
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else (shutil.which(name) or name)


@dataclass
class LocalCluster:
    address: str
    """``127.0.0.1:<port>`` of the Ray head (what ``--address`` takes)."""
    tracking_uri: str
    """``http://127.0.0.1:<port>`` of the MLflow server."""
    env: dict[str, str]
    """What a process needs to join: Ray's auth token and mode."""
    temp_dir: Path
    server: subprocess.Popen
    logs: Path
    nodes: int = 1
    started_s: dict[str, float] = field(default_factory=dict)

    def ray_pids(self) -> list[int]:
        import psutil

        mark = str(self.temp_dir)
        out = []
        for process in psutil.process_iter(["pid", "cmdline"]):
            try:
                cmdline = " ".join(process.info["cmdline"] or [])
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if mark in cmdline:
                out.append(process.info["pid"])
        return out

    def pids(self) -> list[int]:
        import psutil

        try:
            server = [self.server.pid] + [c.pid for c in psutil.Process(self.server.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            server = []
        return sorted(set(self.ray_pids()) | set(server))

    def stop(self, timeout_s: float = 20.0) -> list[int]:
        """SIGTERM every process of the cluster by id, SIGKILL what is left after ``timeout_s``; returns the pids
        still alive (none, normally). Ray's own workers are children of the raylets and are found the same way."""
        import psutil

        pids = self.pids()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.time() + timeout_s
            while time.time() < deadline and any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in pids):
                time.sleep(0.2)
            pids = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
            if not pids:
                break
        try:
            self.server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        return pids


def _run(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a") as out:
        done = subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=180)
    if done.returncode != 0:
        raise FlowadInputError(f"{' '.join(args[:3])} failed (exit {done.returncode}); see {log}")


def start_local_cluster(workdir: Path, worker_nodes: int = 2, cpus_per_node: int = 1, head_cpus: int = 0) -> LocalCluster:
    """A Ray head (``head_cpus``: 0 keeps trials off it, as on a site's head node), ``worker_nodes`` Ray worker nodes
    of ``cpus_per_node`` CPUs, and an MLflow server with a SQLite backend and served artefacts
    (``--artifacts-destination``), all on 127.0.0.1; the server's store and artefacts under ``workdir/mlflow``."""
    workdir = Path(workdir).resolve()
    (workdir / "mlflow").mkdir(parents=True, exist_ok=True)
    logs = workdir / "cluster-logs"
    logs.mkdir(exist_ok=True)
    temp_dir = Path(tempfile.mkdtemp(prefix="rayfl-", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16),
           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "1", "RAY_USAGE_STATS_ENABLED": "0"}
    timings = {}
    port = free_port()
    begin = time.perf_counter()
    _run([_bin("ray"), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", f"--num-cpus={head_cpus}",
          "--num-gpus=0", f"--temp-dir={temp_dir}", "--include-dashboard=false", "--disable-usage-stats"], env, logs / "ray-head.log")
    timings["ray head"] = time.perf_counter() - begin
    address = f"127.0.0.1:{port}"
    for i in range(worker_nodes):
        begin = time.perf_counter()
        _run([_bin("ray"), "start", f"--address={address}", "--node-ip-address=127.0.0.1", f"--num-cpus={cpus_per_node}",
              "--num-gpus=0", f"--temp-dir={temp_dir}", "--disable-usage-stats"], env, logs / f"ray-worker{i}.log")
        timings[f"ray worker node {i + 1}"] = time.perf_counter() - begin
    mlflow_port = free_port()
    begin = time.perf_counter()
    server_env = {**env, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with (logs / "mlflow-server.log").open("w") as out:
        server = subprocess.Popen([_bin("mlflow"), "server", "--backend-store-uri", f"sqlite:///{workdir / 'mlflow' / 'server.db'}",
                                   "--artifacts-destination", str(workdir / "mlflow" / "artifacts"), "--host", "127.0.0.1",
                                   "--port", str(mlflow_port), "--workers", "1"],
                                  env=server_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    uri = f"http://127.0.0.1:{mlflow_port}"
    deadline = time.time() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=2) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.time() > deadline:
            cluster = LocalCluster(address, uri, {}, temp_dir, server, logs)
            cluster.stop()
            raise FlowadInputError(f"the MLflow server did not start; see {logs / 'mlflow-server.log'}")
        time.sleep(0.5)
    timings["mlflow server"] = time.perf_counter() - begin
    joined = {k: env[k] for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER")}
    return LocalCluster(address, uri, joined, temp_dir, server, logs, nodes=worker_nodes, started_s=timings)
