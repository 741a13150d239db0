"""Minibatch training of a teacher module with validation early stopping; seeded, device-aware."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import numpy as np
import torch


def pick_device(requested: str) -> torch.device:
    """``auto``: CUDA when present, else CPU."""
    if requested == "cuda" or (requested == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def fit(
    module: torch.nn.Module,
    train_batches: Callable[[np.random.Generator], np.ndarray],
    val: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    patience: int,
    seed: int,
    device: torch.device,
) -> list[dict]:
    """Minimise the mean per-event loss; stop when validation loss has not improved for ``patience`` epochs.

    ``train_batches(rng)`` returns the (freshly dequantized) training inputs for one epoch. The module
    ends with the weights of its best validation epoch. Returns one record per epoch.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    module.to(device)
    optimiser = torch.optim.Adam(module.parameters(), lr=learning_rate)
    val_tensor = torch.from_numpy(val).to(device)
    best, best_state, stale, history = float("inf"), None, 0, []
    for epoch in range(epochs):
        start = time.perf_counter()
        module.train()
        x = torch.from_numpy(train_batches(rng))
        order = torch.from_numpy(rng.permutation(len(x)))
        total = 0.0
        for i in range(0, len(x), batch_size):
            batch = x[order[i:i + batch_size]].to(device)
            loss = module.per_event_loss(batch).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        val_loss = mean_loss(module, val_tensor, batch_size * 8)
        seconds = time.perf_counter() - start
        history.append({"epoch": epoch, "train_loss": total / len(x), "val_loss": val_loss,
                        "seconds": seconds, "train_events_per_s": len(x) / seconds})
        if val_loss < best - 1e-6:
            best, best_state, stale = val_loss, copy.deepcopy(module.state_dict()), 0
        else:
            stale += 1
            if stale >= patience:
                break
    if best_state is not None:
        module.load_state_dict(best_state)
    return history


@torch.no_grad()
def per_event(module: torch.nn.Module, x: torch.Tensor, batch_size: int = 4096) -> torch.Tensor:
    module.eval()
    return torch.cat([module.per_event_loss(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])


def mean_loss(module: torch.nn.Module, x: torch.Tensor, batch_size: int) -> float:
    values = per_event(module, x, batch_size)
    return float(values[torch.isfinite(values)].mean()) if len(values) else float("nan")
