"""The description classes against the golden JSON recorded from the official 2.1.7 SDK.

Every scenario of ``tests/compat/scenarios.py`` runs against ``batchcompute.resources``; its
result must equal the recorded golden JSON (``tests/data/golden/resources``), or, for the
scenarios listed in ``tests/compat/fixed.py``, the expectation written there from resources.md.
Every error scenario must raise the exception class the official SDK raised
(``tests/data/golden/errors.json``). Re-record with ``tests/compat/record_golden.py``.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import sys
import warnings

import pytest

import batchcompute.resources
from batchcompute.core import exceptions
from batchcompute.resources._schema import UnknownPropertyWarning

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from compat import fixed, scenarios  # noqa: E402

GOLDEN = os.path.join(HERE, "data", "golden")
BC = scenarios.make_namespace(batchcompute.resources)

with open(os.path.join(GOLDEN, "errors.json"), encoding="utf-8") as _f:
    ERRORS_GOLDEN = json.load(_f)


def golden(name):
    with open(os.path.join(GOLDEN, "resources", name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def expected_for(name):
    if name in fixed.FIXED:
        expected = fixed.FIXED[name]
        return expected(golden) if callable(expected) else expected
    return golden(name)


def canonical(data):
    """Type-exact comparison form: 1, 1.0 and true are different things on the wire."""
    return json.dumps(data, sort_keys=True)


def exception_class(name):
    cls = getattr(exceptions, name, None) or getattr(builtins, name, None)
    assert isinstance(cls, type) and issubclass(cls, BaseException), name
    return cls


def test_every_scenario_has_an_expectation():
    recorded = {name[:-5] for name in os.listdir(os.path.join(GOLDEN, "resources")) if name.endswith(".json")}
    missing = set(scenarios.SCENARIOS) - recorded - set(fixed.FIXED)
    assert not missing, "no golden JSON (run tests/compat/record_golden.py): %s" % sorted(missing)
    stale = recorded - set(scenarios.SCENARIOS)
    assert not stale, "golden JSON without a scenario: %s" % sorted(stale)
    assert not set(fixed.FIXED) & recorded
    assert set(fixed.FIXED) <= set(scenarios.SCENARIOS)


def test_every_error_scenario_has_an_expectation():
    names = set(scenarios.ERRORS)
    assert names == set(ERRORS_GOLDEN) | set(fixed.FIXED_ERRORS)
    assert set(fixed.ERROR_ALTERNATIVES) <= names


def test_the_suite_is_large_enough():
    assert len(scenarios.SCENARIOS) >= 60
    assert len(scenarios.ERRORS) >= 20


# Scenarios that set a misspelt or unknown attribute: accepted as by the official SDK, with a warning.
WARNS = {"unknown_attribute_assignment": "NotAProperty"}


@contextlib.contextmanager
def expected_warnings(name):
    """The scenario's UnknownPropertyWarning, if it has one; any other one is an error."""
    if name in WARNS:
        with pytest.warns(UnknownPropertyWarning, match=WARNS[name]):
            yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownPropertyWarning)
        yield


@pytest.mark.parametrize("name", sorted(scenarios.SCENARIOS))
def test_scenario(name):
    expected = expected_for(name)
    with expected_warnings(name):
        got = scenarios.to_jsonable(scenarios.SCENARIOS[name](BC))
    assert got == expected
    assert canonical(got) == canonical(expected)


@pytest.mark.parametrize("name", sorted(scenarios.SCENARIOS))
def test_scenario_dump_is_stable(name):
    """Dumping twice gives the same text; dumping does not change the object."""
    with expected_warnings(name):
        result = scenarios.SCENARIOS[name](BC)
    first = canonical(scenarios.to_jsonable(result))
    assert canonical(scenarios.to_jsonable(result)) == first


@pytest.mark.parametrize("name", sorted(scenarios.ERRORS))
def test_error_scenario(name):
    if name in fixed.FIXED_ERRORS:
        expected = fixed.FIXED_ERRORS[name]
        if expected is None:
            scenarios.ERRORS[name](BC)
            return
        names = (expected,)
    else:
        names = (ERRORS_GOLDEN[name],) + tuple(fixed.ERROR_ALTERNATIVES.get(name, ()))
    classes = tuple(exception_class(n) for n in names)
    with pytest.raises(classes):
        scenarios.ERRORS[name](BC)
