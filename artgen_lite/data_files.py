"""Reading data files: the DataError every reader raises, plain/gzip/zip text, the legend and panel tables.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
:mod:`artgen_lite.data` builds :class:`~artgen_lite.data.Haplotypes` on top of these and
re-exports every name of this module.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DataError",
    "read_legend",
    "read_panel",
]


class DataError(ValueError):
    """Bad input data; the message names the file and, where it can, the line (chapter 01_dna_to_genotypes).

    ``path`` and ``line`` hold the file and the 1-based line (or record) when known, else None.
    """

    def __init__(self, message: str, *, path=None, line: int | None = None):
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.line = line


def _error(path, line: int | None, message: str) -> DataError:
    where = f"{path}" if line is None else f"{path}, line {line}"
    return DataError(f"{where}: {message}", path=path, line=line)


# --------------------------------------------------------------------------------------------
# Readers
#
# Every reader goes through _read_text, which accepts plain, gzipped and single-member zipped
# files (recognised by their first bytes, whatever the suffix), decodes UTF-8 (a leading byte-order
# mark is dropped; ASCII is UTF-8) and turns every library error (zip, gzip, zlib, codecs) into a
# DataError naming the path and, for undecodable bytes, the line. Lines end at "\n" (a "\r" before it
# is dropped); fields are separated by runs of whitespace (str.split()) in .hapt and legend files and
# by tabs in panel files.
# --------------------------------------------------------------------------------------------

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path: Path) -> bytes:
    """The (decompressed) bytes of a plain, gzip or single-member zip file; errors name ``path``."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise _error(path, None, "is a folder, not a file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(path, None, f"could not be read ({exc.strerror or exc})") from exc
    try:
        if raw[:4] in _ZIP_MAGIC:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                members = [m for m in zf.namelist() if not m.startswith("__MACOSX") and not m.endswith("/")]
                if len(members) != 1:
                    raise _error(path, None, f"expected one file in the zip, found {members}")
                return zf.read(members[0])
        if path.suffix.lower() == ".zip":
            raise _error(path, None, "is not a zip archive (it does not start with a zip header)")
        if raw[:2] == _GZIP_MAGIC:
            return gzip.decompress(raw)
    except DataError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, NotImplementedError,
            RuntimeError, ValueError, KeyError) as exc:
        kind = "zip" if raw[:4] in _ZIP_MAGIC else "gzip"
        raise _error(path, None, f"damaged or truncated {kind} file ({type(exc).__name__}: {exc})") from exc
    return raw


def _read_text(path: Path) -> str:
    """The text of ``path`` (see :func:`_read_bytes`), decoded as UTF-8 without a leading BOM."""
    raw = _read_bytes(path)
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _error(path, 1, "is UTF-16 text; save it as UTF-8 (or ASCII)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _error(
            path, line,
            f"byte 0x{raw[exc.start]:02x} at column {col} is not UTF-8 text (a latin-1 or binary file?); "
            "save the file as UTF-8 (or ASCII)",
        ) from exc


def _lines(text: str):
    """``(line number, line)`` for each line of ``text`` ("\\n" ends a line, a trailing "\\r" is dropped)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for lineno, line in enumerate(lines, start=1):
        yield lineno, line[:-1] if line.endswith("\r") else line


_ALLELE = re.compile(r"^(?:[ACGTNacgtn]+|\*|<[^<>\s]+>)$")
_MISSING_MARKS = {"na", "nan", "<na>"}  # pandas' missing-value spellings that look like alleles
_POSITION = re.compile(r"^[0-9]{1,18}$")


def read_legend(path) -> pd.DataFrame:
    """Read a legend file (header ``id position a0 a1``, more columns allowed) with one row per SNP column.

    Parameters
    ----------
    path : str or os.PathLike
        The legend file (plain or gzipped).

    Returns
    -------
    pandas.DataFrame
        One row per SNP: ``id``, ``position`` (int64), ``a0``, ``a1``, any extra columns, ``chrom``.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "x.legend")
    ...     with open(path, "w") as fh:
    ...         _ = fh.write("id position a0 a1\\n1:100_A_G 100 A G\\n2:50_C_T 50 C T\\n")
    ...     legend = read_legend(path)
    >>> legend[["chrom", "position", "a0", "a1"]].values.tolist()
    [['1', 100, 'A', 'G'], ['2', 50, 'C', 'T']]

    Adds ``chrom`` (the part of ``id`` before the first ``:``). ``position`` must be a non-negative
    integer and ``a0``/``a1`` alleles (``A``, ``C``, ``G``, ``T``, ``N`` strings, ``*`` or
    ``<SYMBOLIC>``): ``NA``, an empty or a missing field is refused with :class:`DataError` naming
    the line, never turned into a NaN allele or a negative position.
    Explained in chapter 01_dna_to_genotypes.
    """
    path = Path(path)
    text = _read_text(path)
    lines = [(n, ln.split()) for n, ln in _lines(text)]
    lines = [(n, f) for n, f in lines if f]
    if not lines:
        raise _error(path, None, "empty legend file")
    head_line, header = lines[0]
    missing = {"id", "position", "a0", "a1"} - set(header)
    if missing:
        raise _error(path, head_line, f"legend header lacks columns {sorted(missing)}")
    if len(set(header)) != len(header):
        raise _error(path, head_line, f"legend header repeats a column: {header}")
    ip, i0, i1 = header.index("position"), header.index("a0"), header.index("a1")
    columns = {c: [] for c in header}
    for lineno, fields in lines[1:]:
        if len(fields) != len(header):
            raise _error(path, lineno, f"expected {len(header)} fields ({' '.join(header)}), got {len(fields)}")
        if not _POSITION.match(fields[ip]):
            raise _error(path, lineno, f"position {fields[ip]!r} is not a non-negative integer")
        for i in (i0, i1):
            if not _ALLELE.match(fields[i]) or fields[i].lower() in _MISSING_MARKS:
                raise _error(path, lineno, f"{header[i]} {fields[i]!r} is not an allele (A/C/G/T/N, * or <...>)")
        for c, v in zip(header, fields):
            columns[c].append(v)
    if not columns["id"]:
        raise _error(path, None, "legend has a header but no SNPs")
    df = pd.DataFrame({c: np.array(v, dtype=object) for c, v in columns.items()})
    df["position"] = np.array(columns["position"], dtype=np.int64)
    df["chrom"] = df["id"].str.split(":").str[0]
    return df


def read_panel(path) -> pd.DataFrame:
    """Read the 1000 Genomes sample panel: tab-separated, header ``sample pop super_pop gender``.

    Parameters
    ----------
    path : str or os.PathLike
        The panel file.

    Returns
    -------
    pandas.DataFrame
        One row per sample, the header's columns as strings.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "x.panel")
    ...     with open(path, "w") as fh:
    ...         _ = fh.write("sample\\tpop\\tsuper_pop\\tgender\\nHG1\\tGBR\\tEUR\\tfemale\\nHG2\\tYRI\\tAFR\\tmale\\n")
    ...     panel = read_panel(path)
    >>> panel[["sample", "super_pop"]].values.tolist()
    [['HG1', 'EUR'], ['HG2', 'AFR']]

    Every row must have the header's number of fields (trailing empty fields are ignored) and a
    non-empty ``sample``, ``pop`` and ``super_pop``; a sample listed twice is refused. Errors are
    :class:`DataError` naming the file and line. Explained in chapter 01_dna_to_genotypes.
    """
    path = Path(path)
    text = _read_text(path)
    rows = [(n, ln.split("\t")) for n, ln in _lines(text) if ln.strip()]
    if not rows:
        raise _error(path, None, "empty panel file")
    head_line, header = rows[0]
    while header and header[-1] == "":
        header.pop()
    header = [h.strip() for h in header]
    missing = {"sample", "pop", "super_pop"} - set(header)
    if missing:
        raise _error(path, head_line, f"panel header lacks columns {sorted(missing)} (a tab-separated header is expected)")
    if len(set(header)) != len(header):
        raise _error(path, head_line, f"panel header repeats a column: {header}")
    need = [header.index(c) for c in ("sample", "pop", "super_pop")]
    columns = {c: [] for c in header}
    seen: dict[str, int] = {}
    for lineno, fields in rows[1:]:
        while len(fields) > len(header) and fields[-1] == "":
            fields.pop()
        fields = [f.strip() for f in fields]
        if len(fields) != len(header):
            raise _error(path, lineno, f"expected {len(header)} tab-separated fields ({', '.join(header)}), got {len(fields)}")
        for i in need:
            if not fields[i]:
                raise _error(path, lineno, f"empty {header[i]}")
        s = fields[need[0]]
        if s in seen:
            raise _error(path, lineno, f"sample {s!r} is listed twice (also on line {seen[s]})")
        seen[s] = lineno
        for c, v in zip(header, fields):
            columns[c].append(v)
    if not seen:
        raise _error(path, None, "panel has a header but no samples")
    return pd.DataFrame({c: np.array(v, dtype=object) for c, v in columns.items()})
