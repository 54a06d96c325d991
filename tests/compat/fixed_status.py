"""Where this package deliberately differs from the official 2.1.7 SDK in the status-object suite.

The golden files of ``tests/data/golden/status`` hold what the official SDK does, bugs included.
``FIXED`` maps ``(scenario, facet)`` to a function ``recorded -> expected``: it turns the recorded
official observation into what this package must produce instead, and says why. Every other facet
must equal its recording.
"""

from __future__ import annotations

import copy
import json
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


def _none_name_refused(recorded: Any) -> Any:
    """A None parameter name is refused like an empty one (TypeError); the official SDK stores the
    parameter under the key null."""
    return {"raises": "TypeError", "dump": {"InputParameters": {}, "OutputParameters": {}}}


def _parameter_type_error(recorded: Any) -> Any:
    """A Default that does not fit the Type raises ParameterTypeError, a subclass of both
    RuntimeError (what the official SDK raises) and TypeError (what a type mismatch is)."""
    expected = copy.deepcopy(recorded)
    assert expected["13_add_input_bad_default"]["raises"] == "RuntimeError"
    expected["13_add_input_bad_default"]["raises"] = "ParameterTypeError"
    return expected


def _hashable(*more: str) -> Transform:
    """Status objects with an id hash by it here (usable in sets and as keys); the official SDK
    defines equality without a hash, so they are unhashable there. ``more`` facets that raise
    TypeError there (ordering an Instance, whose id is a number, against an id string) work too."""

    def transform(recorded: Any) -> Any:
        expected = copy.deepcopy(recorded)
        for facet in ("hash",) + more:
            assert expected[facet] == {"raises": "TypeError"}, (facet, expected[facet])
            expected[facet] = {"ok": True}
        return expected

    return transform


def _plain(value: Any) -> Any:
    return {"$dict": {key: _plain(item) for key, item in value.items()}} if isinstance(value, dict) else value


def _content_is_plain_json(recorded: Any) -> Any:
    """``content`` is the answer's JSON as plain data. The official SDK's turns into the item's
    objects (its App's Parameter objects) because building the item changes the dict in place."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("$object") == "Parameter":
                return _plain(json.loads(node["str"]))
            return {key: walk(item) for key, item in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    expected = copy.deepcopy(recorded)
    expected["content"] = walk(recorded["content"])
    return expected


def _times(corrected: Dict[str, Any]) -> Transform:
    """Two bugs of the official SDK's time conversion are fixed: a time without fractional seconds
    (``...T15:25:03Z``) gives None there, and it applies the zone's standard offset all year
    (summer times an hour off). ``corrected`` maps each affected text to the right local time."""

    def transform(recorded: Any) -> Any:
        expected = copy.deepcopy(recorded)
        for text, local in corrected.items():
            expected[json.dumps(text)] = {"ok": {"$datetime": local}}
        return expected

    return transform


def _empty_object(recorded: Any) -> Any:
    """A status class built with no argument is empty here (as one built from {}); most official
    status classes require the argument (TypeError), a few (Error ...) do not."""
    assert recorded == {"raises": "TypeError"}, recorded
    return {"ok": "{}"}


FIXED: Dict[Tuple[str, str], Transform] = {
    ("unset_reads_scalars", "job"): _unset_scalar_reads,
    ("unset_reads_scalars", "cluster"): _unset_scalar_reads,
    ("unset_reads_scalars", "cluster_instance"): _unset_scalar_reads,
    ("blank_strings", "properties"): _blank_none_ignored,
    ("app_parameters_names", "add_input_empty"): _empty_name_refused,
    ("app_parameters_names", "add_output_empty"): _empty_name_refused,
    ("app_parameters_names", "get_output_parameter"): _like("get_outpu_parameter"),
    ("app_parameters_names", "get_output_parameter_absent"): _like("get_outpu_parameter_absent"),
    ("app_parameters_names", "add_input_none"): _none_name_refused,
    ("app_parameters_names", "add_output_none"): _none_name_refused,
    ("app_parameters", "steps"): _parameter_type_error,
    ("direct_construction", "job_no_argument"): _empty_object,
    ("identity", "Job"): _hashable(),
    ("identity", "Task"): _hashable(),
    ("identity", "Instance"): _hashable("lt_id_string"),
    ("identity", "Cluster"): _hashable(),
    ("identity", "Image"): _hashable(),
    ("identity", "SynchronousInstance"): _hashable(),
    ("get_app_detail", "wrapper"): _content_is_plain_json,
    ("get_app_detail_full", "wrapper"): _content_is_plain_json,
    ("get_app_full", "wrapper"): _content_is_plain_json,
    ("times", "creation_time_texts"): _times({"2016-11-01T15:25:03Z": "2016-11-01T23:25:03"}),
    ("times_new_york", "creation_time_texts"): _times(
        {
            "2016-06-30T23:59:59.999999Z": "2016-06-30T19:59:59.999999",
            "2016-11-01T15:25:03.020203Z": "2016-11-01T11:25:03.020203",
            "2016-11-01T15:25:03.5Z": "2016-11-01T11:25:03.500000",
            "2016-11-01T15:25:03Z": "2016-11-01T11:25:03",
        }
    ),
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
