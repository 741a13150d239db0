"""Teacher kinds behind one small protocol: build a torch module whose per-event loss is the anomaly score.

- ``flow``: score = −log p(x) of the preprocessed event under a zuko normalizing flow;
- ``cae``: score = per-image mean squared reconstruction error (CICADA's teacher);
- ``latent_flow``: score = −log p(z) of a flow on an autoencoder's learned embedding z (trained in two stages).

A kind trained in stages names them in ``stages``; :func:`flowad.teacher.model.train_teacher` calls
``begin_stage(name, training_inputs)`` before fitting each, and a built module is in its last (scoring) stage.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

import torch
from torch import nn

from flowad.data.views import CALO_SHAPE

if TYPE_CHECKING:  # the config checks its kind against TEACHER_KINDS: a runtime import back would be a cycle
    from flowad.teacher.config import TeacherConfig


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

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.view(len(x), 1, *CALO_SHAPE))

    def per_event_loss(self, x: torch.Tensor) -> torch.Tensor:
        image = x.view(len(x), 1, *CALO_SHAPE)
        return ((self.decoder(self.encoder(image)) - image) ** 2).mean(dim=(1, 2, 3))


class DenseAutoencoder(nn.Module):
    """MLP autoencoder for a flat view: ``n_features`` → ``hidden`` → ``hidden`` → ``latent`` (linear) and back."""

    def __init__(self, config: TeacherConfig, n_features: int):
        super().__init__()
        h = config.hidden
        self.encoder = nn.Sequential(nn.Linear(n_features, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, config.latent))
        self.decoder = nn.Sequential(nn.Linear(config.latent, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, n_features))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def per_event_loss(self, x: torch.Tensor) -> torch.Tensor:
        return ((self.decoder(self.encoder(x)) - x) ** 2).mean(dim=1)


class LatentFlow(nn.Module):
    """A flow on a learned embedding (issue 22 item 5): an autoencoder with a linear ``latent``-dimensional
    bottleneck (the cae's two conv blocks of ``embedding_hidden`` channels on the calo view, a dense one of
    ``embedding_hidden`` units on the others) is trained on reconstruction, then frozen; a flow (``architecture``,
    ``depth`` transforms, ``hidden_layers`` × ``hidden``) learns the density of its standardised latents.

    Score −log p(z): how unusual a crossing's *summary* is, rather than the density of 252 region counts, which
    follows the crossing's energy. The latents' mean and spread (training crossings) travel in the state dict.
    """

    stages = ("autoencoder", "flow")

    def __init__(self, config: TeacherConfig, n_features: int):
        super().__init__()
        embedding = replace(config, depth=2, hidden=config.embedding_hidden)
        if config.view == "calo":
            self.autoencoder: nn.Module = ConvAutoencoder(embedding, n_features)
            self.autoencoder.encoder[-1] = nn.Identity()  # a linear bottleneck: no ReLU point mass at 0 for the flow
        else:
            self.autoencoder = DenseAutoencoder(embedding, n_features)
        self.density = FlowModule(config, config.latent)
        self.register_buffer("latent_mean", torch.zeros(config.latent))
        self.register_buffer("latent_std", torch.ones(config.latent))
        self.stage = self.stages[-1]

    @torch.no_grad()
    def begin_stage(self, stage: str, x: torch.Tensor, batch_size: int = 4096) -> None:
        """Enter ``stage``; entering ``flow`` freezes the autoencoder and standardises its latents on ``x``."""
        self.stage = stage
        for parameter in self.autoencoder.parameters():
            parameter.requires_grad_(stage == "autoencoder")
        if stage == "flow":
            self.autoencoder.eval()
            device = self.latent_mean.device
            z = torch.cat([self.autoencoder.encode(x[i:i + batch_size].to(device)) for i in range(0, len(x), batch_size)])
            self.latent_mean.copy_(z.mean(dim=0))
            self.latent_std.copy_(z.std(dim=0).clamp(min=1e-6))

    def per_event_loss(self, x: torch.Tensor) -> torch.Tensor:
        if self.stage == "autoencoder":
            return self.autoencoder.per_event_loss(x)
        with torch.no_grad():
            z = (self.autoencoder.encode(x) - self.latent_mean) / self.latent_std
        return self.density.per_event_loss(z)


TEACHER_KINDS: dict[str, type[nn.Module]] = {"flow": FlowModule, "cae": ConvAutoencoder, "latent_flow": LatentFlow}
