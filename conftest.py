"""Doctests of the package (``pytest --doctest-modules artgen_lite``, run by ``make test``): the
examples assume ``import numpy as np``, as numpy's own documentation does (the API page says so)."""

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _numpy_in_doctests(doctest_namespace):
    doctest_namespace["np"] = np
