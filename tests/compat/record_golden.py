"""Record the golden JSON of the compatibility suite from the official SDK.

Run with the official 2.1.7 SDK installed (in a throw-away virtualenv, see the wire spec for how
to install it), from the repository root::

    python tests/compat/record_golden.py

Every scenario of ``scenarios.py`` is run against the official ``batchcompute.resources``; what it
returns is written, parsed (so key order does not matter), to
``tests/data/golden/resources/<name>.json``. The error scenarios must raise; the name of the
exception class each raises goes to ``tests/data/golden/errors.json``.

Scenarios listed in ``fixed.py`` are not recorded: there the official SDK crashes (a documented
typo, a Python 2 leftover) or shows a bug this package does not reproduce, and the expected result
is written by hand in ``fixed.py``. What the official SDK does for them is printed, for reference.
"""

from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
GOLDEN = os.path.join(TESTS, "data", "golden")

# this directory is on sys.path when run as a script; the repository root must not be, so that
# ``batchcompute`` is the installed official SDK and not this package
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != REPO]

import fixed  # noqa: E402
import scenarios  # noqa: E402

import batchcompute  # noqa: E402
import batchcompute.resources  # noqa: E402


def _write(path: str, data: object) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, sort_keys=True, ensure_ascii=False)
        out.write("\n")


def main() -> int:
    where = os.path.abspath(batchcompute.__file__)
    if where.startswith(REPO + os.sep):
        print("refusing to record: %s is this package, not the official SDK" % where, file=sys.stderr)
        return 2
    bc = scenarios.make_namespace(batchcompute.resources)
    out_dir = os.path.join(GOLDEN, "resources")
    os.makedirs(out_dir, exist_ok=True)
    problems = []

    recorded = set()
    for name, scenario in scenarios.SCENARIOS.items():
        try:
            result = scenarios.to_jsonable(scenario(bc))
        except Exception as exc:  # noqa: BLE001
            result = None
            outcome = "raises %s: %s" % (type(exc).__name__, exc)
        else:
            outcome = json.dumps(result, sort_keys=True)
        if name in fixed.FIXED:
            print("fixed     %-45s official: %s" % (name, outcome[:300]))
            continue
        if result is None and outcome.startswith("raises"):
            problems.append("scenario %s %s" % (name, outcome))
            continue
        _write(os.path.join(out_dir, name + ".json"), result)
        recorded.add(name)
    for stale in sorted(os.listdir(out_dir)):
        if stale.endswith(".json") and stale[:-5] not in recorded:
            os.remove(os.path.join(out_dir, stale))

    errors = {}
    for name, scenario in scenarios.ERRORS.items():
        try:
            scenario(bc)
        except Exception as exc:  # noqa: BLE001
            raised = type(exc).__name__
        else:
            raised = None
        if name in fixed.FIXED_ERRORS:
            print("fixed     %-45s official: %s" % (name, raised or "no error"))
            continue
        if raised is None:
            problems.append("error scenario %s does not raise" % name)
            continue
        errors[name] = raised
    _write(os.path.join(GOLDEN, "errors.json"), errors)

    print("recorded %d scenarios and %d error scenarios with %s" % (len(recorded), len(errors), where))
    for problem in problems:
        print("PROBLEM " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
