"""Starting or joining Ray: a local node on 127.0.0.1, or an existing cluster by address."""

from __future__ import annotations

import logging
import os
import re
import socket

from flowad.errors import FlowadInputError


def check_reachable(address: str, timeout_s: float = 3.0) -> None:
    """Fail fast, in one line, when a cluster address cannot be reached (ray.init would wait a minute)."""
    m = re.fullmatch(r"(?:ray://)?\[?([^\]\s:/]+)\]?:(\d+)", address)
    if m is None:
        raise FlowadInputError(f"Ray address {address!r} is not host:port or ray://host:port")
    host, port = m.group(1), int(m.group(2))
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise FlowadInputError(f"cannot reach a Ray cluster at {address} ({exc.strerror or exc.__class__.__name__})") from None


def is_loopback(address: str) -> bool:
    """Whether a cluster address is on this machine (then a local SQLite tracking store is shared by all)."""
    host = re.sub(r"^ray://", "", address).rsplit(":", 1)[0].strip("[]")
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


def start_ray(address: str | None, num_cpus: int | None = None) -> None:
    """Join the cluster at ``address``, or start a quiet local Ray that listens on loopback only."""
    import ray

    configure_environment()
    if ray.is_initialized():
        return
    if address:
        check_reachable(address)
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        return
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
             _node_ip_address="127.0.0.1")


def stop_ray() -> None:
    import ray

    if ray.is_initialized():
        ray.shutdown()


def configure_environment() -> None:
    """Settings every search needs, whether it starts Ray or finds it started (as benchmarks and notebooks do)."""
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    # per-epoch results carry no objectives (they exist only at a trial's end)
    os.environ.setdefault("TUNE_DISABLE_STRICT_METRIC_CHECKING", "1")
    quiet_libraries()


def quiet_libraries() -> None:
    """Our progress lines only: MLflow's schema messages and Optuna's per-study notes go below WARNING."""
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    import mlflow  # noqa: F401  (it sets its loggers up on import; lower them afterwards)
    import optuna

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("ray.tune").setLevel(logging.CRITICAL)  # a trial's error is one line from search.running.ledger
    logging.getLogger("alembic").setLevel(logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
