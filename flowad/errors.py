"""Errors that mean "the user's input is wrong", as opposed to a bug.

The CLI turns any :class:`FlowadInputError` into one line on stderr and exit code 2.
"""

from __future__ import annotations


class FlowadInputError(Exception):
    """Bad input from the user: a config, a path, a file's contents."""


class ConfigError(FlowadInputError):
    """A configuration value is unknown, missing, mistyped or out of range.

    ``key`` is the dotted path of the offending key relative to the object that raised it;
    loaders prefix it with the enclosing keys and the file name.
    """

    def __init__(self, key: str, problem: str):
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}" if key else problem)

    def within(self, prefix: str) -> "ConfigError":
        """The same error with ``prefix`` prepended to its key path."""
        key = f"{prefix}.{self.key}" if self.key and prefix else (prefix or self.key)
        return ConfigError(key, self.problem)


def check(condition: bool, key: str, problem: str) -> None:
    """Raise :class:`ConfigError` for ``key`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(key, problem)


def check_training(config) -> None:
    """Range checks shared by every trainable config (fields ``epochs``, ``batch_size``, ``learning_rate``, ``patience``)."""
    check(1 <= config.epochs <= 10_000, "epochs", f"must be in [1, 10000], got {config.epochs}")
    check(1 <= config.batch_size <= 1_000_000, "batch_size", f"must be in [1, 1000000], got {config.batch_size}")
    check(0 < config.learning_rate < 1, "learning_rate", f"must be in (0, 1), got {config.learning_rate}")
    check(config.patience >= 1, "patience", f"must be >= 1, got {config.patience}")
