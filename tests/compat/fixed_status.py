"""Where this package deliberately differs from the official 2.1.7 SDK in the status-object suite.

The golden files of ``tests/data/golden/status`` hold what the official SDK does, bugs included.
``FIXED`` maps ``(scenario, facet)`` to a function ``recorded -> expected``: it turns the recorded
official observation into what this package must produce instead, and says why. Every other facet
must equal its recording.
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Dict, Tuple

Transform = Callable[[Any], Any]

# The properties whose blank value is ignored (the official SDK strips the text and drops it when
# nothing is left); the rest of scenario blank_strings shows there are no others.
BLANK_IGNORED = ("DataDisk.Type", "DataDisk.MountPoint", "GroupDescription.InstanceType", "SystemDisk.Type")


def _unset_scalar_reads(recorded: Any) -> Any:
    """resources.md: reading a string, number (or time) property that is not set returns None and
    stores nothing. The official SDK returns {} and stores it, so str() shows it afterwards and a
    description would send it."""
    expected = copy.deepcopy(recorded)
    expected["values"] = {name: {"ok": None} for name in recorded["values"]}
    expected["str_after"] = recorded["str_before"]
    return expected


def _blank_none_ignored(recorded: Any) -> Any:
    """resources.md: strings accept None, and a blank value of a property whose blank is ignored is
    never stored. The official SDK crashes (None.strip(), AttributeError) on None there; for every
    other blank it leaves the property as it was, which is what is expected for None too."""
    expected = copy.deepcopy(recorded)
    for name in BLANK_IGNORED:
        entry = expected[name]
        assert entry["none"] == {"raises": "AttributeError"}, (name, entry)
        entry["none"] = entry["empty"]
        entry["x_then_none"] = entry["x_then_empty"]
    return expected


def _empty_name_refused(recorded: Any) -> Any:
    """resources.md: add_input_parameter / add_output_parameter raise TypeError for an empty name.
    The official SDK stores the parameter under '' (and sends it)."""
    return {"raises": "TypeError", "dump": {"InputParameters": {}, "OutputParameters": {}}}


def _like(facet: str) -> Callable[[Any], Any]:
    """resources.md: the output getter is spelled get_outpu_parameter in the official SDK; this
    package keeps that name and adds get_output_parameter beside it, which the official SDK lacks
    (AttributeError there). It must behave exactly like get_outpu_parameter."""
    def expected(recorded: Any, siblings: Dict[str, Any]) -> Any:
        return copy.deepcopy(siblings[facet])
    expected.needs_siblings = True  # type: ignore[attr-defined]
    return expected


FIXED: Dict[Tuple[str, str], Transform] = {
    ("unset_reads_scalars", "job"): _unset_scalar_reads,
    ("unset_reads_scalars", "cluster"): _unset_scalar_reads,
    ("unset_reads_scalars", "cluster_instance"): _unset_scalar_reads,
    ("blank_strings", "properties"): _blank_none_ignored,
    ("app_parameters_names", "add_input_empty"): _empty_name_refused,
    ("app_parameters_names", "add_output_empty"): _empty_name_refused,
    ("app_parameters_names", "get_output_parameter"): _like("get_outpu_parameter"),
    ("app_parameters_names", "get_output_parameter_absent"): _like("get_outpu_parameter_absent"),
}


def expected(scenario: str, facet: str, golden: Dict[str, Any]) -> Any:
    """What this package must produce for ``facet`` of ``scenario`` (``golden``: the whole
    recorded scenario)."""
    recorded = golden[facet]
    transform = FIXED.get((scenario, facet))
    if transform is None:
        return recorded
    if getattr(transform, "needs_siblings", False):
        return transform(recorded, golden)  # type: ignore[call-arg]
    return transform(recorded)
