"""Minibatch training of a teacher module with validation early stopping; seeded, device-aware."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import numpy as np
import torch


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
    ends with the weights of its best validation epoch. Returns one record per epoch: losses (mean
    per-event, nats for a flow), ``seconds`` (wall time, validation included) and ``train_events_per_s``
    (training steps alone, dequantization included).
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    module.to(device)
    optimiser = torch.optim.Adam([p for p in module.parameters() if p.requires_grad], lr=learning_rate)  # frozen parts stay
    val_tensor = torch.from_numpy(val).to(device)
    best, best_state, stale, history = float("inf"), None, 0, []
    for epoch in range(epochs):
        start = time.perf_counter()
        module.train()
        # The epoch's inputs go to the device once, and the loss is summed there: a per-batch host copy
        # and a per-batch float() (a device sync) would leave a GPU waiting on Python.
        x = torch.from_numpy(train_batches(rng)).to(device)
        order = torch.from_numpy(rng.permutation(len(x))).to(device)
        total = torch.zeros((), dtype=torch.float64, device=device)
        for i in range(0, len(x), batch_size):
            batch = x[order[i:i + batch_size]]
            loss = module.per_event_loss(batch).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.detach().double() * len(batch)
        train_loss = float(total) / len(x)  # waits for the device, so the time below is the work's
        train_seconds = time.perf_counter() - start
        val_loss = mean_loss(module, val_tensor, batch_size * 8)
        seconds = time.perf_counter() - start
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "seconds": seconds,
                        "train_events_per_s": len(x) / train_seconds})
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
