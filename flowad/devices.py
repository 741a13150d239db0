"""Where a model trains: a torch device, or TensorFlow's GPUs, from what the process may see.

A Ray trial given ``resources.gpus`` sees its GPUs through ``CUDA_VISIBLE_DEVICES`` (Ray sets it; several trials
with fractional GPUs see the same card). Torch models (flow and CAE teachers, logic-gate students) move there;
Keras students are placed by TensorFlow, which by default reserves nearly all of a card's memory at its first
use: :func:`tensorflow_memory_growth` makes it take only what it needs, so fractional trials can share a card.
"""

from __future__ import annotations

import os

from flowad.errors import FlowadInputError

DEVICES = ("auto", "cpu", "cuda")
"""``auto``: CUDA when this process sees a GPU, else CPU."""


def torch_device(requested: str):
    """The ``torch.device`` for ``requested`` (one of :data:`DEVICES`); ``cuda`` without a visible GPU is refused."""
    import torch

    if requested not in DEVICES:
        raise FlowadInputError(f"device must be one of {', '.join(DEVICES)}, got {requested!r}")
    if requested == "cuda" and not torch.cuda.is_available():
        raise FlowadInputError(f"device cuda: torch sees no CUDA device here (CUDA_VISIBLE_DEVICES="
                               f"{os.environ.get('CUDA_VISIBLE_DEVICES', 'unset')!r}; a Ray trial needs resources.gpus > 0)")
    if requested == "cuda" or (requested == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def tensorflow_memory_growth() -> int:
    """Let TensorFlow grow its GPU memory as needed instead of reserving each visible card; returns how many
    GPUs it sees. Must run before TensorFlow first touches a GPU; a GPU already initialised is left as it is."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised in this process: its memory policy is fixed
            pass
    return len(gpus)


def tensorflow_placement(requested: str):
    """A context placing a Keras student's training: ``cpu`` on the CPU, ``cuda`` on the first GPU (refused when
    TensorFlow sees none), ``auto`` TensorFlow's own placement (a GPU when it sees one)."""
    import contextlib

    if requested not in DEVICES:
        raise FlowadInputError(f"device must be one of {', '.join(DEVICES)}, got {requested!r}")
    if requested == "auto":
        return contextlib.nullcontext()
    if requested == "cuda" and tensorflow_memory_growth() == 0:
        raise FlowadInputError("device cuda: TensorFlow sees no GPU here (a CPU-only TensorFlow build, or "
                               "CUDA_VISIBLE_DEVICES hides it; a Ray trial needs resources.gpus > 0)")
    import tensorflow as tf

    return tf.device("/GPU:0" if requested == "cuda" else "/CPU:0")
