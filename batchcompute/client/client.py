"""``Client``: every call of the BatchCompute API, with the official SDK's names and arguments.

Each public method maps its arguments to a route of the route table
(:mod:`batchcompute.core.routes`: method, path, selector, body, kind of answer, item class,
paging, retry class), a query and a body; one generic path (:meth:`Client._invoke`) signs, sends,
checks and wraps every call as the route says.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
    cast,
    overload,
)

import requests

from ..core.api import Api  # noqa: F401  (a name of the official module)
from ..core.compat import COLLECTION, STRING, CamelCasedClass, add_metaclass, import_json, partial  # noqa: F401
from ..core.exceptions import ClientError, ConfigError, FieldError  # noqa: F401  (ClientError: official name)
from ..core.regions import ENDPOINTS, add_region, get_all_region, get_region, http_port
from ..core.routes import PAGE_SIZE, RETRY_TOKEN, ROUTES_BY_NAME
from ..core.signing import encode_query, get_api_version, set_api_version, signed_headers
from ..core.times import remap  # noqa: F401  (a name of the official module)
from ..core.transport import DEFAULT_TIMEOUT, Retry, TimeoutSpec, Transport
from ..core.version import __version__
from ..resources import (
    AppDescription,
    AppJobDescription,
    ClusterDescription,
    ImageDescription,
    JobDescription,
    ModifyClusterDescription,
)
from ..resources._schema import Jsonizable
from ..utils.log import get_logger  # noqa: F401  (a name of the official module)
from .checked import CheckedApi  # noqa: F401  (a name of the official module)
from .helpers import every_item, wait_for_jobs

if TYPE_CHECKING:  # pragma: no cover
    from .response import (
        AppDescriptionResponse,
        AppResponse,
        AvailableResourceResponse,
        ClusterInstanceResponse,
        ClusterResponse,
        ImageResponse,
        InstanceResponse,
        JobDescriptionResponse,
        JobResponse,
        QuotaResponse,
        SynchronousInstanceResponse,
        TaskResponse,
    )
from .response import (  # noqa: F401  (the status and response classes: names of the official module)
    ActionResponse,
    App,
    AppRevision,
    AvailableResource,
    Cluster,
    ClusterInstance,
    CreateResponse,
    GetResponse,
    Image,
    Instance,
    Job,
    ListResponse,
    Quota,
    RawResponse,
    SynchronousInstance,
    Task,
    answer,
    client_error,
)

__all__ = ["Client"]

logger = logging.getLogger("batchcompute")

USER_AGENT = "batchcompute-python/%s requests/%s" % (__version__, requests.__version__)

# easy_list: resource type -> list method (its route says how it pages)
_EASY_LIST: Dict[str, str] = {
    "jobs": "list_jobs",
    "clusters": "list_clusters",
    "images": "list_images",
    "tasks": "list_tasks",
    "instances": "list_instances",
}
DEFAULT_LIST_ITEM = PAGE_SIZE

ResourceRef = Any  # an id string, or any object with an ``Id`` attribute (a CreateResponse ...)
Description = Union[Jsonizable, Dict[str, Any], str]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == ""


def _filters(query: Dict[str, Any], named: Sequence[Tuple[str, Any]], extra: Mapping[str, Any]) -> Dict[str, Any]:
    """Add the list filters that are not blank: a named argument (``state=``) wins over the
    keyword form (``State=``)."""
    for key, value in named:
        if _blank(value):
            value = extra.get(key)
        if not _blank(value):
            query[key] = value
    for key, value in extra.items():
        if key not in query and not _blank(value):
            query[key] = value
    return query


def _as(cls: Type[Jsonizable], value: Any) -> Any:
    """``value`` as a ``cls`` description (dicts and JSON text are converted)."""
    return value if isinstance(value, cls) else cls(value)


def _job_description(job_desc: Any) -> Jsonizable:
    """A JobDescription, or for anything that is not clearly a DAG job, an AppJobDescription."""
    if isinstance(job_desc, (JobDescription, AppJobDescription)):
        return job_desc
    data = job_desc
    if isinstance(job_desc, (str, bytes)):
        try:
            data = json.loads(job_desc)
        except ValueError:
            data = None
    if isinstance(data, dict) and data.get("Type") == "DAG":
        required = JobDescription.required
        if all(any(key in data for key in rule) if isinstance(rule, tuple) else rule in data for rule in required):
            return JobDescription(data)
    return AppJobDescription(data if isinstance(data, dict) else job_desc)


def _region_of(host: str) -> str:
    """The region id served at ``host``; a ConfigError that says how to fix an unknown one."""
    try:
        return get_region(host)
    except ConfigError as err:
        if str(err).startswith("Empty"):
            raise
        raise ConfigError(
            "Invalid endpoint %s: no region is served at that host. Pass a region's host name "
            "(batchcompute.CN_HANGZHOU ...), or register yours first: Client.register_region('local', %r, port) "
            "(its port becomes the plain-HTTP port of every client); a Client made with port=... keeps its own"
            % (host, str(host))
        ) from None


def _check_dict(data: Any) -> Dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TypeError("Invalid data type, must be a dict")
    return data


class Client(metaclass=CamelCasedClass):
    """A client of the BatchCompute service at one regional endpoint.

    ``region`` is the endpoint's host name (``batchcompute.CN_QINGDAO`` ...; a region id such
    as ``'cn-qingdao'`` works as well), looked up in the region table for the region id that is
    sent. ``security_token`` is an STS token. ``security_conn=True`` uses HTTPS on port 443,
    otherwise plain HTTP on the port registered with :meth:`register_region` (80 by default).
    Every other keyword argument is an HTTP header added to every request as is.

    Options that the official SDK did not have are keyword-only:

    - ``timeout``: seconds to connect and to read the answer, one number or a
      ``(connect, read)`` pair (default ``(10, 60)``; None waits forever).
    - ``retries``: how many times a failed call is retried (default 3, 0 turns retries off), or
      a :class:`batchcompute.core.transport.Retry` policy. Connection errors, timeouts, 5xx
      answers, 503 and ``Throttling`` are retried with exponential backoff and jitter. Creates
      carry an ``IdempotentToken`` (yours or one made for the call), so a retried create never
      makes two resources; start, stop and recreate are retried only when the request surely
      did not take effect.
    - ``verify``: HTTPS certificate verification, ``True`` (honours ``REQUESTS_CA_BUNDLE`` and
      ``SSL_CERT_FILE``), ``False`` or the path of a CA bundle.
    - ``deadline``: seconds a whole call may take, every attempt and wait included, also
      against an endpoint that answers a byte at a time (default None: only the timeouts bound
      it); past it, :class:`~batchcompute.core.transport.NetworkTimeout` ``DeadlineExceeded``.
    - ``session``: a ``requests.Session`` to send with (its adapters, proxies and certificate are
      used); by default the client keeps its own pool of connections (with urllib3, which requests
      is built on: it costs less per call).
    - ``port``: the TCP port, instead of 443 or the registered plain-HTTP port.

    One client keeps one pool of keep-alive connections and may be shared by threads. Use it
    as a context manager, or call :meth:`close`, to release the connections.
    """

    def __init__(
        self,
        region: str,
        access_key_id: str,
        access_key_secret: str,
        security_token: str = "",
        security_conn: bool = False,
        human_readable: bool = False,
        *,
        timeout: TimeoutSpec = DEFAULT_TIMEOUT,
        retries: Union[int, Retry, None] = 3,
        verify: Union[bool, str, None] = None,
        session: Optional[requests.Session] = None,
        port: Optional[int] = None,
        deadline: Optional[float] = None,
        **headers: Any,
    ) -> None:
        host = region
        if isinstance(region, str) and region in ENDPOINTS and region not in ENDPOINTS.values():
            host = ENDPOINTS[region]  # a region id
        if isinstance(host, str) and "://" in host:
            raise ConfigError(
                "Invalid endpoint %s: give the host name, not a URL: for %s use "
                "Client.register_region('local', host, port) and Client(host, key_id, secret, port=port)" % (host, host)
            )
        self._host = host
        try:
            self._region_id: Optional[str] = get_region(host)
        except ConfigError:
            # As with the official SDK, an unknown endpoint fails at the first call (it may be
            # registered in between).
            self._region_id = None
        self._key_id = str(access_key_id)
        self._secret = str(access_key_secret)
        self._security_token = (security_token or "").strip()
        self.security_conn = bool(security_conn)
        self.human_readable = human_readable
        self._extra_headers: List[Tuple[str, str]] = [(str(name), str(value)) for name, value in headers.items()]
        if port is None:
            port = 443 if self.security_conn else http_port()
        self._retry = Retry.from_option(retries)
        self._transport = Transport(
            host,
            port,
            secure=self.security_conn,
            timeout=timeout,
            retry=self._retry,
            verify=verify,
            session=session,
            deadline=deadline,
        )

    @classmethod
    def from_env(cls, region: str, **options: Any) -> "Client":
        """A client with the credentials of the environment: ``ALIBABA_CLOUD_ACCESS_KEY_ID``,
        ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` and, if set, ``ALIBABA_CLOUD_SECURITY_TOKEN``.
        ``options`` are passed on to the constructor."""
        key_id = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID", "").strip()
        secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "").strip()
        if not key_id or not secret:
            raise ConfigError("ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set")
        options.setdefault("security_token", os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN", ""))
        return cls(region, key_id, secret, **options)

    # -- settings ---------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """The API version sent in ``x-acs-version`` (``2015-11-11``). As in the official SDK it
        is process-wide: setting it on one client changes it for all."""
        return get_api_version()

    @version.setter
    def version(self, value: str) -> None:
        set_api_version(value)

    def get_version(self) -> str:
        """The API version (see :attr:`version`)."""
        return get_api_version()

    def set_version(self, value: str) -> None:
        """Set the API version (see :attr:`version`)."""
        set_api_version(value)

    @staticmethod
    def register_region(region_name: str, url: str, port: int = 80) -> None:
        """Add region ``region_name`` served at host ``url``; plain HTTP goes to ``port`` from now on."""
        add_region(region_name, url, port)

    @staticmethod
    def get_regions() -> Dict[str, str]:
        """The region table: region id -> host name."""
        return get_all_region()

    @property
    def endpoint(self) -> str:
        """The base URL requests are sent to."""
        return self._transport.base_url

    @property
    def region(self) -> Optional[str]:
        """The region id sent in ``x-acs-region-id`` (None while the endpoint is not in the table)."""
        return self._region_id

    def close(self) -> None:
        """Close the client's pooled connections."""
        self._transport.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "Client(%r, region=%r, access_key_id=%r)" % (self.endpoint, self._region_id, self._key_id)

    # -- the generic call path ----------------------------------------------------------------

    def _sign(self, method: str, target: str, body: bytes) -> Dict[str, str]:
        """The headers of one attempt: fresh Date and nonce, signed over exactly ``target``."""
        return signed_headers(
            method,
            target,
            body,
            self._key_id,
            self._secret,
            self._region_id or "",
            self._security_token,
            self._extra_headers,
            USER_AGENT,
        )

    def _invoke(self, name: str, *path_args: Any, query: Optional[Mapping[str, Any]] = None, body: Any = None) -> Any:
        """Make the call ``name`` of the route table (:mod:`batchcompute.core.routes`): its path
        parameters in order, ``query`` (added to the route's selector), and ``body``: a
        description (dumped as the official SDK dumps it) or a dict (compact JSON)."""
        if self._region_id is None:
            self._region_id = _region_of(self._host)
        route = ROUTES_BY_NAME[name]
        target = route.target(*path_args)
        if route.selector:
            query = dict(query or {}, **dict([route.selector]))
        if query:
            target = target + "?" + encode_query(query)
        if isinstance(body, Jsonizable):
            payload = body.dump().encode("utf-8")
        elif body is not None:
            payload = json.dumps(body).encode("utf-8")
        else:
            payload = b""
        return answer(route, self._transport.request(route.method, target, payload, self._sign, route.retry))

    def _create(self, name: str, description: Jsonizable, token: Any) -> Any:
        description.validate()
        if not token and self._retry.total > 0 and ROUTES_BY_NAME[name].retry == RETRY_TOKEN:
            token = str(uuid.uuid4())  # one per call, the same for every attempt: retries cannot duplicate
        return self._invoke(name, query={"IdempotentToken": token} if token else None, body=description)

    @staticmethod
    def _get_id(resource: ResourceRef) -> str:
        """The id of ``resource``: an id string or an object with an ``Id`` (TypeError when empty)."""
        value = resource if isinstance(resource, str) else getattr(resource, "Id", resource)
        if value is None or not str(value).strip():
            raise TypeError("Id can't be empty")
        return str(value).strip()

    # -- jobs ---------------------------------------------------------------------------------

    @overload
    def create_job(self, job_desc: Description, token: str = ..., sync: Literal[False] = ...) -> CreateResponse: ...

    @overload
    def create_job(
        self, job_desc: Description, token: str = ..., sync: bool = ...
    ) -> Union[CreateResponse, "SynchronousInstanceResponse"]: ...

    def create_job(
        self, job_desc: Description, token: str = "", sync: bool = False
    ) -> Union[CreateResponse, "SynchronousInstanceResponse"]:
        """Create a job: ``POST /jobs``.

        ``job_desc`` is a :class:`~batchcompute.resources.JobDescription` or
        :class:`~batchcompute.resources.AppJobDescription`, or a dict / JSON text: one with
        ``"Type": "DAG"`` and every required JobDescription key is a DAG job, anything else an App
        job. It is validated before anything is sent. ``token`` is sent as ``IdempotentToken``.
        With ``sync=True`` an App job runs synchronously (``POST /jobs?sync``) and the answer is
        its :class:`~batchcompute.client.response.SynchronousInstance`.

        :returns: a CreateResponse (``.Id``), or a GetResponse for a synchronous App job.
        """
        description = _job_description(job_desc)
        if sync and isinstance(description, AppJobDescription):
            return cast("SynchronousInstanceResponse", self._create("create_job_sync", description, token))
        return cast(CreateResponse, self._create("create_job", description, token))

    def get_job(self, job: ResourceRef) -> "JobResponse":
        """A job's state and metrics: ``GET /jobs/{id}`` -> GetResponse of Job."""
        return cast("JobResponse", self._invoke("get_job", self._get_id(job)))

    def get_job_description(self, job: ResourceRef) -> "JobDescriptionResponse":
        """The description a job was created with: ``GET /jobs/{id}?description`` -> GetResponse
        of JobDescription (AppJobDescription for App jobs)."""
        return cast("JobDescriptionResponse", self._invoke("get_job_description", self._get_id(job)))

    def list_jobs(
        self,
        marker: Any,
        max_item_count: Any,
        state: str = "",
        cluster_id: str = "",
        project_id: str = "",
        **filters: Any,
    ) -> "ListResponse[Job]":
        """A page of jobs: ``GET /jobs?Marker&MaxItemCount`` -> ListResponse of Job.

        Filters (``state``, ``cluster_id``, ``project_id``, or the keywords ``State``,
        ``ClusterId``, ``ProjectId``, ``OrderBy``, ``IsReverse``) are sent when not blank.
        ``NextMarker`` of the answer is the ``marker`` of the next page.
        """
        query = _filters(
            {"Marker": marker, "MaxItemCount": max_item_count},
            (("State", state), ("ClusterId", cluster_id), ("ProjectId", project_id)),
            filters,
        )
        return cast("ListResponse[Job]", self._invoke("list_jobs", query=query))

    def start_job(self, job: ResourceRef) -> ActionResponse:
        """Start (or restart) a stopped job: ``POST /jobs/{id}/start`` -> ActionResponse."""
        return cast(ActionResponse, self._invoke("start_job", self._get_id(job)))

    def stop_job(self, job: ResourceRef) -> ActionResponse:
        """Stop a job: ``POST /jobs/{id}/stop`` -> ActionResponse."""
        return cast(ActionResponse, self._invoke("stop_job", self._get_id(job)))

    def delete_job(self, job: ResourceRef) -> ActionResponse:
        """Delete a job: ``DELETE /jobs/{id}`` -> ActionResponse."""
        return cast(ActionResponse, self._invoke("delete_job", self._get_id(job)))

    def change_job_priority(self, job: ResourceRef, priority: int) -> ActionResponse:
        """Change a job's priority: ``PUT /jobs/{id}`` ``{"Priority": n}`` -> ActionResponse.

        :raises TypeError: ``priority`` is not an int.
        """
        if not isinstance(priority, int):
            raise TypeError("Priority must be type of int")
        return cast(ActionResponse, self._invoke("update_job", self._get_id(job), body={"Priority": priority}))

    def get_task(self, job: ResourceRef, task_name: str) -> "TaskResponse":
        """A task of a job: ``GET /jobs/{id}/tasks/{task}`` -> GetResponse of Task."""
        return cast("TaskResponse", self._invoke("get_task", self._get_id(job), task_name))

    def list_tasks(
        self, job: ResourceRef, marker: Any, max_item_count: Any, state: str = "", cluster_id: str = "", **filters: Any
    ) -> "ListResponse[Task]":
        """A page of a job's tasks: ``GET /jobs/{id}/tasks?Marker&MaxItemCount[&State][&ClusterId]``
        -> ListResponse of Task."""
        query = _filters(
            {"Marker": marker, "MaxItemCount": max_item_count}, (("State", state), ("ClusterId", cluster_id)), filters
        )
        return cast("ListResponse[Task]", self._invoke("list_tasks", self._get_id(job), query=query))

    def get_instance(self, job: ResourceRef, task_name: str, instance_id: Any) -> "InstanceResponse":
        """An instance of a task: ``GET /jobs/{id}/tasks/{task}/instances/{n}`` -> GetResponse of
        Instance."""
        return cast("InstanceResponse", self._invoke("get_instance", self._get_id(job), task_name, instance_id))

    def list_instances(
        self, job: ResourceRef, task_name: str, marker: Any, max_item_count: Any, state: str = "", **filters: Any
    ) -> "ListResponse[Instance]":
        """A page of a task's instances: ``GET /jobs/{id}/tasks/{task}/instances?Marker&MaxItemCount[&State]``
        -> ListResponse of Instance (instance markers are numbers: start at 0)."""
        query = _filters({"Marker": marker, "MaxItemCount": max_item_count}, (("State", state),), filters)
        return cast("ListResponse[Instance]", self._invoke("list_instances", self._get_id(job), task_name, query=query))

    # -- clusters -----------------------------------------------------------------------------

    def create_cluster(self, cluster_desc: Description, token: str = "") -> CreateResponse:
        """Create a cluster: ``POST /clusters`` with a
        :class:`~batchcompute.resources.ClusterDescription` (or its dict / JSON), validated
        first -> CreateResponse."""
        return cast(CreateResponse, self._create("create_cluster", _as(ClusterDescription, cluster_desc), token))

    def get_cluster(self, cluster: ResourceRef) -> "ClusterResponse":
        """A cluster: ``GET /clusters/{id}`` -> GetResponse of Cluster."""
        return cast("ClusterResponse", self._invoke("get_cluster", self._get_id(cluster)))

    def list_clusters(self, marker: Any, max_item_count: Any) -> "ListResponse[Cluster]":
        """A page of clusters: ``GET /clusters?Marker&MaxItemCount`` -> ListResponse of Cluster."""
        return cast(
            "ListResponse[Cluster]",
            self._invoke("list_clusters", query={"Marker": marker, "MaxItemCount": max_item_count}),
        )

    def delete_cluster(self, cluster: ResourceRef) -> ActionResponse:
        """Delete a cluster: ``DELETE /clusters/{id}`` -> ActionResponse."""
        return cast(ActionResponse, self._invoke("delete_cluster", self._get_id(cluster)))

    def modify_cluster(self, cluster: ResourceRef, modify_cluster_desc: Description) -> ActionResponse:
        """Change a cluster: ``PUT /clusters/{id}`` with a
        :class:`~batchcompute.resources.ModifyClusterDescription` (or its dict / JSON) -> ActionResponse."""
        description = _as(ModifyClusterDescription, modify_cluster_desc)
        return cast(ActionResponse, self._invoke("modify_cluster", self._get_id(cluster), body=description))

    def change_cluster_desired_vm_count(self, cluster: ResourceRef, **groups: int) -> ActionResponse:
        """Resize groups: ``change_cluster_desired_vm_count(cluster, group1=3)`` sends
        ``PUT /clusters/{id}`` ``{"Groups": {"group1": {"DesiredVMCount": 3}}}`` -> ActionResponse.

        :raises TypeError: a count is not an int.
        """
        body = {}
        for group_name, count in groups.items():
            if not isinstance(count, int):
                raise TypeError("VM count must be type of int")
            body[group_name] = {"DesiredVMCount": count}
        return cast(ActionResponse, self._invoke("modify_cluster", self._get_id(cluster), body={"Groups": body}))

    def change_cluster_spot_config(
        self, cluster: ResourceRef, group_name: str, strategy: str = "", price_limit: float = 0.0
    ) -> ActionResponse:
        """Change a group's spot settings: ``PUT /clusters/{id}``
        ``{"Groups": {group: {"SpotStrategy": ..., "SpotPriceLimit": ...}}}`` (each only when
        given) -> ActionResponse.

        :raises FieldError: ``group_name`` is empty.
        """
        if not group_name:
            raise FieldError("group name can not be empty")
        group: Dict[str, Any] = {}
        if strategy:
            group["SpotStrategy"] = strategy
        if price_limit:
            group["SpotPriceLimit"] = price_limit
        return cast(
            ActionResponse, self._invoke("modify_cluster", self._get_id(cluster), body={"Groups": {group_name: group}})
        )

    def change_cluster_user_data(self, cluster: ResourceRef, data: Optional[Dict[str, Any]] = None) -> ActionResponse:
        """Replace a cluster's user data: ``PUT /clusters/{id}`` ``{"UserData": data}`` -> ActionResponse.

        :raises TypeError: ``data`` is not a dict.
        """
        return cast(
            ActionResponse, self._invoke("modify_cluster", self._get_id(cluster), body={"UserData": _check_dict(data)})
        )

    def change_cluster_input_mapping(
        self, cluster: ResourceRef, data: Optional[Dict[str, Any]] = None
    ) -> ActionResponse:
        """Replace a cluster's input mapping: ``PUT /clusters/{id}`` ``{"InputMapping": data}`` -> ActionResponse.

        :raises TypeError: ``data`` is not a dict.
        """
        return cast(
            ActionResponse,
            self._invoke("modify_cluster", self._get_id(cluster), body={"InputMapping": _check_dict(data)}),
        )

    def change_cluster_env_vars(self, cluster: ResourceRef, data: Optional[Dict[str, Any]] = None) -> ActionResponse:
        """Replace a cluster's environment variables: ``PUT /clusters/{id}`` ``{"EnvVars": data}`` -> ActionResponse.

        :raises TypeError: ``data`` is not a dict.
        """
        return cast(
            ActionResponse, self._invoke("modify_cluster", self._get_id(cluster), body={"EnvVars": _check_dict(data)})
        )

    def get_cluster_instance(
        self, cluster_id: ResourceRef, group_name: str, instance_id: str
    ) -> "ClusterInstanceResponse":
        """A VM of a cluster group: ``GET /clusters/{id}/groups/{group}/instances/{instance}``
        -> GetResponse of ClusterInstance."""
        return cast(
            "ClusterInstanceResponse",
            self._invoke("get_cluster_instance", self._get_id(cluster_id), group_name, instance_id),
        )

    def list_cluster_instances(
        self, cluster_id: ResourceRef, group_name: str, marker: Any, max_item_count: Any
    ) -> "ListResponse[ClusterInstance]":
        """A page of a group's VMs: ``GET /clusters/{id}/groups/{group}/instances?Marker&MaxItemCount``
        -> ListResponse of ClusterInstance."""
        return cast(
            "ListResponse[ClusterInstance]",
            self._invoke(
                "list_cluster_instances",
                self._get_id(cluster_id),
                group_name,
                query={"Marker": marker, "MaxItemCount": max_item_count},
            ),
        )

    def recreate_cluster_instance(self, cluster_id: ResourceRef, group_name: str, instance_id: str) -> ActionResponse:
        """Replace a VM: ``POST /clusters/{id}/groups/{group}/instances/{instance}/recreate`` -> ActionResponse."""
        return cast(
            ActionResponse, self._invoke("recreate_cluster_instance", self._get_id(cluster_id), group_name, instance_id)
        )

    def delete_cluster_instance(self, cluster_id: ResourceRef, group_name: str, instance_id: str) -> ActionResponse:
        """Remove a VM: ``DELETE /clusters/{id}/groups/{group}/instances/{instance}`` -> ActionResponse."""
        return cast(
            ActionResponse, self._invoke("delete_cluster_instance", self._get_id(cluster_id), group_name, instance_id)
        )

    # -- images -------------------------------------------------------------------------------

    def create_image(self, image_desc: Description, token: str = "") -> CreateResponse:
        """Register an image: ``POST /images`` with an
        :class:`~batchcompute.resources.ImageDescription` (or its dict / JSON), validated first
        -> CreateResponse."""
        return cast(CreateResponse, self._create("create_image", _as(ImageDescription, image_desc), token))

    def get_image(self, image: ResourceRef) -> "ImageResponse":
        """An image: ``GET /images/{id}`` -> GetResponse of Image."""
        return cast("ImageResponse", self._invoke("get_image", self._get_id(image)))

    def list_images(self, marker: Any, max_item_count: Any, type_: str = "") -> "ListResponse[Image]":
        """A page of images: ``GET /images?Marker&MaxItemCount`` -> ListResponse of Image.
        ``type_='System'`` lists the system images (any other value lists your own)."""
        query: Dict[str, Any] = {"Marker": marker, "MaxItemCount": max_item_count}
        if type_ == "System":
            query["Type"] = type_
        return cast("ListResponse[Image]", self._invoke("list_images", query=query))

    def delete_image(self, image: ResourceRef) -> ActionResponse:
        """Delete an image: ``DELETE /images/{id}`` -> ActionResponse."""
        return cast(ActionResponse, self._invoke("delete_image", self._get_id(image)))

    # -- apps ---------------------------------------------------------------------------------

    def create_app(self, app_desc: Description, token: str = "") -> CreateResponse:
        """Create an App: ``POST /apps`` with an :class:`~batchcompute.resources.AppDescription`
        (or its dict / JSON), validated first -> CreateResponse (``.Id`` is the App's name)."""
        return cast(CreateResponse, self._create("create_app", _as(AppDescription, app_desc), token))

    def get_app(self, app_name: str, scope: str = "Private") -> "AppResponse":
        """An App: ``GET /apps/{name}?Scope=<scope>`` -> GetResponse of App.

        :raises FieldError: ``scope`` is neither ``'Private'`` nor ``'Public'``.
        """
        if scope not in ("Private", "Public"):
            raise FieldError("scope must be Private or Public")
        return cast("AppResponse", self._invoke("get_app", app_name, query={"Scope": scope}))

    def get_app_detail(self, app: str, qualifier: str = "") -> "AppDescriptionResponse":
        """An App's full description: ``GET /apps/{name}?Detail=True&Qualifier[=revision]``
        -> GetResponse of AppDescription."""
        return cast("AppDescriptionResponse", self._invoke("get_app_detail", app, query={"Qualifier": qualifier}))

    def get_app_revisions(self, app_name: str) -> "ListResponse[AppRevision]":
        """An App's revisions: ``GET /apps/{name}?Revisions=True`` -> ListResponse of AppRevision."""
        return cast("ListResponse[AppRevision]", self._invoke("get_app_revisions", app_name))

    def list_apps(self, scope: str = "Private", marker: Any = "", max_item_count: Any = 50) -> "ListResponse[App]":
        """A page of Apps: ``GET /apps?Marker&MaxItemCount=50&Scope=Private`` -> ListResponse of App."""
        return cast(
            "ListResponse[App]",
            self._invoke("list_apps", query={"Marker": marker, "MaxItemCount": max_item_count, "Scope": scope}),
        )

    def modify_app(self, app_name: str, app_desc: Description) -> ActionResponse:
        """Change an App: ``PUT /apps/{name}`` with an AppDescription (or its dict / JSON) -> ActionResponse."""
        return cast(ActionResponse, self._invoke("modify_app", app_name, body=_as(AppDescription, app_desc)))

    def delete_app(self, app_name: str, qualifier: str = "") -> ActionResponse:
        """Delete an App or one revision: ``DELETE /apps/{name}?Qualifier[=revision]`` -> ActionResponse."""
        return cast(ActionResponse, self._invoke("delete_app", app_name, query={"Qualifier": qualifier}))

    # -- account ------------------------------------------------------------------------------

    def get_quotas(self) -> "QuotaResponse":
        """The account's quotas: ``GET /quotas`` -> GetResponse of Quota."""
        return cast("QuotaResponse", self._invoke("get_quotas"))

    def get_available_resource(self) -> "AvailableResourceResponse":
        """Instance, resource and disk types available in the region: ``GET /available``
        -> GetResponse of AvailableResource."""
        return cast("AvailableResourceResponse", self._invoke("get_available_resource"))

    # -- helpers ------------------------------------------------------------------------------

    def easy_list(self, resource_type: str, *resource_info: Any, **filters: Any) -> Iterator[Any]:
        """Every item of a listing, page after page (100 a page).

        ``resource_type`` is ``'jobs'``, ``'clusters'``, ``'images'``, ``'tasks'`` (give the
        job) or ``'instances'`` (give the job and the task name). Each filter keyword names an
        attribute of the items; its value is a value to equal, a list or tuple of accepted values,
        or a predicate. Items without the attribute are skipped::

            client.easy_list('tasks', job_id, State=['Running', 'Waiting'])

        :raises FieldError: an unknown ``resource_type`` (raised at the call, not at iteration).
        """
        try:
            name = _EASY_LIST[resource_type]
        except (KeyError, TypeError):
            raise FieldError(resource_type) from None
        paging = ROUTES_BY_NAME[name].paging
        assert paging is not None
        return every_item(getattr(self, name), resource_info, paging.first_marker, PAGE_SIZE, filters)

    def poll(
        self,
        job_ids: Union[str, Sequence[str]],
        timeout: float = 86400,
        interval: float = 3,
        *,
        progress: Optional[Callable[[int, int], Any]] = None,
    ) -> List[str]:
        """Wait for jobs: every ``interval`` seconds, until all are Finished, one is Failed or
        Stopped, or ``timeout`` seconds passed.

        Returns the problems as strings (``'Job <id> failed.'``, ``'Job <id> stopped.'``,
        ``'Timeout(<timeout>).'``); an empty list means every job finished. Before returning
        with a problem it stops the jobs that are still running or waiting. ``job_ids`` is one
        id or a list of ids (or of objects with an ``Id``); anything else gives
        ``['Invalid job ids: <job_ids>.']``.

        ``progress(finished_instances, total_instances)`` is called after each look at the jobs
        (the counts are summed over them); progress is also logged at INFO level.
        """
        if isinstance(job_ids, str):
            ids = [job_ids]
        elif isinstance(job_ids, (list, tuple)):
            ids = [self._get_id(job_id) for job_id in job_ids]
        else:
            return ["Invalid job ids: %s." % (job_ids,)]
        return wait_for_jobs(self.get_job, self.stop_job, ids, timeout, interval, progress)
