"""The shared face of every generative model in the book (chapter "Generative models, one interface").

Every model is a :class:`GenerativeModel`:

* ``model = Model(**settings)`` -- keyword settings only, with the course-scale defaults;
  ``Model.preset("smoke" | "course" | "paper", **overrides)`` -- the settings of a scale
  (``"paper"``: those of the model's paper, cited in its docstring);
* ``device="auto" | "cpu" | "cuda"`` -- where it computes (:mod:`artgen_lite.models.device`);
* ``model.fit(X, progress=True)`` -- trains on a 0/1 haplotype matrix (rows = haplotypes,
  columns = SNPs) and returns the model itself, so ``Model().fit(X).sample(100)`` works;
* ``model.sample(n, seed=0)`` -- ``n`` artificial haplotypes as a ``uint8`` 0/1 array;
* ``model.save(path)`` / ``Model.load(path)`` -- a single ``torch.save`` file holding the
  settings, the learned state and the training history;
* ``model.n_parameters`` -- the number of trainable numbers;
* ``model.history`` -- one dict per epoch (``model.history_frame()`` gives a DataFrame).

Results are reproducible: all randomness goes through seeded CPU ``torch.Generator`` objects
(on a GPU the draws are made on the CPU and moved), so on CPU the same ``seed`` (with the same
number of threads) gives bitwise identical models and samples.
"""

from __future__ import annotations

import importlib
import inspect
import math
import os
import time
from pathlib import Path
from typing import Any, Callable, ClassVar

import numpy as np
import torch

from .. import validation as _validation
from .checkpoint import ValidationMonitor, split_validation
from .device import check_device, resolve_device
from .model_file import ModelFileError, read_model_file, write_model_file
from .settings import Settings, shared_settings

__all__ = ["GenerativeModel", "check_haplotypes", "network_parameters"]



def check_haplotypes(X: Any, name: str = "X", n_snps: int | None = None) -> np.ndarray:
    """Check that ``X`` is a 2-D 0/1 haplotype matrix and return it as a ``uint8`` array (chapter 04
    trains the first model on such a matrix).

    The package's one rule (:func:`artgen_lite.validation.check_haplotypes`): values exactly 0
    and 1 whatever the dtype (bool, any integer, floats 0.0/1.0), at least one haplotype and one
    SNP, and ``n_snps`` columns when given. Errors name the argument.

    Parameters
    ----------
    X : array-like of shape (n_haplotypes, n_snps)
        The haplotypes: rows = haplotypes, columns = SNPs, values 0 and 1.
    name : str, default "X"
        The argument's name, used in the error messages.
    n_snps : int or None, default None
        The number of columns ``X`` must have (e.g. those a model was trained on); ``None``
        accepts any number.

    Returns
    -------
    numpy.ndarray of uint8, shape (n_haplotypes, n_snps)
        ``X`` as a ``uint8`` 0/1 array.

    Raises
    ------
    ValueError
        When ``X`` is not 2-D, is empty, holds a value other than 0 and 1, or has other than
        ``n_snps`` columns; a non-numeric dtype raises
        :class:`artgen_lite.validation.HaplotypeTypeError` (both a ``TypeError`` and a ``ValueError``).

    Examples
    --------
    >>> H = check_haplotypes([[0, 1, 1], [1, 0, 0]])
    >>> H.dtype, H.shape
    (dtype('uint8'), (2, 3))
    >>> check_haplotypes([[0, 2]])
    Traceback (most recent call last):
    ...
    ValueError: X must contain only 0 and 1; found the value(s) [2], the first at row 0, column 1
    """
    return _validation.check_haplotypes(X, name, n_snps)


#: above this many SNPs the fully connected models (RBM, GAN) warn that they do not scale
DENSE_SCALING_LIMIT = 2000


def warn_dense_scaling(model: str, n_snps: int, n_parameters: int, cost: str) -> None:
    """Warn that a fully connected ``model`` on ``n_snps`` > :data:`DENSE_SCALING_LIMIT` SNPs is not
    expected to reach real data's AATS and LD in its budget, naming its size and the models that
    scale (chapter 06, "Long regions"; the leaderboard's rows above 2,000 SNPs show it)."""
    import warnings

    if n_snps <= DENSE_SCALING_LIMIT:
        return
    warnings.warn(
        f"a fully connected {model} on {n_snps} SNPs has {n_parameters:,} trainable parameters ({cost}); "
        f"above {DENSE_SCALING_LIMIT:,} SNPs it is not expected to reach real data's AATS and LD in its "
        "budget (the lecture's point, chapter 05; see the book's leaderboard). Models that scale to long "
        "regions: CRBM, ConvWGAN, PCAGAN (chapter 06)",
        UserWarning, stacklevel=4,
    )


_check_positive_int = _validation.check_positive_int
_check_float = _validation.check_float


def _find_subclass(name: str, module: str | None = None) -> type:
    """The GenerativeModel subclass called ``name``, after importing the package's models and the
    module the file names (only modules of artgen_lite are imported: importing runs code), so a
    model defined anywhere in the package loads without a prior import."""
    importlib.import_module("artgen_lite.models")  # registers RBM, GAN, ...
    if module is not None:
        if not (isinstance(module, str) and (module == "artgen_lite" or module.startswith("artgen_lite."))):
            raise ValueError(f"the saved file names the module {module!r}, which is not part of artgen_lite")
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ValueError(f"the saved file names the module {module!r}, which cannot be imported ({exc})") from exc

    todo, seen = [GenerativeModel], set()
    while todo:
        klass = todo.pop()
        if klass.__name__ == name:
            return klass
        for sub in klass.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    raise ValueError(f"unknown model class {name!r} in the saved file")


def _to_cpu(obj: Any) -> Any:
    """``obj`` with every tensor in it (through dicts, lists, tuples) moved to the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


class network_parameters:
    """A read-only attribute of a model class: the trainable parameters of one of its networks,
    ``n_parameters_generator = network_parameters("generator")`` (chapters 05 and 06 compare the
    sizes of generators and critics)."""

    def __init__(self, network: str) -> None:
        self.network = network
        self.__doc__ = f"Trainable parameters of the {network} (the model must be fitted)."

    def __repr__(self) -> str:
        return f"network_parameters({self.network!r})"

    def __get__(self, model: Any, owner: type | None = None) -> Any:
        if model is None:
            return self
        model._require_fitted()
        return int(sum(p.numel() for p in getattr(model, self.network).parameters()))


class GenerativeModel(Settings):
    """Base class: the common ``fit`` / ``sample`` / ``save`` / ``load`` face (chapter 04 builds the
    first model on it; chapter 13 uses it on your own data).

    Subclasses take their settings as keyword arguments of ``__init__``, stored as attributes of
    the same name (:class:`~artgen_lite.models.settings.Settings` reads them back); an ``__init__``
    that ends in ``**shared`` and passes it to ``super().__init__`` takes the settings every model
    shares (:data:`~artgen_lite.models.settings.SHARED_SETTINGS`: ``seed``, ``device`` and the
    checkpoint settings) and those of the groups the class names in ``_setting_groups`` (the
    step budget, the WGAN-GP loop's settings), each with the class's ``_setting_defaults``
    (:func:`~artgen_lite.models.settings.shared_settings`). They implement ``_build(n_snps)``,
    ``_fit(X, progress, **kw)``, ``_sample(n, generator, **kw)``, ``_modules()`` (a dict of
    name → ``torch.nn.Module`` or tensor holder) and optionally ``_extra_state()`` /
    ``_load_extra_state(state)``; ``_presets`` holds the settings of the ``"smoke"`` and
    ``"paper"`` scales (:meth:`preset`).

    Device rules for subclasses: networks are built and initialised on the CPU (from the seeded
    CPU generator) and moved with :meth:`_to_device`; every random draw is made on the CPU with
    that generator and moved with ``.to(device)``; everything handed back to the user goes
    through ``.cpu()`` before ``.numpy()``.
    """

    #: the clock ``fit``'s ``time_limit`` is read on: wall-clock seconds.  A benchmark that runs
    #: one-thread fits side by side on a shared machine may set ``time.process_time`` (CPU seconds
    #: of the process: what the fit would take on an idle core), so other jobs do not cut it short.
    time_limit_clock: ClassVar[Any] = staticmethod(time.perf_counter)
    #: whether ``_fit`` calls :meth:`_end_epoch` after each epoch (and so takes ``fit``'s callback)
    _trains_in_epochs: ClassVar[bool] = True

    def __init__(self, **settings: Any) -> None:
        """Store and check the settings written once (:func:`~artgen_lite.models.settings.shared_settings`:
        :data:`~artgen_lite.models.settings.SHARED_SETTINGS` and the class's ``_setting_groups``)."""
        known = shared_settings(type(self))
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) {unknown}")
        for name, setting in known.items():
            setattr(self, name, setting.check(settings.get(name, setting.default), name))
        self.n_snps: int | None = None
        self.history: list[dict[str, float]] = []
        self.train_time_s: float | None = None
        self.best_epoch: int | None = None
        self.stopped_by_time_limit = False
        self._monitor = None
        self._deadline: float | None = None
        self._t0 = 0.0
        self._callback: Callable[[Any, int], Any] | None = None
        self._callback_every = 1

    @property
    def _dev(self) -> torch.device:
        """The ``torch.device`` that the ``device`` setting stands for on this machine."""
        return resolve_device(self.device)

    def _to_device(self) -> None:
        """Move every ``torch.nn.Module`` of :meth:`_modules` to the model's device (in place)."""
        dev = self._dev
        for mod in self._modules().values():
            if isinstance(mod, torch.nn.Module):
                mod.to(dev)

    @property
    def is_fitted(self) -> bool:
        return self.n_snps is not None

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise RuntimeError(f"this {type(self).__name__} is not trained yet: call .fit(X) first")

    # ------------------------------------------------------------------ public face
    def fit(self, X: Any, *, progress: bool = True, time_limit: float | None = None,
            callback: Callable[[Any, int], Any] | None = None, callback_every: int = 1,
            **kwargs: Any) -> "GenerativeModel":
        """Train on ``X`` (haplotypes x SNPs, 0/1) and return ``self``.

        Training restarts from scratch (a fresh initialisation from ``seed``) on every call, on
        the device that the ``device`` setting resolves to.

        Parameters
        ----------
        X : array-like of shape (n_haplotypes, n_snps)
            0/1 haplotypes (any integer, bool or 0.0/1.0 dtype).
        progress : bool, default True
            Show the tqdm progress bar.
        time_limit : float or None, default None
            Seconds of wall-clock time (``time_limit_clock``) after which training stops at the
            end of the epoch that is running; the model is then scored on its validation split
            one last time and the best state seen is kept, as at a normal end. A run that stops
            this way depends on the machine's speed (``stopped_by_time_limit`` is then True): for
            results that a seed reproduces, leave it unset and budget in ``steps``/``epochs``.
        callback : callable or None, default None
            ``callback(model, epoch)``, called every ``callback_every`` epochs and after the last
            (models trained in epochs); a dict it returns is added to that epoch's ``history`` row
            (chapter 05 draws samples this way to watch the AGs improve).
        callback_every : int, default 1
            How often ``callback`` is called, in epochs.
        **kwargs
            Options of the model's own training loop, if it has any.

        Returns
        -------
        GenerativeModel
            ``self``, trained (``history``, ``best_epoch`` and ``train_time_s`` filled in).

        Raises
        ------
        ValueError
            When ``X`` is not a 0/1 matrix (the message names ``X``), or ``device="cuda"`` and
            torch sees no GPU (the message names ``device``).

        Examples
        --------
        >>> from artgen_lite.models import RBM
        >>> X = (np.random.default_rng(0).random((64, 10)) < 0.3).astype(np.uint8)
        >>> model = RBM.preset("smoke", seed=0).fit(X, progress=False)
        >>> model.n_snps, len(model.history)
        (10, 2)
        """
        self._dev  # noqa: B018 - refuse device="cuda" without a GPU before any work
        X = check_haplotypes(X, "X")
        if time_limit is not None:
            time_limit = _check_float(time_limit, "time_limit", 0.0, low_open=True)
        options = set(inspect.signature(self._fit).parameters) - {"X", "progress"}
        unknown = sorted(set(kwargs) - options)
        if unknown:
            raise TypeError(f"{type(self).__name__}.fit() got unexpected keyword argument(s) {unknown}")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable; got {type(callback).__name__}")
        if callback is not None and not self._trains_in_epochs:
            raise TypeError(f"{type(self).__name__}.fit() takes no callback: it does not train in epochs")
        self._callback, self._callback_every = callback, _check_positive_int(callback_every, "callback_every")
        self.n_snps = int(X.shape[1])
        self.history = []
        self.best_epoch = None
        self.stopped_by_time_limit = False
        self._monitor = None
        t0 = time.perf_counter()
        self._t0 = type(self).time_limit_clock()
        self._deadline = None if time_limit is None else self._t0 + time_limit
        split = split_validation(X.shape[0], self.validation_fraction, self.seed)
        if split is not None:
            X, X_val = X[split[0]], X[split[1]]
            self._monitor = ValidationMonitor(X, X_val, n_evals=self.n_checkpoints,
                                              patience=self.checkpoint_patience, seed=self.seed)
        self._build(self.n_snps)
        try:
            self._fit(X, progress=progress, **kwargs)
            if self._monitor is not None:
                self._monitor.restore(self)
                self.best_epoch = self._monitor.best_epoch
        finally:
            self._monitor = None
            self._deadline = None
            self._callback = None
        self.train_time_s = time.perf_counter() - t0
        return self

    def _epochs_for(self, n_batches: int) -> int:
        """Passes over the data: ``epochs`` when given, else enough passes of ``n_batches``
        minibatches for the model's budget of ``steps`` updates.  Counting the budget in updates
        gives a small cohort as much training as a large one (an epoch of 400 haplotypes holds
        ten times fewer updates than one of 4,000)."""
        epochs = getattr(self, "epochs", None)
        if epochs is not None:
            return int(epochs)
        return max(1, math.ceil(int(self.steps) / max(1, int(n_batches))))

    def _before_checkpoint(self) -> None:
        """Hook: bring the sampling network into shape before a checkpoint draws from it."""

    def _out_of_time(self, share: float = 1.0) -> bool:
        """True when ``fit``'s ``time_limit`` has passed (``share`` < 1: when that share of it has
        passed, for models that train in stages, like the CRBM's windows); records it."""
        if self._deadline is None:
            return False
        if type(self).time_limit_clock() >= self._t0 + share * (self._deadline - self._t0):
            self.stopped_by_time_limit = True
            return True
        return False

    def _end_epoch(self, rec: dict[str, Any], epochs: int, bar: Any = None, **postfix: str) -> bool:
        """The bookkeeping after each epoch of a model's training loop, written once: appends
        ``rec`` (with its ``"epoch"``, counted from 1) to ``history``, calls ``fit``'s ``callback``
        when it is due (a dict it returns joins the row), shows ``postfix`` on the progress ``bar``,
        then :meth:`_checkpoint`; returns True when training should stop."""
        epoch = rec["epoch"]
        self.history.append(rec)
        if self._callback is not None and (epoch % self._callback_every == 0 or epoch == epochs):
            self._before_checkpoint()
            extra = self._callback(self, epoch)
            if isinstance(extra, dict):
                rec.update(extra)
        if bar is not None and postfix:
            bar.set_postfix(postfix)
        return self._checkpoint(epoch, epochs)

    def _checkpoint(self, epoch: int, epochs: int) -> bool:
        """Called by a model's training loop after each epoch (and after its history row is
        written): scores the model on the validation split at the monitor's evaluation points
        (see :mod:`artgen_lite.models.checkpoint`) and returns True when training should stop:
        after ``checkpoint_patience`` evaluations without improvement, or once ``fit``'s
        ``time_limit`` has passed (the state reached then is scored first)."""
        mon = self._monitor
        out_of_time = self._out_of_time()
        if mon is None or (epoch not in mon.eval_epochs(epochs) and not out_of_time):
            return out_of_time
        scores, stop = mon.evaluate(self, epoch)
        if self.history and self.history[-1].get("epoch") == epoch:
            self.history[-1].update(scores)
        else:
            self.history.append({"epoch": epoch, **scores})
        return stop or out_of_time

    def sample(self, n: int, seed: int = 0, **kwargs: Any) -> np.ndarray:
        """Generate ``n`` artificial haplotypes.

        Parameters
        ----------
        n : int
            Number of haplotypes (positive).
        seed : int, default 0
            Seed of the sampler's CPU ``torch.Generator``: the same seed gives the same haplotypes.
        **kwargs
            Options of the model's sampler (e.g. ``k`` for the RBM, ``threshold`` for the WGANs).

        Returns
        -------
        numpy.ndarray
            ``uint8`` 0/1 array of shape ``(n, n_snps)``, on the CPU whatever the device.

        Examples
        --------
        >>> from artgen_lite.models import RBM
        >>> X = (np.random.default_rng(0).random((64, 10)) < 0.3).astype(np.uint8)
        >>> model = RBM.preset("smoke").fit(X, progress=False)
        >>> S = model.sample(5, seed=1)
        >>> S.shape, S.dtype, bool((S == model.sample(5, seed=1)).all())
        ((5, 10), dtype('uint8'), True)
        """
        self._require_fitted()
        n = _check_positive_int(n, "n")
        gen = torch.Generator().manual_seed(_validation.check_seed(seed))
        with torch.no_grad():
            out = self._sample(n, gen, **kwargs)
        return out.to(torch.uint8).cpu().numpy()

    @property
    def n_parameters(self) -> int:
        """Number of trainable parameters (needs the number of SNPs, so the model must be fitted);
        a moving-average copy of a network (a module named ``*_ema``) is not counted."""
        self._require_fitted()
        total = 0
        for name, mod in self._modules().items():
            if name.endswith("_ema"):
                continue
            if isinstance(mod, torch.nn.Module):
                total += sum(p.numel() for p in mod.parameters())
            elif isinstance(mod, torch.Tensor):
                total += mod.numel()
        return int(total)

    def score_samples(self, X: Any) -> np.ndarray:
        """One white-box membership score per haplotype of ``X``: **higher = more member-like**
        (the model finds the haplotype more typical of its training data).

        Every model has one, under the same name and sign, so a membership-inference attack
        (:func:`artgen_lite.metrics.mia_auc`, chapter 03) treats them alike: minus the free energy
        (RBM, CRBM), the discriminator's or critic's score (GANs), the ELBO (VAEs).

        Parameters
        ----------
        X : array-like of shape (n_haplotypes, n_snps)
            0/1 haplotypes with the model's number of SNPs.

        Returns
        -------
        numpy.ndarray
            ``float64`` array of shape ``(len(X),)``, on the CPU whatever the device.

        Examples
        --------
        Training haplotypes (copies of four founders) score above random ones:

        >>> from artgen_lite.models import RBM
        >>> rng = np.random.default_rng(1)
        >>> train = (rng.random((4, 12)) < 0.4)[rng.integers(0, 4, 80)].astype(np.uint8)
        >>> noise = (rng.random((80, 12)) < 0.4).astype(np.uint8)
        >>> model = RBM(n_hidden=8, epochs=20, seed=0).fit(train, progress=False)
        >>> model.score_samples(train).shape
        (80,)
        >>> bool(model.score_samples(train).mean() > model.score_samples(noise).mean())
        True
        """
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        return np.asarray(self._score_samples(X), dtype=np.float64).reshape(len(X))

    def _score_samples(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} has no white-box membership score")

    def history_frame(self):
        """The per-epoch history as a pandas DataFrame (one row per epoch)."""
        import pandas as pd

        return pd.DataFrame(self.history)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write settings, learned state and history to ``path``.

        Atomic (:func:`artgen_lite.atomic.atomic_write`), with a sha256 checksum of the contents that
        :meth:`load` verifies (:mod:`artgen_lite.models.model_file`). Tensors are written from the
        CPU, so a model trained on a GPU loads on a machine without one.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (its folder is created).

        Returns
        -------
        pathlib.Path
            ``path``.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from artgen_lite.models import RBM
        >>> X = (np.random.default_rng(0).random((64, 10)) < 0.3).astype(np.uint8)
        >>> model = RBM.preset("smoke").fit(X, progress=False)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = model.save(pathlib.Path(tmp) / "rbm.pt")
        ...     back = RBM.load(path)
        >>> bool((back.sample(5) == model.sample(5)).all())
        True
        """
        self._require_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {}
        for name, mod in self._modules().items():
            if isinstance(mod, torch.nn.Module):
                state[name] = {k: v.detach().cpu().clone() for k, v in mod.state_dict().items()}
            else:
                state[name] = mod.detach().cpu().clone()
        payload = {
            "format": "artgen_lite.models/1",
            "class": type(self).__name__,
            "module": type(self).__module__,
            "hyperparameters": self.get_params(),
            "n_snps": self.n_snps,
            "state": state,
            "extra": _to_cpu(self._extra_state()),
            "history": [dict(h) for h in self.history],
            "train_time_s": self.train_time_s,
            "best_epoch": self.best_epoch,
            "stopped_by_time_limit": self.stopped_by_time_limit,
        }
        write_model_file(path, payload)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, device: str | None = None) -> "GenerativeModel":
        """Read a model written by :meth:`save`.

        The checksum is verified first, then every stored tensor's shape against the rebuilt model;
        a damaged, truncated, foreign or mismatching file raises
        :class:`artgen_lite.models.model_file.ModelFileError` naming ``path``.

        Parameters
        ----------
        path : str or os.PathLike
            A file written by :meth:`save` (``GenerativeModel.load`` finds the class in it).
        device : {"auto", "cpu", "cuda"} or None, default None
            Where the loaded model computes; ``None`` keeps the saved setting (``"auto"`` unless
            it was trained with another). The tensors are mapped to the device it resolves to.

        Returns
        -------
        GenerativeModel
            The model, with its settings, learned state and history.

        Raises
        ------
        ModelFileError
            For a damaged, truncated, foreign or mismatching file.
        ValueError
            When the device (given or saved) is ``"cuda"`` and torch sees no GPU here.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from artgen_lite.models import GenerativeModel, RBM
        >>> X = (np.random.default_rng(0).random((64, 10)) < 0.3).astype(np.uint8)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = RBM.preset("smoke").fit(X, progress=False).save(pathlib.Path(tmp) / "m.pt")
        ...     model = GenerativeModel.load(path, device="cpu")
        >>> type(model).__name__, model.device
        ('RBM', 'cpu')
        """
        path = Path(path)
        payload = read_model_file(path)
        try:
            name, hyper, n_snps = payload["class"], payload["hyperparameters"], int(payload["n_snps"])
            state = payload["state"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: the model file lacks its {exc} entry (damaged?)", path=path) from exc
        if name != cls.__name__ and cls is not GenerativeModel:
            raise ModelFileError(f"{path} holds a {name}, not a {cls.__name__}", path=path)
        klass = cls
        if cls is GenerativeModel:
            try:
                klass = _find_subclass(name, payload.get("module"))
            except ValueError as exc:
                raise ModelFileError(f"{path}: {exc}", path=path) from exc
        if n_snps < 1:
            raise ModelFileError(f"{path}: the model file says n_snps = {n_snps}", path=path)
        if device is not None:
            hyper = {**hyper, "device": check_device(device)}
        model = klass(**hyper)
        try:
            model._dev  # noqa: B018
        except ValueError as exc:
            raise ValueError(f"{path}: {exc} (e.g. {klass.__name__}.load(path, device='cpu'))") from exc
        model.n_snps = n_snps
        model._build(model.n_snps)
        modules = model._modules()
        if set(state) != set(modules):
            raise ModelFileError(
                f"{path}: the file holds the parts {sorted(state)} but a {name} has {sorted(modules)}", path=path
            )
        for part, mod in modules.items():
            saved = state[part]
            expected = mod.state_dict() if isinstance(mod, torch.nn.Module) else {"": mod}
            got = saved if isinstance(mod, torch.nn.Module) else {"": saved}
            if not isinstance(got, dict) or set(got) != set(expected):
                raise ModelFileError(f"{path}: the stored {part} does not have the tensors of a {name}", path=path)
            for key, ref in expected.items():
                t = got[key]
                if not isinstance(t, torch.Tensor) or tuple(t.shape) != tuple(ref.shape):
                    shape = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
                    raise ModelFileError(
                        f"{path}: {part}{'.' + key if key else ''} has shape {shape} in the file but "
                        f"{tuple(ref.shape)} in a {name} with {n_snps} SNPs",
                        path=path,
                    )
            if isinstance(mod, torch.nn.Module):
                mod.load_state_dict(saved)
            else:
                with torch.no_grad():
                    mod.copy_(saved)
        model._to_device()
        model._load_extra_state(payload.get("extra") or {})
        model.history = list(payload.get("history") or [])
        model.train_time_s = payload.get("train_time_s")
        model.stopped_by_time_limit = bool(payload.get("stopped_by_time_limit", False))
        if payload.get("best_epoch") is not None:
            model.best_epoch = int(payload["best_epoch"])
        return model

    # ------------------------------------------------------------------ hooks
    def _build(self, n_snps: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit(self, X: np.ndarray, progress: bool) -> None:  # pragma: no cover
        """Train on the checked ``X`` (its own options, if any, as further keyword arguments);
        call :meth:`_end_epoch` after each epoch."""
        raise NotImplementedError

    def _sample(self, n: int, generator: torch.Generator, **kwargs: Any) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def _modules(self) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        pass
