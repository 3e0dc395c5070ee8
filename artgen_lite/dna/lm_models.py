"""The DNA language models: :class:`ConvLM` (GPN-like) and :class:`KmerTransformerLM`
(DNABERT-like), with the training loop, evaluation, embeddings and persistence they share.

Explained in chapter 09 (notebooks/09_dna_language_models).

* :class:`ConvLM`, after GPN (Benegas, Batra & Song 2023): bases are one-hot embedded into the
  hidden size (no learned embedding), then pre-LayerNorm residual blocks of a dilated 1-D
  convolution and a feed-forward layer, no biases, dilation ``2**(i mod cycle)``, kernel 9 in the
  first layer and 5 after; an MLM head Linear -> GELU -> LayerNorm -> Linear predicts the masked
  bases.  15 % of the bases are masked; soft-masked (lower-case, repeat) bases weigh 0.1 in the
  training loss.
* :class:`KmerTransformerLM`, after DNABERT (Ji et al. 2021): the sequence is cut into overlapping
  k-mers (stride 1, vocabulary ``4**k + 5`` with DNABERT's five special tokens), a small BERT
  encoder (pre-LN blocks) reads them, and masking is *contiguous*:
  each masking centre is expanded to ``k`` neighbouring tokens, so the base that all of them
  share cannot be read off an unmasked overlapping token.  The head predicts the whole k-mer of
  each masked token; :meth:`KmerTransformerLM.masked_log_probs` turns those predictions into a
  distribution over the one masked base (marginal of each covering token, averaged).

Both share one interface with the count baselines of :mod:`artgen_lite.dna.baselines`:
``masked_log_probs(windows, positions)`` returns ``log P(base)`` at masked positions, so every
model is scored on the same masked bases (:func:`artgen_lite.dna.lm_eval.masked_base_scores`),
and the zero-shot variant score is ``LLR = log P(alt) - log P(ref)`` at a masked position
(:mod:`artgen_lite.dna.lm_eval`), averaged over both strands as GPN does.  ``embed(windows)``
gives mean-pooled last hidden states for window embeddings.

Deviations from the papers (documented in the chapter): a few hundred to a few thousand
training steps on one CPU thread instead of 120,000 (GPN) or 200,000 (DNABERT) on GPUs; every
chosen position becomes ``[MASK]`` (BERT's 80/10/10 replacement is not used, so a masked base never
leaks into the input); AdamW with linear warm-up then cosine decay; reverse-complement
augmentation during training; and in the transformer, a learned relative-position attention
bias started as ALiBi (instead of BERT's absolute position embeddings, which a model this small
did not learn to use in minutes).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from ..models.settings import Settings
from ..models.device import check_device, resolve_device
from ..models.model_file import read_model_file, write_model_file
from ._checks import check_fraction, check_int
from .alphabet import COMPLEMENT_CODES, MASK_CODE, N_CODE, encode
from .lm_data import as_segments, cut_windows, evaluation_positions, repeat_weights, windows_and_positions
from .lm_eval import masked_base_scores
from .lm_networks import _ConvNet, _KmerBert
from .lm_tokens import KmerTokenizer, kmer_span_mask, mask_bases, mask_tokens_for_bases

__all__ = ["ConvLM", "KmerTransformerLM"]

# the file format tag keeps the old module's name, so files saved before the move still load
_FORMAT = "artgen_lite.dna_lm/1"


class _MaskedLM(Settings):
    """Training loop, evaluation, embeddings and persistence shared by the two networks (their
    settings: :class:`artgen_lite.models.settings.Settings`, as every model of the book)."""

    name: ClassVar[str] = "MLM"

    @property
    def _dev(self) -> torch.device:
        return resolve_device(self.device)

    def _check_common(self, window, mask_rate, repeat_weight, steps, batch_size, lr,
                      weight_decay, warmup, log_every, seed, device="auto"):
        self.device = check_device(device)
        self.window = check_int(window, "window", 16)
        self.mask_rate = check_fraction(mask_rate, "mask_rate", 0.001, 0.9)
        self.repeat_weight = check_fraction(repeat_weight, "repeat_weight")
        self.steps = check_int(steps, "steps")
        self.batch_size = check_int(batch_size, "batch_size")
        if not (isinstance(lr, (int, float)) and lr > 0):
            raise ValueError(f"lr must be a positive number; got {lr!r}")
        self.lr = float(lr)
        self.weight_decay = check_fraction(weight_decay, "weight_decay", 0.0, 10.0)
        self.warmup = check_fraction(warmup, "warmup", 0.0, 0.9)
        self.log_every = check_int(log_every, "log_every")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an integer; got {seed!r}")
        self.seed = int(seed)
        self.net: nn.Module | None = None
        self.history: list[dict] = []

    @property
    def is_fitted(self) -> bool:
        return self.net is not None

    def _require_fitted(self):
        if self.net is None:
            raise RuntimeError(f"this {type(self).__name__} is not trained yet: call .fit(sequence)")

    @property
    def n_parameters(self) -> int:
        """Number of trainable parameters."""
        if self.net is None:
            self._build()
        return int(sum(p.numel() for p in self.net.parameters()))

    def history_frame(self):
        """Training history as a DataFrame (one row per ``log_every`` steps)."""
        import pandas as pd

        return pd.DataFrame(self.history)

    # -- hooks: _build(), _loss(codes, weights, gen), _log_probs_one_strand(w, p), _hidden(w)
    def _build_with_seed(self):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self._build()

    def fit(self, sequence, *, valid=None, n_valid: int = 256,
            progress: bool = True) -> "_MaskedLM":
        """Train from scratch on ``sequence`` (a soft-masked DNA string or a list of strings,
        e.g. the training blocks).  If ``valid`` (same forms) is given, its first ``n_valid``
        windows are scored every ``log_every`` steps for the history (masked-base accuracy
        and perplexity on non-repeat bases, one strand).  Returns ``self``.
        """
        n_valid = check_int(n_valid, "n_valid")
        segs = as_segments(sequence, "sequence")
        joined = "N".join(segs)  # windows never contain N, so never cross segments
        codes = encode(joined)
        weights = repeat_weights(joined, self.repeat_weight)
        is_n = np.concatenate([[0], np.cumsum(codes == N_CODE)])
        starts = np.arange(len(codes) - self.window + 1)
        starts = starts[is_n[starts + self.window] - is_n[starts] == 0]
        if len(starts) == 0:
            raise ValueError(f"sequence has no stretch of window={self.window} bases without N; "
                             "pass a longer sequence or a smaller window")
        val = None
        if valid is not None:
            vsegs = as_segments(valid, "valid")
            vw, vl, _ = cut_windows("N".join(vsegs), self.window)
            if len(vw) == 0:
                raise ValueError(f"valid has no window of {self.window} bases without N")
            vw, vl = vw[:n_valid], vl[:n_valid]
            vp = evaluation_positions(len(vw), self.window, spacing=min(24, self.window // 2),
                                      margin=min(8, self.window // 4), seed=self.seed)
            val = (vw, vp, ~np.take_along_axis(vl, vp, 1))
        dev = self._dev  # refuses device="cuda" without a GPU before any work
        self._build_with_seed()
        self.net.to(dev)  # built on the CPU from the seeded global generator, then moved
        gen = torch.Generator().manual_seed(self.seed)
        opt = torch.optim.AdamW(self.net.parameters(), lr=self.lr, betas=(0.9, 0.98),
                                weight_decay=self.weight_decay)
        n_warm = max(1, int(self.warmup * self.steps))

        def schedule(step):  # linear warm-up, then cosine decay to zero
            if step < n_warm:
                return (step + 1) / n_warm
            return 0.5 * (1 + math.cos(math.pi * (step - n_warm) / max(1, self.steps - n_warm)))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
        codes_t = torch.from_numpy(codes)
        weights_t = torch.from_numpy(weights)
        starts_t = torch.from_numpy(starts)
        offsets = torch.arange(self.window)
        self.history = []
        running, n_run = 0.0, 0
        bar = tqdm(range(self.steps), desc=self.name, disable=not progress, unit="step")
        for step in bar:
            self.net.train()
            pick = starts_t[torch.randint(len(starts_t), (self.batch_size,), generator=gen)]
            idx = pick[:, None] + offsets[None, :]
            x, w = codes_t[idx], weights_t[idx]
            flip = torch.rand(self.batch_size, generator=gen) < 0.5  # reverse-complement half
            x = torch.where(flip[:, None], torch.from_numpy(COMPLEMENT_CODES)[x].flip(1), x)
            w = torch.where(flip[:, None], w.flip(1), w)
            loss = self._loss(x, w, gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            running += float(loss.detach())
            n_run += 1
            if (step + 1) % self.log_every == 0 or step + 1 == self.steps:
                rec = {"step": step + 1, "train_loss": running / n_run,
                       "lr": opt.param_groups[0]["lr"]}
                running, n_run = 0.0, 0
                if val is not None:
                    lp = self.masked_log_probs(val[0], val[1], both_strands=False)
                    s = masked_base_scores(lp, np.take_along_axis(val[0], val[1], 1), val[2])
                    rec["valid_accuracy"] = s["accuracy"]
                    rec["valid_perplexity"] = s["perplexity"]
                self.history.append(rec)
                bar.set_postfix(loss=f"{rec['train_loss']:.3f}")
        bar.close()
        self.net.eval()
        return self

    @torch.no_grad()
    def masked_log_probs(self, windows, positions, both_strands: bool = True,
                         batch: int = 128) -> np.ndarray:
        """``(n, m, 4)`` log-probabilities of the bases at ``positions`` of each window, with
        all those positions masked at once.  ``both_strands`` averages the log-probabilities
        of the window and of its reverse complement (as GPN does for variant scores).
        """
        self._require_fitted()
        w, p = windows_and_positions(windows, positions)
        self._check_window_length(w.shape[1])
        self.net.eval()
        out = []
        for i in range(0, len(w), batch):
            wb, pb = torch.from_numpy(w[i : i + batch]), torch.from_numpy(p[i : i + batch])
            lp = self._log_probs_one_strand(wb, pb)
            if both_strands:
                rc = torch.from_numpy(COMPLEMENT_CODES)[wb].flip(1)
                lp_rc = self._log_probs_one_strand(rc, wb.shape[1] - 1 - pb)
                lp = torch.log_softmax(0.5 * (lp + lp_rc.flip(-1)), -1)  # flip: A<->T, C<->G
            out.append(lp.double().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, p.shape[1], 4))

    @torch.no_grad()
    def embed(self, windows, both_strands: bool = True, batch: int = 128) -> np.ndarray:
        """``(n, hidden)`` window embeddings: last hidden states averaged over the window's
        positions (and over both strands)."""
        self._require_fitted()
        w, _ = windows_and_positions(windows, np.zeros((len(np.atleast_2d(windows)), 1), int))
        self._check_window_length(w.shape[1])
        self.net.eval()
        out = []
        for i in range(0, len(w), batch):
            wb = torch.from_numpy(w[i : i + batch])
            e = self._hidden(wb).mean(1)
            if both_strands:
                e = 0.5 * (e + self._hidden(torch.from_numpy(COMPLEMENT_CODES)[wb].flip(1)).mean(1))
            out.append(e.double().cpu().numpy())
        return np.concatenate(out)

    def _check_window_length(self, L):
        pass

    # -- persistence
    def save(self, path) -> Path:
        """Write settings, weights and history to ``path``: atomically and with a sha256 checksum
        that :meth:`load` verifies (the model file format of :mod:`artgen_lite.models.model_file`)."""
        self._require_fitted()
        payload = {"format": _FORMAT, "class": type(self).__name__,
                   "hyperparameters": self.get_params(),
                   "state": {k: v.detach().clone() for k, v in self.net.state_dict().items()},
                   "history": [dict(h) for h in self.history]}
        return write_model_file(Path(path), payload)

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save`."""
        outer = torch.load(Path(path), map_location="cpu", weights_only=True)
        # files written before the checksum was added hold the payload itself
        is_old = isinstance(outer, dict) and outer.get("format") == _FORMAT
        payload = outer if is_old else read_model_file(path)
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError(f"{path} is not a model file written by ConvLM.save or KmerTransformerLM.save")
        if payload["class"] != cls.__name__:
            raise ValueError(f"{path} holds a {payload['class']}, not a {cls.__name__}")
        model = cls(**payload["hyperparameters"])
        model._build()
        model.net.load_state_dict(payload["state"])
        model.net.to(model._dev)
        model.net.eval()
        model.history = list(payload["history"])
        return model


class ConvLM(_MaskedLM):
    """GPN-like masked language model: one-hot bases, dilated convolution blocks.

    Settings (keyword-only; defaults = course scale): ``hidden`` channels (GPN: 512),
    ``n_layers`` blocks (GPN: 25), ``kernel_first`` / ``kernel`` sizes (9 / 5),
    ``dilation_cycle`` (dilation ``2**(i mod cycle)``; GPN: 8), training ``window`` in bases,
    ``mask_rate`` (0.15), ``repeat_weight`` (0.1 for lower-case bases), ``steps``,
    ``batch_size``, ``lr`` (AdamW, GPN: 1e-3), ``weight_decay`` (0.01), ``warmup`` (fraction of
    the steps), ``log_every``, ``seed``, ``device`` (``"auto"``, ``"cpu"`` or ``"cuda"``,
    :mod:`artgen_lite.models.device`; masks and batches are drawn on the CPU).  Each side of a
    base sees ``(kernel_first-1)/2 + (kernel-1)/2 * sum(dilations)`` bases of context.

    Presets (:meth:`preset`): ``"smoke"`` (16 channels, 2 layers, 20 steps) and ``"paper"``: the
    GPN values in brackets above (Benegas, Batra & Song 2023): 512 channels, 25 layers,
    dilation cycle 8, lr 1e-3, 120,000 steps.

    Explained in chapter 09 (notebooks/09_dna_language_models).
    """

    name = "GPN-like CNN"
    _presets = {
        "smoke": dict(hidden=16, n_layers=2, steps=20, log_every=10),
        # GPN (Benegas et al. 2023): 512 channels, 25 layers, dilation cycle 8, lr 1e-3, 120,000 steps
        "paper": dict(hidden=512, n_layers=25, dilation_cycle=8, lr=1e-3, steps=120_000),
    }

    def __init__(self, *, hidden: int = 64, n_layers: int = 6, kernel_first: int = 9,
                 kernel: int = 5, dilation_cycle: int = 6, window: int = 128,
                 mask_rate: float = 0.15, repeat_weight: float = 0.1, steps: int = 250,
                 batch_size: int = 32, lr: float = 2e-3, weight_decay: float = 0.01,
                 warmup: float = 0.05, log_every: int = 50, seed: int = 0, device: str = "auto"):
        self.hidden = check_int(hidden, "hidden", 6)
        self.n_layers = check_int(n_layers, "n_layers")
        self.kernel_first = check_int(kernel_first, "kernel_first")
        self.kernel = check_int(kernel, "kernel")
        self.dilation_cycle = check_int(dilation_cycle, "dilation_cycle")
        self._check_common(window, mask_rate, repeat_weight, steps, batch_size, lr, weight_decay,
                           warmup, log_every, seed, device)

    @property
    def context(self) -> int:
        """Bases of context the network sees on each side of a position (receptive field)."""
        d = sum(2 ** (i % self.dilation_cycle) for i in range(1, self.n_layers))
        return (self.kernel_first - 1) // 2 + (self.kernel - 1) // 2 * d

    def _build(self):
        self.net = _ConvNet(self.hidden, self.n_layers, self.kernel_first, self.kernel,
                            self.dilation_cycle)

    def _loss(self, x, w, gen):
        inputs, chosen = mask_bases(x, self.mask_rate, gen)  # drawn on the CPU, then moved
        dev = self._dev
        x, w, inputs, chosen = x.to(dev), w.to(dev), inputs.to(dev), chosen.to(dev)
        logits = self.net.head(self.net.encode(inputs))
        ce = F.cross_entropy(logits[chosen], x[chosen], reduction="none")
        wc = w[chosen]
        return (ce * wc).sum() / wc.sum().clamp_min(1e-8)

    def _log_probs_one_strand(self, w, p):
        dev = self._dev
        w, p = w.to(dev), p.to(dev)
        inputs = w.scatter(1, p, MASK_CODE)
        h = self.net.encode(inputs)
        h = torch.gather(h, 1, p[..., None].expand(-1, -1, h.shape[-1]))
        return torch.log_softmax(self.net.head(h), -1)

    def _hidden(self, w):
        return self.net.encode(w.to(self._dev))


class KmerTransformerLM(_MaskedLM):
    """DNABERT-like masked language model: overlapping k-mer tokens, a small BERT encoder,
    contiguous k-token span masking.

    Settings (keyword-only; defaults = course scale): ``k`` (DNABERT: 3-6), ``hidden`` (768),
    ``n_layers`` (12), ``n_heads`` (12), ``ffn`` (3072), ``max_offset`` (token offsets beyond
    this share one attention bias), training ``window`` in bases (the model reads
    ``window - k + 1`` tokens; DNABERT: 512 tokens), ``mask_rate`` (fraction of tokens masked,
    about 0.15), ``repeat_weight``, ``steps``, ``batch_size``, ``lr`` (DNABERT: 4e-4),
    ``weight_decay``, ``warmup``, ``log_every``, ``seed``, ``device`` (``"auto"``, ``"cpu"`` or
    ``"cuda"``, :mod:`artgen_lite.models.device`; masks and batches are drawn on the CPU).

    Presets (:meth:`preset`): ``"smoke"`` (16 hidden units, one layer, 20 steps) and
    ``"paper"``: DNABERT-6 (Ji et al. 2021, the values in brackets above): k 6, hidden 768,
    12 layers, 12 heads, feed-forward 3072, windows of 512 tokens (517 bases), lr 4e-4,
    200,000 steps.

    One deliberate change from BERT: positions enter as a learned attention bias per head and
    token offset (as in T5) rather than as absolute position embeddings added to the input.
    A tiny model trained for minutes learns to read its neighbours far faster that way (with
    absolute embeddings it stayed near the base-frequency baseline in our course-scale runs),
    and it can read windows of any length.

    Explained in chapter 09 (notebooks/09_dna_language_models).
    """

    name = "DNABERT-like transformer"
    _presets = {
        "smoke": dict(hidden=16, n_layers=1, n_heads=2, ffn=32, steps=20, log_every=10),
        # DNABERT-6 (Ji et al. 2021): k 6, 768 hidden, 12 layers and heads, ffn 3072, 512 tokens, lr 4e-4
        "paper": dict(k=6, hidden=768, n_layers=12, n_heads=12, ffn=3072, window=512 + 6 - 1, lr=4e-4,
                      steps=200_000),
    }

    def __init__(self, *, k: int = 3, hidden: int = 64, n_layers: int = 2, n_heads: int = 4,
                 ffn: int = 256, max_offset: int = 32, window: int = 128, mask_rate: float = 0.15,
                 repeat_weight: float = 0.1, steps: int = 400, batch_size: int = 32,
                 lr: float = 3e-3, weight_decay: float = 0.01, warmup: float = 0.05,
                 log_every: int = 50, seed: int = 0, device: str = "auto"):
        self.tokenizer = KmerTokenizer(k)
        self.k = self.tokenizer.k
        self.hidden = check_int(hidden, "hidden")
        self.n_layers = check_int(n_layers, "n_layers")
        self.n_heads = check_int(n_heads, "n_heads")
        if self.hidden % self.n_heads:
            raise ValueError(f"hidden ({hidden}) must be a multiple of n_heads ({n_heads})")
        self.ffn = check_int(ffn, "ffn")
        self.max_offset = check_int(max_offset, "max_offset")
        self._check_common(window, mask_rate, repeat_weight, steps, batch_size, lr, weight_decay,
                           warmup, log_every, seed, device)
        if self.window < 2 * self.k:
            raise ValueError(f"window must be at least 2k = {2 * self.k} bases; got {window}")

    def _build(self):
        self.net = _KmerBert(self.tokenizer.vocab_size, 4**self.k, self.max_offset,
                             self.hidden, self.n_layers, self.n_heads, self.ffn)

    def _check_window_length(self, L):
        if L < 2 * self.k:
            raise ValueError(f"windows must be at least 2k = {2 * self.k} bases long; got {L}")

    def _tokens(self, x):
        return torch.from_numpy(self.tokenizer.encode_codes(x.cpu().numpy()))

    def _loss(self, x, w, gen):
        ids = self._tokens(x)
        chosen = kmer_span_mask(ids.shape, self.k, self.mask_rate, gen)  # drawn on the CPU, then moved
        chosen &= ids != KmerTokenizer.UNK
        dev = self._dev
        ids, chosen, w = ids.to(dev), chosen.to(dev), w.to(dev)
        inputs = ids.masked_fill(chosen, KmerTokenizer.MASK)
        h = self.net.encode(inputs)[chosen]
        logits = self.net.head(h)
        target = ids[chosen] - len(KmerTokenizer.SPECIALS)
        wt = w.unfold(1, self.k, 1).mean(-1)[chosen]  # token weight = mean of its bases
        ce = F.cross_entropy(logits, target, reduction="none")
        return (ce * wt).sum() / wt.sum().clamp_min(1e-8)

    def _log_probs_one_strand(self, w, p):
        k = self.k
        ids = self._tokens(w)
        n, n_tok = ids.shape
        tmask = torch.from_numpy(mask_tokens_for_bases(n_tok, k, p.cpu().numpy()))
        dev = self._dev
        ids, tmask, p = ids.to(dev), tmask.to(dev), p.to(dev)
        inputs = ids.masked_fill(tmask, KmerTokenizer.MASK)
        h = self.net.encode(inputs)
        m = p.shape[1]
        # covering tokens t = p - o for offsets o = 0..k-1 (the base is at place o of token t)
        off = torch.arange(k, device=dev)
        t = p[..., None] - off  # (n, m, k)
        ok = (t >= 0) & (t < n_tok)
        tc = t.clamp(0, n_tok - 1)
        hh = torch.gather(h, 1, tc.reshape(n, m * k, 1).expand(-1, -1, h.shape[-1]))
        lp = torch.log_softmax(self.net.head(hh), -1).reshape(n, m, k, *([4] * k))
        marg = []
        for o in range(k):  # marginal over the base at place o of the k-mer
            dims = [2 + d for d in range(k) if d != o]
            marg.append(torch.logsumexp(lp[:, :, o], dim=dims) if dims else lp[:, :, o])
        marg = torch.stack(marg, 2)  # (n, m, k, 4)
        marg = marg.masked_fill(~ok[..., None], float("-inf"))
        # mixture of the covering tokens' predictions
        return torch.logsumexp(marg, 2) - torch.log(ok.sum(2, keepdim=True).float())

    def _hidden(self, w):
        return self.net.encode(self._tokens(w).to(self._dev))
