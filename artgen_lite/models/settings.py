"""Settings of a model: keyword arguments of ``__init__``, read back from its signature.

The estimator contract of chapter 04 ("Restricted Boltzmann machines", where the first model is
built): every model of the book, the DNA language models of chapter 09 included, takes its
settings as keyword arguments stored as attributes of the same name, so ``get_params``,
``set_params``, ``repr`` and the model files read them from the ``__init__`` signature, as
scikit-learn's ``BaseEstimator`` does; ``Model.preset(scale)`` gives the settings of a scale.

The settings that every haplotype model shares (:data:`SHARED_SETTINGS`: the seed, the device,
how ``fit`` picks its checkpoint) are written once: a model's ``__init__`` that ends in
``**shared`` and hands it to ``super().__init__`` takes them, and its signature lists them
(``help(RBM)``, ``inspect.signature(RBM)`` and the API page show every setting).  So are two
groups that several models share, each with its check: the training budget counted in updates
(:data:`BUDGET_SETTINGS`) and the settings of the WGAN-GP loop (:data:`WGAN_GP_SETTINGS`); a
class takes a group by naming it in ``_setting_groups`` and gives its own defaults in
``_setting_defaults``.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, ClassVar, NamedTuple

from ..scales import SCALES  # the scales of :meth:`Settings.preset`: ``course`` is every class's defaults
from ..validation import check_float, check_positive_int, check_seed
from .device import check_device

__all__ = ["BUDGET_SETTINGS", "SHARED_SETTINGS", "Setting", "Settings", "WGAN_GP_SETTINGS", "make_preset",
           "shared_settings"]


class Setting(NamedTuple):
    """A setting written once for several models: how the signature shows it, its default (a
    class may change it in ``_setting_defaults``) and the check ``check(value, name)`` that
    returns the stored value or raises an error naming the setting."""

    annotation: str
    default: Any
    check: Callable[[Any, str], Any]


def _optional_positive_int(value: Any, name: str) -> int | None:
    return None if value is None else check_positive_int(value, name)


def _positive_float(value: Any, name: str) -> float:
    return check_float(value, name, 0.0, low_open=True)


def _non_negative_float(value: Any, name: str) -> float:
    return check_float(value, name, 0.0)


def _adam_beta(value: Any, name: str) -> float:
    return check_float(value, name, 0.0, 1.0 - 1e-12)


def _validation_fraction(value: Any, name: str) -> float:
    return check_float(value, name, 0.0, 0.5)


#: the settings every haplotype model takes: the seed, where it computes
#: (:mod:`artgen_lite.models.device`) and how ``fit`` picks its checkpoint
#: (:mod:`artgen_lite.models.checkpoint`)
SHARED_SETTINGS: dict[str, Setting] = {
    "seed": Setting("int", 0, check_seed),
    "validation_fraction": Setting("float", 0.0, _validation_fraction),
    "n_checkpoints": Setting("int", 20, check_positive_int),
    "checkpoint_patience": Setting("int | None", None, _optional_positive_int),
    "device": Setting("str", "auto", check_device),
}

#: the training budget of the models that count it in updates (``GenerativeModel._epochs_for``):
#: ``epochs`` passes over the data when given, else enough passes for ``steps`` minibatch updates
#: of ``batch_size`` haplotypes; each class sets its own ``steps`` and ``batch_size``
BUDGET_SETTINGS: dict[str, Setting] = {
    "epochs": Setting("int | None", None, _optional_positive_int),
    "steps": Setting("int", 1000, check_positive_int),
    "batch_size": Setting("int", 64, check_positive_int),
}

#: the settings of the shared WGAN-GP loop (:mod:`artgen_lite.models.wgan_gp`), with the defaults
#: of Gulrajani et al. 2017: critic updates per generator update, the Adam learning rates of
#: generator and critic, Adam's betas and the weight of the gradient penalty (chapter 06)
WGAN_GP_SETTINGS: dict[str, Setting] = {
    "n_critic": Setting("int", 5, check_positive_int),
    "lr_g": Setting("float", 1e-4, _positive_float),
    "lr_c": Setting("float", 1e-4, _positive_float),
    "beta1": Setting("float", 0.5, _adam_beta),
    "beta2": Setting("float", 0.9, _adam_beta),
    "gp_weight": Setting("float", 10.0, _non_negative_float),
}


def shared_settings(cls: type) -> dict[str, Setting]:
    """The settings written once that ``cls`` takes, with ``cls``'s defaults: those of the groups
    its classes name in ``_setting_groups`` (e.g. :data:`BUDGET_SETTINGS`), then
    :data:`SHARED_SETTINGS`; each class's ``_setting_defaults`` is laid over its bases' (the most
    derived wins).

    Parameters
    ----------
    cls : type
        A model class.

    Returns
    -------
    dict
        Setting name → :class:`Setting` (its ``default`` is ``cls``'s), in the order the
        signature lists them.

    Examples
    --------
    >>> from artgen_lite.models import HaplotypeMosaic, PCAGAN, RBM
    >>> list(shared_settings(PCAGAN))[:4]
    ['epochs', 'steps', 'batch_size', 'n_critic']
    >>> list(shared_settings(HaplotypeMosaic))
    ['seed', 'validation_fraction', 'n_checkpoints', 'checkpoint_patience', 'device']
    >>> shared_settings(RBM)["validation_fraction"].default, shared_settings(HaplotypeMosaic)["validation_fraction"].default
    (0.1, 0.0)
    """
    settings: dict[str, Setting] = {}
    for klass in reversed(cls.__mro__):
        for group in klass.__dict__.get("_setting_groups", ()):
            settings.update(group)
    settings.update(SHARED_SETTINGS)
    for klass in reversed(cls.__mro__):
        for name, default in klass.__dict__.get("_setting_defaults", {}).items():
            if name in settings:
                settings[name] = settings[name]._replace(default=default)
    return settings


def _complete_signature(cls: type, init: Any) -> None:
    """Give ``init`` (an ``__init__`` of ``cls`` ending in ``**shared``) the signature it accepts: its
    own keyword settings followed by the shared ones it does not name, with the class's defaults."""
    sig = inspect.signature(init)
    params = list(sig.parameters.values())
    if not params or params[-1].kind is not inspect.Parameter.VAR_KEYWORD:
        return
    own = {p.name for p in params}
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=setting.default,
                                annotation=setting.annotation)
              for name, setting in shared_settings(cls).items() if name not in own]
    init.__signature__ = sig.replace(parameters=params[:-1] + shared)


def make_preset(cls: type, scale: str, overrides: dict[str, Any]):
    """``cls(**settings)`` for ``scale``: ``cls._presets[scale]`` updated by ``overrides`` (they win);
    ``"course"`` is the class defaults. An unknown scale is a ValueError naming it (chapter 04).

    What :meth:`Settings.preset` calls.

    Parameters
    ----------
    cls : type
        A model class (a :class:`Settings` subclass).
    scale : str
        ``"course"`` or a scale of ``cls._presets`` (``"smoke"``, ``"paper"``).
    overrides : dict of str to Any
        Settings that replace those of the scale.

    Returns
    -------
    object
        An untrained ``cls`` built with those settings.

    Raises
    ------
    ValueError
        For a scale ``cls`` does not know.

    Examples
    --------
    >>> from artgen_lite.models import RBM
    >>> make_preset(RBM, "smoke", {"epochs": 3}).epochs
    3
    >>> make_preset(RBM, "huge", {})
    Traceback (most recent call last):
    ...
    ValueError: scale must be one of 'smoke', 'course', 'paper'; got 'huge'
    """
    presets = getattr(cls, "_presets", {})
    if scale == "course":
        settings: dict[str, Any] = {}
    elif isinstance(scale, str) and scale in presets:
        settings = dict(presets[scale])
    else:
        known = ", ".join(repr(s) for s in SCALES if s == "course" or s in presets)
        raise ValueError(f"scale must be one of {known}; got {scale!r}")
    settings.update(overrides)
    return cls(**settings)


class Settings:
    """Keyword settings read from the ``__init__`` signature: ``get_params``, ``set_params``,
    ``repr`` and ``preset`` (chapter 04; see the module docstring)."""

    #: the settings of each scale but ``"course"`` (the defaults): ``{"smoke": {...}, "paper": {...}}``
    _presets: ClassVar[dict[str, dict[str, Any]]] = {}
    #: this class's defaults of the settings written once (:func:`shared_settings`) where they differ
    _setting_defaults: ClassVar[dict[str, Any]] = {}
    #: groups of settings written once that this class takes besides :data:`SHARED_SETTINGS`
    _setting_groups: ClassVar[tuple[dict[str, Setting], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            _complete_signature(cls, init)

    @classmethod
    def preset(cls, scale: str = "course", **overrides: Any):
        """A model with the settings of a scale.

        Parameters
        ----------
        scale : {"smoke", "course", "paper"}
            ``"smoke"``: trains in seconds (a check that everything runs, not a usable model);
            ``"course"``: the class defaults, what the book's chapters use; ``"paper"``: the
            settings of the model's paper, cited in the class docstring (hours on a CPU; a GPU
            helps, ``device="auto"`` takes one).
        **overrides
            Settings that replace those of the scale (``seed=...``, ``device=...``, ...).

        Returns
        -------
        object
            An untrained model of this class.

        Raises
        ------
        ValueError
            For a scale the class does not know (the message names it).

        Examples
        --------
        >>> from artgen_lite.models import RBM
        >>> RBM.preset("paper").get_params()["method"]
        'pcd'
        >>> RBM.preset("smoke", epochs=3).epochs
        3
        """
        return make_preset(cls, scale, overrides)

    @classmethod
    def _param_names(cls) -> list[str]:
        """The constructor's keyword settings, read from the ``__init__`` signature."""
        sig = inspect.signature(cls.__init__)
        return [name for name, p in sig.parameters.items()
                if name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]

    def get_params(self) -> dict[str, Any]:
        """The constructor settings, as a dict (``type(m)(**m.get_params())`` rebuilds it).

        Read from the ``__init__`` signature, as scikit-learn's ``BaseEstimator`` does: every
        setting is stored as an attribute of the same name.

        Returns
        -------
        dict
            Setting name → value, ``device`` as given (``"auto"`` stays ``"auto"``).

        Examples
        --------
        >>> from artgen_lite.models import RBM
        >>> params = RBM(n_hidden=8).get_params()
        >>> params["n_hidden"], params["device"]
        (8, 'auto')
        """
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params: Any):
        """Change the settings of an untrained model (checked as the constructor checks them).

        Parameters
        ----------
        **params
            Settings by name; an unknown name is a ``ValueError`` naming it and the known ones.

        Returns
        -------
        object
            ``self``.

        Raises
        ------
        RuntimeError
            On a trained model, whose learned state was made with the old settings: build a new
            one, ``type(m)(**{**m.get_params(), **changes})``, and fit it.

        Examples
        --------
        >>> from artgen_lite.models import RBM
        >>> RBM().set_params(n_hidden=16, seed=3).get_params()["n_hidden"]
        16
        """
        names = self._param_names()
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no setting(s) {unknown}; its settings are {names}")
        if getattr(self, "is_fitted", False):
            raise RuntimeError(f"this {type(self).__name__} is trained: set_params would not change what it "
                               "learned; build a new model with the changed settings and fit it")
        # the constructor's checks, conversions and derived attributes, all at once
        self.__dict__.update(type(self)(**{**self.get_params(), **params}).__dict__)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"
