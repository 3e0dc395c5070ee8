"""The predictor of design by activation maximisation: a small CNN regressor of a sequence
property (in the chapter, the number of CpG sites), shaped like Killoran et al.'s predictor.

Explained in chapter 08 (notebooks/08_designing_dna).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from ..validation import check_positive_int
from .alphabet import one_hot
from .design import _glorot

__all__ = ["CNNPredictor"]


class _PredictorNet(nn.Module):
    def __init__(self, filters: int, width: int, hidden: int) -> None:
        super().__init__()
        self.width = width
        self.conv = nn.Conv1d(4, filters, width)
        self.fc = nn.Sequential(nn.Linear(2 * filters, hidden), nn.LeakyReLU(0.1),
                                nn.Linear(hidden, hidden), nn.LeakyReLU(0.1), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (n, L, 4)`` one-hot or relaxed -> one prediction per sequence ``(n,)``."""
        h = x.transpose(1, 2)
        pad = (self.width - 1) // 2
        h = F.pad(h, (pad, self.width - 1 - pad), value=0.25)  # padding = "unknown base"
        h = F.leaky_relu(self.conv(h), 0.1)
        h = torch.cat([h.amax(2), h.mean(2)], dim=1)
        return self.fc(h).squeeze(1)


class CNNPredictor:
    """Convolutional regressor of a sequence property, shaped like Killoran et al.'s predictor.

    ``Conv1d(4 -> filters, width)`` on the one-hot input (padded with 0.25, i.e. "unknown base"),
    leaky ReLU (0.1), global max- and average-pooling concatenated, two dense layers of
    ``hidden`` units with leaky ReLU, one linear output (the original ends in a sigmoid for a
    binding probability; ours predicts a count).  Trained with mean squared error and Adam.
    [Original: 100 filters of width 15, 2 x 200 units, lr 5e-5, 75 epochs, batch 64.]

    ``fit(X, y, progress=True)``, ``predict(X)`` (numpy), ``net`` (the torch module; call it on
    ``(n, L, 4)`` tensors to differentiate), ``history`` (one dict per epoch).

    Explained in chapter 08 (notebooks/08_designing_dna).
    """

    def __init__(self, *, filters: int = 32, width: int = 15, hidden: int = 64, epochs: int = 5,
                 lr: float = 2e-3, batch_size: int = 64, seed: int = 0) -> None:
        self.filters = check_positive_int(filters, "filters")
        self.width = check_positive_int(width, "width")
        self.hidden = check_positive_int(hidden, "hidden")
        self.epochs = check_positive_int(epochs, "epochs")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        if not lr > 0:
            raise ValueError(f"lr must be positive; got {lr!r}")
        self.lr, self.seed = float(lr), int(seed)
        self.net: _PredictorNet | None = None
        self.history: list[dict[str, float]] = []

    def fit(self, X: Any, y: Any, *, progress: bool = True) -> "CNNPredictor":
        """Train on sequences ``X`` (strings or one-hot) with targets ``y`` (one number each)."""
        x = torch.from_numpy(one_hot(X, "X")).float()
        t = torch.as_tensor(np.asarray(y, dtype=np.float32))
        if t.dim() != 1 or len(t) != len(x):
            raise ValueError(f"y must hold one number per sequence ({len(x)}); got shape {tuple(t.shape)}")
        gen = torch.Generator().manual_seed(self.seed)
        self.net = _PredictorNet(self.filters, self.width, self.hidden)
        _glorot(self.net, gen)
        opt = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        self.history = []
        n, bs = len(x), self.batch_size
        for epoch in tqdm(range(1, self.epochs + 1), desc="predictor", disable=not progress, unit="epoch"):
            order = torch.randperm(n, generator=gen)
            total = 0.0
            for b in range(0, n, bs):
                idx = order[b : b + bs]
                loss = F.mse_loss(self.net(x[idx]), t[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            self.history.append({"epoch": epoch, "mse": total / n})
        self.net.requires_grad_(False)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for strings, one-hot or probability arrays ``(n, L, 4)``."""
        if self.net is None:
            raise RuntimeError("this CNNPredictor is not trained yet: call .fit(X, y) first")
        if isinstance(X, (np.ndarray, torch.Tensor)) and np.ndim(X) == 3:
            x = torch.as_tensor(np.asarray(X), dtype=torch.float32)
        else:
            x = torch.from_numpy(one_hot(X, "X")).float()
        with torch.no_grad():
            return self.net(x).numpy()
