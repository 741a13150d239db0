"""A trial's parameters against the search's base: the space's combinations to check, widths written ``"32-16"``,
the configs a trial's parameters make (laid over the search's base sections), and the parameters its family uses.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import TYPE_CHECKING, Any

from flowad.configio import from_mapping, to_plain
from flowad.errors import ConfigError
from flowad.hardware.config import HardwareConfig
from flowad.student.config import StudentConfig
from flowad.student.families import STUDENT_FAMILIES
from flowad.student.registry import family_params, widths_params

if TYPE_CHECKING:  # the config checks its space with these functions: a runtime import back would be a cycle
    from search.space.search_config import Parameter, SearchConfig

MAX_COMBINATIONS = 4096


def space_combinations(space: dict[str, Parameter]) -> list[dict[str, Any]]:
    """Every categorical choice × every numeric extreme; when that is more than ``MAX_COMBINATIONS``, each
    parameter's extremes in turn with every family (the other parameters at their first value)."""
    values = {key: p.extremes() for key, p in space.items()}
    if math.prod(len(v) for v in values.values()) <= MAX_COMBINATIONS:
        return [dict(zip(values, combo)) for combo in itertools.product(*values.values())]
    families = values.get("student.family", [None])
    first = {key: v[0] for key, v in values.items()}
    out = []
    for family in families:
        for key, options in values.items():
            for value in options:
                combo = {**first, key: value}
                if family is not None and key != "student.family":
                    combo["student.family"] = family
                out.append(combo)
    return out


def parse_widths(value: Any, key: str = "student.widths") -> list[int]:
    """``"32-16"`` → ``[32, 16]``."""
    if isinstance(value, int):
        return [value]
    if not isinstance(value, str) or re.fullmatch(r"\d+(-\d+)*", value) is None:
        raise ConfigError(key, f"widths are written like \"32-16\", got {value!r}")
    return [int(w) for w in value.split("-")]


def trial_mapping(search: SearchConfig, params: dict[str, Any]) -> dict[str, Any]:
    """The DistillConfig mapping of one trial: base sections with the trial's parameters laid over them."""
    teacher, student = dict(search.teacher), dict(search.student)
    # another family's own fields are not this trial's (a QKeras-style student has no β and no pile-up stage)
    for key, value in family_params(params.get("student.family", student.get("family")), params).items():
        section, name = key.split(".")
        if section == "hardware" or (section == "student" and name in widths_params()):
            continue
        (teacher if section == "teacher" else student)[name] = value
    family = student.get("family", StudentConfig.family)
    own = f"student.{STUDENT_FAMILIES[family].widths_param}" if family in STUDENT_FAMILIES else "student.widths"
    widths = own if own in params else "student.widths"
    if widths in params:
        student["widths"] = parse_widths(params[widths])
    student.update(search.families.get(family, {}))
    if teacher.get("kind", "flow") == "cae":
        teacher.setdefault("view", "calo")
    return {"data": to_plain(search.data), "teacher": teacher, "student": student, **search.distill}


def trial_hardware(search: SearchConfig, params: dict[str, Any]) -> HardwareConfig:
    """The trial's hardware spec: the search's, with the trial's ``hardware.*`` parameters laid over it
    (distributed arithmetic is fully parallel: its reuse factor is 1 whatever was sampled)."""
    chosen = {key.split(".", 1)[1]: value for key, value in params.items() if key.startswith("hardware.")}
    spec = {**to_plain(search.hardware), **chosen}
    if spec["strategy"] == "distributed_arithmetic":
        spec["reuse_factor"] = 1
    return from_mapping(HardwareConfig, spec)


def relevant_params(params: dict[str, Any]) -> dict[str, Any]:
    """The trial's parameters that its student family uses (:func:`flowad.student.registry.family_params`: an LGN
    reads ``lgn_widths`` and neither β nor ``integer_bits``; only HGQ reads β, only QKeras-style students
    ``integer_bits``). A family without hardware parameters (LGN) ignores ``hardware.*``, and distributed
    arithmetic ignores ``hardware.reuse_factor``."""
    family = STUDENT_FAMILIES.get(params.get("student.family"))
    kept = family_params(params.get("student.family"), params)
    return {key: value for key, value in kept.items()
            if not (key.startswith("hardware.") and family is not None and not family.hardware_params)
            and not (key == "hardware.reuse_factor" and params.get("hardware.strategy") == "distributed_arithmetic")}


def describe_params(params: dict[str, Any]) -> str:
    """``depth=4 family=hgq widths=32-16 bits=6 beta=3.8e-07``: only what the trial's student family uses."""
    shown = []
    for key, value in relevant_params(params).items():
        name = key.split(".")[-1]
        if name == "beta":
            value = f"{float(value):.2g}"
        shown.append(f"{'widths' if name in widths_params() else name}={value}")
    return " ".join(shown)
