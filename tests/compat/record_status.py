"""Record the golden JSON of the status-object suite from the official SDK.

Run it with the interpreter of a virtualenv where the official ``batchcompute==2.1.7`` is
installed (NOT this project), from the repository root::

    /path/to/official-venv/bin/python tests/compat/record_status.py [scenario-name-prefix ...]

It starts the recording server of ``tests/fixture_server.py`` with its canned answers, points the
official Client at it, runs every scenario of ``status_scenarios.py`` with the local time zone set
to ``status_scenarios.RECORDED_TZ`` and writes what each returns to
``tests/data/golden/status/<scenario>.json`` (indent 2, sorted keys). Nothing in them depends on
the day or the machine: the answers are canned, the ids fixed, the zone set here.

Everything the official SDK does is recorded, its bugs included; ``fixed_status.py`` says where
this package deliberately differs and turns the recorded data into what is expected here.
"""

from __future__ import annotations

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
GOLDEN_DIR = os.path.join(TESTS, "data", "golden", "status")

# this directory is on sys.path when run as a script; the repository root must not be, so that
# ``batchcompute`` is the installed official SDK and not this package
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != REPO]
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

import fixture_server as fx  # noqa: E402
import status_scenarios  # noqa: E402


def write(path: str, data: object) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, sort_keys=True, ensure_ascii=False)
        out.write("\n")


def main(argv: list) -> int:
    os.environ["TZ"] = status_scenarios.RECORDED_TZ
    time.tzset()
    import batchcompute  # the official SDK

    where = os.path.abspath(batchcompute.__file__)
    if where.startswith(REPO + os.sep):
        print("refusing to record: %s is this package, not the official SDK" % where, file=sys.stderr)
        return 2
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    selected = [name for name in status_scenarios.SCENARIOS if not argv or any(name.startswith(p) for p in argv)]
    problems = []
    with fx.RecordingServer() as server:
        ctx = status_scenarios.make_context(batchcompute, server)
        for name in selected:
            try:
                result = status_scenarios.SCENARIOS[name](ctx)
            except Exception as exc:  # noqa: BLE001
                problems.append("%s raised %s: %s" % (name, type(exc).__name__, exc))
                continue
            finally:
                ctx.answer(None)
            write(os.path.join(GOLDEN_DIR, name + ".json"), result)
            print("%-32s %s" % (name, ", ".join(sorted(result))[:90]))
    if not argv:
        for stale in sorted(os.listdir(GOLDEN_DIR)):
            if stale.endswith(".json") and stale[:-5] not in status_scenarios.SCENARIOS:
                os.remove(os.path.join(GOLDEN_DIR, stale))
    print("recorded %d scenarios with %s in %s" % (len(selected) - len(problems), where, status_scenarios.RECORDED_TZ))
    for problem in problems:
        print("PROBLEM " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
