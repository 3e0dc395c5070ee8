"""Converters from the public R data files to the book's files: the LCT VCF, the CpG-island BED, the gene table.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes), where the
dataset registry is introduced; the files are used in chapters 02 (CpG islands, genes), 06 and 10
(the LCT region), 08 and 09 (CpG islands, genes).

Three datasets of the book have no public copy in the form the chapters read; their public origins
are R data files in R package repositories, pinned to a commit:

* ``lct``: ``genostats/Ravages`` ``data/LCT.haplotypes.rda`` (objects ``LCT.hap``, a 5008 x 8076
  haplotype matrix; ``LCT.snps``, with chr, id, pos, A1, A2; ``LCT.sample``, one row per haplotype)
  becomes a VCFv4.2 in BGZF: REF = A1, ALT = A2, GT = ``hap.1|hap.2``, no INFO
  (:func:`write_lct_vcf`).
* ``cpg_chr2_slice``: ``benja0x40/Tightrope`` ``data/CGI_hg38.rda`` (a GRanges of the UCSC
  cpgIslandExt track, hg38) becomes the cpgIslandExt columns without ``bin``
  (:func:`write_cpg_islands`), here only the islands inside chr2:1-2,333,275.
* ``genes_b38``: ``genostats/Ravages`` ``data/genes.b38.RData`` becomes a gzipped TSV with the
  columns Chr, Start, End, Name (:func:`write_genes_b38`).

The R files are read with the pure-Python package ``rdata`` (imported only here). Compressed outputs
are written the way the mirror's copies were: gzip at level 9 with the file name in the header and a
zero timestamp, BGZF in 64 KiB blocks at zlib level 6 -- so with the standard zlib the bytes are
identical to the mirror's; the registry also records the sha256 of the decompressed content, which
does not depend on the zlib build. Every writer goes through :func:`artgen_lite.atomic.atomic_write`,
so an error leaves no half-written file.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np

from .atomic import atomic_write

__all__ = [
    "RDataError", "read_rdata", "BgzfWriter",
    "write_lct_vcf", "cpg_islands_table", "write_cpg_islands", "write_genes_b38", "CONVERTERS", "convert",
    "CHR2_SLICE",
]

CHR2_SLICE = ("chr2", 0, 2_333_275)  # the region of the hg38 FASTA slice of the registry (0-based, half-open)

CPG_COLUMNS = ("chrom", "chromStart", "chromEnd", "name", "length", "cpgNum", "gcNum", "perCpg", "perGc", "obsExp")

LCT_HEADER = (
    "##fileformat=VCFv4.2\n"
    "##source=Converted from R package Ravages (genostats/Ravages) data/LCT.haplotypes.rda "
    "(LCT.hap, LCT.snps, LCT.sample); original data: 1000 Genomes Project phase 3\n"
    "##reference=GRCh37\n"
    "##contig=<ID=2,assembly=b37,length=243199373>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Phased genotype; allele 1 = A2 (ALT) of LCT.snps">\n'
)


class RDataError(ValueError):
    """An R data file does not hold what a converter expects (a missing object or column, a bad shape).

    Explained in chapter 01 (notebooks/01_dna_to_genotypes).
    """


def read_rdata(path: str | os.PathLike) -> dict:
    """Read an ``.rda``/``.RData`` file with the ``rdata`` package: ``{object name: Python object}``.

    Data frames come back as pandas DataFrames, matrices with dimnames as xarray DataArrays, S4
    objects (a GRanges) as nested namespaces. Raises :class:`RDataError` naming the file when it is not
    an R data file, and ImportError (with the install line) when ``rdata`` is missing.

    Parameters
    ----------
    path : str or os.PathLike
        An ``.rda`` / ``.RData`` file.

    Returns
    -------
    dict
        ``{object name: Python object}``, one entry per object the file holds.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, rdata
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "x.rda")
    ...     rdata.write_rda(path, {"x": np.array([1.5, 2.5])})
    ...     objects = read_rdata(path)
    >>> list(objects), objects["x"].tolist()
    (['x'], [1.5, 2.5])

    Explained in chapter 01 (notebooks/01_dna_to_genotypes).
    """
    try:
        import rdata
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("reading R data files needs the package rdata: pip install rdata") from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "missing constructor for R class ..." (S4 classes)
            return dict(rdata.read_rda(os.fspath(path)))
    except Exception as exc:  # noqa: BLE001 - every parse failure names the file
        raise RDataError(f"{path}: not a readable R data file ({type(exc).__name__}: {exc})") from exc


def _need(objects: dict, name: str, path) -> object:
    if name not in objects:
        raise RDataError(f"{path}: no object {name!r} (it holds {sorted(objects)})")
    return objects[name]


def _column(frame, name: str, path, what: str):
    if name not in frame.columns:
        raise RDataError(f"{path}: {what} has no column {name!r} (it has {list(frame.columns)})")
    return frame[name]


# --------------------------------------------------------------------------------------------
# BGZF
# --------------------------------------------------------------------------------------------

_BGZF_HEADER = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00"
_BGZF_EOF = _BGZF_HEADER + b"\x1b\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"
_BGZF_BLOCK = 1 << 16  # uncompressed bytes per block


class BgzfWriter:
    """Write BGZF (blocked gzip, what ``tabix`` and ``pysam`` read) to a binary file object.

    Data are cut into blocks of 65,536 uncompressed bytes, each deflated on its own at ``level``;
    a block whose deflated form would not fit the 16-bit block size is split in two. ``close`` writes
    the last partial block and the standard empty end-of-file block; the underlying file is not closed.

    Explained in chapter 01 (notebooks/01_dna_to_genotypes).
    """

    def __init__(self, fileobj, level: int = 6):
        self._out = fileobj
        self._level = level
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= _BGZF_BLOCK:
            n_full = len(self._buffer) // _BGZF_BLOCK * _BGZF_BLOCK
            view = memoryview(self._buffer)
            for i in range(0, n_full, _BGZF_BLOCK):
                self._block(bytes(view[i:i + _BGZF_BLOCK]))
            view.release()
            del self._buffer[:n_full]
        return len(data)

    def _block(self, data: bytes) -> None:
        c = zlib.compressobj(self._level, zlib.DEFLATED, -15, zlib.DEF_MEM_LEVEL, 0)
        deflated = c.compress(data) + c.flush()
        if len(deflated) > _BGZF_BLOCK - 26:  # header (18) + crc and size (8) must fit 65,536 bytes
            half = len(data) // 2
            self._block(data[:half])
            self._block(data[half:])
            return
        self._out.write(_BGZF_HEADER + struct.pack("<H", len(deflated) + 25) + deflated
                        + struct.pack("<II", zlib.crc32(data), len(data)))

    def close(self) -> None:
        if self._buffer:
            self._block(bytes(self._buffer))
            self._buffer.clear()
        self._out.write(_BGZF_EOF)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.close()
        return False


def _gzip_text(path: Path, text: str, member_name: str | None = None) -> None:
    """Write ``text`` gzipped at level 9, zero timestamp, ``member_name`` in the header (the file name less .gz)."""
    name = member_name if member_name is not None else (path.name[:-3] if path.name.endswith(".gz") else path.name)
    with atomic_write(path, "wb", compression=None) as raw:
        with gzip.GzipFile(filename=name, mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(text.encode("utf-8"))


# --------------------------------------------------------------------------------------------
# The LCT haplotypes (Ravages)
# --------------------------------------------------------------------------------------------


def _lct_parts(objects: dict, path):
    hap = _need(objects, "LCT.hap", path)
    snps = _need(objects, "LCT.snps", path)
    sample = _need(objects, "LCT.sample", path)
    H = np.asarray(getattr(hap, "values", hap))
    if H.ndim != 2:
        raise RDataError(f"{path}: LCT.hap should be a matrix (haplotypes x SNPs), got {H.ndim} dimensions")
    n_hap, n_snp = H.shape
    if n_hap % 2:
        raise RDataError(f"{path}: LCT.hap has an odd number of haplotype rows ({n_hap}); expected two per sample")
    if len(snps) != n_snp:
        raise RDataError(f"{path}: LCT.snps has {len(snps)} rows but LCT.hap has {n_snp} SNP columns")
    if len(sample) != n_hap:
        raise RDataError(f"{path}: LCT.sample has {len(sample)} rows but LCT.hap has {n_hap} haplotype rows")
    ids = np.asarray(_column(sample, "sample", path, "LCT.sample").astype(str))
    if not np.array_equal(ids[0::2], ids[1::2]):
        raise RDataError(f"{path}: LCT.sample does not list each sample on two consecutive rows (hap.1, hap.2)")
    ok = (H == 0) | (H == 1)
    if not ok.all():
        bad = H[~ok][:3].tolist()
        raise RDataError(f"{path}: LCT.hap holds values other than 0/1 (e.g. {bad}); missing alleles are not supported")
    cols = {c: _column(snps, c, path, "LCT.snps") for c in ("chr", "id", "pos", "A1", "A2")}
    return H.astype(np.uint8), ids[0::2], cols


def write_lct_vcf(rda: str | os.PathLike, out: str | os.PathLike, chunk: int = 512) -> Path:
    """Convert Ravages' ``LCT.haplotypes.rda`` to a phased VCFv4.2 in BGZF at ``out``.

    One record per column of ``LCT.hap`` (CHROM, POS, ID, REF = A1, ALT = A2 from ``LCT.snps``;
    QUAL ``.``, FILTER ``PASS``, INFO ``.``, FORMAT ``GT``), one sample per pair of rows (IDs from
    ``LCT.sample``), genotype ``hap.1|hap.2``. Rows are written ``chunk`` SNPs at a time, the
    genotype text of a chunk built as one byte matrix (no loop over haplotypes).

    Parameters
    ----------
    rda : str or os.PathLike
        The R data file with the objects ``LCT.hap``, ``LCT.snps`` and ``LCT.sample``.
    out : str or os.PathLike
        The VCF to write (BGZF, whatever the suffix).
    chunk : int, optional
        SNPs converted at a time.

    Returns
    -------
    pathlib.Path
        ``out``.

    Examples
    --------
    A two-sample, two-SNP stand-in for the Ravages file, written with ``rdata``:

    >>> import gzip, os, tempfile
    >>> import numpy as np, pandas as pd, rdata
    >>> objects = {"LCT.hap": np.array([[0, 1], [1, 1], [0, 0], [1, 0]]),
    ...            "LCT.snps": pd.DataFrame({"chr": [2, 2], "id": ["rs1", "rs2"], "pos": [100, 200],
    ...                                      "A1": ["A", "C"], "A2": ["G", "T"]}),
    ...            "LCT.sample": pd.DataFrame({"sample": ["S1", "S1", "S2", "S2"]})}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     rdata.write_rda(os.path.join(tmp, "lct.rda"), objects)
    ...     out = write_lct_vcf(os.path.join(tmp, "lct.rda"), os.path.join(tmp, "lct.vcf.gz"))
    ...     lines = gzip.open(out, "rt").read().splitlines()
    >>> for line in lines[-3:]:  # doctest: +NORMALIZE_WHITESPACE
    ...     print(line)
    #CHROM POS ID REF ALT QUAL FILTER INFO FORMAT S1 S2
    2 100 rs1 A G . PASS . GT 0|1 0|1
    2 200 rs2 C T . PASS . GT 1|1 0|0

    Explained in chapter 01 (notebooks/01_dna_to_genotypes); the region is used in chapters 06 and 10.
    """
    H, samples, cols = _lct_parts(read_rdata(rda), rda)
    out = Path(out)
    n_hap, n_snp = H.shape
    n_smp = n_hap // 2
    header = LCT_HEADER + "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]) + "\n"
    chrom = [str(x) for x in cols["chr"]]
    pos = [str(int(x)) for x in cols["pos"]]
    rsid = [str(x) for x in cols["id"]]
    ref = [str(x) for x in cols["A1"]]
    alt = [str(x) for x in cols["A2"]]
    with atomic_write(out, "wb", compression=None) as raw, BgzfWriter(raw) as bg:
        bg.write(header.encode())
        for lo in range(0, n_snp, chunk):
            hi = min(lo + chunk, n_snp)
            G = np.empty((hi - lo, n_smp, 4), dtype=np.uint8)  # "a|b\t" per sample
            G[:, :, 0] = H[0::2, lo:hi].T + ord("0")
            G[:, :, 1] = ord("|")
            G[:, :, 2] = H[1::2, lo:hi].T + ord("0")
            G[:, :, 3] = ord("\t")
            G[:, -1, 3] = ord("\n")
            G = G.reshape(hi - lo, -1)
            buf = io.BytesIO()
            for k, j in enumerate(range(lo, hi)):
                buf.write(f"{chrom[j]}\t{pos[j]}\t{rsid[j]}\t{ref[j]}\t{alt[j]}\t.\tPASS\t.\tGT\t".encode())
                buf.write(G[k].tobytes())
            bg.write(buf.getvalue())
    return out


# --------------------------------------------------------------------------------------------
# CpG islands (Tightrope)
# --------------------------------------------------------------------------------------------


def _rle(x, path, what: str) -> np.ndarray:
    """Expand an S4Vectors ``Rle`` (values, lengths) read by rdata into a plain array."""
    values, lengths = getattr(x, "values", None), getattr(x, "lengths", None)
    if values is None or lengths is None:
        raise RDataError(f"{path}: {what} is not an Rle (values, lengths)")
    return np.repeat(np.asarray(values, dtype=object).astype(str), np.asarray(lengths, dtype=np.int64))


def _fmt_float(x: np.ndarray) -> list[str]:
    return [repr(float(v)) for v in x]


def cpg_islands_table(rda: str | os.PathLike, region: tuple[str, int, int] | None = None):
    """The islands of Tightrope's ``CGI_hg38.rda`` as a pandas DataFrame with the cpgIslandExt columns.

    The GRanges stores UCSC's 0-based ``chromStart`` as its start and a width one larger than the
    island (``length``), so ``chromEnd = start + width - 1`` and ``chromEnd - chromStart == length``.
    With ``region = (chrom, start, end)`` only the islands wholly inside it are kept.

    Parameters
    ----------
    rda : str or os.PathLike
        An R data file holding one GRanges object (Tightrope's ``CGI_hg38.rda``).
    region : tuple of (str, int, int), optional
        ``(chrom, start, end)``: keep only the islands with ``chromStart >= start`` and
        ``chromEnd <= end`` on ``chrom``; None keeps all.

    Returns
    -------
    pandas.DataFrame
        One row per island, the columns of ``CPG_COLUMNS`` (``chrom`` ... ``obsExp``), index reset.

    Explained in chapter 02 (notebooks/02_hidden_markov_models).
    """
    import pandas as pd

    objects = read_rdata(rda)
    if len(objects) != 1:
        raise RDataError(f"{rda}: expected one GRanges object, found {sorted(objects)}")
    (gr,) = objects.values()
    try:
        chrom = _rle(gr.seqnames, rda, "seqnames")
        start = np.asarray(gr.ranges.start, dtype=np.int64)
        width = np.asarray(gr.ranges.width, dtype=np.int64)
        meta = gr.elementMetadata.listData
    except AttributeError as exc:
        raise RDataError(f"{rda}: not a GRanges with seqnames, ranges and metadata columns ({exc})") from exc
    missing = [c for c in CPG_COLUMNS[3:] if c not in meta]
    if missing:
        raise RDataError(f"{rda}: the GRanges has no metadata column(s) {missing} (it has {list(meta)})")
    if not (len(chrom) == len(start) == len(width)):
        raise RDataError(f"{rda}: seqnames ({len(chrom)}) and ranges ({len(start)}) differ in length")
    table = pd.DataFrame({"chrom": chrom, "chromStart": start, "chromEnd": start + width - 1,
                          **{c: np.asarray(meta[c]) for c in CPG_COLUMNS[3:]}})
    if region is not None:
        c, lo, hi = region
        table = table[(table.chrom == c) & (table.chromStart >= lo) & (table.chromEnd <= hi)]
    return table.reset_index(drop=True)


def _cpg_text(table) -> str:
    lines = ["#" + "\t".join(CPG_COLUMNS)]
    cols = [table[c].astype(str).tolist() for c in CPG_COLUMNS[:7]]
    cols += [_fmt_float(table[c].to_numpy()) for c in CPG_COLUMNS[7:]]
    lines += ["\t".join(row) for row in zip(*cols)]
    return "\n".join(lines) + "\n"


def write_cpg_islands(rda: str | os.PathLike, out: str | os.PathLike,
                      region: tuple[str, int, int] | None = None, member_name: str | None = None) -> Path:
    """Write the CpG islands of ``CGI_hg38.rda`` as cpgIslandExt columns without ``bin`` (gzipped if ``out`` ends in .gz).

    A header line starting with ``#`` names the columns; floats are written as Python writes them
    (``73.0``, ``0.85``). ``region`` keeps only the islands inside it (see :func:`cpg_islands_table`).

    Parameters
    ----------
    rda : str or os.PathLike
        An R data file holding one GRanges object (Tightrope's ``CGI_hg38.rda``).
    out : str or os.PathLike
        The table to write; a name ending in ``.gz`` is gzipped.
    region : tuple of (str, int, int), optional
        ``(chrom, start, end)`` to keep only the islands inside it; None keeps all.
    member_name : str, optional
        The file name in the gzip header; None takes ``out``'s name without ``.gz``.

    Returns
    -------
    pathlib.Path
        ``out``.

    Explained in chapter 02 (notebooks/02_hidden_markov_models).
    """
    out = Path(out)
    text = _cpg_text(cpg_islands_table(rda, region))
    if out.name.endswith(".gz"):
        _gzip_text(out, text, member_name)
    else:
        with atomic_write(out, "w", compression=None) as fh:
            fh.write(text)
    return out


# --------------------------------------------------------------------------------------------
# Genes (Ravages)
# --------------------------------------------------------------------------------------------


def write_genes_b38(rdata_file: str | os.PathLike, out: str | os.PathLike,
                    member_name: str = "genes.b38.Ravages.tsv") -> Path:
    """Convert Ravages' ``genes.b38.RData`` to a gzipped TSV with the columns Chr, Start, End, Name.

    Coordinates are written as integers (R keeps Start as a double); the gzip header carries
    ``member_name`` whatever the output path, so a copy made under a temporary name has the same bytes.

    Parameters
    ----------
    rdata_file : str or os.PathLike
        The R data file with the data frame ``genes.b38`` (columns Chr, Start, End, Name).
    out : str or os.PathLike
        The gzipped TSV to write (gzipped whatever the suffix).
    member_name : str, optional
        The file name in the gzip header.

    Returns
    -------
    pathlib.Path
        ``out``.

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> import pandas as pd, rdata
    >>> genes = pd.DataFrame({"Chr": [1, 2], "Start": [100.0, 200.0], "End": [150, 260], "Name": ["A", "B"]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     rdata.write_rda(os.path.join(tmp, "genes.RData"), {"genes.b38": genes})
    ...     out = write_genes_b38(os.path.join(tmp, "genes.RData"), os.path.join(tmp, "genes.tsv.gz"))
    ...     text = gzip.open(out, "rt").read()
    >>> print(text, end="")  # doctest: +NORMALIZE_WHITESPACE
    Chr Start End Name
    1 100 150 A
    2 200 260 B

    Explained in chapter 02 (notebooks/02_hidden_markov_models); also used in chapter 09.
    """
    objects = read_rdata(rdata_file)
    genes = _need(objects, "genes.b38", rdata_file)
    cols = [_column(genes, c, rdata_file, "genes.b38") for c in ("Chr", "Start", "End", "Name")]
    for c in cols[:3]:
        if c.isna().any():
            raise RDataError(f"{rdata_file}: genes.b38 column {c.name!r} has missing values")
    chrom, start, end = (c.astype("int64").astype(str).tolist() for c in cols[:3])
    name = cols[3].astype(str).tolist()
    text = "Chr\tStart\tEnd\tName\n" + "".join(f"{a}\t{b}\t{c}\t{d}\n" for a, b, c, d in zip(chrom, start, end, name))
    out = Path(out)
    _gzip_text(out, text, member_name=member_name)
    return out


def _write_cpg_chr2_slice(rda, out):
    return write_cpg_islands(rda, out, region=CHR2_SLICE)


# The converters the registry names in a Source (``derive="rdata:KEY"``): KEY -> f(source_file, out_path).
CONVERTERS = {
    "lct_vcf": write_lct_vcf,
    "cpg_chr2_slice": _write_cpg_chr2_slice,
    "cpg_islands": write_cpg_islands,
    "genes_b38": write_genes_b38,
}


def convert(key: str, source: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Run the converter ``key`` of :data:`CONVERTERS` on the R data file ``source``, writing ``out``.

    Parameters
    ----------
    key : str
        A key of :data:`CONVERTERS` (``"lct_vcf"``, ``"cpg_chr2_slice"``, ``"cpg_islands"``,
        ``"genes_b38"``); an unknown key raises ``KeyError``.
    source : str or os.PathLike
        The R data file.
    out : str or os.PathLike
        The file to write.

    Returns
    -------
    pathlib.Path
        What the converter returns: ``out`` as a path.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd, rdata
    >>> genes = pd.DataFrame({"Chr": [1], "Start": [100.0], "End": [150], "Name": ["A"]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     rdata.write_rda(os.path.join(tmp, "genes.RData"), {"genes.b38": genes})
    ...     out = convert("genes_b38", os.path.join(tmp, "genes.RData"), os.path.join(tmp, "genes.tsv.gz"))
    >>> out.name
    'genes.tsv.gz'

    Explained in chapter 01 (notebooks/01_dna_to_genotypes).
    """
    if key not in CONVERTERS:
        raise KeyError(f"unknown converter {key!r}; known: {', '.join(sorted(CONVERTERS))}")
    return CONVERTERS[key](source, out)
