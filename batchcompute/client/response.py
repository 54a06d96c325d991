"""What the client makes of the service's answers: the four response kinds and the status classes.

The status classes (Job, Task, Instance, Cluster ...) are declared on the same schema as the
description classes (:mod:`batchcompute.resources._schema`): every field is a declared property
(so ``dir()``, ``help()`` and completion list it), nested values have classes of their own, and
``str()`` is the indented JSON. They are read-only as attributes. ``*Time`` fields arrive as local
datetimes.
"""

from __future__ import annotations

import json
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Dict,
    Generic,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    overload,
)

from ..core.compat import (  # noqa: F401  (names of the official module)
    COLLECTION,
    FLOAT,
    NUMBER,
    PY2,
    PY3,
    STRING,
    TIME,
    CamelCasedClass,
    add_metaclass,
    import_json,
)
from ..core.exceptions import ClientError, InvalidResponse
from ..core.routes import ACTION, CREATE, LIST, Route
from ..core.times import remap
from ..resources import AppDescription, AppJobDescription, JobDescription
from ..resources._schema import (  # noqa: F401  (BatchEncoder: a name of the official module)
    BatchEncoder,
    Boolean,
    Child,
    Dict_,
    Jsonizable,
    List_,
    ListOf,
    MapOf,
    Number,
    Status,
    String,
    Time,
    dumps,
)
from ..resources.cluster import Configs, Disks, Mounts
from ..resources.job import InputMappingConfig
from ..resources.notification import Notification
from ..utils.log import get_logger  # noqa: F401  (a name of the official module)

__all__ = [
    "RawResponse",
    "CreateResponse",
    "GetResponse",
    "ActionResponse",
    "ListResponse",
    "client_error",
    "answer",
    "Job",
    "TaskMetrics",
    "InstanceMetrics",
    "Task",
    "Instance",
    "Result",
    "Error",
    "Cluster",
    "Group",
    "Metrics",
    "Disk",
    "ClusterInstance",
    "Image",
    "Quota",
    "App",
    "AppRevision",
    "AvailableResource",
    "AvailableInstanceDesc",
    "AvailableNetworkType",
    "SynchronousInstance",
    "JobDescription",
    "AppJobDescription",
    "AppDescription",
    "Configs",
    "Disks",
    "Mounts",
    "Notification",
    "InputMappingConfig",
]

UNKNOWN_CODE = "Unkown code"  # sic: the official texts, which scripts compare against
UNKNOWN_REASON = "Unkown reason"
HTML_CODE = "Json Error, a HTML returned from upstream server."


# -- status classes -------------------------------------------------------------------------------


class _Counts(Status):
    WaitingCount = Number()
    RunningCount = Number()
    FinishedCount = Number()
    FailedCount = Number()
    StoppedCount = Number()


class TaskMetrics(_Counts):
    """How many of a job's tasks are in each state."""


class InstanceMetrics(_Counts):
    """How many instances (of a job or a task) are in each state."""


class Job(Status):
    """A job's state and metrics (get_job, list_jobs)."""

    id_field = "Id"
    Name = String()
    Id = String()
    Priority = Number()
    Owner = String()
    State = String()
    Message = String()
    CreationTime = Time()
    StartTime = Time()
    EndTime = Time()
    TaskMetrics = Child(TaskMetrics)
    InstanceMetrics = Child(InstanceMetrics)


class Task(Status):
    """A task's state (get_task, list_tasks)."""

    id_field = "TaskName"
    TaskName = String()
    State = String()
    StartTime = Time()
    EndTime = Time()
    InstanceMetrics = Child(InstanceMetrics)


class Result(Status):
    """How an instance's command ended."""

    ExitCode = Number()
    ErrorCode = String()
    ErrorMessage = String()
    Detail = String()


class Error(Status):
    """The error of an instance or a synchronous job."""

    Code = String()
    Message = String()


class _Outputs:
    __slots__ = ()

    def get_output(self, name: str) -> Any:
        """The value of output ``name`` (KeyError when absent)."""
        return (self.Outputs or {})[name]  # type: ignore[attr-defined]


class Instance(_Outputs, Status):
    """An instance of a task: state, retries, result and log paths (get_instance, list_instances)."""

    id_field = "InstanceId"
    InstanceId = Number()
    State = String()
    StartTime = Time()
    EndTime = Time()
    RetryCount = Number()
    Progress = Number()
    StdoutRedirectPath = String()
    StderrRedirectPath = String()
    Result = Child(Result)
    Error = Child(Error)
    Outputs = Dict_()
    NodeIp = String()


class Disk(Status):
    """A disk made from an ECS snapshot."""

    ECSSnapshotId = String()


class Group(Status):
    """A group of a cluster: its VMs' type and counts."""

    DesiredVMCount = Number()
    ActualVMCount = Number()
    InstanceType = String()
    ResourceType = String()
    SpotStrategy = String()
    SpotPriceLimit = Number()
    Disks = Child(Disks)


class Metrics(Status):
    """How many of a cluster's VMs are in each state."""

    RunningCount = Number()
    StartingCount = Number()
    StoppingCount = Number()
    StoppedCount = Number()


class Cluster(Status):
    """A cluster's state, groups and metrics (get_cluster, list_clusters)."""

    id_field = "Id"
    Name = String()
    Id = String()
    OwnerId = Number()
    Description = String()
    CreationTime = Time()
    State = String()
    InstanceType = String()
    ImageId = String()
    UserData = Dict_()
    EnvVars = Dict_()
    InputMapping = Dict_()
    InputMappingConfig = Child(InputMappingConfig)
    Notification = Child(Notification)
    Configs = Child(Configs)
    WriteSupport = Boolean()
    Bootstrap = String()
    SecurityGroup = String()
    Groups = MapOf(Group)
    OperationLogs = List_()
    Metrics = Child(Metrics)

    def get_group(self, group_name: str) -> Group:
        """Group ``group_name`` (KeyError when absent)."""
        groups = self.Groups or {}
        if group_name not in groups:
            raise KeyError("'%s' is not a valid group name" % group_name)
        return groups[group_name]


class ClusterInstance(Status):
    """A VM of a cluster group (get_cluster_instance, list_cluster_instances)."""

    Id = String()
    Hint = String()
    State = String()
    IpAddress = String()
    HostName = String()
    ErrorCode = Number()
    ErrorMessage = String()
    CreationTime = Time()
    InstancePassword = String()


class Image(Status):
    """A registered image (get_image, list_images)."""

    id_field = "Id"
    Name = String()
    Id = String()
    Type = String()
    Description = String()
    EcsImageId = String()
    OwnerId = Number()
    Platform = String()
    CreationTime = Time()


class Quota(Status):
    """The account's quotas (get_quotas)."""

    AvailableClusterInstanceDataDiskType = List_()
    AvailableClusterInstanceSystemDiskType = List_()
    AvailableClusterInstanceType = List_()
    AvailableClusterResourceType = List_()
    AvailableSpotInstanceType = List_()


class App(AppDescription):
    """An App as the service shows it (get_app, list_apps): its description and creation time.

    It is an AppDescription, so it can be changed and sent back with modify_app; it compares
    equal to its name and sorts by it.
    """

    CreationTime = Time()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return bool(self.get("Name") == other)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __lt__(self, other: object) -> bool:
        other_name = other if isinstance(other, str) else getattr(other, "Name", None)
        return str(self.get("Name")) < str(other_name)


class AppRevision(Status):
    """One revision of an App (get_app_revisions)."""

    Revision = Number()
    UpdateTime = Time()


class AvailableNetworkType(Status):
    """The networks an instance type can be used in."""

    Classic = Boolean()
    Vpc = Boolean()


class AvailableInstanceDesc(Status):
    """An instance type: its cores, memory (GB) and networks."""

    CpuCore = Number()
    InstanceType = String()
    MemorySize = Number()
    Network = Child(AvailableNetworkType)


def _objects(value: List[Any], valid_type: Type[Jsonizable]) -> List[Any]:
    return [valid_type(item) if isinstance(item, dict) else item for item in value]


class _InstanceTypes(List_):
    """A list whose JSON objects are instance types (AvailableInstanceDesc); other entries stay."""

    def coerce(self, value: Any) -> Any:
        return _objects(super().coerce(value), AvailableInstanceDesc)

    def decode(self, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [AvailableInstanceDesc.from_service(item) if isinstance(item, dict) else item for item in value]

    rebuild = coerce

    def type_text(self) -> str:
        return "list[AvailableInstanceDesc]"


class AvailableResource(Status):
    """Instance, resource and disk types available in the region (get_available_resource)."""

    AvailableClusterInstanceType = _InstanceTypes()
    AvailableSpotInstanceType = _InstanceTypes()
    AvailablePrepaidInstanceType = _InstanceTypes()
    AvailableResourceType = List_()
    AvailableSystemDiskType = List_()
    AvailableDataDiskType = List_()

    def handleValueArray(self, value: List[Any], valid_type: Type[Jsonizable]) -> List[Any]:  # noqa: N802
        """``value`` with its JSON objects as ``valid_type`` objects (other entries as they are)."""
        return _objects(value, valid_type)


class SynchronousInstance(_Outputs, Status):
    """The result of a synchronous App job (``create_job(..., sync=True)``)."""

    RequestId = String()
    StartTime = Time()
    EndTime = Time()
    Outputs = Dict_()
    Error = Child(Error)


# -- response kinds -------------------------------------------------------------------------------


def _header(headers: AnswerHeaders, name: str) -> Optional[str]:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _request_id(headers: AnswerHeaders) -> Optional[str]:
    return _header(headers, "x-acs-request-id") or _header(headers, "request-id")


def _parts(response: Any) -> Tuple[int, Mapping[str, str], bytes]:
    """Status, headers and body of an answer: the transport's, or any object with ``status``,
    ``headers`` (or ``getheaders()``) and ``read()`` (an ``http.client`` response)."""
    body = getattr(response, "body", None)
    if body is None:
        body = response.read()
    headers = getattr(response, "headers", None)
    if headers is None:
        headers = dict(response.getheaders())
    return int(response.status), headers, body or b""


def _json_body(body: bytes) -> Any:
    if not body or not body.strip():
        return {}
    return json.loads(body)


class _Decoded(NamedTuple):
    """An answer whose body :func:`answer` has already decoded (so the response object does not
    decode it again)."""

    status: int
    headers: Any
    body: bytes
    data: Any


_UNREAD = object()


def client_error(response: Any) -> ClientError:
    """The ClientError for a non-2xx answer, with the official fallback texts."""
    status, headers, body = _parts(response)
    try:
        data = _json_body(body)
    except ValueError:
        text = body.decode("utf-8", "replace")
        return ClientError(status, HTML_CODE, _request_id(headers), "response_body: %s" % text)
    if not isinstance(data, dict):
        data = {}
    request_id = _request_id(headers) or data.get("RequestId")
    return ClientError(status, data.get("Code") or UNKNOWN_CODE, request_id, data.get("Message") or UNKNOWN_REASON)


ItemClass = Type[Jsonizable]


class RawResponse:
    """Base of the four response kinds: ``StatusCode``, ``RequestId`` and ``Date`` of an answer,
    and its decoded body, ``content``. ``str()`` is their JSON.

    ``response`` is the answer (this SDK's transport hands over one; an ``http.client`` response
    works too); ``human_readable`` is accepted for compatibility.
    """

    descriptor_type: ClassVar[str] = "non data descriptor"
    descriptor_map: ClassVar[Dict[str, Any]] = {"StatusCode": NUMBER, "RequestId": STRING, "Date": STRING}
    #: The HTTP status of the answer.
    StatusCode: int = 0
    #: The id the service gave the request ('' when it sent none).
    RequestId: str = ""
    #: The answer's Date header.
    Date: Optional[str] = None

    def __init__(self, response: Any, human_readable: bool = False) -> None:
        status, headers, body = _parts(response)
        self.StatusCode = status
        self.RequestId = _request_id(headers) or ""
        self.Date = _header(headers, "Date")
        self._body = body
        self._data = response.data if type(response) is _Decoded else _UNREAD

    def _json(self) -> Any:
        """The body as decoded JSON ({} when empty), for the object to take over."""
        return _json_body(self._body) if self._data is _UNREAD else self._data

    @property
    def content(self) -> Any:
        """The answer's body as decoded JSON, ``*Time`` values as local datetimes ({} when empty)."""
        return remap(_json_body(self._body))  # afresh: the items may have taken over the first decoding

    def getproperty(self, key: str) -> Any:
        """The attribute ``key``."""
        return getattr(self, key)

    def setproperty(self, key: str, value: Any) -> None:
        """Set the attribute ``key``."""
        setattr(self, key, value)

    def _shown(self) -> Dict[str, Any]:
        """What ``str()`` shows, in the official SDK's order: what is set of StatusCode, RequestId,
        Date, then the kind's own attributes."""
        names = ["StatusCode", "RequestId", "Date"] + [
            name for name in self.descriptor_map if name not in ("StatusCode", "RequestId", "Date")
        ]
        values = {name: getattr(self, name) for name in names}
        return {name: value for name, value in values.items() if value is not None}

    def __str__(self) -> str:
        return dumps(self._shown())

    __repr__ = __str__


class ActionResponse(RawResponse):
    """The answer to an action (start, stop, delete, modify ...)."""


class CreateResponse(RawResponse):
    """The answer to a create call: the new resource's ``Id`` (and ``Name``)."""

    descriptor_map = dict({"Id": STRING, "Name": STRING}, **RawResponse.descriptor_map)
    #: The new resource's id (an App's name for create_app).
    Id: Optional[str] = None
    #: The name the service answered with, if any.
    Name: Optional[str] = None

    def __init__(self, response: Any, human_readable: bool = False) -> None:
        super().__init__(response, human_readable)
        body = self._json()
        body = body if isinstance(body, dict) else {}
        self.Name = body.get("Name")
        self.Id = body.get("Id") or self.Name


def _item(type_: ItemClass, data: Any) -> Any:
    if not isinstance(data, dict):
        data = {}
    if issubclass(type_, Status):
        return type_.from_service(data)  # decoded as its properties are read
    return type_(remap(data))


T = TypeVar("T", bound=Jsonizable)


class GetResponse(RawResponse, Generic[T]):
    """The answer to a get call: a ``type_`` object, to which attribute access passes (as item
    access, ``str()`` and comparisons do)."""

    def __init__(self, response: Any, type_: Type[T], human_readable: bool = False) -> None:
        super().__init__(response, human_readable)
        object.__setattr__(self, "_item", _item(type_, self._json()))

    _item: T

    @property
    def item(self) -> T:
        """The object the answer holds."""
        return self._item

    if not TYPE_CHECKING:  # to a type checker, the Client's methods return the item's attributes

        def __getattr__(self, name: str) -> Any:
            if name == "_item":
                raise AttributeError(name)
            return getattr(self._item, name)

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(dir(self._item)))

    def __getitem__(self, name: str) -> Any:
        return self._item[name]

    def __contains__(self, name: object) -> bool:
        return name in self._item

    def __iter__(self) -> Iterator[str]:
        return iter(self._item)

    def __eq__(self, other: object) -> bool:
        return bool(self._item == (other._item if isinstance(other, GetResponse) else other))

    def __hash__(self) -> int:
        return hash(self._item)

    def __lt__(self, other: object) -> bool:
        return bool(self._item < (other._item if isinstance(other, GetResponse) else other))  # type: ignore[operator]

    def detail(self) -> Dict[str, Any]:
        return self._item.detail()

    def dump(self, indent: Optional[int] = 4) -> str:
        return self._item.dump(indent)

    def __str__(self) -> str:
        return str(self._item)

    __repr__ = __str__


class ListResponse(RawResponse, Generic[T]):
    """A page of a list call: ``Items`` (``type_`` objects) and the ``NextMarker`` of the next
    page ('' at the end); iterable, indexable and sized like the list of items."""

    descriptor_map = dict({"NextMarker": STRING + NUMBER, "Items": list}, **RawResponse.descriptor_map)
    #: The objects of this page.
    Items: Sequence[T] = ()
    #: The marker of the next page ('' when this is the last).
    NextMarker: str = ""

    def __init__(self, response: Any, type_: Type[T], human_readable: bool = False) -> None:
        super().__init__(response, human_readable)
        self.type = type_
        body = self._json()
        body = body if isinstance(body, dict) else {}
        items = body.get("Items") or []
        if issubclass(type_, Status):  # (the usual case, made fast: a page may hold thousands)
            make = type_.from_service
            self.Items = [make(data) if type(data) is dict else make({}) for data in items]
        else:
            self.Items = [_item(type_, data) for data in items]
        self.NextMarker = body.get("NextMarker") or ""

    def __iter__(self) -> Iterator[T]:
        return iter(self.Items)

    def __len__(self) -> int:
        return len(self.Items)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[T, Sequence[T]]:
        return self.Items[index]


if TYPE_CHECKING:
    from ..core.transport import AnswerHeaders
    # what the Client's get methods return, to a type checker: the answer and its item

    class JobResponse(GetResponse[Job], Job): ...  # type: ignore[misc]

    class TaskResponse(GetResponse[Task], Task): ...  # type: ignore[misc]

    class InstanceResponse(GetResponse[Instance], Instance): ...  # type: ignore[misc]

    class ClusterResponse(GetResponse[Cluster], Cluster): ...  # type: ignore[misc]

    class ClusterInstanceResponse(GetResponse[ClusterInstance], ClusterInstance): ...  # type: ignore[misc]

    class ImageResponse(GetResponse[Image], Image): ...  # type: ignore[misc]

    class AppResponse(GetResponse[App], App): ...  # type: ignore[misc]

    class AppDescriptionResponse(GetResponse[AppDescription], AppDescription): ...  # type: ignore[misc]

    class JobDescriptionResponse(GetResponse[JobDescription], JobDescription): ...  # type: ignore[misc]

    class QuotaResponse(GetResponse[Quota], Quota): ...  # type: ignore[misc]

    class AvailableResourceResponse(GetResponse[AvailableResource], AvailableResource): ...  # type: ignore[misc]

    class SynchronousInstanceResponse(GetResponse[SynchronousInstance], SynchronousInstance): ...  # type: ignore[misc]


# The classes the route table names as items of GET and LIST answers.
ITEM_CLASSES: Dict[str, ItemClass] = {
    cls.__name__: cls
    for cls in (
        Job,
        Task,
        Instance,
        Cluster,
        ClusterInstance,
        Image,
        Quota,
        App,
        AppRevision,
        AvailableResource,
        SynchronousInstance,
        JobDescription,
        AppDescription,
    )
}


def _item_class(name: Optional[str], body: Any) -> ItemClass:
    cls = ITEM_CLASSES[name or ""]
    if cls is JobDescription and isinstance(body, dict) and body.get("Type") == "App":
        return AppJobDescription  # get_job_description of an App job
    return cls


def answer(route: Route, response: Any) -> RawResponse:
    """The response object for an answer to ``route``: the route table says of what kind, and what
    class its items are. An error status raises its ClientError; a redirect, a body that is not
    JSON or a create answer without an id raise InvalidResponse."""
    status, headers, body = _parts(response)
    if 300 <= status < 400:
        raise InvalidResponse(
            status,
            "UnexpectedRedirect",
            _request_id(headers),
            "the endpoint redirected the request to %s; use the final endpoint instead"
            % (_header(headers, "Location") or "another address"),
        )
    if not 200 <= status < 300:
        raise client_error(response)
    try:
        data = _json_body(body)
    except ValueError:
        raise InvalidResponse(
            status, "InvalidResponseBody", _request_id(headers), "the answer's body is not JSON: %r" % body[:500]
        ) from None
    decoded = _Decoded(status, headers, body, data)
    kind = route.response
    if kind == CREATE:
        created = CreateResponse(decoded)
        if not created.Id:
            raise InvalidResponse(
                status,
                "MissingId",
                created.RequestId,
                "the create answer names no Id (status %d, body %r)" % (status, body[:500]),
            )
        return created
    if kind == ACTION:
        return ActionResponse(decoded)
    if kind == LIST:
        return ListResponse(decoded, ITEM_CLASSES[route.item or ""])
    return GetResponse(decoded, _item_class(route.item, data))
