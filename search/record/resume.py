"""What ``--resume`` may change: only ``trials``, and only upwards.

A search's parent run holds the ``search.yaml`` it was started with. Resuming with a larger ``trials`` extends
the search (a finished one too); any other difference (objectives, space, sampler, data, …) would mix two
searches in one study and one front, so it is refused with the differing keys named. Where the search runs
(``ray.address``) may change.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml

from flowad.configio import from_mapping, to_plain
from flowad.errors import ConfigError, FlowadInputError
from search.record import tracking
from search.space.search_config import SearchConfig

MAY_CHANGE = ("name", "trials", "ray.address")


def stored_config_text(uri: str, parent_run) -> str:
    client = tracking.client_for(tracking.absolute_uri(uri))
    with tempfile.TemporaryDirectory(prefix="flowad-resume-") as tmp:
        try:
            return Path(client.download_artifacts(parent_run.info.run_id, "search.yaml", tmp)).read_text()
        except Exception:
            raise FlowadInputError(f"search run {parent_run.info.run_id} has no search.yaml: it cannot be resumed") from None


def differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two plain config trees."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            out += differences(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else str(key))
        return out
    return [] if old == new else [prefix]


def check_resumable(stored_text: str, search: SearchConfig) -> None:
    """Refuse a resume whose config differs from the stored one anywhere but ``trials`` (which may only grow)."""
    try:
        stored = to_plain(from_mapping(SearchConfig, yaml.safe_load(stored_text)))
    except (ConfigError, yaml.YAMLError) as exc:
        raise FlowadInputError(f"the search's stored search.yaml no longer loads ({str(exc)[:160]}): it cannot be resumed") from None
    current = to_plain(search)
    changed = [k for k in differences(stored, current) if k not in MAY_CHANGE]
    if changed:
        shown = ", ".join(f"{k} ({_value(stored, k)!s:.40} → {_value(current, k)!s:.40})" for k in changed[:6])
        raise FlowadInputError(f"--resume: the config differs from the search's stored search.yaml in {shown}"
                               + (f" and {len(changed) - 6} more" if len(changed) > 6 else "")
                               + "; only trials may change (upwards): start a new search for anything else")
    if search.trials < stored["trials"]:
        raise FlowadInputError(f"--resume: trials {search.trials} is fewer than the {stored['trials']} the search was "
                               "started with; trials may only grow")


def _value(tree: Any, key: str) -> Any:
    for part in key.split("."):
        tree = tree.get(part) if isinstance(tree, dict) else None
    return tree
