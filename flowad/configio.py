"""Typed, frozen configs loaded from YAML.

Every stage's config is a frozen dataclass. :func:`from_mapping` builds one from plain data with
unknown keys refused, types checked and each dataclass's ``__post_init__`` range checks run;
:func:`load_yaml` does it for a file and names the file and key in every error.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from flowad.errors import ConfigError, FlowadInputError

T = TypeVar("T")


def load_yaml(cls: type[T], path: str | Path) -> T:
    """Read ``path`` and build ``cls`` from it; errors read ``<file>: <key>: <problem>``."""
    path = Path(path)
    if not path.is_file():
        raise FlowadInputError(f"{path}: no such config file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise FlowadInputError(f"{path}: not valid YAML{where}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowadInputError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    try:
        return from_mapping(cls, data)
    except ConfigError as exc:
        raise FlowadInputError(f"{path}: {exc}") from None


def from_mapping(cls: type[T], data: Any, key: str = "") -> T:
    """Build dataclass ``cls`` from a mapping, recursively, refusing unknown keys."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(key, f"expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(map(str, data)) - set(fields))
    if unknown:
        raise ConfigError(_join(key, unknown[0]), f"unknown key (allowed: {', '.join(sorted(fields))})")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, field in fields.items():
        if name in data:
            kwargs[name] = _coerce(data[name], hints[name], _join(key, name))
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigError(_join(key, name), "required key is missing")
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        raise exc.within(key) from None


def to_plain(obj: Any) -> Any:
    """A dataclass config as plain JSON-able data (tuples become lists)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    return obj


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _coerce(value: Any, hint: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0], key)
    if dataclasses.is_dataclass(hint):
        return from_mapping(hint, value, key)
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"expected true/false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, f"expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(key, f"expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(key, f"expected a string, got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(key, f"expected a list, got {value!r}")
        return tuple(_coerce(v, args[0], f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(key, f"expected a mapping, got {type(value).__name__}")
        return {str(k): _coerce(v, args[1], _join(key, str(k))) for k, v in value.items()}
    raise TypeError(f"unsupported config type {hint!r} for {key}")  # a bug in a config class
