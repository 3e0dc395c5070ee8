"""One contract for every haplotype model (chapter 05 "one interface"): the same seed gives the
same model, a saved model is the same model, bad input is refused naming the argument, and
``score_samples`` scores training haplotypes above haplotypes unlike them.  In the style of
scikit-learn's ``parametrize_with_checks``: one set of checks, every model class."""

from __future__ import annotations

import numpy as np
import pytest

from artgen_lite.models import (CRBM, DPVAE, GAN, PCAGAN, RBM, VAE, ConvWGAN, GenerativeModel,
                                HaplotypeDiffusion, HaplotypeMosaic)

# small but trained enough to tell its data from noise, each in a few seconds
FAST = {
    RBM: dict(n_hidden=16, k=5, epochs=30, batch_size=32, lr=0.05),
    GAN: dict(epochs=15, batch_size=32),
    VAE: dict(depth=2, width=32, epochs=15),
    DPVAE: dict(depth=2, width=32, epochs=5, batch_size=32, epsilon=float("inf")),
    CRBM: dict(window=24, overlap=8, n_hidden=8, epochs=20, batch_size=32),
    ConvWGAN: dict(epochs=5, batch_size=48),
    PCAGAN: dict(epochs=20, n_components=6, latent_dim=4, hidden=32),
    HaplotypeMosaic: dict(n_donors=32, n_estimate=20),
    HaplotypeDiffusion: dict(hidden=32, epochs=10, batch_size=32),
}


def data(n=240, m=48, seed=0):
    rng = np.random.default_rng(seed)
    founders = rng.random((5, m)) < 0.35
    X = founders[rng.integers(0, 5, n)]
    return (X ^ (rng.random((n, m)) < 0.02)).astype(np.uint8)


@pytest.fixture(scope="module")
def X():
    return data()


def make(cls, seed=0):
    return cls(seed=seed, **FAST[cls])


@pytest.fixture(scope="module", params=list(FAST), ids=lambda c: c.__name__)
def fitted(request, X):
    return make(request.param).fit(X, progress=False)


def test_every_model_class_is_covered():
    def subclasses(k):
        for s in k.__subclasses__():
            yield s
            yield from subclasses(s)

    haplotype_models = {c for c in subclasses(GenerativeModel) if c.__module__.startswith("artgen_lite.models")}
    assert haplotype_models <= set(FAST), sorted(c.__name__ for c in haplotype_models - set(FAST))


def test_same_seed_same_model(fitted, X):
    again = make(type(fitted)).fit(X, progress=False)
    np.testing.assert_array_equal(again.sample(50, seed=3), fitted.sample(50, seed=3))


def test_samples_are_0_1_uint8_of_the_right_shape(fitted, X):
    S = fitted.sample(37, seed=1)
    assert S.dtype == np.uint8 and S.shape == (37, X.shape[1]) and set(np.unique(S)) <= {0, 1}


def test_saved_model_is_the_same_model(fitted, X, tmp_path):
    path = fitted.save(tmp_path / "m.pt")
    back = GenerativeModel.load(path)  # finds the class from the file
    assert type(back) is type(fitted) and back.get_params() == fitted.get_params()
    np.testing.assert_array_equal(back.sample(40, seed=5), fitted.sample(40, seed=5))
    np.testing.assert_allclose(back.score_samples(X[:20]), fitted.score_samples(X[:20]))


def test_score_samples_shape_and_sign(fitted, X):
    s = fitted.score_samples(X)
    assert s.dtype == np.float64 and s.shape == (len(X),) and np.isfinite(s).all()
    if isinstance(fitted, (GAN, ConvWGAN, PCAGAN)):
        # a discriminator's or critic's output, higher = judged real; a critic is no density, so
        # only an overfit one ranks members above others (chapter 06 measures that AUC)
        judge = fitted.discriminator_score if isinstance(fitted, GAN) else fitted.critic_score
        np.testing.assert_array_equal(s, judge(X))
    else:
        # higher = more member-like: the training haplotypes beat their complements (every
        # allele flipped: the same LD, the opposite allele frequencies)
        assert s.mean() > fitted.score_samples(1 - X).mean()


def test_bad_input_is_refused_naming_the_argument(fitted, X):
    bad = X.copy()
    bad[0, 0] = 2
    with pytest.raises(ValueError, match="X"):
        make(type(fitted)).fit(bad, progress=False)
    with pytest.raises(ValueError, match="SNPs"):
        fitted.score_samples(X[:, :-1])
    with pytest.raises(ValueError, match="n"):
        fitted.sample(0)
    with pytest.raises(TypeError, match="seed"):
        fitted.sample(5, seed=None)


def test_unfitted_model_says_so():
    with pytest.raises(RuntimeError, match="fit"):
        RBM().sample(3)


def test_a_model_file_names_its_module_and_loads_without_a_prior_import(tmp_path):
    import subprocess
    import sys

    X = data(n=60, m=12)
    path = RBM(n_hidden=4, epochs=2, batch_size=16).fit(X, progress=False).save(tmp_path / "m.pt")
    code = ("from artgen_lite.models.base import GenerativeModel as G; import sys; "
            f"m = G.load({str(path)!r}); print(type(m).__module__, type(m).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["artgen_lite.models.rbm", "RBM"]


def test_a_model_file_naming_a_foreign_module_is_refused(tmp_path, monkeypatch):
    from artgen_lite.models import base

    with pytest.raises(ValueError, match="not part of artgen_lite"):
        base._find_subclass("RBM", "os")


# ---------------------------------------------------------------- settings (models/settings.py)
def _settings_classes():
    from artgen_lite.dna.design import DNAWGAN
    from artgen_lite.dna.lm_models import ConvLM, KmerTransformerLM

    return list(FAST) + [DNAWGAN, ConvLM, KmerTransformerLM]


@pytest.mark.parametrize("cls", _settings_classes(), ids=lambda c: c.__name__)
def test_settings_are_read_from_the_signature(cls):
    import inspect

    sig = inspect.signature(cls)
    assert all(p.kind is p.KEYWORD_ONLY for p in sig.parameters.values()), "settings are keyword-only"
    model = cls()
    params = model.get_params()
    # every setting of the signature, with its default; nothing hidden behind **kwargs
    assert list(params) == list(sig.parameters)
    assert {k: v for k, v in params.items()} == {k: p.default for k, p in sig.parameters.items()}
    assert {"seed", "device"} <= set(params)
    rebuilt = cls(**params)
    assert repr(rebuilt) == repr(model)
    # set_params checks as the constructor does and names an unknown setting
    assert model.set_params(seed=7).seed == 7
    with pytest.raises(ValueError, match="no setting.*'colour'"):
        model.set_params(colour="red")
    with pytest.raises(TypeError, match="seed"):
        cls(seed=1.5)


def test_shared_settings_keep_each_class_default():
    import inspect

    # validation_fraction: 0.1 where fit picks a checkpoint, 0.0 where there is nothing to pick
    assert inspect.signature(RBM).parameters["validation_fraction"].default == 0.1
    assert inspect.signature(HaplotypeMosaic).parameters["validation_fraction"].default == 0.0
    assert HaplotypeMosaic().validation_fraction == 0.0 and RBM().validation_fraction == 0.1
    assert HaplotypeDiffusion().n_checkpoints == inspect.signature(HaplotypeDiffusion).parameters["n_checkpoints"].default == 10
    # models without a checkpoint choice do not take the setting at all
    assert "validation_fraction" not in inspect.signature(CRBM).parameters
    with pytest.raises(TypeError, match="validation_fraction"):
        CRBM(validation_fraction=0.1)
    with pytest.raises(TypeError, match=r"RBM\(\) got unexpected keyword argument\(s\) \['colour'\]"):
        RBM(colour="red")


@pytest.mark.parametrize("cls, steps, lr_g", [(RBM, 2400, None), (HaplotypeDiffusion, 3000, None),
                                             (ConvWGAN, 3300, 3e-3), (PCAGAN, 18600, 1e-4)],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_setting_groups_are_checked_once_with_each_class_default(cls, steps, lr_g):
    import inspect

    from artgen_lite.models.settings import BUDGET_SETTINGS, WGAN_GP_SETTINGS

    sig = inspect.signature(cls).parameters
    # the step budget: each class's own default, one check naming the setting
    assert sig["steps"].default == cls().steps == steps
    assert sig["epochs"].default is None
    with pytest.raises(ValueError, match="steps"):
        cls(steps=0)
    with pytest.raises(ValueError, match="batch_size"):
        cls(batch_size=-1)
    # the WGAN-GP loop's settings only where the class trains with that loop
    assert (lr_g is not None) == (set(WGAN_GP_SETTINGS) <= set(sig))
    assert set(BUDGET_SETTINGS) <= set(sig)
    if lr_g is not None:
        assert cls().lr_g == sig["lr_g"].default == lr_g
        with pytest.raises(ValueError, match="lr_c"):
            cls(lr_c=0.0)
        with pytest.raises(ValueError, match="beta2"):
            cls(beta2=1.0)


def test_set_params_refuses_a_trained_model(fitted):
    with pytest.raises(RuntimeError, match="is trained"):
        fitted.set_params(seed=3)


@pytest.mark.parametrize("cls", list(FAST), ids=lambda c: c.__name__)
def test_fit_calls_the_callback_every_k_epochs_and_after_the_last_or_refuses_it(cls, X):
    """``fit(callback=, callback_every=)`` is the base class's: the same rule for every model that
    trains in epochs; a model that does not (CRBM: window by window; the mosaic) refuses it."""
    seen = []

    def callback(model, epoch):
        seen.append(epoch)
        return {"seen": epoch}

    model = cls(seed=0, **FAST[cls])
    if not cls._trains_in_epochs:
        with pytest.raises(TypeError, match=f"{cls.__name__}.fit\\(\\) takes no callback"):
            model.fit(X, progress=False, callback=callback)
        return
    model.fit(X, progress=False, callback=callback, callback_every=2)
    trained = [r["epoch"] for r in model.history if "seen" in r]
    last = max(r["epoch"] for r in model.history)
    assert seen == trained and seen, "the callback's dict joins the rows of the epochs it was called at"
    assert seen == sorted(set(range(2, last + 1, 2)) | {last})
    with pytest.raises(ValueError, match="callback_every must be"):
        model.fit(X, progress=False, callback=callback, callback_every=0)
    with pytest.raises(TypeError, match=r"fit\(\) got unexpected keyword argument\(s\) \['colour'\]"):
        model.fit(X, progress=False, colour="red")
