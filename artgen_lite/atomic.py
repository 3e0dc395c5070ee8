"""Atomic file writing: the one helper every writer of the package uses.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes), where
haplotypes are first written out. :func:`atomic_write` writes to a hidden temporary file beside the
target and renames it into place only when the ``with`` block ends without an error, so an error,
Ctrl-C or a kill during a write leaves the old file (or no file) -- never a half-written one -- and
the temporary file is removed on any exception. Files get the ordinary permissions (``0o666`` less
the umask, as ``open`` gives), not the ``0o600`` of ``tempfile.mkstemp``. Leftover temporary
files of the same target from writers that died (a kill cannot run clean-up code) are removed on
the next write.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import secrets
import time
import zipfile
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_write", "compression_for"]

_STALE_AFTER_S = 3600.0  # temporaries without a recognisable live writer older than this are removed


def compression_for(path: str | os.PathLike) -> str | None:
    """``"gzip"`` for a ``.gz`` path, ``"zip"`` for ``.zip``, else ``None`` (chapter 01_dna_to_genotypes).

    Parameters
    ----------
    path : str or os.PathLike
        A file name; only its suffix is read.

    Returns
    -------
    str or None
        The ``compression`` argument pandas and :func:`atomic_write` take.

    Examples
    --------
    >>> compression_for("haplotypes.hapt.gz")
    'gzip'
    """
    suffix = Path(path).suffix.lower()
    return {".gz": "gzip", ".bgz": "gzip", ".zip": "zip"}.get(suffix)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    except OSError:
        return False
    return True


def _remove_stale(path: Path) -> None:
    """Remove temporaries of ``path`` left by writers that died (this helper's and the older patterns)."""
    ours = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)-[0-9a-f]+\.part$")
    legacy = re.compile(rf"^(\.{re.escape(path.name)}\.[^/]+\.part|{re.escape(path.name)}\.[^/.]+\.tmp)$")
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        m = ours.match(entry.name)
        try:
            if m:
                if _pid_alive(int(m.group(1))) and now - entry.stat().st_mtime < _STALE_AFTER_S:
                    continue
            elif not (legacy.match(entry.name) and now - entry.stat().st_mtime >= _STALE_AFTER_S):
                continue
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:
            pass


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike,
    mode: str = "w",
    *,
    encoding: str = "utf-8",
    compression: str | None = "infer",
    member: str | None = None,
) -> Iterator[IO]:
    """Open ``path`` for writing through a temporary file that replaces it atomically on success.

    Parameters
    ----------
    path : path-like
        The file to (re)write; missing parent folders are created.
    mode : {"w", "wb"}
        Text or binary.
    encoding : str
        Encoding in text mode.
    compression : {"infer", None, "gzip", "zip"}
        ``"infer"`` (default) follows the suffix (:func:`compression_for`): ``.gz`` is gzip
        (with a zero timestamp, so equal content gives equal bytes), ``.zip`` a zip archive with one
        member named ``member`` (default: the file name without ``.zip``).

    Yields
    ------
    file object
        Write to it inside the ``with`` block.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with atomic_write(Path(d) / "x.txt") as fh:
    ...     _ = fh.write("hello")
    >>> (Path(d) / "x.txt").read_text()
    'hello'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    if compression == "infer":
        compression = compression_for(path)
    if compression not in (None, "gzip", "zip"):
        raise ValueError(f"compression must be None, 'gzip' or 'zip', got {compression!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies, as for open()
    try:
        with contextlib.ExitStack() as stack:
            raw = stack.enter_context(os.fdopen(fd, "wb"))
            fh: IO = raw
            if compression == "gzip":
                fh = stack.enter_context(gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0))
            elif compression == "zip":
                zf = stack.enter_context(zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED))
                name = member or (path.stem if path.suffix.lower() == ".zip" else path.name)
                fh = stack.enter_context(zf.open(name, "w"))
            if mode == "w":
                fh = stack.enter_context(io.TextIOWrapper(fh, encoding=encoding, newline="\n", write_through=False))
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
