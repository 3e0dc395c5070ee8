"""The model file format: a torch file whose payload carries a sha256 checksum (chapter 04_restricted_boltzmann_machines).

:meth:`artgen_lite.models.GenerativeModel.save` writes, through :func:`write_model_file`, a
``torch.save`` file holding ``{"format": "artgen_lite.models/2", "sha256": <hex>, "payload": <uint8
tensor>}``, where the payload tensor holds the bytes of ``torch.save(payload_dict)`` and ``sha256`` is
their checksum. :func:`read_model_file` checks the checksum before unpickling anything, so a file
with a flipped byte, a truncated or a garbage file is refused with :class:`ModelFileError` naming the
path -- never loaded with silently wrong weights, never a raw torch or pickle traceback. Both loads
use ``weights_only=True``: a file cannot run code. Files of the older format
(``artgen_lite.models/1``, no checksum) are still read, with a :class:`UserWarning` saying that they
cannot be verified and how to upgrade them (load and save again).
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

from ..atomic import atomic_write

__all__ = ["ModelFileError", "FORMAT", "write_model_file", "read_model_file"]

FORMAT = "artgen_lite.models/2"
_OLD_FORMAT = "artgen_lite.models/1"


class ModelFileError(ValueError):
    """A model file that cannot be used: damaged, truncated, not a model file, or not matching its model.

    ``path`` holds the file. Explained in chapter 04_restricted_boltzmann_machines.
    """

    def __init__(self, message: str, *, path=None):
        super().__init__(message)
        self.path = None if path is None else str(path)


def _torch_load(source, path: Path, what: str):
    try:
        return torch.load(source, map_location="cpu", weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, EOFError, zipfile.BadZipFile, OSError, ValueError,
            KeyError, IndexError, TypeError, AttributeError, UnicodeDecodeError, OverflowError,
            MemoryError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(
            f"{path}: {what} could not be read as a model file written by artgen_lite .save() "
            f"(damaged, truncated or another kind of file: {type(exc).__name__}: {first[:200]})",
            path=path,
        ) from exc


def write_model_file(path: str | os.PathLike, payload: dict[str, Any]) -> Path:
    """Write ``payload`` (tensors, numbers, strings, lists, dicts) with its sha256, atomically (chapter 04).

    The file is a ``torch.save`` of ``{"format": FORMAT, "sha256": <hex>, "payload": <uint8 tensor>}``,
    the tensor holding the bytes of ``torch.save(payload)`` (see the module docstring).

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (replaced if it exists).
    payload : dict of str to Any
        What to store; only what ``torch.load(..., weights_only=True)`` reads back.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, torch
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_model_file(Path(folder) / "model.pt", {"weights": torch.ones(2), "epochs": 3})
    ...     print(path.name, read_model_file(path))
    model.pt {'weights': tensor([1., 1.]), 'epochs': 3}
    """
    path = Path(path)
    buf = io.BytesIO()
    torch.save(payload, buf)
    data = buf.getvalue()
    outer = {
        "format": FORMAT,
        "sha256": hashlib.sha256(data).hexdigest(),
        "payload": torch.frombuffer(bytearray(data), dtype=torch.uint8),
    }
    with atomic_write(path, "wb", compression=None) as fh:
        torch.save(outer, fh)
    return path


def read_model_file(path: str | os.PathLike) -> dict[str, Any]:
    """The payload dict written by :func:`write_model_file`, verified against its sha256 (chapter 04).

    Raises :class:`ModelFileError` naming ``path`` for a damaged, truncated or foreign file.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`write_model_file` (or one of the older format, read with a
        :class:`UserWarning`).

    Returns
    -------
    dict of str to Any
        The payload as it was written; for a file of the older format, the whole stored dict.

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path``.
    ModelFileError
        When the file is damaged, truncated, fails its checksum or is not a model file.

    Examples
    --------
    >>> import tempfile, torch
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_model_file(Path(folder) / "model.pt", {"weights": torch.zeros(3)})
    ...     _ = path.write_bytes(path.read_bytes()[:100])  # truncate it
    ...     try:
    ...         read_model_file(path)
    ...     except ModelFileError as error:
    ...         print(type(error).__name__, error.path == str(path))
    ModelFileError True
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    outer = _torch_load(path, path, "the file")
    if not isinstance(outer, dict) or outer.get("format") not in (FORMAT, _OLD_FORMAT):
        raise ModelFileError(f"{path} is not a model file written by artgen_lite .save()", path=path)
    if outer["format"] == _OLD_FORMAT:
        warnings.warn(
            f"{path} is an older artgen_lite model file without a checksum, so damage cannot be detected; "
            "load it once and save it again to add one",
            UserWarning,
            stacklevel=3,
        )
        return outer
    blob, digest = outer.get("payload"), outer.get("sha256")
    if not isinstance(blob, torch.Tensor) or blob.dtype != torch.uint8 or blob.ndim != 1 or not isinstance(digest, str):
        raise ModelFileError(f"{path}: the model file lacks its payload or checksum (damaged?)", path=path)
    data = blob.numpy().tobytes()
    got = hashlib.sha256(data).hexdigest()
    if got != digest:
        raise ModelFileError(
            f"{path}: the model file is damaged: sha256 of its contents is {got}, but {digest} was stored "
            "when it was saved; re-train or restore the file from a copy",
            path=path,
        )
    payload = _torch_load(io.BytesIO(data), path, "the verified payload")
    if not isinstance(payload, dict):
        raise ModelFileError(f"{path} is not a model file written by artgen_lite .save()", path=path)
    return payload
