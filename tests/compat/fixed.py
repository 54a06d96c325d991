"""Where this package deliberately differs from the official 2.1.7 SDK (see resources.md).

``FIXED`` lists the scenarios whose official result is not recorded, with the expected result
written by hand from resources.md. A value is either the expected JSON data or a function
``golden -> data``, where ``golden(name)`` loads the recorded golden JSON of another scenario (so
the expectation is "what the official SDK produces without the broken step").

``FIXED_ERRORS`` does the same for error scenarios (name -> expected exception class name, or
None when the call must not raise here), and ``ERROR_ALTERNATIVES`` names the error scenarios where
the official SDK raises an incidental exception class (an ``assert``, a crash on the wrong input
type) and this package raises the documented one instead.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple, Union

Expected = Union[Any, Callable[[Callable[[str], Any]], Any]]

FIXED: Dict[str, Expected] = {
    # Reading an unset string/number/bool property: the official SDK returns {} and stores it, so
    # the property is later sent as {}. resources.md: the read returns None and stores nothing.
    "unset_string_read": lambda golden: {
        "value": None,
        "job": golden("blank_objects")["JobDescription"],
    },
    "unset_number_read": lambda golden: {
        "value": [None, None],
        "job": golden("blank_objects")["JobDescription"],
        "task": dict(golden("blank_objects")["TaskDescription"], ClusterId="c"),
    },
    "unset_reads_in_app_desc": {
        "InputParameters": {},
        "OutputParameters": {},
        "Docker": {},
        "VM": {},
    },
    # TaskDescription.validate requires 'TimeOut' (a typo for Timeout) in the official SDK, so
    # it always fails. resources.md: required [Parameters, Timeout, InstanceCount, exactly one of
    # ClusterId/AutoCluster]; validate() changes nothing.
    "task_validate_ok": lambda golden: golden("task_full"),
    "task_validate_autocluster": lambda golden: golden("task_full_autocluster"),
    # App.add_output / get_output / delete_output use dict.has_key (Python 2) in the official SDK.
    # resources.md documents them like their *_input twins; Outputs is created by the first add.
    "app_outputs_methods": {
        "app": {"AppName": "a", "Inputs": {}, "Outputs": {"o": "oss://o/"}},
        "o": "oss://o/",
    },
    # bytes assigned to a string property recurse forever in the official SDK (a Python 2
    # leftover). resources.md: strings accept str/bytes/None; bytes are stored as text.
    "bytes_strings": [
        {"CommandLine": "echo bytes", "EnvVars": {}, "Docker": {"Image": ""}},
        {"ResourceType": "OnDemand", "InstanceType": "ecs.x"},
    ],
    "parameter_bytes_default": {"Description": "", "Type": "String", "Default": "text", "LocalPath": ""},
    # GroupDescription.InstanceType = None crashes (None.strip()) in the official SDK.
    # resources.md: strings accept None; a blank InstanceType is ignored, never stored.
    "group_instance_type_none": {"ResourceType": "OnDemand"},
    # The published docs call add_system_disk / add_data_disk's keyword ``type``; the official
    # code calls it ``type_``. resources.md: accept both.
    "add_disk_type_keyword": {
        "Networks": {"VPC": {"CidrBlock": "192.168.0.0/16"}},
        "Disks": {
            "SystemDisk": {"Type": "cloud_ssd", "Size": 40},
            "DataDisk": {"Type": "cloud", "Size": 100, "MountPoint": "/data"},
        },
    },
}

FIXED_ERRORS: Dict[str, Optional[str]] = {}

ERROR_ALTERNATIVES: Dict[str, Tuple[str, ...]] = {
    # a JSON text that parses to something else than an object: the official SDK crashes with
    # AttributeError ('list' object has no attribute 'items'); a JsonError is the documented error
    "json_array": ("JsonError", "TypeError"),
    # update() takes a dict; the official SDK crashes with AttributeError on a string
    "update_with_string": ("TypeError",),
    # the official disk helpers check their arguments with ``assert`` (gone under python -O);
    # a TypeError is what a wrong property type raises everywhere else
    "add_system_disk_str_size": ("TypeError",),
    "add_data_disk_int_type": ("TypeError",),
}
