"""Every public name of the official 2.1.7 SDK exists here, in the same module, with compatible
parameters and the same base classes, so the surface can never shrink.

``tests/data/official-surface.json`` lists the official SDK's modules, and in each its public
names: classes (base classes, public members, methods' parameters), functions (parameters) and
constants. A parameter list is compatible when every official positional parameter stands at the
same place here, by name, with a default where the official one has one; parameters added here
have defaults or are keyword-only.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
from typing import Any, Dict, List, Optional

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "official-surface.json"), encoding="utf-8") as _f:
    OFFICIAL: Dict[str, Dict[str, Any]] = json.load(_f)


def parameters(obj: Any) -> Optional[List[str]]:
    """``['self', 'dct=', '*args', '**kwargs']``: positional names, '=' for a default; keyword-only
    parameters cannot break an old caller and are left out."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    out = []
    for p in signature.parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            out.append("*" + p.name)
        elif p.kind == p.VAR_KEYWORD:
            out.append("**" + p.name)
        elif p.kind != p.KEYWORD_ONLY:
            out.append(p.name + ("" if p.default is p.empty else "="))
    return out


def incompatibilities(theirs: List[str], ours: List[str]) -> List[str]:
    plain = [p for p in theirs if not p.startswith("*")]
    here = [p for p in ours if not p.startswith("*")]
    problems = []
    for index, name in enumerate(plain):
        if index >= len(here):
            if not any(p.startswith("*") for p in ours):
                problems.append("parameter %r missing" % name)
            break
        if here[index].rstrip("=") != name.rstrip("="):
            problems.append("parameter %d is %r here, %r there" % (index, here[index], name))
            break
        if name.endswith("=") and not here[index].endswith("="):
            problems.append("parameter %r has no default here" % name)
    problems += ["extra required parameter %r" % p for p in here[len(plain) :] if not p.endswith("=")]
    return problems


def check_name(module: Any, name: str, info: Dict[str, Any]) -> List[str]:
    if not hasattr(module, name):
        return ["missing"]
    value = getattr(module, name)
    if "class" in info:
        if not inspect.isclass(value):
            return ["not a class"]
        bases = {base.__name__ for base in value.__mro__[1:]}
        problems = ["not a subclass of %s" % base for base in info["class"] if base not in bases]
        for member, member_info in info["members"].items():
            if not hasattr(value, member):
                problems.append("member %s missing" % member)
            elif member_info.get("params"):
                ours = parameters(getattr(value, member))
                if ours is not None:
                    problems += ["%s: %s" % (member, p) for p in incompatibilities(member_info["params"], ours)]
        return problems
    if info.get("function") is not None:
        ours = parameters(value)
        return [] if ours is None else incompatibilities(info["function"], ours)
    return []


@pytest.mark.parametrize("module_name", sorted(OFFICIAL))
def test_module_has_every_official_name(module_name):
    module = importlib.import_module(module_name)
    problems = {
        name: found for name, info in OFFICIAL[module_name].items() if (found := check_name(module, name, info))
    }
    assert not problems


def test_the_listing_is_whole():
    names = sum(1 + len(info.get("members", ())) for entries in OFFICIAL.values() for info in entries.values())
    assert len(OFFICIAL) == 19 and names == 3079
