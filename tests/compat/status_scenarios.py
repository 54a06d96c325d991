"""Scenarios for the compatibility suite of the status objects (``batchcompute.client.response``).

What the client hands back (Job, Task, Cluster, ... and the GetResponse / ListResponse wrappers),
as scripts and tools see it: class names and base classes, ``detail()`` with the classes of its
values, ``str()`` / ``repr()`` text, ``dir()``, ``descriptor_map``, times, equality, sorting,
assignment, reads of fields the service left out; plus a few behaviours of the description classes
that tools rely on (AppDescription's parameter methods, blank strings, misspelled properties).

Every ``scenario_<name>(ctx)`` returns a dict of JSON data: ``{facet: observation}``, one test per
facet. ``ctx`` (see :func:`make_context`) holds one SDK's modules and a ``Client`` of that SDK
pointed at a :class:`fixture_server.RecordingServer` with the canned answers, so the same code
runs against the official 2.1.7 SDK (``record_status.py`` writes the golden JSON) and against this
package (``tests/test_status_compat.py``). Times are observed in :data:`RECORDED_TZ`.

How values are written (see :func:`picture`, :func:`shape`, :func:`observe`):

- an object with a ``detail()`` method: ``{"$object": class name, "jsonizable": ..., "str": ...,
  "detail": {key: shape}, "fields": {key: picture of getattr}, "items": {key: shape of obj[key]}}``;
- a datetime: ``{"$datetime": isoformat}`` (its shape: ``"datetime"``);
- a plain dict: ``{"$dict": {...}}``; a list: a list; anything else: itself (shape: its type name);
- the outcome of a call that may raise: ``{"ok": picture}`` or ``{"raises": exception class name}``.

Only stdlib and the module passed in are used, so this runs under the official SDK's interpreter.
"""

from __future__ import annotations

import copy
import datetime
import importlib
import json
import os
import time
import types
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional

import fixture_server as fx

__all__ = ["RECORDED_TZ", "SCENARIOS", "make_context", "observe", "picture", "shape", "timezone"]

RECORDED_TZ = "Asia/Shanghai"  # not UTC: the conversion of service times to local time shows
KEY_ID = "LTAI4FakeKeyId00000001"
SECRET = "FakeSecret+/=0123456789abcdefghijk"

# The status classes of batchcompute.client.response and the nested classes they hold.
STATUS_CLASSES = (
    "Job",
    "Task",
    "Instance",
    "Cluster",
    "ClusterInstance",
    "Image",
    "Quota",
    "App",
    "AppRevision",
    "AvailableResource",
    "SynchronousInstance",
)
NESTED_CLASSES = (
    "Group",
    "Metrics",
    "TaskMetrics",
    "InstanceMetrics",
    "Result",
    "Error",
    "Disk",
    "AvailableInstanceDesc",
    "AvailableNetworkType",
    "Configs",
    "Disks",
    "Mounts",
    "Notification",
    "InputMappingConfig",
)
RESPONSE_CLASSES = ("GetResponse", "ListResponse", "CreateResponse", "ActionResponse")


# ---------------------------------------------------------------------------------------------
# the context
# ---------------------------------------------------------------------------------------------


def make_context(bc: types.ModuleType, server: "fx.RecordingServer") -> types.SimpleNamespace:
    """The modules of SDK ``bc`` and a Client of it talking to ``server``."""
    response = importlib.import_module(bc.__name__ + ".client.response")
    resources = importlib.import_module(bc.__name__ + ".resources")
    jsonizable = importlib.import_module(bc.__name__ + ".utils.jsonizable")
    import scenarios  # the namespace of description classes of the resources suite

    bc.Client.register_region("local", "127.0.0.1", server.port)
    ctx = types.SimpleNamespace(
        bc=bc,
        response=response,
        resources=resources,
        res=scenarios.make_namespace(resources),
        Jsonizable=jsonizable.Jsonizable,
        AppDescription=resources.AppDescription,
        server=server,
        client=bc.Client("127.0.0.1", KEY_ID, SECRET),
    )

    def answer(body: Any, status: int = 200) -> None:
        """Answer every request with ``body`` from now on (``None``: the canned answers again)."""
        if body is None:
            server.clear()
        else:
            server.clear(lambda request: fx.json_answer(status, copy.deepcopy(body)))

    ctx.answer = answer
    return ctx


@contextmanager
def timezone(name: str) -> Iterator[None]:
    """Run the block with the local time zone ``name`` (TZ and time.tzset), then put it back."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


def inner(resp: Any) -> Any:
    """The status object a GetResponse wraps. The official GetResponse keeps it in ``_container``
    (listed by ``dir()``); this package's ``item`` is accepted as well."""
    for name in ("_container", "item", "_item"):
        try:
            return object.__getattribute__(resp, name)
        except AttributeError:
            continue
    raise AttributeError("%s wraps no object that these tests know how to reach" % type(resp).__name__)


# ---------------------------------------------------------------------------------------------
# pictures of values
# ---------------------------------------------------------------------------------------------


def type_name(value: Any) -> str:
    return type(value).__name__


def public_dir(obj: Any) -> List[str]:
    return sorted(name for name in dir(obj) if not name.startswith("_"))


def has_detail(value: Any) -> bool:
    return not isinstance(value, (type, dict, list)) and callable(getattr(value, "detail", None))


def outcome(fn: Callable[[], Any]) -> Dict[str, Any]:
    """``{"ok": picture of what fn returns}`` or ``{"raises": exception class name}``."""
    try:
        return {"ok": picture(fn(), deep=False)}
    except Exception as exc:  # noqa: BLE001 - what is raised is what is observed
        return {"raises": type(exc).__name__}


def attempt(fn: Callable[[], Any]) -> Any:
    """What ``fn`` returns (an observation already), or ``{"raises": exception class name}``."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        return {"raises": type(exc).__name__}


def shape(value: Any) -> Any:
    """Class names all the way down ``detail()`` (so a nested value that lost its class shows)."""
    if has_detail(value):
        try:
            detail = value.detail()
        except Exception as exc:  # noqa: BLE001
            return {"$object": type_name(value), "detail": {"raises": type(exc).__name__}}
        return {"$object": type_name(value), "detail": shape_dict(detail)}
    if isinstance(value, dict):
        return {"$dict": {str(key): shape(item) for key, item in value.items()}}
    if isinstance(value, (list, tuple)):
        return [shape(item) for item in value]
    return type_name(value)


def shape_dict(value: Any) -> Any:
    if not isinstance(value, dict):
        return {"$not_a_dict": type_name(value)}
    return {str(key): shape(item) for key, item in value.items()}


def picture(value: Any, deep: bool = True) -> Any:
    """The value as JSON data: objects observed (``deep``) or as their class and dump."""
    if has_detail(value):
        if deep:
            return observe(value)
        return {"$object": type_name(value), "str": str(value)}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dict):
        return {"$dict": {str(key): picture(item, deep) for key, item in value.items()}}
    if isinstance(value, (list, tuple)):
        return [picture(item, deep) for item in value]
    if isinstance(value, bytes):
        return {"$bytes": value.decode("utf-8", "replace")}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"$other": type_name(value), "str": str(value)}


def keys_of(obj: Any) -> List[str]:
    keys = getattr(obj, "keys", None)
    if callable(keys):
        return [str(key) for key in keys()]
    return [str(key) for key in obj.detail()]


def observe(obj: Any, ctx: Optional[types.SimpleNamespace] = None, with_dir: bool = False) -> Dict[str, Any]:
    """Everything a tool sees of a status (or description) object, without reading a field that
    is not set. The text is taken first, before any attribute was read."""
    text = str(obj)
    seen: Dict[str, Any] = {"$object": type_name(obj)}
    if ctx is not None:
        seen["jsonizable"] = isinstance(obj, ctx.Jsonizable)
        seen["app_description"] = isinstance(obj, ctx.AppDescription)
    seen["str"] = text
    seen["repr_is_str"] = repr(obj) == text
    try:
        seen["detail"] = shape_dict(obj.detail())
    except Exception as exc:  # noqa: BLE001
        seen["detail"] = {"raises": type(exc).__name__}
    fields: Dict[str, Any] = {}
    items: Dict[str, Any] = {}
    for key in keys_of(obj):
        try:
            fields[key] = picture(getattr(obj, key))
        except Exception as exc:  # noqa: BLE001
            fields[key] = {"raises": type(exc).__name__}
        try:
            items[key] = shape(obj[key])
        except Exception as exc:  # noqa: BLE001
            items[key] = {"raises": type(exc).__name__}
    seen["fields"] = fields
    seen["items"] = items
    if with_dir:
        seen["dir"] = public_dir(obj)
    if ctx is not None:
        for key, value in seen["fields"].items():
            _mark_classes(value, ctx, getattr(obj, key))
    return seen


def _mark_classes(seen: Any, ctx: types.SimpleNamespace, value: Any) -> None:
    """Add the base-class flags to the observations of nested objects."""
    if isinstance(seen, dict) and "$object" in seen and has_detail(value):
        seen["jsonizable"] = isinstance(value, ctx.Jsonizable)
        seen["app_description"] = isinstance(value, ctx.AppDescription)
        for key, sub in seen.get("fields", {}).items():
            try:
                _mark_classes(sub, ctx, getattr(value, key))
            except Exception:  # noqa: BLE001
                pass
    elif isinstance(seen, dict) and "$dict" in seen and isinstance(value, dict):
        for key, sub in seen["$dict"].items():
            if key in value:
                _mark_classes(sub, ctx, value[key])
    elif isinstance(seen, list) and isinstance(value, (list, tuple)):
        for sub, item in zip(seen, value):
            _mark_classes(sub, ctx, item)


def _meta(resp: Any) -> Dict[str, Any]:
    return {name: picture(getattr(resp, name, "$missing"), deep=False) for name in ("StatusCode", "RequestId", "Date")}


def _wrapper(resp: Any, ctx: types.SimpleNamespace) -> Dict[str, Any]:
    """What every response kind shows: its class, text, dir() and status fields."""
    text = str(resp)
    return {
        "$object": type_name(resp),
        "jsonizable": isinstance(resp, ctx.Jsonizable),
        "str": text,
        "repr_is_str": repr(resp) == text,
        "dir": public_dir(resp),
        "meta": _meta(resp),
    }


def observe_get(resp: Any, ctx: types.SimpleNamespace) -> Dict[str, Any]:
    """A GetResponse: the wrapper (text, dir, attribute pass-through) and the object it wraps."""
    item = inner(resp)
    wrapper = {
        **_wrapper(resp, ctx),
        "passthrough": {key: shape(getattr(resp, key)) for key in keys_of(item)},
        "detail": attempt(lambda: shape_dict(resp.detail())),
        # the answer's body as plain data, times converted, unknown keys kept
        "content": outcome(lambda: resp.content),
    }
    return {"wrapper": wrapper, "item": observe(item, ctx, with_dir=True)}


def observe_list(resp: Any, ctx: types.SimpleNamespace) -> Dict[str, Any]:
    """A ListResponse: the wrapper and its items."""
    items = list(resp.Items)
    wrapper = {
        **_wrapper(resp, ctx),
        "NextMarker": resp.NextMarker,
        "content": outcome(lambda: resp.content),
        "type": outcome(lambda: resp.type.__name__),
        "len": outcome(lambda: len(resp)),
        "iterates_items": outcome(lambda: [a is b for a, b in zip(resp, items)]),
        "index_0_is_item_0": outcome(lambda: resp[0] is items[0]),
    }
    return {"wrapper": wrapper, "items": [observe(item, ctx, with_dir=True) for item in items]}


# ---------------------------------------------------------------------------------------------
# responses through the Client, against the canned answers
# ---------------------------------------------------------------------------------------------


def scenario_get_job(ctx):
    return observe_get(ctx.client.get_job(fx.JOB_ID), ctx)


def scenario_get_job_running(ctx):
    """A running job: the service sends EndTime as ''."""
    return observe_get(ctx.client.get_job(fx.RUNNING_JOB_ID), ctx)


def scenario_list_jobs(ctx):
    return observe_list(ctx.client.list_jobs("", 100), ctx)


def scenario_get_task(ctx):
    return observe_get(ctx.client.get_task(fx.JOB_ID, "split"), ctx)


def scenario_list_tasks(ctx):
    return observe_list(ctx.client.list_tasks(fx.JOB_ID, "", 100), ctx)


def scenario_get_instance(ctx):
    return observe_get(ctx.client.get_instance(fx.JOB_ID, "split", 0), ctx)


def scenario_get_instance_failed(ctx):
    """An instance with Result, Error and empty Outputs."""
    return observe_get(ctx.client.get_instance(fx.JOB_ID, "split", fx.FAILED_INSTANCE_ID), ctx)


def scenario_list_instances(ctx):
    return observe_list(ctx.client.list_instances(fx.JOB_ID, "split", "", 100), ctx)


def scenario_get_cluster(ctx):
    return observe_get(ctx.client.get_cluster(fx.CLUSTER_ID), ctx)


def scenario_get_cluster_configured(ctx):
    """A cluster with Configs (Networks.Classic {} and VPC, Disks, Mounts), Notification, groups with
    Disks and OperationLogs: the empty Classic is kept."""
    return observe_get(ctx.client.get_cluster(fx.CONFIGURED_CLUSTER_ID), ctx)


def scenario_cluster_configs_read_back(ctx):
    """The Configs of a cluster read back from the service keep ``Networks.Classic: {}`` beside the
    VPC, in str(), detail() and dump(), and as description objects."""
    cluster = inner(ctx.client.get_cluster(fx.CONFIGURED_CLUSTER_ID))
    configs = cluster.Configs
    networks = configs.Networks
    return {
        "cluster_dump_configs": attempt(lambda: json.loads(cluster.dump())["Configs"]),
        "configs": {
            "class": type_name(configs),
            "str": str(configs),
            "dump": attempt(lambda: json.loads(configs.dump())),
            "detail": attempt(lambda: shape(configs)),
        },
        "networks": {
            "class": type_name(networks),
            "str": str(networks),
            "classic": outcome(lambda: networks.Classic),
            "vpc": outcome(lambda: networks.VPC),
            "classic_in_detail": attempt(lambda: "Classic" in networks.detail()),
        },
    }


def scenario_list_clusters(ctx):
    return observe_list(ctx.client.list_clusters("", 100), ctx)


def scenario_get_cluster_instance(ctx):
    return observe_get(ctx.client.get_cluster_instance(fx.CLUSTER_ID, "group1", "i-2ze5ck4xqcklbtlprc3k"), ctx)


def scenario_list_cluster_instances(ctx):
    return observe_list(ctx.client.list_cluster_instances(fx.CLUSTER_ID, "group1", "", 100), ctx)


def scenario_get_image(ctx):
    return observe_get(ctx.client.get_image(fx.IMAGE_ID), ctx)


def scenario_list_images(ctx):
    return observe_list(ctx.client.list_images("", 100), ctx)


def scenario_get_app(ctx):
    return observe_get(ctx.client.get_app(fx.APP_NAME), ctx)


def scenario_get_app_full(ctx):
    """An App with parameters, Docker, VM, EnvVars and every config (and an UpdateTime)."""
    return observe_get(ctx.client.get_app(fx.FULL_APP_NAME), ctx)


def scenario_get_app_detail(ctx):
    return observe_get(ctx.client.get_app_detail(fx.APP_NAME), ctx)


def scenario_get_app_detail_full(ctx):
    return observe_get(ctx.client.get_app_detail(fx.FULL_APP_NAME), ctx)


def scenario_get_app_revisions(ctx):
    return observe_list(ctx.client.get_app_revisions(fx.APP_NAME), ctx)


def scenario_list_apps(ctx):
    return observe_list(ctx.client.list_apps(), ctx)


def scenario_get_quotas(ctx):
    return observe_get(ctx.client.get_quotas(), ctx)


def scenario_get_available_resource(ctx):
    return observe_get(ctx.client.get_available_resource(), ctx)


def _sync_job(ctx):
    return ctx.resources.AppJobDescription(
        {"Name": "echo-job", "Type": "App", "App": {"AppName": fx.APP_NAME, "Inputs": {}}}
    )


def scenario_create_job_sync(ctx):
    """A synchronous App job: the answer is a SynchronousInstance."""
    resp = ctx.client.create_job(_sync_job(ctx), sync=True)
    seen = observe_get(resp, ctx)
    seen["get_output"] = {
        "present": outcome(lambda: resp.get_output("outputFile")),
        "absent": outcome(lambda: resp.get_output("nope")),
    }
    return seen


def scenario_get_job_description(ctx):
    return observe_get(ctx.client.get_job_description(fx.JOB_ID), ctx)


def scenario_get_job_description_app(ctx):
    return observe_get(ctx.client.get_job_description(fx.APP_JOB_ID), ctx)


def scenario_helpers(ctx):
    """get_output / get_group on status objects."""
    instance = ctx.client.get_instance(fx.JOB_ID, "split", 0)
    cluster = ctx.client.get_cluster(fx.CONFIGURED_CLUSTER_ID)
    return {
        "instance_get_output": {
            "present": outcome(lambda: instance.get_output("outputFile")),
            "absent": outcome(lambda: instance.get_output("nope")),
        },
        "cluster_get_group": {
            "present": outcome(lambda: cluster.get_group("spot")),
            "absent": outcome(lambda: cluster.get_group("nope")),
        },
    }


# ---------------------------------------------------------------------------------------------
# the classes themselves
# ---------------------------------------------------------------------------------------------


def _type_names(accepted: Any) -> List[str]:
    if isinstance(accepted, (tuple, list)):
        return sorted({getattr(item, "__name__", repr(item)) for item in accepted})
    return [getattr(accepted, "__name__", repr(accepted))]


def _describe_class(cls: Any, ctx: types.SimpleNamespace) -> Dict[str, Any]:
    described: Dict[str, Any] = {
        "jsonizable": isinstance(cls, type) and issubclass(cls, ctx.Jsonizable),
        "app_description": isinstance(cls, type) and issubclass(cls, ctx.AppDescription),
        "dir": public_dir(cls),
    }
    mapping = getattr(cls, "descriptor_map", None)
    if isinstance(mapping, dict):
        described["descriptor_keys"] = list(mapping)
        described["descriptor_types"] = {key: _type_names(value) for key, value in mapping.items()}
        described["dir_fields"] = sorted(set(mapping) & set(dir(cls)))
    else:
        described["descriptor_keys"] = {"$missing": type_name(mapping)}
    described["descriptor_type"] = picture(getattr(cls, "descriptor_type", "$missing"), deep=False)
    return described


def scenario_classes(ctx):
    """Every status, nested and response class of batchcompute.client.response: bases, dir(),
    descriptor_map (keys in order, accepted type names) and descriptor_type."""
    described = {}
    for name in STATUS_CLASSES + NESTED_CLASSES + RESPONSE_CLASSES:
        cls = getattr(ctx.response, name, None)
        described[name] = _describe_class(cls, ctx) if cls is not None else {"$missing": True}
    return described


# ---------------------------------------------------------------------------------------------
# times
# ---------------------------------------------------------------------------------------------

TIME_TEXTS = [
    "2016-11-01T15:25:03.020203Z",
    "2016-11-01T15:25:03.5Z",
    "2016-11-01T15:25:03Z",
    "2016-11-01T15:25:03",
    "2016-11-01T15:25:03.020203+08:00",
    "2016-11-01 15:25:03.020203",
    "2016-06-30T23:59:59.999999Z",
    "2016-12-31T16:00:00.000000Z",
    "not a time",
    "",
    " ",
    None,
    1478013903,
]


def _times(ctx) -> Dict[str, Any]:
    seen = {}
    for text in TIME_TEXTS:
        ctx.answer(dict(fx.job_status(), CreationTime=text))
        try:
            seen[json.dumps(text)] = outcome(lambda: ctx.client.get_job(fx.JOB_ID).CreationTime)
        finally:
            ctx.answer(None)
    return seen


def scenario_times(ctx):
    """How the client turns the service's CreationTime texts into values (in RECORDED_TZ), what
    str() shows of them, and the same where *Time keys sit deeper (lists, nested objects)."""
    job = ctx.client.get_job(fx.JOB_ID)
    jobs = ctx.client.list_jobs("", 100)
    cluster = ctx.client.get_cluster(fx.CONFIGURED_CLUSTER_ID)
    revisions = ctx.client.get_app_revisions(fx.APP_NAME)
    return {
        "creation_time_texts": _times(ctx),
        "job": {key: picture(getattr(job, key)) for key in ("CreationTime", "StartTime", "EndTime")},
        "job_detail": {key: picture(job.detail()[key]) for key in ("CreationTime", "StartTime", "EndTime")},
        "list_items": [picture(item.CreationTime) for item in jobs.Items],
        "operation_logs": picture(cluster.OperationLogs),
        "revisions": [picture(item.UpdateTime) for item in revisions.Items],
    }


def scenario_times_new_york(ctx):
    """The same texts in a zone with summer time (the recorded zone has none)."""
    with timezone("America/New_York"):
        return {"creation_time_texts": _times(ctx)}


# ---------------------------------------------------------------------------------------------
# assignment, equality, sorting, hashing
# ---------------------------------------------------------------------------------------------


def _both_pages(call: Callable[[str], Any], first: Any = "") -> List[Any]:
    return list(call(first).Items) + list(call(fx.NEXT_MARKER).Items)


def _identity(obj: Any, id_field: str, other: Any, twin: Any) -> Dict[str, Any]:
    ident = obj[id_field] if id_field in keys_of(obj) else None
    return {
        "id": picture(ident, deep=False),
        "eq_id": outcome(lambda: obj == ident),
        "ne_id": outcome(lambda: obj != ident),
        "eq_other_id": outcome(lambda: obj == other),
        "eq_same_answer": outcome(lambda: obj == twin),
        "hash": outcome(lambda: isinstance(hash(obj), int)),
    }


def _plain_identity(obj: Any) -> Dict[str, Any]:
    return {
        "class": type_name(obj),
        "eq_self": outcome(lambda: obj == obj),
        "eq_string": outcome(lambda: obj == "group1"),
        "hash": outcome(lambda: isinstance(hash(obj), int)),
    }


def _sorting(items: List[Any], id_field: str) -> Dict[str, Any]:
    shuffled = list(reversed(items)) + list(items)
    return {
        "sorted": outcome(lambda: [item[id_field] for item in sorted(shuffled)]),
        "sorted_reverse": outcome(lambda: [item[id_field] for item in sorted(shuffled, reverse=True)]),
        "lt_id_string": outcome(lambda: items[0] < "zzzz"),
    }


def _assignments(obj: Any, field: str, value: Any) -> Dict[str, Any]:
    before = str(obj)
    seen = {"setattr_field": outcome(lambda: setattr(obj, field, value))}
    seen["field_after_setattr"] = outcome(lambda: getattr(obj, field))
    seen["setattr_unknown"] = outcome(lambda: setattr(obj, "Foo", 1))
    seen["unknown_read_back"] = outcome(lambda: obj.Foo)
    seen["unknown_in_dir"] = "Foo" in dir(obj)
    seen["str_unchanged_by_unknown"] = "Foo" not in str(obj)
    seen["delattr_field"] = outcome(lambda: delattr(obj, field))
    seen["setitem_field"] = outcome(lambda: obj.__setitem__(field, value))
    seen["field_after_setitem"] = outcome(lambda: getattr(obj, field))
    seen["setitem_unknown"] = outcome(lambda: obj.__setitem__("Foo", 1))
    seen["str_changed"] = str(obj) != before
    return seen


def scenario_identity(ctx):
    """Equality with the id value, with another object from the same answer, hashing and sorting,
    for the items of every list call (both pages) and the other status objects."""
    c = ctx.client
    lists = {
        "Job": (_both_pages(lambda m: c.list_jobs(m, 100)), "Id"),
        "Task": (_both_pages(lambda m: c.list_tasks(fx.JOB_ID, m, 100)), "TaskName"),
        "Instance": (_both_pages(lambda m: c.list_instances(fx.JOB_ID, "split", m, 100)), "InstanceId"),
        "Cluster": (_both_pages(lambda m: c.list_clusters(m, 100)), "Id"),
        "ClusterInstance": (_both_pages(lambda m: c.list_cluster_instances(fx.CLUSTER_ID, "group1", m, 100)), "Id"),
        "Image": (_both_pages(lambda m: c.list_images(m, 100)), "Id"),
        "App": (_both_pages(lambda m: c.list_apps("Private", m, 100)), "Name"),
        "AppRevision": (list(c.get_app_revisions(fx.APP_NAME).Items), "Revision"),
    }
    twins = {
        "Job": c.list_jobs("", 100).Items[0],
        "Task": c.list_tasks(fx.JOB_ID, "", 100).Items[0],
        "Instance": c.list_instances(fx.JOB_ID, "split", "", 100).Items[0],
        "Cluster": c.list_clusters("", 100).Items[0],
        "ClusterInstance": c.list_cluster_instances(fx.CLUSTER_ID, "group1", "", 100).Items[0],
        "Image": c.list_images("", 100).Items[0],
        "App": c.list_apps().Items[0],
        "AppRevision": c.get_app_revisions(fx.APP_NAME).Items[0],
    }
    seen = {}
    for name, (items, id_field) in lists.items():
        other = items[1][id_field]
        entry = {"class": type_name(items[0])}
        entry.update(_identity(items[0], id_field, other, twins[name]))
        entry.update(_sorting(items, id_field))
        seen[name] = entry
    others = {
        "Quota": inner(c.get_quotas()),
        "AvailableResource": inner(c.get_available_resource()),
        "SynchronousInstance": inner(c.create_job(_sync_job(ctx), sync=True)),
        "Group": c.get_cluster(fx.CLUSTER_ID).Groups["group1"],
        "TaskMetrics": c.get_job(fx.JOB_ID).TaskMetrics,
        "AvailableInstanceDesc": c.get_available_resource().AvailableClusterInstanceType[0],
    }
    for name, obj in others.items():
        seen[name] = _plain_identity(obj)
    return seen


def scenario_assignment(ctx):
    """What assigning does: to a field, to an unknown attribute, by item; on status objects, their
    nested objects, the GetResponse wrapper and the descriptions a get returns."""
    c = ctx.client
    seen = {}
    targets = [
        ("Job", c.list_jobs("", 100).Items[0], "Name", "renamed"),
        ("Task", c.list_tasks(fx.JOB_ID, "", 100).Items[0], "State", "Stopped"),
        ("Instance", c.list_instances(fx.JOB_ID, "split", "", 100).Items[0], "RetryCount", 5),
        ("Cluster", c.list_clusters("", 100).Items[0], "Name", "renamed"),
        ("ClusterInstance", c.list_cluster_instances(fx.CLUSTER_ID, "group1", "", 100).Items[0], "State", "x"),
        ("Image", c.list_images("", 100).Items[0], "Name", "renamed"),
        ("App", c.list_apps().Items[0], "Name", "renamed"),
        ("AppRevision", c.get_app_revisions(fx.APP_NAME).Items[0], "Revision", 9),
        ("Quota", inner(c.get_quotas()), "AvailableClusterInstanceType", []),
        ("AvailableResource", inner(c.get_available_resource()), "AvailableResourceType", []),
        ("SynchronousInstance", inner(c.create_job(_sync_job(ctx), sync=True)), "Outputs", {}),
        ("Group", c.get_cluster(fx.CLUSTER_ID).Groups["group1"], "DesiredVMCount", 9),
        ("Metrics", c.get_cluster(fx.CLUSTER_ID).Metrics, "RunningCount", 9),
        ("TaskMetrics", c.get_job(fx.JOB_ID).TaskMetrics, "RunningCount", 9),
        ("Result", c.get_instance(fx.JOB_ID, "split", 0).Result, "ExitCode", 9),
        ("Error", c.get_instance(fx.JOB_ID, "split", fx.FAILED_INSTANCE_ID).Error, "Code", "x"),
        ("AvailableInstanceDesc", c.get_available_resource().AvailableClusterInstanceType[0], "CpuCore", 9),
        ("AvailableNetworkType", c.get_available_resource().AvailableClusterInstanceType[0].Network, "Vpc", False),
        ("Configs", c.get_cluster(fx.CONFIGURED_CLUSTER_ID).Configs, "Mounts", {}),
        ("JobDescription", inner(c.get_job_description(fx.JOB_ID)), "Name", "renamed"),
        ("AppDescription", inner(c.get_app_detail(fx.APP_NAME)), "Name", "renamed"),
    ]
    for name, obj, field, value in targets:
        entry = {"class": type_name(obj)}
        entry.update(_assignments(obj, field, value))
        seen[name] = entry
    resp = c.get_job(fx.JOB_ID)
    wrapper = {"setattr_field": outcome(lambda: setattr(resp, "Name", "renamed"))}
    wrapper["field_after_setattr"] = outcome(lambda: resp.Name)
    wrapper["wrapped_field_after_setattr"] = outcome(lambda: inner(resp).Name)
    wrapper["setattr_unknown"] = outcome(lambda: setattr(resp, "Foo", 1))
    wrapper["unknown_read_back"] = outcome(lambda: resp.Foo)
    seen["GetResponse"] = wrapper
    return seen


# ---------------------------------------------------------------------------------------------
# fields the service left out
# ---------------------------------------------------------------------------------------------


def _reads(obj: Any, names: List[str]) -> Dict[str, Any]:
    before = str(obj)
    values = {name: outcome(lambda name=name: getattr(obj, name)) for name in names}
    return {"str_before": before, "values": values, "str_after": str(obj)}


def scenario_unset_reads_scalars(ctx):
    """Reading string, number and time fields the answer did not have. The official SDK returns {}
    and stores it (then str() shows it): a bug this package does not reproduce (fixed_status.py)."""
    c = ctx.client
    ctx.answer({"Id": fx.JOB_ID, "State": "Waiting"})
    try:
        job = inner(c.get_job(fx.JOB_ID))
    finally:
        ctx.answer(None)
    return {
        "job": _reads(job, ["Name", "Message", "Priority", "CreationTime"]),
        "cluster": _reads(inner(c.get_cluster(fx.CLUSTER_ID)), ["Bootstrap", "SecurityGroup"]),
        "cluster_instance": _reads(
            inner(c.get_cluster_instance(fx.CLUSTER_ID, "group1", "i-1")), ["Hint", "InstancePassword"]
        ),
    }


def scenario_unset_reads_containers(ctx):
    """Reading dict, list, bool and object fields the answer did not have: dicts and objects are
    created, stored and shown by str() afterwards; lists and bools read as None."""
    c = ctx.client
    ctx.answer({"Id": fx.JOB_ID, "State": "Waiting"})
    try:
        job = inner(c.get_job(fx.JOB_ID))
    finally:
        ctx.answer(None)
    return {
        "job": _reads(job, ["TaskMetrics", "InstanceMetrics"]),
        "cluster": _reads(
            inner(c.get_cluster(fx.CLUSTER_ID)),
            ["InputMapping", "Configs", "InputMappingConfig", "Notification", "OperationLogs", "WriteSupport"],
        ),
        "instance": _reads(inner(c.get_instance(fx.JOB_ID, "split", 0)), ["Error"]),
        "synchronous_instance": _reads(inner(c.create_job(_sync_job(ctx), sync=True)), ["Error"]),
        "app_description": _reads(inner(c.get_app_detail(fx.APP_NAME)), ["Docker"]),
        "task_description": _reads(
            inner(c.get_job_description(fx.JOB_ID)).DAG.Tasks["split"], ["Mounts", "WriteSupport"]
        ),
    }


# ---------------------------------------------------------------------------------------------
# status classes built directly, as tools and tests do
# ---------------------------------------------------------------------------------------------


def scenario_direct_construction(ctx):
    """Status classes built from a body (dict or JSON text): no time conversion there, unknown keys
    dropped, other construction arguments."""
    R = ctx.response
    body = fx.job_status(fx.RUNNING_JOB_ID)
    reordered = dict(reversed(list(body.items())))
    return {
        "job_from_dict": attempt(lambda: observe(R.Job(body), ctx, with_dir=True)),
        "job_from_json": attempt(lambda: observe(R.Job(json.dumps(body)), ctx)),
        "job_key_order": attempt(lambda: str(R.Job(reordered))),
        "job_unknown_keys": attempt(lambda: str(R.Job(dict(body, Bogus=1, Extra={"x": 1})))),
        "job_empty": attempt(lambda: str(R.Job({}))),
        "job_no_argument": outcome(lambda: str(R.Job())),
        "job_bad_type": outcome(lambda: R.Job({"Name": 1})),
        "job_copy": outcome(lambda: str(copy.copy(R.Job(body)))),
        "job_deepcopy": outcome(lambda: str(copy.deepcopy(R.Job(body)))),
        "job_from_job": outcome(lambda: str(R.Job(R.Job(body)))),
        "cluster": attempt(lambda: observe(R.Cluster(fx.cluster_status(fx.CONFIGURED_CLUSTER_ID)), ctx)),
        "instance": attempt(lambda: observe(R.Instance(fx.instance_status(fx.FAILED_INSTANCE_ID)), ctx)),
        "available_resource": attempt(lambda: observe(R.AvailableResource(fx.available_resource()), ctx)),
        "quota": attempt(lambda: observe(R.Quota(fx.quotas()), ctx)),
        "synchronous_instance": attempt(lambda: observe(R.SynchronousInstance(fx.sync_instance()), ctx)),
        "app": attempt(lambda: observe(R.App(fx.app_status(fx.FULL_APP_NAME)), ctx)),
        "app_revision": attempt(lambda: observe(R.AppRevision({"Revision": 1, "UpdateTime": fx.CREATION_TIME}), ctx)),
    }


# ---------------------------------------------------------------------------------------------
# AppDescription's parameter methods
# ---------------------------------------------------------------------------------------------


def _step(app: Any, fn: Callable[[], Any]) -> Dict[str, Any]:
    seen = outcome(fn)
    seen["dump"] = json.loads(app.dump())
    return seen


def scenario_app_parameters(ctx):
    """add_/get_/delete_ input and output parameters, one step after the other, with the dump
    after each; whether the stored value is a copy; empty and absent names."""
    res = ctx.res
    app = res.AppDescription()
    param = res.InputParameter()
    param.Default = "oss://bucket/a"
    param.Description = "d"
    as_dict = {"Description": "from a dict", "LocalPath": "/home/out/"}
    steps = {}
    steps["01_add_input_dict"] = _step(
        app, lambda: app.add_input_parameter("in1", {"Type": "String", "Default": "x", "LocalPath": "/in"})
    )
    steps["02_add_input_parameter_object"] = _step(app, lambda: app.add_input_parameter("in2", param))
    param.Default = "changed after add"
    steps["03_object_changed_after_add"] = _step(app, lambda: None)
    steps["04_get_input"] = _step(app, lambda: app.get_input_parameter("in2"))
    steps["05_get_returns_stored"] = _step(app, lambda: app.get_input_parameter("in2") is app.InputParameters["in2"])
    steps["06_get_is_not_the_added_object"] = _step(app, lambda: app.get_input_parameter("in2") is param)
    steps["07_changed_through_get"] = _step(
        app, lambda: setattr(app.get_input_parameter("in1"), "Default", "changed through get")
    )
    steps["08_get_input_absent"] = _step(app, lambda: app.get_input_parameter("nope"))
    steps["09_add_input_json_text"] = _step(
        app, lambda: app.add_input_parameter("js", '{"Type": "Number", "Default": 3}')
    )
    steps["10_add_input_unknown_keys"] = _step(app, lambda: app.add_input_parameter("uk", {"Bogus": 1}))
    steps["11_add_input_int"] = _step(app, lambda: app.add_input_parameter("bad", 5))
    steps["12_add_input_other_class"] = _step(app, lambda: app.add_input_parameter("bad", res.AppDescription()))
    steps["13_add_input_bad_default"] = _step(
        app, lambda: app.add_input_parameter("bad", {"Type": "Number", "Default": "x"})
    )
    steps["14_add_input_replaces"] = _step(app, lambda: app.add_input_parameter("in1", {"Default": "again"}))
    steps["15_delete_input"] = _step(app, lambda: app.delete_input_parameter("in1"))
    steps["16_delete_input_absent"] = _step(app, lambda: app.delete_input_parameter("in1"))
    steps["17_add_output_dict"] = _step(app, lambda: app.add_output_parameter("o1", as_dict))
    as_dict["Description"] = "changed after add"
    steps["18_dict_changed_after_add"] = _step(app, lambda: None)
    steps["19_get_outpu"] = _step(app, lambda: app.get_outpu_parameter("o1"))
    steps["20_get_outpu_absent"] = _step(app, lambda: app.get_outpu_parameter("nope"))
    steps["21_add_output_parameter_object"] = _step(
        app, lambda: app.add_output_parameter("o2", res.OutputParameter({"LocalPath": "/home/o2/"}))
    )
    steps["22_delete_output"] = _step(app, lambda: app.delete_output_parameter("o1"))
    steps["23_delete_output_absent"] = _step(app, lambda: app.delete_output_parameter("o1"))
    steps["24_stored_classes"] = _step(
        app,
        lambda: {
            "input": {key: type_name(value) for key, value in app.InputParameters.items()},
            "output": {key: type_name(value) for key, value in app.OutputParameters.items()},
        },
    )
    return {"steps": steps}


def scenario_app_parameters_names(ctx):
    """Empty, blank and None names; the output getter spelled right (absent in the official SDK)."""
    res = ctx.res
    seen = {}
    for label, name in (("empty", ""), ("blank", "  "), ("none", None)):
        app = res.AppDescription()
        seen["add_input_" + label] = _step(
            app, lambda app=app, name=name: app.add_input_parameter(name, {"Default": "x"})
        )
        app = res.AppDescription()
        seen["add_output_" + label] = _step(
            app, lambda app=app, name=name: app.add_output_parameter(name, res.Parameter())
        )
    app = res.AppDescription()
    seen["add_output_to_get"] = _step(app, lambda: app.add_output_parameter("o", {"LocalPath": "/o/"}))
    seen["get_outpu_parameter"] = _step(app, lambda: app.get_outpu_parameter("o"))
    seen["get_outpu_parameter_absent"] = _step(app, lambda: app.get_outpu_parameter("nope"))
    seen["get_output_parameter"] = _step(app, lambda: app.get_output_parameter("o"))
    seen["get_output_parameter_absent"] = _step(app, lambda: app.get_output_parameter("nope"))
    return seen


# ---------------------------------------------------------------------------------------------
# blank strings
# ---------------------------------------------------------------------------------------------

# Every string property of every description class (InputParameter / OutputParameter are the
# Parameter class; JobConfig stands for Config).
STRING_PROPERTIES = {
    "App": ["AppName"],
    "AppDescription": ["Name", "Description", "CommandLine"],
    "AppDocker": ["Image", "RegistryOSSPath"],
    "AppJobDescription": ["Name", "Description", "Type"],
    "AutoCluster": [
        "InstanceType",
        "ResourceType",
        "SpotStrategy",
        "ImageId",
        "ECSImageId",
        "ClusterId",
        "DependencyIsvService",
    ],
    "ClusterDescription": [
        "Name",
        "Description",
        "ImageId",
        "InstanceType",
        "ScheduleType",
        "Bootstrap",
        "DependencyIsvService",
    ],
    "Command": ["CommandLine", "PackagePath"],
    "DataDisk": ["Type", "MountPoint"],
    "DataDiskMountPoint": ["Description", "Default"],
    "DataDiskType": ["Description", "Default"],
    "DiskType": ["Description", "Default"],
    "Docker": ["Image", "RegistryOSSPath"],
    "GroupDescription": ["InstanceType", "ResourceType", "SpotStrategy", "HostnamePrefix", "ImageId", "Mode"],
    "ImageDescription": ["Name", "Description", "Platform", "EcsImageId", "IdempotentToken"],
    "InputMappingConfig": ["Locale"],
    "InstanceCount": ["Description"],
    "InstanceType": ["Description", "Default"],
    "JobConfig": ["ResourceType", "InstanceType", "DiskType", "DataDiskType", "DataDiskMountPoint", "ClusterId"],
    "JobDescription": ["Name", "Description", "Type"],
    "JobDocker": ["Image"],
    "Logging": ["StdoutPath", "StderrPath"],
    "MaxRetryCount": ["Description"],
    "MinDataDiskSize": ["Description"],
    "MinDiskSize": ["Description"],
    "ModifyClusterDescription": ["ImageId"],
    "ModifyGroupDescription": ["InstanceType", "SpotStrategy"],
    "MountEntry": ["Source", "Destination"],
    "Mounts": ["Locale", "RefreshStrategy", "RefreshTopicName"],
    "OSS": ["AccessKeyId", "AccessKeySecret", "SecurityToken"],
    "Parameter": ["Description", "Type", "LocalPath"],
    "Parameters": ["StdoutRedirectPath", "StderrRedirectPath"],
    "ResourceType": ["Description", "Default"],
    "SystemDisk": ["Type"],
    "TaskDescription": ["ClusterId"],
    "Timeout": ["Description"],
    "Topic": ["Name", "Endpoint", "UserData", "UserTemplate"],
    "VM": ["ECSImageId"],
    "VPC": [
        "CidrBlock",
        "VpcId",
        "ExpressConnectSpec",
        "OppositeRegionId",
        "OppositeAccessPointId",
        "OppositeRouterType",
        "OppositeRouterId",
        "OppositeInterfaceId",
    ],
}

BLANKS = (("empty", ""), ("spaces", "  "), ("tab", "\t"), ("none", None))
ABSENT = "$absent"


def _blank_case(cls: Any, prop: str, blank: Any, preset: bool) -> Any:
    try:
        obj = cls()
        if preset:
            setattr(obj, prop, "x")
        setattr(obj, prop, blank)
        return json.loads(obj.dump()).get(prop, ABSENT)
    except Exception as exc:  # noqa: BLE001
        return {"raises": type(exc).__name__}


def scenario_blank_strings(ctx):
    """Every string property of every description class, assigned '', '  ', '\\t' and None, on a
    fresh object and after 'x' was set: what the dump then holds for it ($absent: left out)."""
    seen = {}
    for class_name, props in STRING_PROPERTIES.items():
        cls = getattr(ctx.res, class_name)
        for prop in props:
            entry = {}
            for label, blank in BLANKS:
                entry[label] = _blank_case(cls, prop, blank, False)
                entry["x_then_" + label] = _blank_case(cls, prop, blank, True)
            seen["%s.%s" % (class_name, prop)] = entry
    return {"properties": seen}


def scenario_blank_strings_dumps(ctx):
    """Whole dumps for the properties whose blank is ignored, set through attributes, items,
    a dict and update()."""
    res = ctx.res
    group = res.GroupDescription()
    group.InstanceType = "ecs.x"
    group.InstanceType = "  "
    group["InstanceType"] = "\t"
    group.SpotStrategy = "  "
    disks = res.Configs()
    disks.add_system_disk(40, " ")
    disks.add_data_disk(50, "\t", "  ")
    data = res.DataDisk({"Type": " ", "MountPoint": "", "Size": 10})
    system = res.SystemDisk()
    system.update({"Type": "\t", "Size": 20})
    return {
        "group": json.loads(group.dump()),
        "configs_helpers": json.loads(disks.dump()),
        "data_disk_from_dict": json.loads(data.dump()),
        "system_disk_update": json.loads(system.dump()),
    }


# ---------------------------------------------------------------------------------------------
# misspelled properties
# ---------------------------------------------------------------------------------------------

# (class, misspelled name, value, the property meant)
MISSPELLINGS = [
    ("TaskDescription", "Paramters", {"Command": {"CommandLine": "x"}}, "Parameters"),
    ("Command", "Commandline", "echo x", "CommandLine"),
    ("Parameters", "StdOutRedirectPath", "oss://bucket/logs/", "StdoutRedirectPath"),
    ("JobDescription", "name", "lowercase", "Name"),
    ("ClusterDescription", "ImageID", "img-1", "ImageId"),
]


def misspelled(ctx, class_name: str, wrong: str, value: Any) -> Dict[str, Any]:
    obj = getattr(ctx.res, class_name)()
    before = json.loads(obj.dump())
    seen = {"assign": outcome(lambda: setattr(obj, wrong, value))}
    seen["read_back"] = outcome(lambda: getattr(obj, wrong))
    seen["in_keys"] = wrong in keys_of(obj)
    seen["in_dir"] = wrong in dir(obj)
    seen["item_read"] = outcome(lambda: obj[wrong])
    seen["dump"] = json.loads(obj.dump())
    seen["dump_unchanged"] = seen["dump"] == before
    seen["kept_by_copy"] = outcome(lambda: hasattr(copy.copy(obj), wrong))
    seen["item_assign"] = outcome(lambda: obj.__setitem__(wrong, value))
    return seen


def scenario_misspelled_properties(ctx):
    """Assigning an attribute that is not a property (a typo): accepted? stored? sent?"""
    return {"%s.%s" % (cls, wrong): misspelled(ctx, cls, wrong, value) for cls, wrong, value, _ in MISSPELLINGS}


def _collect() -> Dict[str, Callable[[Any], Any]]:
    return {
        name[len("scenario_") :]: value
        for name, value in globals().items()
        if name.startswith("scenario_") and callable(value)
    }


SCENARIOS: Dict[str, Callable[[Any], Dict[str, Any]]] = _collect()
