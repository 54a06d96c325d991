"""The status objects (and a few description behaviours) against golden data from the official SDK.

Every scenario of ``tests/compat/status_scenarios.py`` runs once against this package, with its
Client pointed at the recording server's canned answers and the local time zone set to the one
the golden data was recorded in; each facet of what it returns must equal the recorded facet
(``tests/data/golden/status/<scenario>.json``), or, where ``tests/compat/fixed_status.py`` says
this package deliberately differs, the expectation derived there. Re-record with
``tests/compat/record_status.py`` under the official SDK.

Comparison is exact (types included: 1, 1.0 and true differ), except that a recorded ``dir``
(the public names ``dir()`` lists) only has to be contained in ours.
"""

from __future__ import annotations

import glob
import json
import os
import sys
import traceback
import types
import warnings
from typing import Any, Dict, List

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _path in (HERE, os.path.join(HERE, "compat")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import fixed_status  # noqa: E402
import fixture_server as fx  # noqa: E402
import scenarios  # noqa: E402
import status_scenarios as ss  # noqa: E402

import batchcompute  # noqa: E402
import batchcompute.resources  # noqa: E402

GOLDEN_DIR = os.path.join(HERE, "data", "golden", "status")


def _load(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


GOLDEN = {os.path.basename(path)[:-5]: _load(path) for path in sorted(glob.glob(os.path.join(GOLDEN_DIR, "*.json")))}
FACETS = [(name, facet) for name in sorted(GOLDEN) for facet in sorted(GOLDEN[name])]


# -- comparison -------------------------------------------------------------------------------------


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def _text_difference(expected: str, got: str) -> str:
    old, new = expected.splitlines(), got.splitlines()
    for number, (a, b) in enumerate(zip(old, new), 1):
        if a != b:
            return "line %d: official %r, ours %r" % (number, a, b)
    return "official %d lines, ours %d lines (first extra: %r)" % (
        len(old),
        len(new),
        (old[len(new) :] or new[len(old) :] or [""])[0],
    )


def _kind(value: Dict[str, Any]) -> str:
    """What an observation dict pictures: an object of some class, a plain dict, a datetime..."""
    if "$object" in value:
        return "a %s object" % value["$object"]
    if "raises" in value and "ok" not in value:
        return "raises %s" % value["raises"]
    if "ok" in value and "raises" not in value:
        return "returns %s" % _short(value["ok"])
    for marker in ("$dict", "$datetime", "$bytes", "$other", "$missing"):
        if marker in value:
            return "a %s" % marker[1:]
    return "a record"


def differences(expected: Any, got: Any, path: str = "") -> List[str]:
    """Where ``got`` differs from ``expected``, as readable lines."""
    where = path or "/"
    if isinstance(expected, dict) and isinstance(got, dict):
        if _kind(expected) != _kind(got):
            return ["%s: official %s, ours %s" % (where, _kind(expected), _kind(got))]
        found = []
        for key in sorted(set(expected) | set(got)):
            sub = "%s/%s" % (path, key)
            if key not in got:
                found.append("%s: missing here (official %s)" % (sub, _short(expected[key])))
            elif key not in expected:
                found.append("%s: not in the official SDK: %s" % (sub, _short(got[key])))
            elif key == "dir" and isinstance(expected[key], list) and isinstance(got[key], list):
                lacking = sorted(set(expected[key]) - set(got[key]))
                if lacking:
                    found.append("%s: dir() lacks %s" % (sub, ", ".join(lacking)))
            else:
                found.extend(differences(expected[key], got[key], sub))
        return found
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return ["%s: %d entries, official %d: %s" % (where, len(got), len(expected), _short(got))]
        found = []
        for index, (a, b) in enumerate(zip(expected, got)):
            found.extend(differences(a, b, "%s[%d]" % (path, index)))
        return found
    if type(expected) is type(got) and expected == got:
        return []
    if isinstance(expected, str) and isinstance(got, str) and "\n" in expected + got:
        return ["%s: text differs, %s" % (where, _text_difference(expected, got))]
    return ["%s: official %s, ours %s" % (where, _short(expected), _short(got))]


def assert_same(expected: Any, got: Any) -> None:
    found = differences(expected, got)
    if found:
        shown = found[:40] + (["... and %d more" % (len(found) - 40)] if len(found) > 40 else [])
        pytest.fail("%d difference(s) from the official SDK:\n  %s" % (len(found), "\n  ".join(shown)), pytrace=False)


# -- running the scenarios against this package ---------------------------------------------------


class Crashed:
    def __init__(self, exc: BaseException) -> None:
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


@pytest.fixture(scope="module")
def ours() -> Dict[str, Any]:
    """Every scenario's result with this package, computed once."""
    results: Dict[str, Any] = {}
    with ss.timezone(ss.RECORDED_TZ), fx.RecordingServer() as server, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the misspelling scenario may warn; checked on its own below
        ctx = ss.make_context(batchcompute, server)
        for name, scenario in ss.SCENARIOS.items():
            try:
                results[name] = scenario(ctx)
            except Exception as exc:  # noqa: BLE001 - reported by each facet's test
                results[name] = Crashed(exc)
            finally:
                ctx.answer(None)
    return results


def test_every_scenario_is_recorded():
    missing = set(ss.SCENARIOS) - set(GOLDEN)
    assert not missing, "no golden data (run tests/compat/record_status.py): %s" % sorted(missing)
    stale = set(GOLDEN) - set(ss.SCENARIOS)
    assert not stale, "golden data without a scenario: %s" % sorted(stale)


def test_fixed_entries_name_recorded_facets():
    for scenario, facet in fixed_status.FIXED:
        assert facet in GOLDEN.get(scenario, {}), (scenario, facet)


def test_golden_times_were_recorded_away_from_utc():
    """The service says 15:25:03 UTC; the recording shows it in RECORDED_TZ (UTC+8)."""
    assert ss.RECORDED_TZ == "Asia/Shanghai"
    assert GOLDEN["times"]["job"]["CreationTime"] == {"$datetime": "2016-11-01T23:25:03.020203"}


@pytest.mark.parametrize("name, facet", FACETS, ids=["%s-%s" % item for item in FACETS])
def test_status(name, facet, ours):
    result = ours[name]
    if isinstance(result, Crashed):
        pytest.fail("scenario %s raised with this package:\n%s" % (name, result.text), pytrace=False)
    assert facet in result, "scenario %s gave no %r here" % (name, facet)
    assert_same(fixed_status.expected(name, facet, GOLDEN[name]), result[facet])


# -- misspelled properties: accepted as the official SDK does, with a warning ---------------------

BC = types.SimpleNamespace(res=scenarios.make_namespace(batchcompute.resources))
MISSPELLINGS = [(cls, wrong, value, meant) for cls, wrong, value, meant in ss.MISSPELLINGS]


@pytest.mark.parametrize(
    "cls, wrong, value, meant", MISSPELLINGS, ids=["%s.%s" % (item[0], item[1]) for item in MISSPELLINGS]
)
def test_misspelled_property_warns(cls, wrong, value, meant):
    """``t.Paramters = ...`` is accepted and kept out of the JSON as in the official SDK, and warns
    with a suggestion of the property meant."""
    with pytest.warns(UserWarning, match=meant) as caught:
        seen = ss.misspelled(BC, cls, wrong, value)
    messages = [str(item.message) for item in caught if issubclass(item.category, UserWarning)]
    assert any("did you mean '%s'" % meant in message for message in messages), messages
    assert_same(GOLDEN["misspelled_properties"]["%s.%s" % (cls, wrong)], seen)


@pytest.mark.parametrize("cls, meant, value", [(cls, meant, value) for cls, _, value, meant in ss.MISSPELLINGS])
def test_property_spelled_right_does_not_warn(cls, meant, value):
    obj = getattr(BC.res, cls)()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        setattr(obj, meant, value)
