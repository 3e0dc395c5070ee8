"""The ``artgen`` command line: fetch data, split a VCF, train a model, sample artificial genomes, judge them.

Explained in the chapter "Your own data" (notebooks/13_your_own_data)::

    artgen list
    artgen fetch chr1_slice --mirror DIR
    artgen split --vcf cohort.vcf.gz --panel panel.txt --out-train train.vcf.gz --out-test test.vcf.gz
    artgen train --vcf train.vcf.gz --model crbm --scale course --out crbm.pt
    artgen sample crbm.pt -n 1000 --out ags.vcf.gz
    artgen evaluate --train train.vcf.gz --test test.vcf.gz --synthetic ags.vcf.gz --out report/

Every subcommand has ``--help``. Errors a user can cause (a missing file, a bad region, an unknown
dataset, a VCF the readers refuse...) are printed as one line on stderr, with exit code 1 (2 for a
bad command line); ``ARTGEN_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .scales import SCALES

__all__ = ["main", "build_model", "MODELS", "save_cli_model", "load_cli_model"]

MODELS = ("rbm", "gan", "vae", "crbm", "convwgan", "pcagan")
CLI_FORMAT = "artgen_lite.cli/1"


class UserError(Exception):
    """An error in what the user asked for: printed as one line, exit code 1.

    Explained in the chapter "Your own data" (notebooks/13_your_own_data).
    """


def _model_class(name: str):
    from . import models

    classes = {"rbm": models.RBM, "gan": models.GAN, "vae": models.VAE, "crbm": models.CRBM,
               "convwgan": models.ConvWGAN, "pcagan": models.PCAGAN}
    if name not in classes:
        raise UserError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return classes[name]


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; ``cuda`` without a GPU is an error.

    The command line's face of :func:`artgen_lite.models.device.resolve_device` (same rule), with
    its errors as one-line :class:`UserError` messages naming ``--device``. Explained in the chapter
    "Your own data" (notebooks/13_your_own_data).
    """
    import torch

    from .models.device import DEVICES
    from .models.device import resolve_device as _resolve

    if device not in DEVICES:
        raise UserError(f"--device must be auto, cpu or cuda; got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda was asked for but torch sees no CUDA GPU (use --device cpu or auto)")
    return _resolve(device).type


def build_model(name: str, scale: str = "course", seed: int = 0, device: str = "auto"):
    """A model of the book (``rbm``, ``gan``, ``vae``, ``crbm``, ``convwgan``, ``pcagan``) at a scale.

    ``klass.preset(scale, seed=seed, device=device)`` (:meth:`artgen_lite.models.GenerativeModel.preset`):
    ``smoke`` trains in seconds (a check that everything runs, not a usable model); ``course`` is
    the class defaults; ``paper`` the settings of each model's paper, cited in its docstring (hours,
    a GPU helps). ``device`` is checked here (``cuda`` without a GPU is a one-line error) and kept
    as given in the model, so a model trained with ``auto`` on a GPU loads with ``auto`` on a CPU.

    Parameters
    ----------
    name : str
        One of :data:`MODELS`; another name is a :class:`UserError`.
    scale : str, optional
        One of :data:`artgen_lite.scales.SCALES` (``smoke``, ``course``, ``paper``).
    seed : int, optional
        The model's seed.
    device : str, optional
        ``auto``, ``cpu`` or ``cuda``.

    Returns
    -------
    artgen_lite.models.GenerativeModel
        The model, not yet trained.

    Examples
    --------
    >>> model = build_model("rbm", "smoke", seed=0, device="cpu")
    >>> type(model).__name__
    'RBM'

    Used by ``artgen train``; explained in the chapter "Your own data" (notebooks/13_your_own_data).
    """
    if scale not in SCALES:
        raise UserError(f"--scale must be one of {', '.join(SCALES)}; got {scale!r}")
    klass = _model_class(name)
    resolve_device(device)
    return klass.preset(scale, seed=int(seed), device=device)


# --------------------------------------------------------------------------------------------
# Model files of the command line: the model plus the columns of the VCF it was trained on
# --------------------------------------------------------------------------------------------


def save_cli_model(model, h, path, info: dict) -> Path:
    """Write ``model`` with the SNP columns of ``h`` (chrom, positions, REF, ALT) and ``info`` to ``path``.

    The file is one ``torch.save`` dict: the model's own file (as written by ``model.save``) as
    bytes, the columns as lists, and ``info`` (source VCF, region, scale, seed...). It loads with
    ``weights_only=True``. The parent folder is created if needed; the file is written under a
    temporary name and renamed into place.

    Parameters
    ----------
    model : artgen_lite.models.GenerativeModel
        A trained model (written with its ``save``).
    h : artgen_lite.data.Haplotypes
        The haplotypes it was trained on: their ``chrom``, ``positions``, ``ref`` and ``alt`` are kept.
    path : str or os.PathLike
        The file to write.
    info : dict
        Anything else to keep (source VCF, region, scale, seed...).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import os, tempfile
    >>> from artgen_lite.data import Haplotypes
    >>> X = (np.random.default_rng(0).random((32, 3)) < 0.5).astype(np.uint8)
    >>> h = Haplotypes(X=X, chrom=np.array(["1", "1", "1"]), positions=np.array([100, 200, 300]),
    ...                ref=np.array(["A", "C", "G"]), alt=np.array(["G", "T", "A"]))
    >>> model = build_model("rbm", "smoke", device="cpu").fit(h.X, progress=False)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_cli_model(model, h, os.path.join(tmp, "rbm.pt"), {"scale": "smoke"})
    ...     print(path.name, path.is_file())
    rbm.pt True

    Explained in the chapter "Your own data" (notebooks/13_your_own_data).
    """
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".artgen-") as tmp:
        inner = Path(tmp) / "model.pt"
        model.save(inner)
        payload = {
            "format": CLI_FORMAT,
            "model_file": inner.read_bytes(),
            "columns": {
                "chrom": [str(c) for c in h.chrom],
                "positions": [int(p) for p in h.positions],
                "ref": [str(a) for a in h.ref],
                "alt": [str(a) for a in h.alt],
            },
            "info": dict(info),
        }
        out = Path(tmp) / "out.pt"
        torch.save(payload, out)
        os.replace(out, path)
    return path


def load_cli_model(path):
    """Read a file written by :func:`save_cli_model`: ``(model, columns, info)``.

    A missing file, or one that is not such a file, is a :class:`UserError`.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_cli_model` (``artgen train``).

    Returns
    -------
    model : artgen_lite.models.GenerativeModel
        The trained model.
    columns : dict of str to list
        The SNP columns it was trained on: ``chrom``, ``positions``, ``ref``, ``alt``.
    info : dict
        What :func:`save_cli_model` was given as ``info``.

    Examples
    --------
    >>> import os, tempfile
    >>> from artgen_lite.data import Haplotypes
    >>> X = (np.random.default_rng(0).random((32, 3)) < 0.5).astype(np.uint8)
    >>> h = Haplotypes(X=X, chrom=np.array(["1", "1", "1"]), positions=np.array([100, 200, 300]),
    ...                ref=np.array(["A", "C", "G"]), alt=np.array(["G", "T", "A"]))
    >>> model = build_model("rbm", "smoke", device="cpu").fit(h.X, progress=False)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_cli_model(model, h, os.path.join(tmp, "rbm.pt"), {"scale": "smoke"})
    ...     loaded, columns, info = load_cli_model(path)
    >>> type(loaded).__name__, columns["positions"], info
    ('RBM', [100, 200, 300], {'scale': 'smoke'})

    Explained in the chapter "Your own data" (notebooks/13_your_own_data).
    """
    import torch

    from .models import GenerativeModel

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such model file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise UserError(f"{path}: not a model file written by 'artgen train' ({type(exc).__name__})") from exc
    if not isinstance(payload, dict) or payload.get("format") != CLI_FORMAT:
        hint = " (it is a bare model.save() file, without the VCF columns)" if isinstance(payload, dict) and \
            str(payload.get("format", "")).startswith("artgen_lite.models") else ""
        raise UserError(f"{path}: not a model file written by 'artgen train'{hint}")
    with tempfile.TemporaryDirectory(prefix="artgen-") as tmp:
        inner = Path(tmp) / "model.pt"
        inner.write_bytes(payload["model_file"])
        model = GenerativeModel.load(inner)
    return model, payload["columns"], payload.get("info", {})


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _parse_region(region: str | None) -> str | None:
    """Check ``CHR:START-END`` (or ``CHR``) and return it in the form the VCF reader takes."""
    if region is None:
        return None
    chrom, _, span = region.partition(":")
    if not chrom:
        raise UserError(f"--region {region!r}: expected CHR:START-END, e.g. 2:136400000-136700000")
    if span:
        start, sep, end = span.replace(",", "").partition("-")
        if not (sep and start.isdigit() and end.isdigit() and 0 < int(start) <= int(end)):
            raise UserError(f"--region {region!r}: expected CHR:START-END with 0 < START <= END")
        return f"{chrom}:{int(start)}-{int(end)}"
    return chrom


def _read(path, region=None, panel=None, what="--vcf"):
    from . import data

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{what} {path}: no such file")
    import warnings

    with warnings.catch_warnings():
        # scikit-allel warns when a region is read from a file without an index (it then scans it)
        warnings.filterwarnings("ignore", message=".*tabix.*", category=UserWarning)
        h = data.read_vcf(path, panel=panel, region=_parse_region(region), multiallelic="drop")
    multi = h.meta.get("multiallelic_dropped", 0)
    if h.ref is not None and h.alt is not None:
        # symbolic alleles (<CN0>, <INS:ME:SVA>, ...) are structural variants, not SNPs: a VCF
        # cannot be written back without their lengths, and the models treat columns as SNPs
        import re

        plain = re.compile(r"[ACGTN]+")
        keep = [i for i, (r, a) in enumerate(zip(h.ref, h.alt))
                if plain.fullmatch(str(r)) and plain.fullmatch(str(a))]
        symbolic = h.n_snps - len(keep)
        if symbolic:
            h = h.columns(keep)
    else:
        symbolic = 0
    if multi or symbolic:
        parts = [f"{n} {what_} record{'s' if n > 1 else ''}" for n, what_ in
                 ((multi, "multi-allelic"), (symbolic, "symbolic-allele")) if n]
        _say(f"{what} {path.name}: dropped {' and '.join(parts)} (the models take biallelic SNPs)")
    if h.n_snps == 0 or h.n_haplotypes == 0:
        raise UserError(f"{what} {path}: no biallelic SNPs{' in ' + region if region else ''}")
    if h.positions is None or h.chrom is None:
        raise UserError(f"{what} {path}: the reader returned no positions")
    blank = [""] * h.n_snps
    sites = list(zip(h.chrom.tolist(), h.positions.tolist(), blank if h.ref is None else h.ref.tolist(),
                     blank if h.alt is None else h.alt.tolist()))
    if len(set(sites)) < len(sites):
        # refused now: the VCF of artificial genomes could not list the site twice, so 'sample'
        # would fail only after training
        seen: set = set()
        c, p, r, a = next(site for site in sites if site in seen or seen.add(site))
        raise UserError(f"{what} {path}: the site {c}:{p} {r}>{a} occurs twice; keep one record per site "
                        "(bcftools norm -d exact)")
    return h


def _refuse_overwriting(inputs: dict[str, Any], outputs: dict[str, Any], why: str = "it would be overwritten") -> None:
    """Refuse an output path that is one of the inputs (it would be overwritten: a model written over
    the VCF it was trained on, AGs over the model) or another output (the second would replace the
    first), naming both options."""

    def same(a: Path, b: Path) -> bool:
        try:
            return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
        except OSError:
            return False

    seen: dict[str, Path] = {k: Path(v) for k, v in inputs.items() if v is not None}
    for name, value in outputs.items():
        out = Path(value)
        for other, path in seen.items():
            if same(out, path):
                role = "an input" if other in inputs else "another output"
                raise UserError(f"{name} {value} is the same file as {other} ({role}); {why}")
        seen[name] = out


def _individual_order(h):
    """Rows regrouped so that the two haplotypes of an individual (``X_A``, ``X_B``) sit side by side."""
    import numpy as np

    ids = np.asarray(h.sample_ids).astype(str)
    base = np.array([s[:-2] if s.endswith(("_A", "_B")) else s for s in ids])
    order = np.lexsort((ids, base))
    return h.rows(order)


def _write_haplotypes(h, path, prefix="AG_"):
    from . import data

    path = Path(path)
    data.write_vcf(h, path, sample_prefix=prefix)
    return path


# --------------------------------------------------------------------------------------------
# Subcommands
# --------------------------------------------------------------------------------------------


def cmd_list(args) -> int:
    from . import registry

    for name, here, title in registry.list_datasets():
        kind = "haplotypes" if registry.REGISTRY[name].reader is not None else "file"
        print(f"{name:20s} {here:7s} {kind:10s} {title}")
    print(f"# cache: {registry.cache_dir()}", file=sys.stderr)
    return 0


def cmd_fetch(args) -> int:
    from . import registry

    names = list(registry.REGISTRY) if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in registry.REGISTRY]
    if unknown:
        raise UserError(f"unknown dataset {unknown[0]!r}; known: {', '.join(registry.REGISTRY)} (or 'all')")
    failed = 0
    for name in names:
        try:
            for n, p in registry.get_with_needs(name, mirror=args.mirror, quiet=True).items():
                print(f"{n}\t{p}")
        except registry.FetchError as exc:
            _say(f"artgen fetch: error: {exc}")
            failed += 1
    return 1 if failed else 0


def cmd_split(args) -> int:
    from . import data

    if not 0 < args.test_fraction < 1:
        raise UserError(f"--test-fraction must be between 0 and 1; got {args.test_fraction}")
    if args.panel is not None and not Path(args.panel).is_file():
        raise UserError(f"--panel {args.panel}: no such file")
    _refuse_overwriting({"--vcf": args.vcf, "--panel": args.panel},
                        {"--out-train": args.out_train, "--out-test": args.out_test})
    h = _read(args.vcf, args.region, panel=args.panel)
    train, test = data.train_test_split(h, test_fraction=args.test_fraction, seed=args.seed)
    train, test = _individual_order(train), _individual_order(test)
    for part, out in ((train, args.out_train), (test, args.out_test)):
        _write_haplotypes(part, out, prefix="S_")
    strat = "stratified by population" if h.populations is not None else "not stratified (no --panel)"
    _say(f"split {h.n_haplotypes} haplotypes x {h.n_snps} SNPs into {train.n_haplotypes} train and "
         f"{test.n_haplotypes} test haplotypes ({strat}, individuals kept whole, seed {args.seed})")
    print(f"{args.out_train}\n{args.out_test}")
    return 0


def cmd_train(args) -> int:
    import numpy as np
    import torch

    from . import __version__

    if args.time_limit is not None and not (args.time_limit > 0 and args.time_limit < float("inf")):
        raise UserError(f"--time-limit must be a positive number of seconds; got {args.time_limit}")
    _refuse_overwriting({"--vcf": args.vcf}, {"--out": args.out})
    model = build_model(args.model, args.scale, args.seed, args.device)
    h = _read(args.vcf, args.region)
    if args.threads:
        torch.set_num_threads(args.threads)
    contigs = list(dict.fromkeys(h.chrom.tolist()))
    if len(contigs) > 1 and args.model in ("crbm", "convwgan"):
        # these two learn from neighbouring columns (windows, convolutions): across a chromosome
        # boundary they would learn, and write, linkage that cannot exist
        _say(f"note: {Path(args.vcf).name} spans {len(contigs)} chromosomes ({', '.join(contigs[:5])}"
             f"{', ...' if len(contigs) > 5 else ''}); {args.model} treats neighbouring columns as linked, "
             "so train one model per chromosome (--region CHROM) unless that is what you want")
    _say(f"training {type(model).__name__} ({args.scale} scale, seed {args.seed}) on {h.n_haplotypes} haplotypes "
         f"x {h.n_snps} SNPs of {Path(args.vcf).name}")
    t0 = time.perf_counter()
    model.fit(h.X, progress=not args.quiet and sys.stderr.isatty(), time_limit=args.time_limit)
    seconds = time.perf_counter() - t0
    if model.stopped_by_time_limit:
        _say(f"stopped by --time-limit {args.time_limit:g} s before the model's full budget")
    info = {
        "model": args.model, "class": type(model).__name__, "scale": args.scale, "seed": int(args.seed),
        "vcf": str(Path(args.vcf).name), "region": args.region or "", "n_haplotypes": int(h.n_haplotypes),
        "n_snps": int(h.n_snps), "train_time_s": float(seconds), "artgen_lite": __version__,
        "alt_frequency": float(np.mean(h.X)), "stopped_by_time_limit": bool(model.stopped_by_time_limit),
    }
    save_cli_model(model, h, args.out, info)
    _say(f"trained in {seconds:.1f} s; {model.n_parameters:,} parameters; written to {args.out}")
    print(args.out)
    return 0


def cmd_sample(args) -> int:
    import numpy as np

    from . import data

    if args.n < 2 or args.n % 2:
        raise UserError(f"-n must be an even number >= 2 (two haplotypes per artificial individual); got {args.n}")
    _refuse_overwriting({"MODEL": args.model}, {"--out": args.out})
    model, cols, info = load_cli_model(args.model)
    X = model.sample(args.n, seed=args.seed)
    ids = np.array([f"AG_{i // 2 + 1}_{'AB'[i % 2]}" for i in range(args.n)])
    h = data.Haplotypes(
        X=X, sample_ids=ids, chrom=np.array(cols["chrom"]), positions=np.array(cols["positions"], dtype=np.int64),
        ref=np.array(cols["ref"]), alt=np.array(cols["alt"]),
        source=f"artgen sample: {info.get('class', '?')} ({info.get('scale', '?')} scale, training seed "
               f"{info.get('seed', '?')}), sample seed {args.seed}",
        meta={"model": info.get("class"), "model_file": Path(args.model).name, "scale": info.get("scale"),
              "train_seed": info.get("seed"), "sample_seed": int(args.seed)},
    )
    _write_haplotypes(h, args.out, prefix="AG_")
    _say(f"wrote {args.n} artificial haplotypes ({args.n // 2} individuals) x {h.n_snps} SNPs to {args.out}")
    print(args.out)
    return 0


def cmd_evaluate(args) -> int:
    from . import report

    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise UserError(f"--out {args.out} is a file; give a folder for the report (it is made if missing)")
    # the held-out set is the yardstick of privacy and of a real sample: it cannot be the training set
    _refuse_overwriting({"--train": args.train}, {"--test": args.test},
                        why="the held-out haplotypes must be others than the training ones")
    sets = {}
    for what in ("train", "test", "synthetic"):
        sets[what] = _read(getattr(args, what), what=f"--{what}")
    if args.max_haplotypes is not None:
        import numpy as np

        if args.max_haplotypes < 2:
            raise UserError(f"--max-haplotypes must be at least 2; got {args.max_haplotypes}")
        rng = np.random.default_rng(args.seed)
        for what, h in sets.items():
            if h.n_haplotypes > args.max_haplotypes:
                sets[what] = h.rows(np.sort(rng.choice(h.n_haplotypes, args.max_haplotypes, replace=False)))
    result = report.write_report(sets["train"], sets["test"], sets["synthetic"], args.out, seed=args.seed,
                                 n_eval=args.n_eval, progress=not args.quiet,
                                 names={k: str(getattr(args, k)) for k in sets})
    n_eval = int(result["scorecard"].iloc[0]["n_eval"])
    if n_eval < report.MIN_EVAL:
        _say(f"note: {report.precision_note(n_eval)}")
    print(Path(args.out) / "report.html")
    return 0


# --------------------------------------------------------------------------------------------
# Parser and entry point
# --------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(
        prog="artgen",
        description="Train generative models on your own phased VCF, write artificial genomes (AGs) as VCF, "
                    "and judge them (artgen-lite; the book's chapter 'Your own data').",
    )
    p.add_argument("--version", action="version", version=f"artgen-lite {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    s = sub.add_parser("list", help="list the datasets of the registry",
                       description="List the registry's datasets: name, whether cached here, kind and title.")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("fetch", help="get datasets (with the files they need)",
                       description="Fetch registry datasets into the cache (a mirror folder first, then the URL) "
                                   "and print their paths. 'all' fetches everything.")
    s.add_argument("names", nargs="+", metavar="NAME", help="dataset name(s) from 'artgen list', or 'all'")
    s.add_argument("--mirror", metavar="DIR", help="a local folder laid out as the registry's mirror paths "
                   "(default: $ARTGEN_DATA_MIRROR)")
    s.set_defaults(func=cmd_fetch)

    s = sub.add_parser("split", help="split a VCF into training and held-out haplotypes",
                       description="Split the haplotypes of a phased VCF into train and test sets, by individual "
                                   "(both haplotypes on one side), stratified by population when --panel is given.")
    s.add_argument("--vcf", required=True, metavar="IN.vcf.gz", help="phased, biallelic VCF (multi-allelic records are dropped)")
    s.add_argument("--region", metavar="CHR:START-END", help="keep this region only (read through the index when the VCF has one, else by scanning it)")
    s.add_argument("--test-fraction", type=float, default=0.2, metavar="F", help="share of individuals held out (default 0.2)")
    s.add_argument("--panel", metavar="PANEL", help="sample panel (columns sample, pop, super_pop; 1000 Genomes format)")
    s.add_argument("--seed", type=int, default=0, help="seed of the shuffle (default 0)")
    s.add_argument("--out-train", required=True, metavar="TRAIN.vcf.gz")
    s.add_argument("--out-test", required=True, metavar="TEST.vcf.gz")
    s.set_defaults(func=cmd_split)

    s = sub.add_parser("train", help="train a generative model on a VCF",
                       description="Train one of the book's models on the haplotypes of a phased VCF and save it "
                                   "with the VCF's SNP columns (for 'artgen sample').")
    s.add_argument("--vcf", required=True, metavar="TRAIN.vcf.gz")
    s.add_argument("--region", metavar="CHR:START-END", help="train on this region only (read through the index when the VCF has one, else by scanning it)")
    s.add_argument("--model", required=True, choices=MODELS, help="which model (crbm holds best across regions so far)")
    s.add_argument("--scale", choices=SCALES, default="course",
                   help="smoke: seconds, a check only; course: the book's settings (default); paper: the papers' (hours)")
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="where to train (default auto)")
    s.add_argument("--seed", type=int, default=0, help="seed of initialisation and training (default 0)")
    s.add_argument("--threads", type=int, default=0,
                   help="torch CPU threads (default: torch's choice; 1 is fastest on a busy machine)")
    s.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="stop training after this many seconds and keep the best state seen "
                        "(results then depend on the machine's speed; default: the model's full budget)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.add_argument("--out", required=True, metavar="MODEL.pt")
    s.set_defaults(func=cmd_train)

    s = sub.add_parser("sample", help="write artificial genomes from a trained model as VCF",
                       description="Draw N artificial haplotypes from a model written by 'artgen train' and write "
                                   "them as a phased VCF (N/2 individuals AG_1, AG_2, ...) with the training VCF's "
                                   "chromosome, positions and alleles.")
    s.add_argument("model", metavar="MODEL.pt")
    s.add_argument("-n", type=int, required=True, metavar="N", help="number of haplotypes (even)")
    s.add_argument("--seed", type=int, default=0, help="seed of the sampler (default 0)")
    s.add_argument("--out", required=True, metavar="AGS.vcf.gz")
    s.set_defaults(func=cmd_sample)

    s = sub.add_parser("evaluate", help="judge artificial genomes against training and held-out data",
                       description="Score synthetic haplotypes against the training and held-out haplotypes (same "
                                   "SNPs): scorecard.csv, report.md and report.html with the book's assessment "
                                   "figures (PCA, allele frequencies, LD, LD decay, AATS, privacy) as PNG.")
    s.add_argument("--train", required=True, metavar="TRAIN.vcf.gz")
    s.add_argument("--test", required=True, metavar="TEST.vcf.gz")
    s.add_argument("--synthetic", required=True, metavar="AGS.vcf.gz")
    s.add_argument("--out", required=True, metavar="REPORT_DIR")
    s.add_argument("--seed", type=int, default=0, help="seed of the subsamples (default 0)")
    s.add_argument("--n-eval", type=int, default=None, metavar="N",
                   help="haplotypes per set for the nearest-neighbour metrics (default: the smallest set)")
    s.add_argument("--max-haplotypes", type=int, default=None, metavar="N",
                   help="score on at most N haplotypes of each set, a seeded subsample (large cohorts; default: all)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_evaluate)
    return p


def main(argv=None) -> int:
    """Entry point of the ``artgen`` console script; returns the exit code.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``artgen``; None reads ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code: 0 on success, 1 for an error (printed as one line on stderr), 130 when
        interrupted. A bad command line exits with code 2 (argparse's ``SystemExit``).

    Examples
    --------
    ``artgen list`` (the dataset table on stdout, the cache folder on stderr):

    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()) as out:
    ...     code = main(["list"])
    >>> code, out.getvalue().split()[0]
    (0, '1000g_805')

    Explained in the chapter "Your own data" (notebooks/13_your_own_data).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    from . import registry
    from .data import DataError

    user_errors = (UserError, DataError, registry.FetchError, FileNotFoundError, PermissionError,
                   IsADirectoryError, NotADirectoryError, ValueError, KeyError)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        _say(f"artgen {args.cmd}: interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback, unless ARTGEN_DEBUG is set
        if os.environ.get("ARTGEN_DEBUG"):
            raise
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        kind = "error" if isinstance(exc, user_errors) else f"internal error ({type(exc).__name__}; "\
            "ARTGEN_DEBUG=1 shows the traceback)"
        _say(f"artgen {args.cmd}: {kind}: {' '.join(str(msg).split())}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
