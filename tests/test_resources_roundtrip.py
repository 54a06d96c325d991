"""Property tests: descriptions built from random (valid-typed) data survive their own JSON.

For a description ``x`` of class ``X`` built from a dict: ``X(json.loads(x.dump()))`` dumps to
the same JSON as ``x``, and so do ``X(x.dump())``, ``X(x)``, ``copy.copy(x)`` and
``copy.deepcopy(x)``. A description built with the attribute API may hold values its JSON does
not rebuild to (``add_data_disk``'s blank mount point, the partial default network): every copy
of it still agrees with ``X(json.loads(x.dump()))``, and that copy round-trips.
"""

from __future__ import annotations

import copy
import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from batchcompute.resources import (
    AppDescription,
    AppJobDescription,
    ClusterDescription,
    JobDescription,
    ModifyClusterDescription,
    TaskDescription,
)

SETTINGS = settings(max_examples=100, deadline=None)

names = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=8)
texts = st.text(max_size=12)
finite = st.floats(allow_nan=False, allow_infinity=False)
numbers = st.one_of(st.integers(min_value=-(10**6), max_value=10**6), finite)
small = st.integers(min_value=0, max_value=1000)
booleans = st.booleans()
string_lists = st.lists(texts, max_size=3)
plain_dicts = st.dictionaries(names, st.one_of(texts, small, booleans), max_size=3)
env_vars = st.dictionaries(names, st.one_of(texts, small, booleans, finite), max_size=3)


def record(required=None, **optional):
    return st.fixed_dictionaries(required or {}, optional=optional)


topic = record(Name=texts, Endpoint=texts, Events=string_lists, UserData=texts, UserTemplate=texts)
notification = record(Topic=topic)
mount_entry = record(Source=texts, Destination=texts, WriteSupport=booleans)
mounts = record(
    Entries=st.lists(mount_entry, max_size=2),
    Locale=texts,
    Lock=booleans,
    CacheSupport=booleans,
    CacheBlockSize=small,
    CacheTotalSize=small,
    NAS=record(AccessGroup=string_lists, FileSystem=string_lists),
    OSS=record(AccessKeyId=texts, AccessKeySecret=texts, SecurityToken=texts),
    RefreshStrategy=texts,
    RefreshTopicName=texts,
    RefreshTimeOut=small,
    NasMetaCache=booleans,
)
disk_types = st.sampled_from(["", "cloud", "cloud_ssd", "cloud_efficiency", "ephemeral"])
disks = record(
    SystemDisk=record({"Size": small}, Type=disk_types),
    DataDisk=record({"Size": small}, Type=disk_types, MountPoint=st.sampled_from(["", "/data"])),
)
networks = record(
    Classic=record(
        AllowSecurityGroup=string_lists,
        AllowSecurityGroupEgress=string_lists,
        AllowIpAddress=string_lists,
        AllowIpAddressEgress=string_lists,
    ),
    VPC=record(
        CidrBlock=texts,
        VpcId=texts,
        ExpressConnectSpec=texts,
        OppositeRegionId=texts,
        OppositeAccessPointId=texts,
        OppositeRouterType=texts,
        OppositeRouterId=texts,
        OppositeInterfaceId=texts,
    ),
)
configs = record(Disks=disks, Networks=networks, Mounts=mounts)
auto_cluster = record(
    InstanceType=texts,
    ResourceType=texts,
    SpotStrategy=texts,
    SpotPriceLimit=numbers,
    ImageId=texts,
    ECSImageId=texts,
    Configs=configs,
    UserData=plain_dicts,
    ReserveOnFail=booleans,
    ClusterId=texts,
    DependencyIsvService=texts,
)
command = record(CommandLine=texts, PackagePath=texts, EnvVars=env_vars, Docker=record(Image=texts))
parameters = record(
    Command=command,
    InputMappingConfig=record(Locale=texts, Lock=booleans),
    StdoutRedirectPath=texts,
    StderrRedirectPath=texts,
)
task = record(
    Parameters=parameters,
    InputMapping=plain_dicts,
    OutputMapping=plain_dicts,
    LogMapping=plain_dicts,
    WriteSupport=booleans,
    Timeout=numbers,
    InstanceCount=small,
    MaxRetryCount=small,
    ClusterId=texts,
    Mounts=mounts,
    AutoCluster=auto_cluster,
)
dag = record(
    Tasks=st.dictionaries(names, task, max_size=3),
    Dependencies=st.dictionaries(names, st.lists(names, max_size=2), max_size=2),
)
job = record(
    Name=texts,
    Description=texts,
    Priority=numbers,
    Notification=notification,
    JobFailOnInstanceFail=booleans,
    AutoRelease=booleans,
    Type=st.sampled_from(["DAG", ""]),
    DAG=dag,
)

group = record(
    DesiredVMCount=small,
    InstanceType=texts,
    ResourceType=texts,
    SpotStrategy=texts,
    SpotPriceLimit=numbers,
    HostnamePrefix=texts,
    ImageId=texts,
    Mode=texts,
)
cluster = record(
    Name=texts,
    Description=texts,
    ImageId=texts,
    InstanceType=texts,
    UserData=plain_dicts,
    ScheduleType=texts,
    Configs=configs,
    Notification=notification,
    Groups=st.dictionaries(names, group, max_size=3),
    Bootstrap=texts,
    EnvVars=plain_dicts,
    PasswordInherit=booleans,
    DependencyIsvService=texts,
)
modify_group = record(DesiredVMCount=small, InstanceType=texts, SpotStrategy=texts, SpotPriceLimit=finite)
modify_cluster = record(
    UserData=plain_dicts,
    Configs=record(Mounts=mounts),
    Groups=st.dictionaries(names, modify_group, max_size=3),
    EnvVars=plain_dicts,
    ImageId=texts,
)

parameter = st.one_of(
    record(Type=st.just("String"), Default=st.one_of(st.none(), texts), Description=texts, LocalPath=texts),
    record({"Type": st.just("Number")}, Default=st.one_of(st.none(), numbers), Description=texts, LocalPath=texts),
)


def one_config(values):
    return record(Default=values, Description=texts, Overwritable=booleans)


app_config = record(
    ResourceType=one_config(texts),
    InstanceType=one_config(texts),
    InstanceCount=one_config(small),
    MinDiskSize=one_config(small),
    DiskType=one_config(texts),
    MinDataDiskSize=one_config(small),
    DataDiskType=one_config(texts),
    DataDiskMountPoint=one_config(texts),
    MaxRetryCount=one_config(small),
    Timeout=one_config(small),
)
app = record(
    Name=texts,
    Description=texts,
    InputParameters=st.dictionaries(names, parameter, max_size=3),
    OutputParameters=st.dictionaries(names, parameter, max_size=2),
    Docker=record(Image=texts, RegistryOSSPath=texts),
    VM=record(ECSImageId=texts),
    CommandLine=texts,
    EnvVars=plain_dicts,
    Daemonize=booleans,
    Config=app_config,
)
app_job = record(
    Name=texts,
    Description=texts,
    AutoRelease=booleans,
    JobFailOnInstanceFail=booleans,
    Notification=notification,
    Type=texts,
    Priority=numbers,
    App=record(
        AppName=texts,
        Inputs=plain_dicts,
        Outputs=plain_dicts,
        Logging=record(StdoutPath=texts, StderrPath=texts),
        Config=record(
            ResourceType=texts,
            InstanceType=texts,
            InstanceCount=small,
            MinDiskSize=small,
            DiskType=texts,
            MinDataDiskSize=small,
            DataDiskType=texts,
            DataDiskMountPoint=texts,
            MaxRetryCount=small,
            Timeout=small,
        ),
    ),
)

CASES = [
    (JobDescription, job),
    (TaskDescription, task),
    (ClusterDescription, cluster),
    (ModifyClusterDescription, modify_cluster),
    (AppDescription, app),
    (AppJobDescription, app_job),
]


def canonical(obj):
    """Type-exact, key-order-free form of a description's JSON."""
    return json.dumps(json.loads(obj.dump()), sort_keys=True)


def check_copies_agree(cls, obj):
    """Every way of copying ``obj`` gives the same JSON: its rebuilt-from-JSON form."""
    text = obj.dump()
    expected = canonical(cls(json.loads(text)))
    assert canonical(cls(text)) == expected
    assert canonical(cls(obj)) == expected
    assert canonical(copy.copy(obj)) == expected
    assert canonical(copy.deepcopy(obj)) == expected
    assert obj.dump() == text  # copying did not touch the original


def check_round_trip(cls, obj):
    """``obj`` survives its own JSON: ``cls(json.loads(obj.dump()))`` dumps the same."""
    check_copies_agree(cls, obj)
    assert canonical(cls(json.loads(obj.dump()))) == canonical(obj)
    assert canonical(cls(obj.dump())) == canonical(obj)


def make_test(cls, strategy):
    @SETTINGS
    @given(source=strategy)
    def test(source):
        obj = cls(copy.deepcopy(source))
        check_round_trip(cls, obj)
        check_round_trip(cls, cls(obj.dump()))

    test.__name__ = "test_round_trip_%s" % cls.__name__
    return test


def make_input_test(cls, strategy):
    @SETTINGS
    @given(source=strategy)
    def test(source):
        before = copy.deepcopy(source)
        cls(source).dump()
        # building from a dict leaves the dict alone (the official SDK coerces EnvVars values and
        # puts Parameter objects into the caller's dict in place; nothing relies on that)
        assert source == before

    test.__name__ = "test_input_unchanged_%s" % cls.__name__
    return test


for _cls, _strategy in CASES:
    globals()["test_round_trip_%s" % _cls.__name__] = make_test(_cls, _strategy)
    globals()["test_input_unchanged_%s" % _cls.__name__] = make_input_test(_cls, _strategy)


@SETTINGS
@given(
    tasks=st.dictionaries(names, task, max_size=3),
    name=texts,
    priority=numbers,
    deps=st.dictionaries(names, st.lists(names, max_size=2), max_size=2),
)
def test_job_built_with_the_attribute_api_round_trips(tasks, name, priority, deps):
    from batchcompute.resources import DAG

    job_desc = JobDescription()
    job_desc.Name = name
    job_desc.Priority = priority
    graph = DAG()
    for task_name, source in tasks.items():
        graph.add_task(task_name, TaskDescription(source))
    graph.Dependencies = deps
    job_desc.DAG = graph
    check_copies_agree(JobDescription, job_desc)
    check_round_trip(JobDescription, JobDescription(job_desc.dump()))
    assert sorted(json.loads(job_desc.dump())["DAG"]["Tasks"]) == sorted(tasks)


@SETTINGS
@given(
    groups=st.dictionaries(names, group, max_size=3),
    system=small,
    data_size=small,
    mount_point=st.sampled_from(["", "/home/data"]),
    classic=booleans,
    read_only=booleans,
)
def test_cluster_built_with_the_attribute_api_round_trips(groups, system, data_size, mount_point, classic, read_only):
    from batchcompute.resources import Configs, GroupDescription

    cluster_desc = ClusterDescription()
    cluster_desc.Name = "c"
    cluster_desc.ImageId = "img-1"
    for group_name, source in groups.items():
        cluster_desc.add_group(group_name, GroupDescription(source))
    if read_only:
        target = cluster_desc.Configs
    else:
        target = Configs()
    target.add_system_disk(system, "cloud_ssd")
    target.add_data_disk(data_size, "cloud", mount_point)
    if classic:
        target.set_classic_netWorks()
    if not read_only:
        cluster_desc.Configs = target
    check_copies_agree(ClusterDescription, cluster_desc)
    check_round_trip(ClusterDescription, ClusterDescription(cluster_desc.dump()))


_json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
)
_json_keys = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
_json_values = st.recursive(
    _json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.tuples(children, children), st.dictionaries(_json_keys, children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_json_values, st.sampled_from([0, 1, 2, 4]))
def test_the_indented_encoder_writes_what_json_dumps_writes(value, indent):
    """dump() writes indented JSON with its own encoder: byte for byte json.dumps's."""
    import json

    from batchcompute.resources._schema import BatchEncoder, dumps

    assert dumps(value, indent) == json.dumps(value, indent=indent, cls=BatchEncoder)
