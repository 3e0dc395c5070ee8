"""Shared fixtures: where the real data is, and skipping cleanly when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MIRROR = ROOT.parent / "shared" / "data"


def mirror_dir() -> Path | None:
    m = os.environ.get("ARTGEN_DATA_MIRROR")
    if m:
        return Path(m)
    return DEFAULT_MIRROR if DEFAULT_MIRROR.exists() else None


@pytest.fixture(scope="session")
def mirror():
    m = mirror_dir()
    if m is None or not m.exists():
        pytest.skip("no data mirror (set ARTGEN_DATA_MIRROR to a folder laid out as shared/data)")
    os.environ["ARTGEN_DATA_MIRROR"] = str(m)
    return m


@pytest.fixture(scope="session")
def real805(mirror):
    from artgen_lite import data

    return data.load("1000g_805")


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models run fastest (and unaffected by other jobs) on one thread; restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
