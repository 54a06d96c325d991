"""A job's description as get_job_description answers it: what the creator sent, completed with the
service's defaults, so that every key of the JobDescription / AppJobDescription schema is there.

The schema is that of the description classes (``batchcompute.resources.job``, resources.md): a
key the creator left out (or sent as null) gets its default, else a blank of its type; a value the
creator gave is never changed. The nested objects that the SDK only creates when they are used
(a task's AutoCluster and Mounts, an AutoCluster's Configs, ...) are completed when given and not
added otherwise; a task's ClusterId is left as given too, so that a task never shows both.
"""

from __future__ import annotations

import copy
from typing import Any, Dict

from .shapes import Each, Shape
from .shapes import obj as _object
from .shapes import optional as _optional

__all__ = [
    "completed_dag_job",
    "completed_app_job",
    "DAG_JOB",
    "TASK",
    "NOTIFICATION",
    "CONFIGS",
    "MOUNTS",
    "app_job_shape",
]

TOPIC = _object(Name="", Endpoint="", Events=[], UserData="", UserTemplate="")
NOTIFICATION = _object(Topic=TOPIC)
MOUNTS = _optional(
    Entries=Each(_object(Source="", Destination="", WriteSupport=False), list),
    Locale="",
    Lock=False,
    CacheSupport=False,
    CacheBlockSize=0,
    CacheTotalSize=0,
    NAS=_optional(AccessGroup=[], FileSystem=[]),
    OSS=_optional(AccessKeyId="", AccessKeySecret="", SecurityToken=""),
    RefreshStrategy="",
    RefreshTopicName="",
    RefreshTimeOut=0,
    NasMetaCache=False,
)
#: A disk's blank Type or MountPoint is never stored by the SDK: those are not added.
CONFIGS = _optional(
    Disks=_optional(SystemDisk=_optional(Size=0), DataDisk=_optional(Size=0)),
    Networks=_optional(
        Classic=_optional(
            AllowSecurityGroup=[], AllowSecurityGroupEgress=[], AllowIpAddress=[], AllowIpAddressEgress=[]
        ),
        VPC=_optional(
            CidrBlock="",
            VpcId="",
            ExpressConnectSpec="",
            OppositeRegionId="",
            OppositeAccessPointId="",
            OppositeRouterType="",
            OppositeRouterId="",
            OppositeInterfaceId="",
        ),
    ),
    Mounts=MOUNTS,
)
AUTO_CLUSTER = _optional(
    InstanceType="",
    ResourceType="",
    SpotStrategy="",
    SpotPriceLimit=0,
    ImageId="",
    ECSImageId="",
    Configs=CONFIGS,
    UserData={},
    ReserveOnFail=False,
    ClusterId="",
    DependencyIsvService="",
)
TASK = _object(
    Parameters=_object(
        Command=_object(CommandLine="", PackagePath="", EnvVars={}, Docker=_object(Image="")),
        InputMappingConfig=_object(Locale="GBK", Lock=False),
        StdoutRedirectPath="",
        StderrRedirectPath="",
    ),
    InputMapping={},
    OutputMapping={},
    LogMapping={},
    WriteSupport=False,
    Timeout=3600,
    InstanceCount=1,
    MaxRetryCount=0,
    Mounts=MOUNTS,
    AutoCluster=AUTO_CLUSTER,
)


def _job(job_type: str, **section: Shape) -> Shape:
    return _object(
        Name="",
        Description="",
        Priority=0,
        Notification=NOTIFICATION,
        JobFailOnInstanceFail=True,
        AutoRelease=False,
        Type=job_type,
        **section,
    )


DAG_JOB = _job("DAG", DAG=_object(Tasks=Each(TASK), Dependencies={}))


def app_job_shape(instance_count: int = 1, max_retry: int = 0, timeout: float = 86400) -> Shape:
    """An App job's shape; its Config defaults to what the job runs with (the App's own config,
    where the job did not override it)."""
    config = _object(
        ResourceType="",
        InstanceType="",
        InstanceCount=instance_count,
        MinDiskSize=0,
        DiskType="",
        MinDataDiskSize=0,
        DataDiskType="",
        DataDiskMountPoint="",
        MaxRetryCount=max_retry,
        Timeout=int(timeout) if float(timeout).is_integer() else timeout,
    )
    app = _object(AppName="", Inputs={}, Outputs={}, Logging=_object(StdoutPath="", StderrPath=""), Config=config)
    return _job("App", App=app)


def _completed(value: Any, shape: Shape) -> Any:
    if not isinstance(value, dict):
        return value
    result = dict(value)
    for key, default in shape.fields.items():
        given = result.get(key)
        if isinstance(default, Shape):
            if given is not None:
                result[key] = _completed(given, default)
            elif not default.optional:
                result[key] = _completed({}, default)
        elif isinstance(default, Each):
            result[key] = _each(given, default)
        elif given is None:
            result[key] = copy.deepcopy(default)
    return result


def _each(given: Any, each: Each) -> Any:
    if given is None:
        return each.blank()
    if isinstance(given, dict):
        return {key: _completed(value, each.shape) for key, value in given.items()}
    if isinstance(given, list):
        return [_completed(value, each.shape) for value in given]
    return given


def completed_dag_job(description: Dict[str, Any]) -> Dict[str, Any]:
    """A DAG job's description with every schema key it lacks."""
    return _completed(description, DAG_JOB)


def completed_app_job(
    description: Dict[str, Any], instance_count: int, max_retry: int, timeout: float
) -> Dict[str, Any]:
    """An App job's description with every schema key it lacks; the numbers are what it runs with."""
    return _completed(description, app_job_shape(instance_count, max_retry, timeout))
