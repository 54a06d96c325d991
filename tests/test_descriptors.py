"""Every description and status class declares the official SDK's properties, with its types.

Compared with ``tests/data/golden/descriptors.json``, recorded from the official 2.1.7 SDK by
``tests/compat/record_descriptors.py``.
"""

from __future__ import annotations

import importlib
import json
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "golden", "descriptors.json"), encoding="utf-8") as _f:
    GOLDEN = json.load(_f)

# The official TaskDescription requires 'TimeOut' (a typo that made validate() always fail).
REQUIRED_FIXED = {
    "batchcompute.resources.job.TaskDescription": [
        "Parameters",
        "Timeout",
        "InstanceCount",
        ["ClusterId", "AutoCluster"],
    ]
}


def ours(qualified):
    module, _, name = qualified.rpartition(".")
    return getattr(importlib.import_module(module), name)


def type_names(accepted):
    types = accepted if isinstance(accepted, tuple) else (accepted,)
    return sorted({t.__name__ for t in types})


@pytest.mark.parametrize("qualified", sorted(GOLDEN))
def test_properties_and_their_types(qualified):
    cls, expected = ours(qualified), GOLDEN[qualified]
    assert {name: type_names(types) for name, types in cls.descriptor_map.items()} == expected["descriptor_map"]
    assert cls.descriptor_type == expected["descriptor_type"]
    assert getattr(cls, "resource_name", None) == expected["resource_name"]
    assert cls.required == REQUIRED_FIXED.get(qualified, expected["required"])


@pytest.mark.parametrize("qualified", sorted(GOLDEN))
def test_every_property_is_declared_on_the_class(qualified):
    """So that dir(), help() and completion list every field."""
    cls = ours(qualified)
    assert set(GOLDEN[qualified]["descriptor_map"]) <= set(dir(cls))
    assert all(name in cls.__doc__ for name in GOLDEN[qualified]["descriptor_map"])
