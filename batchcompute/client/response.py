"""What the client makes of the service's answers: status objects and the four response kinds.

Status objects (Job, Task, Cluster, ...) are read-only views of a response body: attribute and
item access, ``*Time`` fields as local datetimes, equal to their id string and sorted by it.
"""
from __future__ import annotations

import json
from typing import Any, ClassVar, Dict, Iterator, List, Mapping, NamedTuple, Optional, Tuple, Type, Union

from ..core.exceptions import ClientError
from ..resources import AppDescription, AppJobDescription, JobDescription
from ..utils import remap
from ..utils.jsonizable import BatchEncoder, Jsonizable

__all__ = [
    "RawResponse", "Status", "Job", "Task", "Instance", "Cluster", "ClusterInstance", "Image", "App",
    "AppRevision", "Quota", "AvailableResource", "SynchronousInstance", "CreateResponse", "GetResponse",
    "ActionResponse", "ListResponse", "client_error", "JobDescription", "AppJobDescription", "AppDescription",
]

UNKNOWN_CODE = "Unkown code"  # sic: the official texts, which scripts compare against
UNKNOWN_REASON = "Unkown reason"
HTML_CODE = "Json Error, a HTML returned from upstream server."


class RawResponse(NamedTuple):
    """An HTTP answer as the transport hands it over."""
    status: int
    headers: Mapping[str, str]
    body: bytes


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _request_id(headers: Mapping[str, str]) -> Optional[str]:
    return _header(headers, "x-acs-request-id") or _header(headers, "request-id")


def _json_body(raw: RawResponse) -> Any:
    if not raw.body or not raw.body.strip():
        return {}
    return json.loads(raw.body)


def client_error(raw: RawResponse) -> ClientError:
    """The ClientError for a non-2xx answer, with the official fallback texts."""
    try:
        body = _json_body(raw)
    except ValueError:
        text = raw.body.decode("utf-8", "replace")
        return ClientError(raw.status, HTML_CODE, _request_id(raw.headers), "response_body: %s" % text)
    if not isinstance(body, dict):
        body = {}
    request_id = _request_id(raw.headers) or body.get("RequestId")
    return ClientError(raw.status, body.get("Code") or UNKNOWN_CODE, request_id,
                       body.get("Message") or UNKNOWN_REASON)


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return Status(value, _converted=True)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


class Status(Mapping[str, Any]):
    """A read-only view of a JSON object from the service.

    ``fields`` names the documented keys (they read as None when the service left them out);
    ``id_field`` is the key that identifies the object for equality and sorting.
    """

    fields: ClassVar[Tuple[str, ...]] = ()
    id_field: ClassVar[Optional[str]] = "Id"
    _data: Dict[str, Any]

    def __init__(self, data: Optional[Mapping[str, Any]] = None, *, _converted: bool = False) -> None:
        data = dict(data or {})
        if not _converted:
            data = remap(data)
        object.__setattr__(self, "_data", {key: _wrap(value) for key, value in data.items()})

    def __getattr__(self, name: str) -> Any:
        data = self._data
        if name in data:
            return data[name]
        if name in self.fields:
            return None
        raise AttributeError("%s has no attribute %r" % (type(self).__name__, name))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("%s is read-only" % type(self).__name__)

    __delattr__ = __setattr__  # type: ignore[assignment]

    def __getitem__(self, name: str) -> Any:
        return self._data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    @property
    def id(self) -> Any:
        return self._data.get(self.id_field) if self.id_field else None

    def __eq__(self, other: object) -> bool:
        if self.id_field and isinstance(other, str):
            return self.id == other
        if isinstance(other, Status):
            if self.id_field and other.id_field:
                return type(self) is type(other) and self.id == other.id
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.id) if self.id_field else id(self)

    def __lt__(self, other: object) -> bool:
        other_id = other if isinstance(other, str) else getattr(other, "id", None)
        return str(self.id) < str(other_id)

    def detail(self) -> Dict[str, Any]:
        """The object as plain data (datetimes kept)."""
        return _plain(self)

    def dump(self, indent: Optional[int] = 4) -> str:
        return json.dumps(_plain(self), indent=indent, cls=BatchEncoder)

    def __repr__(self) -> str:
        return "%s(%s)" % (type(self).__name__, self.dump(indent=None))

    __str__ = __repr__


def _plain(value: Any) -> Any:
    if isinstance(value, Status):
        return {key: _plain(item) for key, item in value._data.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class Job(Status):
    """A job's state and metrics (get_job, list_jobs)."""
    fields = ("Name", "Id", "Priority", "Owner", "State", "Message", "CreationTime", "StartTime", "EndTime",
              "TaskMetrics", "InstanceMetrics")


class Task(Status):
    """A task's state (get_task, list_tasks)."""
    id_field = "TaskName"
    fields = ("TaskName", "State", "StartTime", "EndTime", "InstanceMetrics")


class Instance(Status):
    """An instance of a task: state, retries, result and log paths."""
    id_field = "InstanceId"
    fields = ("InstanceId", "State", "StartTime", "EndTime", "RetryCount", "Progress", "StdoutRedirectPath",
              "StderrRedirectPath", "Result", "Error", "Outputs", "NodeIp")

    def get_output(self, name: str) -> Any:
        """The value of output ``name`` (KeyError when absent)."""
        outputs = self._data.get("Outputs") or {}
        return outputs[name]


class Cluster(Status):
    """A cluster's state, groups and metrics (get_cluster, list_clusters)."""
    fields = ("Name", "Id", "OwnerId", "Description", "CreationTime", "State", "InstanceType", "ImageId",
              "UserData", "EnvVars", "InputMapping", "InputMappingConfig", "Notification", "Configs",
              "WriteSupport", "Bootstrap", "SecurityGroup", "Groups", "OperationLogs", "Metrics")

    def get_group(self, group_name: str) -> Any:
        """Group ``group_name`` (KeyError when absent)."""
        groups = self._data.get("Groups") or {}
        if group_name not in groups:
            raise KeyError("'%s' is not a valid group name" % group_name)
        return groups[group_name]


class ClusterInstance(Status):
    """A VM of a cluster group."""
    fields = ("Id", "Hint", "State", "IpAddress", "HostName", "ErrorCode", "ErrorMessage", "CreationTime",
              "InstancePassword")


class Image(Status):
    """A registered image."""
    fields = ("Name", "Id", "Type", "Description", "EcsImageId", "OwnerId", "Platform", "CreationTime")


class App(Status):
    """An App as listed (get_app, list_apps)."""
    id_field = "Name"
    fields = ("Name", "Description", "Scope", "Revision", "CreationTime", "UpdateTime")


class AppRevision(Status):
    """One revision of an App."""
    id_field = "Revision"
    fields = ("Revision", "UpdateTime")


class Quota(Status):
    """The account's quotas."""
    id_field = None


class AvailableResource(Status):
    """Instance types, resource types and disk types available in the region."""
    id_field = None
    fields = ("AvailableClusterInstanceType", "AvailableSpotInstanceType", "AvailablePrepaidInstanceType",
              "AvailableResourceType", "AvailableSystemDiskType", "AvailableDataDiskType")


class SynchronousInstance(Status):
    """The result of a synchronous App job (create_job(..., sync=True))."""
    id_field = "JobId"


ItemClass = Union[Type[Status], Type[Jsonizable]]


class _Response:
    """Status code, request id and date of an answer."""

    def __init__(self, raw: RawResponse) -> None:
        self.StatusCode = raw.status
        self.RequestId = _request_id(raw.headers) or ""
        self.Date = _header(raw.headers, "Date")

    def __repr__(self) -> str:
        return "%s(StatusCode=%r, RequestId=%r)" % (type(self).__name__, self.StatusCode, self.RequestId)


class ActionResponse(_Response):
    """The answer to an action (start, stop, delete, modify ...)."""


class CreateResponse(_Response):
    """The answer to a create call: the new resource's ``Id`` (and ``Name``)."""

    def __init__(self, raw: RawResponse) -> None:
        super().__init__(raw)
        body = _json_body(raw)
        body = body if isinstance(body, dict) else {}
        self.Name = body.get("Name")
        self.Id = body.get("Id") or self.Name

    def __repr__(self) -> str:
        return "CreateResponse(Id=%r, StatusCode=%r, RequestId=%r)" % (self.Id, self.StatusCode, self.RequestId)


def _item(item_class: ItemClass, data: Any) -> Any:
    if issubclass(item_class, Jsonizable):
        return item_class(data if isinstance(data, dict) else {})
    return item_class(data)


class GetResponse(_Response):
    """The answer to a get call; attribute and item access pass through to the wrapped object."""

    def __init__(self, raw: RawResponse, item_class: ItemClass) -> None:
        super().__init__(raw)
        object.__setattr__(self, "_item", _item(item_class, _json_body(raw)))

    @property
    def item(self) -> Any:
        return self._item

    def __getattr__(self, name: str) -> Any:
        if name == "_item":
            raise AttributeError(name)
        return getattr(self._item, name)

    def __getitem__(self, name: str) -> Any:
        return self._item[name]

    def __contains__(self, name: object) -> bool:
        return name in self._item

    def __eq__(self, other: object) -> bool:
        return self._item == (other._item if isinstance(other, GetResponse) else other)

    def __hash__(self) -> int:
        return hash(self._item)

    def __lt__(self, other: object) -> bool:
        return self._item < (other._item if isinstance(other, GetResponse) else other)

    def dump(self, indent: Optional[int] = 4) -> str:
        return self._item.dump(indent)

    def __repr__(self) -> str:
        return repr(self._item)


class ListResponse(_Response):
    """A page of a list call: ``Items`` and the ``NextMarker`` of the next page ('' at the end)."""

    def __init__(self, raw: RawResponse, item_class: ItemClass) -> None:
        super().__init__(raw)
        body = _json_body(raw)
        body = body if isinstance(body, dict) else {}
        self.Items: List[Any] = [_item(item_class, data) for data in body.get("Items") or []]
        self.NextMarker: str = body.get("NextMarker") or ""

    def __iter__(self) -> Iterator[Any]:
        return iter(self.Items)

    def __len__(self) -> int:
        return len(self.Items)

    def __getitem__(self, index: Any) -> Any:
        return self.Items[index]

    def __repr__(self) -> str:
        return "ListResponse(%d items, NextMarker=%r)" % (len(self.Items), self.NextMarker)
