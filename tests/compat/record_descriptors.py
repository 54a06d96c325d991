"""Record the official SDK's schema facts: every Jsonizable class's properties and their types.

Run under the official 2.1.7 SDK (see record_golden.py for how to install it)::

    python tests/compat/record_descriptors.py

For each class of the description and status modules it writes, to
``tests/data/golden/descriptors.json``: ``descriptor_map`` (property -> accepted type names),
``descriptor_type``, ``required`` and ``resource_name``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) not in (REPO, HERE)]

import batchcompute  # noqa: E402
from batchcompute.utils.jsonizable import Jsonizable  # noqa: E402

MODULES = (
    "batchcompute.resources.job",
    "batchcompute.resources.cluster",
    "batchcompute.resources.app",
    "batchcompute.resources.image",
    "batchcompute.client.response",
)


def type_names(accepted):
    types = accepted if isinstance(accepted, tuple) else (accepted,)
    return sorted({t.__name__ for t in types})


def describe(cls):
    return {
        "descriptor_map": {name: type_names(types) for name, types in cls.descriptor_map.items()},
        "descriptor_type": cls.descriptor_type,
        "required": cls.required,
        "resource_name": getattr(cls, "resource_name", None),
    }


def main() -> int:
    if os.path.abspath(batchcompute.__file__).startswith(REPO + os.sep):
        print("refusing to record: this is the package under test, not the official SDK", file=sys.stderr)
        return 2
    out = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name, value in sorted(vars(module).items()):
            if (
                isinstance(value, type)
                and issubclass(value, Jsonizable)
                and value is not Jsonizable
                and value.__module__.startswith("batchcompute")
            ):
                out["%s.%s" % (module_name, name)] = describe(value)
    path = os.path.join(REPO, "tests", "data", "golden", "descriptors.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(out, handle, indent=2, sort_keys=True)
        handle.write("\n")
    print("%d classes written to %s" % (len(out), path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
