"""Teacher kinds behind one small protocol: build a torch module whose per-event loss is the anomaly score.

- ``flow``: score = −log p(x) of the preprocessed event under a zuko normalizing flow;
- ``cae``: score = per-image mean squared reconstruction error (CICADA's teacher).
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from flowad.teacher.config import TeacherConfig
from flowad.data.views import CALO_SHAPE


class TeacherModule(Protocol):
    def per_event_loss(self, x: torch.Tensor) -> torch.Tensor:
        """(B,) loss per event; training minimises its mean, scoring reports it."""


class FlowModule(nn.Module):
    def __init__(self, config: TeacherConfig, n_features: int):
        super().__init__()
        import zuko

        hidden = (config.hidden,) * config.hidden_layers
        if config.architecture == "nsf":
            self.flow = zuko.flows.NSF(n_features, transforms=config.depth, bins=config.bins, hidden_features=hidden)
        elif config.architecture == "realnvp":
            self.flow = zuko.flows.RealNVP(n_features, transforms=config.depth, hidden_features=hidden)
        else:
            self.flow = zuko.flows.MAF(n_features, transforms=config.depth, hidden_features=hidden)

    def per_event_loss(self, x: torch.Tensor) -> torch.Tensor:
        return -self.flow().log_prob(x)


class ConvAutoencoder(nn.Module):
    """Conv encoder (``depth`` blocks of 3×3 conv + ReLU, 2×2 average pool after the first), dense
    ``latent`` bottleneck, mirrored decoder; input and output are the 18 × 14 region image."""

    def __init__(self, config: TeacherConfig, n_features: int):
        super().__init__()
        c = config.hidden
        encoder: list[nn.Module] = [nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2)]
        for _ in range(config.depth - 1):
            encoder += [nn.Conv2d(c, c, 3, padding=1), nn.ReLU()]
        self.pooled = (CALO_SHAPE[0] // 2, CALO_SHAPE[1] // 2)
        flat = c * self.pooled[0] * self.pooled[1]
        self.encoder = nn.Sequential(*encoder, nn.Flatten(), nn.Linear(flat, config.latent), nn.ReLU())
        decoder: list[nn.Module] = [nn.Linear(config.latent, flat), nn.ReLU(), nn.Unflatten(1, (c, *self.pooled))]
        for _ in range(config.depth - 1):
            decoder += [nn.Conv2d(c, c, 3, padding=1), nn.ReLU()]
        decoder += [nn.Upsample(scale_factor=2), nn.Conv2d(c, 1, 3, padding=1)]
        self.decoder = nn.Sequential(*decoder)

    def per_event_loss(self, x: torch.Tensor) -> torch.Tensor:
        image = x.view(len(x), 1, *CALO_SHAPE)
        return ((self.decoder(self.encoder(image)) - image) ** 2).mean(dim=(1, 2, 3))


TEACHER_KINDS: dict[str, type[nn.Module]] = {"flow": FlowModule, "cae": ConvAutoencoder}
