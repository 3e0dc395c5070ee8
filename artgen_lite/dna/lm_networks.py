"""The torch networks of the DNA language models: GPN-like dilated convolution blocks and a
small BERT encoder with a learned relative-position attention bias.

Explained in chapter 09 (notebooks/09_dna_language_models); the models that train and use them
are in :mod:`artgen_lite.dna.lm_models`.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__: list[str] = []  # private building blocks


class _ConvBlock(nn.Module):
    def __init__(self, hidden: int, kernel: int, dilation: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(hidden, bias=False)
        self.conv = nn.Conv1d(hidden, hidden, kernel, dilation=dilation, padding="same",
                              bias=False)
        self.lin = nn.Linear(hidden, hidden, bias=False)
        self.ln2 = nn.LayerNorm(hidden, bias=False)
        self.ff1 = nn.Linear(hidden, 2 * hidden, bias=False)
        self.ff2 = nn.Linear(2 * hidden, hidden, bias=False)

    def forward(self, x):  # x: (batch, length, hidden)
        h = self.conv(self.ln1(x).transpose(1, 2)).transpose(1, 2)
        x = x + self.lin(F.gelu(h))
        return x + self.ff2(F.gelu(self.ff1(self.ln2(x))))


class _ConvNet(nn.Module):
    def __init__(self, hidden, n_layers, kernel_first, kernel, dilation_cycle):
        super().__init__()
        self.hidden = hidden
        self.blocks = nn.ModuleList(
            _ConvBlock(hidden, kernel_first if i == 0 else kernel, 2 ** (i % dilation_cycle))
            for i in range(n_layers)
        )
        self.ln = nn.LayerNorm(hidden, bias=False)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.LayerNorm(hidden),
                                  nn.Linear(hidden, 4))

    def encode(self, codes):  # one-hot into the hidden size (GPN: no learned embedding)
        x = F.one_hot(codes, self.hidden).float()
        for b in self.blocks:
            x = b(x)
        return self.ln(x)


class _RelAttentionBlock(nn.Module):
    """Pre-LN transformer block whose attention adds a learned bias per head and token offset
    (clipped at ``max_offset``), as in T5, instead of BERT's absolute position embeddings;
    the bias starts as ALiBi's distance penalty, so every head first looks nearby."""

    def __init__(self, hidden, n_heads, ffn, max_offset):
        super().__init__()
        self.n_heads, self.max_offset = n_heads, max_offset
        self.ln1 = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        # start local, as ALiBi does: head h penalises distance with slope 2**-h
        slopes = 2.0 ** -torch.arange(n_heads, dtype=torch.float32)
        dist = torch.arange(-max_offset, max_offset + 1).abs().float()
        self.rel_bias = nn.Parameter(-slopes[:, None] * dist[None, :])
        self.ln2 = nn.LayerNorm(hidden)
        self.ff = nn.Sequential(nn.Linear(hidden, ffn), nn.GELU(), nn.Linear(ffn, hidden))

    def forward(self, x):
        B, T, H = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.n_heads, -1).permute(2, 0, 3, 1, 4)
        offset = torch.arange(T)[None, :] - torch.arange(T)[:, None]
        bias = self.rel_bias[:, offset.clamp(-self.max_offset, self.max_offset) + self.max_offset]
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias, -1)
        x = x + self.out((att @ v).transpose(1, 2).reshape(B, T, H))
        return x + self.ff(self.ln2(x))


class _KmerBert(nn.Module):
    def __init__(self, vocab, n_out, max_offset, hidden, n_layers, n_heads, ffn):
        super().__init__()
        self.tok = nn.Embedding(vocab, hidden)
        self.blocks = nn.ModuleList(_RelAttentionBlock(hidden, n_heads, ffn, max_offset)
                                    for _ in range(n_layers))
        self.ln = nn.LayerNorm(hidden)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.LayerNorm(hidden),
                                  nn.Linear(hidden, n_out))

    def encode(self, ids):
        x = self.tok(ids)
        for b in self.blocks:
            x = b(x)
        return self.ln(x)
