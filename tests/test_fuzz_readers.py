"""Fuzzing the readers on the real shared files (issue 16): truncations, byte flips, inserted fields, wrong encodings.

Each reader must either return exactly the right result or raise ``DataError`` naming the path --
no other exception type, no wrong matrix. "Right" for a mutated plain file is what the file format
says the mutated bytes hold, computed here by a small independent oracle written from the format's
definition (UTF-8, optional BOM, lines ending in "\\n", fields separated by whitespace or tabs); for a
mutated zip or gzip file it is the original content (their CRC-32 must catch the damage).
Each test is bounded to a few seconds (max_examples), and skipped when the shared data is absent.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from artgen_lite import data
from artgen_lite.data import DataError


def _mirror() -> Path | None:
    """The shared data folder, as tests/conftest.py finds it."""
    import os

    m = os.environ.get("ARTGEN_DATA_MIRROR")
    if m:
        return Path(m)
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    return default if default.exists() else None


MIRROR = _mirror()
FILES = {
    "hapt": "yelmen2021/805_SNP_1000G_real.hapt.zip",
    "legend": "yelmen2021/805_SNP.legend",
    "panel": "1000g/integrated_call_samples_v3.20130502.ALL.panel",
}


def _real(kind: str) -> Path:
    if MIRROR is None or not (MIRROR / FILES[kind]).exists():
        pytest.skip(f"shared data absent: {FILES[kind]} (set ARTGEN_DATA_MIRROR)")
    return MIRROR / FILES[kind]


@pytest.fixture(scope="module")
def hapt_text() -> bytes:
    """The first 30 haplotypes of the real 805-SNP file (all 805 SNPs), as plain bytes."""
    with zipfile.ZipFile(_real("hapt")) as zf:
        with zf.open(zf.namelist()[0]) as fh:
            lines = [fh.readline() for _ in range(30)]
    return b"".join(lines)


@pytest.fixture(scope="module")
def legend_text() -> bytes:
    return b"".join(_real("legend").read_bytes().splitlines(keepends=True)[:120])


@pytest.fixture(scope="module")
def panel_text() -> bytes:
    return b"".join(_real("panel").read_bytes().splitlines(keepends=True)[:120])


# ---------------------------------------------------------------- mutations

_TOKENS = [b" 0", b" 1", b" 2", b" x", b"\t1", b" NA", b"\t", b"\n", b"\r\n", b" 0 1", b"\xe9", b"\xff\xfe", b"\xef\xbb\xbf"]


@st.composite
def mutated(draw, raw: bytes) -> bytes:
    """``raw`` after 1-3 of: truncation, byte flip, byte deletion, inserted field or byte, re-encoding."""
    out = bytearray(raw)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "delete", "insert", "latin1", "utf16", "bom"]))
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if kind == "truncate":
            out = out[:at]
        elif kind == "flip" and out:
            out[at] = draw(st.integers(0, 255))
        elif kind == "delete" and out:
            del out[at]
        elif kind == "insert":
            out[at:at] = draw(st.sampled_from(_TOKENS))
        elif kind == "latin1":
            out[at:at] = "é".encode("latin-1")
        elif kind == "utf16":
            out = bytearray(out.decode("utf-8", errors="replace").encode("utf-16"))
        elif kind == "bom":
            out = bytearray(codecs.BOM_UTF8) + out
    return bytes(out)


def _text_or_none(raw: bytes) -> str | None:
    """The oracle's decoding: UTF-8 after an optional UTF-8 BOM; None when the bytes are not text."""
    if raw[:2] == b"\x1f\x8b" or raw[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return None  # looks compressed: must be a valid archive, which a mutated text file is not
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _oracle_lines(text: str):
    for line in text.split("\n"):
        yield line[:-1] if line.endswith("\r") else line


def oracle_hapt(raw: bytes):
    """(ids, matrix) that the .hapt format assigns to ``raw``, or None when it is not a valid file."""
    text = _text_or_none(raw)
    if text is None:
        return None
    ids, rows = [], []
    for line in _oracle_lines(text):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 3 or any(v not in ("0", "1") for v in fields[2:]):
            return None
        ids.append(fields[1])
        rows.append([int(v) for v in fields[2:]])
    if not rows or len({len(r) for r in rows}) != 1:
        return None
    return ids, np.array(rows, dtype=np.uint8)


def oracle_legend(raw: bytes):
    text = _text_or_none(raw)
    if text is None:
        return None
    lines = [ln.split() for ln in _oracle_lines(text)]
    lines = [f for f in lines if f]
    if len(lines) < 2:
        return None
    header = lines[0]
    if not {"id", "position", "a0", "a1"} <= set(header) or len(set(header)) != len(header):
        return None
    allele = re.compile(r"^(?:[ACGTNacgtn]+|\*|<[^<>\s]+>)$")
    out = []
    for f in lines[1:]:
        if len(f) != len(header):
            return None
        row = dict(zip(header, f))
        if not re.fullmatch(r"[0-9]{1,18}", row["position"]):
            return None
        if any(not allele.match(row[a]) or row[a].lower() in ("na", "nan", "<na>") for a in ("a0", "a1")):
            return None
        out.append((row["id"], int(row["position"]), row["a0"], row["a1"]))
    return out


def oracle_panel(raw: bytes):
    text = _text_or_none(raw)
    if text is None:
        return None
    rows = [ln.split("\t") for ln in _oracle_lines(text) if ln.strip()]
    if len(rows) < 2:
        return None
    header = rows[0]
    while header and header[-1] == "":
        header = header[:-1]
    header = [h.strip() for h in header]
    if not {"sample", "pop", "super_pop"} <= set(header) or len(set(header)) != len(header):
        return None
    out, seen = [], set()
    for f in rows[1:]:
        while len(f) > len(header) and f[-1] == "":
            f = f[:-1]
        f = [x.strip() for x in f]
        if len(f) != len(header):
            return None
        row = dict(zip(header, f))
        if not (row["sample"] and row["pop"] and row["super_pop"]) or row["sample"] in seen:
            return None
        seen.add(row["sample"])
        out.append((row["sample"], row["pop"], row["super_pop"]))
    return out


def _read_or_error(reader, path: Path):
    """The reader's result, or None after checking that it raised DataError naming ``path``."""
    try:
        return reader(path)
    except DataError as exc:
        assert str(path) in str(exc), f"DataError without the path: {exc}"
        assert exc.path == str(path)
        return None


FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])


# ---------------------------------------------------------------- the oracles agree with the readers on the real files


def test_oracles_read_the_unmutated_real_files_as_the_readers_do(tmp_path, hapt_text, legend_text, panel_text):
    ids, X = oracle_hapt(hapt_text)
    h = data.read_hapt((tmp_path / "a.hapt").write_bytes(hapt_text) and tmp_path / "a.hapt")
    assert X.shape == (30, 805) and np.array_equal(h.X, X) and list(h.sample_ids) == ids
    leg = data.read_legend((tmp_path / "a.legend").write_bytes(legend_text) and tmp_path / "a.legend")
    assert len(leg) == 119 and list(zip(leg["id"], leg["position"], leg["a0"], leg["a1"])) == oracle_legend(legend_text)
    pan = data.read_panel((tmp_path / "a.panel").write_bytes(panel_text) and tmp_path / "a.panel")
    assert len(pan) == 119 and list(zip(pan["sample"], pan["pop"], pan["super_pop"])) == oracle_panel(panel_text)


# ---------------------------------------------------------------- plain files: right result or DataError


def _hapt_result(h):
    return list(h.sample_ids), h.X.tolist()


def _legend_result(df):
    assert df["position"].dtype == np.int64
    return list(zip(df["id"], df["position"].tolist(), df["a0"], df["a1"]))


def _panel_result(df):
    return list(zip(df["sample"], df["pop"], df["super_pop"]))


READERS = {
    # kind: (reader, oracle, the reader's result in the oracle's terms, how the oracle's result compares)
    "hapt": (data.read_hapt, oracle_hapt, _hapt_result, lambda w: (w[0], w[1].tolist())),
    "legend": (data.read_legend, oracle_legend, _legend_result, lambda w: w),
    "panel": (data.read_panel, oracle_panel, _panel_result, lambda w: w),
}


@pytest.mark.parametrize("kind", sorted(READERS))
@FUZZ
@given(data_=st.data())
def test_fuzzed_file_gives_the_right_result_or_a_data_error(request, tmp_path, kind, data_):
    reader, oracle, result, expected = READERS[kind]
    raw = data_.draw(mutated(request.getfixturevalue(f"{kind}_text")))
    p = tmp_path / f"fuzz.{kind}"
    p.write_bytes(raw)
    got = _read_or_error(reader, p)
    want = oracle(raw)
    event("refused" if want is None else "read")
    if want is None:
        assert got is None, f"a file that is not a valid {kind} file was read"
    else:
        assert got is not None, f"a valid {kind} file was refused"
        assert result(got) == expected(want)


# ---------------------------------------------------------------- compressed files: the original or DataError


@pytest.fixture(scope="module")
def hapt_zip(hapt_text) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("805_SNP_1000G_real.hapt", hapt_text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def hapt_gzip(hapt_text) -> bytes:
    return gzip.compress(hapt_text, compresslevel=6, mtime=0)


@st.composite
def damaged(draw, raw: bytes) -> bytes:
    out = bytearray(raw)
    kind = draw(st.sampled_from(["truncate", "flip", "flip4", "delete"]))
    at = draw(st.integers(0, len(out) - 1))
    if kind == "truncate":
        return bytes(out[:at])
    if kind == "delete":
        del out[at]
        return bytes(out)
    for i in range(at, min(at + (4 if kind == "flip4" else 1), len(out))):
        out[i] ^= draw(st.integers(1, 255))
    return bytes(out)


@pytest.mark.parametrize("compression", ["zip", "gzip"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data_=st.data())
def test_damaged_zip_or_gzip_hapt_gives_the_original_matrix_or_a_data_error(tmp_path, hapt_text, hapt_zip, hapt_gzip,
                                                                           compression, data_):
    original = oracle_hapt(hapt_text)[1]
    raw = hapt_zip if compression == "zip" else hapt_gzip
    bad = data_.draw(damaged(raw))
    p = tmp_path / ("fuzz.hapt.zip" if compression == "zip" else "fuzz.hapt.gz")
    p.write_bytes(bad)
    got = _read_or_error(data.read_hapt, p)
    event("refused" if got is None else "read")
    if got is not None:
        assert np.array_equal(got.X, original), "a damaged archive gave a different matrix"
