"""The dataset registry and fetcher of artgen-lite: which files each dataset has, where they come from, and how to read them.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes) and used
by the command line of the chapter "Your own data" (notebooks/13_your_own_data): ``artgen list``,
``artgen fetch NAME [--mirror DIR]``; before the install, ``data/fetch.py`` is its command line.

Where files come from, in order: a mirror folder (``mirror=`` / ``--mirror DIR`` or the
``ARTGEN_DATA_MIRROR`` environment variable, laid out as the registry's mirror paths), then the
canonical public URL. A mirror copy that is missing, a folder, or damaged does not stop the URL from
being tried. Every file is checked against its sha256; a download is written to a temporary folder
and renamed only once it is verified, so an interrupted run leaves nothing half-written.

Three datasets (``lct``, ``cpg_chr2_slice``, ``genes_b38``) have no public copy in the form the
chapters read: their public source is an R data file in an R package repository, pinned to a commit.
The fetcher downloads that file, checks its sha256, derives the book's file from it with a converter
of :mod:`artgen_lite.rdata_sources` (a ``Source`` whose unpack step is ``'rdata:CONVERTER'``), and
checks the derived file as any other. For a gzip/BGZF file the registry also records the sha256 of
its decompressed content (``Dataset.content_sha256``): the converters reproduce the mirror's bytes
with the standard zlib, and a zlib build that compresses differently still gives the same content,
which is then what is checked. Deriving needs numpy, pandas and ``rdata`` (dependencies of the
package); ``data/fetch.py`` run before the course environment exists copies these three datasets
from a mirror only, and says so. Every
failure, whatever its cause (network, checksum, a zip that is an HTML page, a read-only cache...),
is raised as one :class:`FetchError` that names the dataset and each source tried.

Where files land (:func:`cache_dir`): ``$ARTGEN_DATA_CACHE`` (or ``$ARTGEN_CACHE``) when set; else
``data/cache/`` when this package sits in a clone of the course repository; else the user cache
folder ``$XDG_CACHE_HOME/artgen-lite`` (default ``~/.cache/artgen-lite``).

Only the Python standard library is imported at module level, so ``data/fetch.py`` can load this
file by path before the course environment exists. Reading a dataset (:func:`load`) imports
:mod:`artgen_lite.data`, which needs numpy and pandas.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import importlib.util
import os
import shutil
import sys
import tempfile
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = [
    "FetchError", "Source", "Reader", "Dataset", "REGISTRY",
    "cache_dir", "mirror_dir", "get", "get_with_needs", "load", "list_datasets",
]

PACKAGE_DIR = Path(__file__).resolve().parent
GITLAB = "https://gitlab.inria.fr/ml_genetics/public/artificial_genomes/-/raw/29c1ef7cf242e842df4360abae2eebeec995f40e"
GITHUB_RAW = "https://raw.githubusercontent.com"
RAVAGES = f"{GITHUB_RAW}/genostats/Ravages/9e7919ef7025f59c10f7c4a2693977de22236998"
TIGHTROPE = f"{GITHUB_RAW}/benja0x40/Tightrope/3cb7c55252971ebe3244c9f29a18102bfd1bc26a"

YELMEN_2021 = "Yelmen B. et al. (2021) Creating artificial human genomes using generative neural networks. PLoS Genet 17(2): e1009303"
KG_2015 = "The 1000 Genomes Project Consortium (2015) A global reference for human genetic variation. Nature 526: 68-74"


class FetchError(RuntimeError):
    """A dataset could not be had: the message names the dataset and what went wrong with each source.

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """


@dataclass(frozen=True)
class Source:
    """One place a file can come from. ``unpack`` is None, ``'zip:MEMBER'``, ``'gunzip'`` or ``'rdata:CONVERTER'``.

    ``sha256`` is of the bytes as they arrive (before unpacking), or None where only the unpacked
    file's checksum is known (then the dataset's own sha256 is the check). ``'rdata:CONVERTER'``
    derives the dataset's file from an R data file with ``artgen_lite.rdata_sources.CONVERTERS[CONVERTER]``.

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """

    where: str
    sha256: str | None = None
    unpack: str | None = None


@dataclass(frozen=True)
class Reader:
    """How a haplotype dataset is read into :class:`artgen_lite.data.Haplotypes`.

    ``kind`` is ``"hapt"`` or ``"vcf"``; ``legend`` and ``panel`` name the registry datasets that
    give the SNP columns and the population labels; ``multiallelic`` and ``homozygous_as_haploid``
    are passed to ``read_vcf``;
    ``labels`` = ``(population, superpopulation)`` given to every row when there is no panel.

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """

    kind: str
    legend: str | None = None
    panel: str | None = None
    multiallelic: str = "error"
    labels: tuple[str, str] | None = None
    homozygous_as_haploid: bool = False  # one haplotype per sample, written as g|g

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(n for n in (self.legend, self.panel) if n)


@dataclass(frozen=True)
class Dataset:
    """One registry entry: file name, checksum, size, licence, citation, sources and reader (or None).

    ``sha256`` is of the file as the mirror holds it. ``content_sha256``, for a gzipped file that is
    derived from an R data file, is of its decompressed bytes: a copy whose compressed bytes differ
    (another zlib build) but whose content has this checksum is accepted too.

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """

    name: str
    title: str
    filename: str
    sha256: str
    size: int
    licence: str
    citation: str
    urls: tuple[Source, ...]
    mirror: Source
    note: str = ""
    needs: tuple[str, ...] = field(default_factory=tuple)
    reader: Reader | None = None
    content_sha256: str | None = None  # of the decompressed bytes, for a gzip/BGZF file derived here


def _yelmen(name, title, filename, sha, size, url_src, mirror_src, note=""):
    return Dataset(
        name=name, title=title, filename=filename, sha256=sha, size=size,
        licence="Paper CC BY 4.0 (PLOS); no licence file upstream; genotypes from 1000 Genomes phase 3 (open access)",
        citation=YELMEN_2021, urls=(url_src,), mirror=mirror_src, note=note,
    )


REGISTRY: dict[str, Dataset] = {}


def _register(*datasets: Dataset) -> None:
    for d in datasets:
        REGISTRY[d.name] = d


_register(
    _yelmen(
        "1000g_805", "1000 Genomes 805-SNP haplotypes (Yelmen et al. 2021)", "805_SNP_1000G_real.hapt",
        "ab533d2d6fccf938f8c7ddc440624dd7cd840ed32761a3fd1919ee647b2a0b92", 8_138_000,
        Source(f"{GITLAB}/1000G_real_genomes/805_SNP_1000G_real.hapt"),
        Source("yelmen2021/805_SNP_1000G_real.hapt.zip",
               "f580db0d9a3694ffb5cb0ae1db4c835ee3f3dd5eb49c71a6901b0984e01a6759", "zip:805_SNP_1000G_real.hapt"),
        note="5008 haplotypes of the 2504 phase-3 individuals (panel order), 805 SNPs on all autosomes. 1 = ALT (a1) of the legend.",
    ),
    _yelmen(
        "yelmen_gan_805", "Released GAN artificial genomes, 805 SNPs, 20,000 epochs (Yelmen et al. 2021)",
        "805_SNP_GAN_AG_20000epochs.hapt",
        "8ea7ab018f6ccfbf41c7c3b832ae1d56d70a5db09d069d502830de057bc9ecba", 8_098_890,
        Source(f"{GITLAB}/GAN_AGs/805_SNP_GAN_AG_20000epochs.hapt.zip?inline=false", None, "zip:805_SNP_GAN_AG_20000epochs.hapt"),
        Source("yelmen2021/805_SNP_GAN_AG_20000epochs.hapt.zip",
               "e5bc1925e3b9e55f56119f186678c2c403bd69a3a187e7ff19378fb57184a8ad", "zip:805_SNP_GAN_AG_20000epochs.hapt"),
    ),
    _yelmen(
        "yelmen_rbm_805", "Released RBM artificial genomes, 805 SNPs, 800 epochs (Yelmen et al. 2021)",
        "805_SNP_RBM_AG_800Epochs.hapt",
        "eec664ce0b8cd7c23083f43f1b52851fa947b5969448d40ba7ba05f34e07a7b5", 8_098_890,
        Source(f"{GITLAB}/RBM_AGs/805_SNP_RBM_AG_800Epochs.hapt.zip?inline=false", None, "zip:805_SNP_RBM_AG_800Epochs.hapt"),
        Source("yelmen2021/805_SNP_RBM_AG_800Epochs.hapt.zip",
               "bd14bdae6aca480470c00e505729debb546cdd233fd8035cfae84c30e434906a", "zip:805_SNP_RBM_AG_800Epochs.hapt"),
    ),
    _yelmen(
        "legend_805", "Legend of the 805 SNPs (id position a0 a1, GRCh37)", "805_SNP.legend",
        "7742730ff31480e4a2232ca5e219bbf1ec874b18e7562408768e10ec96e5e956", 23_357,
        Source(f"{GITLAB}/1000G_real_genomes/805_SNP.legend"),
        Source("yelmen2021/805_SNP.legend"),
        note="The GitLab path is inferred from the folder layout of public copies.",
    ),
    _yelmen(
        "legend_10k", "Legend of the 10K SNPs, chr15:27.38-29.63 Mb (GRCh37)", "10k_SNP.legend",
        "549835bb36645ba789dcf31507ed59a766c2c8e7570121c7f5fa8723161b0b0d", 290_018,
        Source(f"{GITLAB}/1000G_real_genomes/10k_SNP.legend"),
        Source("yelmen2021/10k_SNP.legend"),
        note="The GitLab path is inferred from the folder layout of public copies.",
    ),
    Dataset(
        "eur_10k", "1004 European haplotypes x 10,000 SNPs, chr15 OCA2/HERC2 (third-party VCF of the 10K data)",
        "10K_real_eur.vcf.gz", "254a0f045037de63287a40d318411e4dedf4ea4df9318144b909b1e64cfb1fe9", 990_926,
        "No licence found in the repository; genotypes from 1000 Genomes phase 3 (open access)",
        YELMEN_2021 + "; VCF by prateekanand2/genetic_pc",
        (Source(f"{GITHUB_RAW}/prateekanand2/genetic_pc/030e6765c423049f259495cf67fe278725df3d9a/aux/10K_real_eur.vcf.gz"),),
        Source("yelmen2021/10K_real_eur.vcf.gz"),
        note="A third-party derivative: each 'sample' is one haplotype written g|g; sample ids are unknown.",
    ),
    Dataset(
        "panel", "1000 Genomes phase 3 sample panel (2504 individuals, 26 populations)",
        "integrated_call_samples_v3.20130502.ALL.panel",
        "0fdfdc392ee0480b3e321b6bf28f64afa1983db314f79bd412498490dc7a0f4b", 55_154,
        "1000 Genomes data: open access", KG_2015,
        (Source(f"{GITHUB_RAW}/boxiangliu/locuscompare/f6a3a6ef44163cfbd05d01cdbf666f12893cb5fb/data/integrated_call_samples_v3.20130502.ALL.panel"),),
        Source("1000g/integrated_call_samples_v3.20130502.ALL.panel"),
        note="Original: ftp.1000genomes.ebi.ac.uk/vol1/ftp/release/20130502/ (may differ byte-wise, trailing tabs), so the exact copy is fetched.",
    ),
    Dataset(
        "lct", "1000 Genomes phase 3, LCT/MCM6 region chr2:136.40-136.70 Mb (8076 SNPs x 5008 haplotypes)",
        "1kg_phase3_chr2_LCT_136401418-136699902.vcf.gz",
        "453502a1bb0a0cd83c60ffe6c55ca1d92efde853a0d895e4dfddf24dfa8fa481", 1_147_578,
        "GPL-3 (Ravages R package); genotypes from 1000 Genomes phase 3", KG_2015 + "; Ravages R package (genostats/Ravages)",
        (Source(f"{RAVAGES}/data/LCT.haplotypes.rda",
                "b58a40d17d0764fae263051ba338cf5be3b162c6b6d380a6dcd9e0baa8a22a2b", "rdata:lct_vcf"),),
        Source("1000g/1kg_phase3_chr2_LCT_136401418-136699902.vcf.gz"),
        note=("Converted: the public origin is the R data file LCT.haplotypes.rda (objects LCT.hap, LCT.snps, "
              "LCT.sample) in genostats/Ravages @ 9e7919ef; the fetcher converts it to a BGZF VCFv4.2 "
              "(REF=A1, ALT=A2, GT hap.1|hap.2, no INFO) and checks the result."),
        content_sha256="6d273c6459e6427eace950a959f89c06cf6d81bfd218c2e27aa88720c6381817",
    ),
    Dataset(
        "chr1_slice", "1000 Genomes phase 3, chr1:11,697,036-11,836,540 (4296 SNPs x 5008 haplotypes)",
        "1kg_phase3_chr1_11697036-11836540.vcf.gz",
        "c1d66e6dbbfeeee3781af8bce86d69f54cae47a4fafc52e0a8cf5090b3b2be26", 832_334,
        "MIT (genotype_plot repository); genotypes from 1000 Genomes phase 3", KG_2015,
        (Source(f"{GITHUB_RAW}/JimWhiting91/genotype_plot/8a1e48178fcfd5dc9287112dc7038fcf03e5d28c/inst/example.vcf.gz"),),
        Source("1000g/1kg_phase3_chr1_11697036-11836540.vcf.gz"),
    ),
    Dataset(
        "hg38_chr2_slice", "hg38 chr2:1-2,333,275 reference sequence (bgzipped FASTA, soft-masked)",
        "hg38_chr2_1-2333275.fa.gz", "d7d3f5a3f7026336d8d464ed518cb5658c074b34171115b96146ca717b45b79e", 754_422,
        "BSD-3-Clause (my_utils repository); UCSC hg38 reference (free use)",
        "Schneider V.A. et al. (2017) Evaluation of GRCh38 and de novo haploid genome assemblies. Genome Res 27: 849-864",
        (Source(f"{GITHUB_RAW}/bfairkun/my_utils/146e0979b5df6ca470fb8a27575aedcb3fdbc433/tests/data/chr2_1-2333275.fa.gz"),),
        Source("reference/hg38_chr2_1-2333275.fa.gz"),
    ),
    Dataset(
        "cpg_chr2_slice", "UCSC CpG islands (cpgIslandExt, hg38) inside chr2:1-2,333,275 (47 islands)",
        "cpgIslandExt.hg38.chr2_1-2333275.bed", "c9d1eb460986e2f149976002ba79222e103e7c5895a9044ef3b08bc08fc50429", 2_643,
        "GPL-3 (Tightrope R package); UCSC annotation (free use)",
        "Gardiner-Garden M., Frommer M. (1987) CpG islands in vertebrate genomes. J Mol Biol 196: 261-282",
        (Source(f"{TIGHTROPE}/data/CGI_hg38.rda",
                "78b28bbca8cc78aa52437cc8d44f3b6af27452400d77ad689cfcf0bd982c2716", "rdata:cpg_chr2_slice"),),
        Source("reference/cpgIslandExt.hg38.chr2_1-2333275.bed"),
        note=("Converted: the islands of UCSC cpgIslandExt (hg38) inside the FASTA slice, taken from the GRanges "
              "in benja0x40/Tightrope's data/CGI_hg38.rda @ 3cb7c552 and written as cpgIslandExt columns without "
              "'bin'. The UCSC original is goldenpath/hg38/database/cpgIslandExt.txt.gz (with a leading 'bin' column)."),
    ),
    Dataset(
        "genes_b38", "GRCh38 gene coordinates (18,278 genes; Chr Start End Name)",
        "genes.b38.Ravages.tsv.gz", "10e1267cd5850cb6da9ac4231771fda9fe601e2041afc0d2a02c71fb44c10b16", 239_309,
        "GPL-3 (Ravages R package)", "Ravages R package (genostats/Ravages)",
        (Source(f"{RAVAGES}/data/genes.b38.RData",
                "dee420006d62c4ca8f75aeaf7cf827144ebc07158cc8836613491b507958cd27", "rdata:genes_b38"),),
        Source("reference/genes.b38.Ravages.tsv.gz"),
        note="Converted: the fetcher derives it from genostats/Ravages data/genes.b38.RData @ 9e7919ef and checks the result.",
        content_sha256="739ada73c428842120a1a1537c6651aba50e09f952d38a0791c371e02637dcbf",
    ),
    Dataset(
        "gencode_hg19", "GENCODE v19 genes (hg19; chrom start end strand gene_id gene_name type)",
        "gencode.v19.genes.v6p.hg19.bed", "72ebae2a6b8c4d1ca6a154a419f40a14228befddcb3c1cdfccb7750f4bbc5863", 3_648_601,
        "GPL-3 repository; GENCODE data (open)",
        "Frankish A. et al. (2019) GENCODE reference annotation for the human and mouse genomes. Nucleic Acids Res 47: D766-D773",
        (Source(f"{GITHUB_RAW}/boxiangliu/locuscompare/7f0fc415eac8bf0d4ae848ec3b4a697a74240436/data/gencode/gencode.v19.genes.v6p.hg19.bed"),),
        Source("reference/gencode.v19.genes.v6p.hg19.bed.gz",
               "80cdc91c9e0e5c332e77c866317f7bb4290e054fe3506108815326446182807a", "gunzip"),
    ),
)
_register(
    Dataset(**{**REGISTRY["hg38_chr2_slice"].__dict__, "name": "hg38_chr2_slice_fai", "title": "FASTA index (.fai)",
               "filename": "hg38_chr2_1-2333275.fa.gz.fai",
               "sha256": "85d6b5e124c0e2193468ca2ab80b1c819f7df6042a28a4eb9de399fb63a6aeac", "size": 21,
               "urls": (Source(REGISTRY["hg38_chr2_slice"].urls[0].where + ".fai"),),
               "mirror": Source("reference/hg38_chr2_1-2333275.fa.gz.fai")}),
)



# How each haplotype dataset is read (the others are plain files: use ``get(name)``).
_READERS = {
    "1000g_805": Reader("hapt", legend="legend_805", panel="panel"),
    "yelmen_gan_805": Reader("hapt", legend="legend_805"),
    "yelmen_rbm_805": Reader("hapt", legend="legend_805"),
    "eur_10k": Reader("vcf", labels=("EUR?", "EUR"), homozygous_as_haploid=True),
    "lct": Reader("vcf", panel="panel", multiallelic="drop"),
    "chr1_slice": Reader("vcf", panel="panel", multiallelic="drop"),
}
for _name, _reader in _READERS.items():
    REGISTRY[_name] = replace(REGISTRY[_name], reader=_reader, needs=_reader.needs)


# --------------------------------------------------------------------------------------------
# Where files live
# --------------------------------------------------------------------------------------------


def in_clone() -> bool:
    """True when this package sits in a clone of the course repository (``data/fetch.py`` beside it).

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """
    return (PACKAGE_DIR.parent / "data" / "fetch.py").is_file()


def cache_dir() -> Path:
    """The folder datasets are cached in (see the module docstring for the order of choices).

    Returns
    -------
    pathlib.Path
        The cache folder (not created here: :func:`get` creates it when it fetches).

    Examples
    --------
    >>> isinstance(cache_dir(), Path)
    True

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """
    for var in ("ARTGEN_DATA_CACHE", "ARTGEN_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    if in_clone():
        return PACKAGE_DIR.parent / "data" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "artgen-lite"


def mirror_dir(mirror: str | os.PathLike | None = None) -> Path | None:
    """The mirror folder: ``mirror`` if given, else ``$ARTGEN_DATA_MIRROR``, else None.

    Parameters
    ----------
    mirror : str, os.PathLike or None, optional
        A folder laid out as the registry's mirror paths; None falls back to ``$ARTGEN_DATA_MIRROR``.

    Returns
    -------
    pathlib.Path or None
        The folder with ``~`` expanded, or None when neither is set (or the value is empty).

    Examples
    --------
    >>> mirror_dir("/data/mirror").as_posix()
    '/data/mirror'

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """
    m = mirror if mirror is not None else os.environ.get("ARTGEN_DATA_MIRROR")
    return Path(m).expanduser() if m else None


# --------------------------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------------------------


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _progress(total: int | None, label: str):
    """A small progress bar: tqdm when available (shown on a terminal only), else nothing."""
    try:
        from tqdm import tqdm

        return tqdm(total=total, unit="B", unit_scale=True, desc=label, leave=False, disable=None)
    except ImportError:
        class Quiet:
            def update(self, k):
                pass

            def close(self):
                pass

        return Quiet()


def _content_length(value: str | None) -> int | None:
    """The Content-Length header as an int, or None when absent or malformed (then unchecked)."""
    try:
        n = int(value) if value is not None else None
    except ValueError:
        return None
    return n if n is not None and n >= 0 else None


def _download(url: str, dest: Path, label: str, timeout: float = 30) -> None:
    req = urllib.request.Request(url, headers={"User-Agent": "artgen-lite-fetch"})
    with urllib.request.urlopen(req, timeout=timeout) as resp, open(dest, "wb") as out:
        total = _content_length(resp.headers.get("Content-Length"))
        bar = _progress(total, label)
        got = 0
        try:
            for block in iter(lambda: resp.read(1 << 16), b""):
                out.write(block)
                got += len(block)
                bar.update(len(block))
        finally:
            bar.close()
    if total is not None and got != total:
        raise FetchError(f"truncated download: {got:,} of {total:,} bytes")


def _converters():
    """:mod:`artgen_lite.rdata_sources`, imported on demand (it needs numpy, pandas and rdata).

    When this file runs as ``data/fetch.py``'s stand-alone copy, the package of the same clone is
    imported; a missing dependency becomes a :class:`FetchError` that says what to install.
    """
    try:
        if importlib.util.find_spec("rdata") is None:
            raise ImportError("No module named 'rdata'")
        if __package__:
            return importlib.import_module(f"{__package__}.rdata_sources")
        if str(PACKAGE_DIR.parent) not in sys.path:
            sys.path.insert(0, str(PACKAGE_DIR.parent))
        return importlib.import_module("artgen_lite.rdata_sources")
    except ImportError as exc:
        raise FetchError(
            f"it needs the course environment (numpy, pandas, rdata: pip install artgen-lite, or pip install "
            f"rdata in a clone), which is missing here ({exc}); or copy the converted file from a mirror"
        ) from exc


def _unpack(raw: Path, how: str | None, dest: Path) -> None:
    if how is None:
        os.replace(raw, dest)
    elif how.startswith("zip:"):
        member = how[4:]
        try:
            zf = zipfile.ZipFile(raw)
        except zipfile.BadZipFile:
            head = raw.read_bytes()[:200].lstrip().lower()
            what = "an HTML page" if head.startswith((b"<!doctype html", b"<html")) else "not a zip file"
            raise FetchError(f"expected a zip file holding {member}, got {what}") from None
        with zf:
            if member not in zf.namelist():
                raise FetchError(f"the zip file has no member {member!r} (it holds {zf.namelist()[:5]})")
            with zf.open(member) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
    elif how == "gunzip":
        with gzip.open(raw, "rb") as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
    elif how.startswith("rdata:"):
        _converters().convert(how[6:], raw, dest)
    else:
        raise ValueError(f"unknown unpack step {how!r}")


def _gunzip_sha256(path: Path) -> str | None:
    """sha256 of the decompressed bytes of a gzip (or BGZF) file, or None when it is not one."""
    h = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except (OSError, EOFError, zlib.error):
        return None
    return h.hexdigest()


def _is_valid(d: Dataset, path: Path) -> bool:
    """True when ``path`` is dataset ``d``'s file: its sha256, or else its decompressed content's sha256."""
    if not d.sha256 or _file_sha256(path) == d.sha256:
        return True
    return bool(d.content_sha256) and _gunzip_sha256(path) == d.content_sha256


def _verify(path: Path, expected: str | None, what: str, content: str | None = None) -> None:
    if not expected:
        return
    got = _file_sha256(path)
    if got == expected or (content and _gunzip_sha256(path) == content):
        return
    path.unlink(missing_ok=True)
    also = f" (nor is {content} the sha256 of its decompressed content)" if content else ""
    raise FetchError(f"{what}: sha256 mismatch, expected {expected} but got {got}{also}; the file was deleted")


def _install(d: Dataset, src: Source, fetch_raw, target: Path) -> None:
    """Fetch ``src`` into a temporary folder, check, unpack or derive, check again, then rename to ``target``."""
    if src.unpack and src.unpack.startswith("rdata:"):
        _converters()  # before downloading: say at once when the converter cannot run here
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        raw = Path(tmp) / "raw"
        fetch_raw(raw)
        _verify(raw, src.sha256, f"{d.name} from {src.where}")
        unpacked = Path(tmp) / "out" / d.filename  # the final name: a gzip header made here carries it
        unpacked.parent.mkdir()
        _unpack(raw, src.unpack, unpacked)
        _verify(unpacked, d.sha256, f"{d.name} ({d.filename}) from {src.where}", d.content_sha256)
        os.replace(unpacked, target)


def _why(exc: BaseException) -> str:
    """One line for an exception: its message, prefixed by its type unless it is our own."""
    if isinstance(exc, FetchError):
        return str(exc)
    msg = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {msg}"


def _copy_from_mirror(msrc: Path):
    def fetch_raw(raw: Path) -> None:
        if msrc.is_dir():
            raise FetchError(f"the mirror entry {msrc} is a folder, not a file")
        shutil.copyfile(msrc, raw)

    return fetch_raw


def _ready_cache(name: str, folder: Path) -> None:
    """Create the cache folder and check that it can be written, or say which folder and how to change it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise FetchError(
            f"dataset {name!r}: the cache folder {folder} cannot be written ({_why(exc)}); "
            "set ARTGEN_CACHE to a writable folder"
        ) from exc


def get(name: str, mirror: str | os.PathLike | None = None, quiet: bool = True) -> Path:
    """Return the local path of dataset ``name``, fetching it first if needed.

    Raises ``KeyError`` for an unknown name and :class:`FetchError` (naming the dataset and
    every source tried) for anything else that goes wrong.

    Parameters
    ----------
    name : str
        A registry name (see :func:`list_datasets`), e.g. ``"1000g_805"``.
    mirror : str, os.PathLike or None, optional
        A mirror folder tried before the URLs (see :func:`mirror_dir`).
    quiet : bool, optional
        When False, say on stderr where a newly fetched file came from.

    Returns
    -------
    pathlib.Path
        The verified file in :func:`cache_dir` (a valid cached copy is returned without fetching).

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """
    if name not in REGISTRY:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(sorted(REGISTRY))}")
    d = REGISTRY[name]
    folder = cache_dir()
    target = folder / d.filename
    if target.is_file():
        try:
            if _is_valid(d, target):
                return target
            target.unlink()  # stale or corrupted: fetch again
        except OSError as exc:
            raise FetchError(f"dataset {name!r}: the cached copy {target} cannot be checked or replaced ({_why(exc)})") from exc
    _ready_cache(name, folder)
    errors = []
    mdir = mirror_dir(mirror)
    if mdir is not None:
        msrc = mdir / d.mirror.where
        if msrc.exists():
            try:
                _install(d, d.mirror, _copy_from_mirror(msrc), target)
                if not quiet:
                    print(f"{name}: copied from mirror {msrc}", file=sys.stderr)
                return target
            except Exception as exc:  # noqa: BLE001 - every failure becomes the fetcher's error
                errors.append(f"the mirror copy {msrc} is unusable ({_why(exc)})")
        else:
            errors.append(f"not in the mirror ({msrc})")
    for src in d.urls:
        try:
            _install(d, src, lambda raw, u=src.where: _download(u, raw, d.filename), target)
            if not quiet:
                print(f"{name}: downloaded from {src.where}", file=sys.stderr)
            return target
        except Exception as exc:  # noqa: BLE001
            how = "deriving the file from the R data file" if (src.unpack or "").startswith("rdata:") else "download from"
            errors.append(f"{how} {src.where} failed ({_why(exc)})")
    if not d.urls:
        errors.append("no public URL serves this exact file (see its note)")
    raise FetchError(
        f"dataset {name!r} could not be fetched: {'; '.join(errors)}. Without network access, point "
        "--mirror DIR (or ARTGEN_DATA_MIRROR) at a folder holding the files; chapters then fall back "
        "to an msprime/stdpopsim out-of-Africa simulation and say so at their top."
    )


def get_with_needs(name: str, mirror: str | os.PathLike | None = None, quiet: bool = True) -> dict[str, Path]:
    """Fetch ``name`` and the datasets it needs to be read (legend, panel): ``{name: path}``.

    Parameters
    ----------
    name : str
        A registry name.
    mirror : str, os.PathLike or None, optional
        A mirror folder tried before the URLs (see :func:`get`).
    quiet : bool, optional
        When False, say on stderr where each newly fetched file came from.

    Returns
    -------
    dict of str to pathlib.Path
        The local path of ``name`` and of each dataset in its ``needs``, by registry name.

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """
    if name not in REGISTRY:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return {n: get(n, mirror=mirror, quiet=quiet) for n in (name, *REGISTRY[name].needs)}


def load(name: str, mirror: str | os.PathLike | None = None):
    """Read a haplotype dataset of the registry as :class:`artgen_lite.data.Haplotypes`.

    Uses the dataset's :class:`Reader`; raises ``artgen_lite.data.DataError`` for a dataset that
    is a plain file (a FASTA, a BED...) and ``KeyError`` for an unknown name.

    Parameters
    ----------
    name : str
        A registry name of haplotype data (one with a :class:`Reader`).
    mirror : str, os.PathLike or None, optional
        A mirror folder tried before the URLs (see :func:`get`).

    Returns
    -------
    artgen_lite.data.Haplotypes
        The haplotypes, with the legend's columns and the panel's labels where the reader names
        them, and ``source`` set to the dataset's title.

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """
    import numpy as np

    from . import data

    if name not in REGISTRY:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(sorted(REGISTRY))}")
    d = REGISTRY[name]
    r = d.reader
    if r is None:
        raise data.DataError(f"dataset {name!r} is not haplotype data; use dataset_path({name!r}) to get its file")
    paths = get_with_needs(name, mirror=mirror)
    panel = paths[r.panel] if r.panel else None
    if r.kind == "hapt":
        h = data.read_hapt(paths[name])
        if r.legend:
            h = data.with_legend(h, paths[r.legend])
        if panel is not None:
            h = data.attach_panel(h, panel)
    elif r.kind == "vcf":
        h = data.read_vcf(paths[name], panel=panel, multiallelic=r.multiallelic,
                          homozygous_as_haploid=r.homozygous_as_haploid)
    else:
        raise ValueError(f"dataset {name!r}: unknown reader kind {r.kind!r}")
    if r.labels is not None:
        h.populations = np.full(h.n_haplotypes, r.labels[0])
        h.superpopulations = np.full(h.n_haplotypes, r.labels[1])
    h.source = d.title
    return h


def list_datasets() -> list[tuple[str, str, str]]:
    """``(name, 'cached' or '-', title)`` for every dataset.

    Returns
    -------
    list of tuple of (str, str, str)
        One tuple per registry entry, in registry order: its name, ``'cached'`` when its file is in
        :func:`cache_dir` (else ``'-'``), and its title.

    Examples
    --------
    >>> rows = list_datasets()
    >>> rows[0][0], rows[0][1] in ("cached", "-")
    ('1000g_805', True)

    Explained in chapters 01 and 13 (notebooks/01_dna_to_genotypes, notebooks/13_your_own_data).
    """
    folder = cache_dir()
    return [(d.name, "cached" if (folder / d.filename).is_file() else "-", d.title) for d in REGISTRY.values()]
