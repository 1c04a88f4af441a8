"""Every docstring example in the package runs, as Gymnasium's CI runs its own."""

import doctest
import importlib
import pkgutil

import pytest

import curriculum_gym

MODULES = sorted(m.name for m in pkgutil.walk_packages(curriculum_gym.__path__, "curriculum_gym."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (see the output above)"


def test_the_package_has_docstring_examples():
    found = sum(len(doctest.DocTestFinder().find(importlib.import_module(n))) for n in MODULES)
    assert found >= 20
