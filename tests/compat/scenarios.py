"""Scenarios for the compatibility suite of the description classes (``batchcompute.resources``).

Every ``scenario_<name>(bc)`` builds a description in some way and returns it (or a small dict /
list holding descriptions and plain values); every ``error_<name>(bc)`` does something invalid and
is expected to raise. ``bc`` is a namespace of the description classes (see :func:`make_namespace`),
so the same code runs against the official 2.1.7 SDK (to record the golden JSON, see
``record_golden.py``) and against this package (``tests/test_resources_compat.py``).

Scenarios only use the documented API, and never read a string or number property that is unset
(the official SDK stores ``{}`` on such a read, a bug this package does not reproduce) except in the
scenarios listed in ``fixed.py``, which document such differences on purpose.
"""

from __future__ import annotations

import copy
import importlib
import json
import types
from typing import Any, Callable, Dict

__all__ = ["make_namespace", "to_jsonable", "SCENARIOS", "ERRORS"]

_SUBMODULES = ("image", "app", "cluster", "job")


def make_namespace(resources: types.ModuleType) -> types.SimpleNamespace:
    """Every class of ``resources`` (the package) and of its submodules, package names first.

    A few classes exist under the same name in two submodules; they are also reachable as
    ``AppConfig`` / ``AppDocker`` (App descriptions) and ``JobConfig`` / ``JobDocker`` (jobs).
    """
    names: Dict[str, Any] = {}
    modules = {}
    for sub in _SUBMODULES:
        module = importlib.import_module("%s.%s" % (resources.__name__, sub))
        modules[sub] = module
        for name, value in vars(module).items():
            if isinstance(value, type) and not name.startswith("_"):
                names[name] = value
    for name in dir(resources):
        value = getattr(resources, name)
        if isinstance(value, type) and not name.startswith("_"):
            names[name] = value
    names["AppConfig"] = modules["app"].Config
    names["AppDocker"] = modules["app"].Docker
    names["JobConfig"] = modules["job"].Config
    names["JobDocker"] = modules["job"].Docker
    return types.SimpleNamespace(**names)


def to_jsonable(result: Any) -> Any:
    """What a scenario returned, as plain JSON data (descriptions through their ``dump()``)."""
    if hasattr(result, "dump") and not isinstance(result, type):
        return json.loads(result.dump())
    if isinstance(result, dict):
        return {str(key): to_jsonable(value) for key, value in result.items()}
    if isinstance(result, (list, tuple)):
        return [to_jsonable(value) for value in result]
    return result


# ---------------------------------------------------------------------------------------------
# helpers (plain functions of bc, not scenarios)
# ---------------------------------------------------------------------------------------------


def _echo_task(bc):
    task = bc.TaskDescription()
    task.InstanceCount = 3
    task.ClusterId = "cls-xxx"
    task.Timeout = 600
    task.MaxRetryCount = 0
    task.Parameters.Command.CommandLine = "echo hello"
    task.Parameters.Command.PackagePath = ""
    task.Parameters.StdoutRedirectPath = "oss://bucket/logs/"
    task.Parameters.StderrRedirectPath = "oss://bucket/logs/"
    return task


def _seed_cluster(bc):
    cluster_desc = bc.ClusterDescription()
    group1 = bc.GroupDescription()
    group1.DesiredVMCount = 1
    group1.InstanceType = "ecs.t1.small"
    cluster_desc.add_group("group1", group1)
    configs = bc.Configs()
    configs.add_system_disk(40, "ephemeral")
    configs.add_data_disk(40, "ephemeral")
    cluster_desc.Configs = configs
    cluster_desc.Name = "BatchcomputePythonSDK"
    cluster_desc.ImageId = "img-1"
    return cluster_desc


def _seed_job(bc):
    job_desc = bc.JobDescription()
    job_desc.Name = "PythonSDKDemo"
    job_desc.Priority = 0
    job_desc.Description = "PythonSDKDemo"
    job_desc.JobFailOnInstanceFail = True
    dag = bc.DAG()
    dag.add_task(task_name="echo", task=_echo_task(bc))
    job_desc.DAG = dag
    return job_desc


_SEED_JOB_DICT = {
    "Name": "PythonSDKDemo",
    "Priority": 0,
    "Description": "PythonSDKDemo",
    "JobFailOnInstanceFail": True,
    "DAG": {
        "Tasks": {
            "echo": {
                "InstanceCount": 3,
                "ClusterId": "cls-xxx",
                "Timeout": 600,
                "MaxRetryCount": 0,
                "Parameters": {
                    "Command": {"CommandLine": "echo hello", "PackagePath": ""},
                    "StdoutRedirectPath": "oss://bucket/logs/",
                    "StderrRedirectPath": "oss://bucket/logs/",
                },
            },
        },
    },
}


def _full_task(bc):
    """A task that satisfies every required rule (with a ClusterId)."""
    task = _echo_task(bc)
    task.Parameters.Command.EnvVars = {"A": "1"}
    return task


def _app_desc(bc):
    app = bc.AppDescription()
    app.Name = "ffmpeg"
    app.Description = "transcode"
    app.CommandLine = "ffmpeg -i ${input} ${output}"
    app.Docker.Image = "localhost:5000/ffmpeg"
    app.Docker.RegistryOSSPath = "oss://bucket/registry/"
    inp = bc.InputParameter()
    inp.Type = "String"
    inp.Default = "oss://bucket/in.mp4"
    inp.Description = "input file"
    inp.LocalPath = "/home/input/"
    app.InputParameters = {"input": inp}
    out = bc.OutputParameter({"Description": "output", "LocalPath": "/home/output/"})
    app.OutputParameters["output"] = out
    app.set_instance_type("ecs.sn1.medium")
    app.set_timeout(3600, False, "max run time")
    return app


# ---------------------------------------------------------------------------------------------
# the seed example
# ---------------------------------------------------------------------------------------------


def scenario_seed_cluster(bc):
    return _seed_cluster(bc)


def scenario_seed_job(bc):
    job = _seed_job(bc)
    job.validate()
    return job


def scenario_seed_cluster_validated(bc):
    cluster = _seed_cluster(bc)
    cluster.validate()
    return cluster


def scenario_seed_configs_before_assignment(bc):
    configs = bc.Configs()
    configs.add_system_disk(40, "ephemeral")
    configs.add_data_disk(40, "ephemeral")
    return configs


# ---------------------------------------------------------------------------------------------
# blank objects: what each class holds at construction
# ---------------------------------------------------------------------------------------------


def scenario_blank_objects(bc):
    return {
        name: getattr(bc, name)()
        for name in (
            "JobDescription",
            "DAG",
            "TaskDescription",
            "Parameters",
            "Command",
            "InputMappingConfig",
            "AutoCluster",
            "Notification",
            "Topic",
            "AppJobDescription",
            "App",
            "Logging",
            "JobConfig",
            "JobDocker",
            "ClusterDescription",
            "GroupDescription",
            "Configs",
            "Disks",
            "SystemDisk",
            "DataDisk",
            "Networks",
            "Classic",
            "VPC",
            "Mounts",
            "MountEntry",
            "NAS",
            "OSS",
            "ModifyClusterDescription",
            "ModifyGroupDescription",
            "ModifyConfigs",
            "ImageDescription",
            "AppDescription",
            "AppDocker",
            "VM",
            "AppConfig",
            "Parameter",
            "InputParameter",
            "OutputParameter",
            "ResourceType",
            "InstanceType",
            "InstanceCount",
            "MinDiskSize",
            "DiskType",
            "MinDataDiskSize",
            "DataDiskType",
            "DataDiskMountPoint",
            "MaxRetryCount",
            "Timeout",
        )
    }


# ---------------------------------------------------------------------------------------------
# the same job, many ways
# ---------------------------------------------------------------------------------------------


def scenario_job_from_dict(bc):
    return bc.JobDescription(_SEED_JOB_DICT)


def scenario_job_from_json_string(bc):
    return bc.JobDescription(json.dumps(_SEED_JOB_DICT))


def scenario_job_from_json_bytes(bc):
    return bc.JobDescription(json.dumps(_SEED_JOB_DICT).encode("utf-8"))


def scenario_job_from_own_dump(bc):
    return bc.JobDescription(_seed_job(bc).dump())


def scenario_job_from_parsed_dump(bc):
    return bc.JobDescription(json.loads(_seed_job(bc).dump()))


def scenario_job_copy_constructor(bc):
    return bc.JobDescription(_seed_job(bc))


def scenario_job_copy_copy(bc):
    return copy.copy(_seed_job(bc))


def scenario_job_deepcopy(bc):
    return copy.deepcopy(_seed_job(bc))


def scenario_job_update(bc):
    job = bc.JobDescription()
    job.update(_SEED_JOB_DICT)
    return job


def scenario_job_load(bc):
    job = bc.JobDescription()
    job.load(json.dumps(_SEED_JOB_DICT))
    return job


def scenario_job_load_merges(bc):
    job = bc.JobDescription()
    job.Name = "kept"
    job.Priority = 5
    job.load('{"Priority": 7, "Type": "DAG", "Unknown": 1}')
    return job


def scenario_job_items(bc):
    job = bc.JobDescription()
    job["Name"] = "PythonSDKDemo"
    job["Priority"] = 0
    job["Description"] = "PythonSDKDemo"
    job["JobFailOnInstanceFail"] = True
    dag = bc.DAG()
    dag["Tasks"] = {"echo": _echo_task(bc)}
    job["DAG"] = dag
    return job


def scenario_job_dag_dict_assignment(bc):
    job = bc.JobDescription()
    job.Name = "PythonSDKDemo"
    job.Priority = 0
    job.Description = "PythonSDKDemo"
    job.DAG = {"Tasks": {"echo": json.loads(_echo_task(bc).dump())}}
    return job


def scenario_job_dag_read_then_add(bc):
    job = bc.JobDescription()
    job.Name = "lazy"
    job.Priority = 1
    job.DAG.add_task("echo", _echo_task(bc))
    job.DAG.add_task("second", {"ClusterId": "cls-2", "InstanceCount": 2})
    job.DAG.Dependencies = {"echo": ["second"]}
    return job


def scenario_job_unknown_keys_dropped(bc):
    data = dict(_SEED_JOB_DICT, Bogus=1, Another={"x": 1})
    data["DAG"] = dict(data["DAG"], Extra=[1, 2])
    return bc.JobDescription(data)


def scenario_job_priority_and_flags(bc):
    job = bc.JobDescription()
    job.Name = "flags"
    job.Priority = 99
    job.JobFailOnInstanceFail = False
    job.AutoRelease = True
    job.Type = "DAG"
    return job


def scenario_job_priority_float_and_bool(bc):
    return [
        bc.JobDescription({"Priority": 1.5}),
        bc.JobDescription({"Priority": True}),
    ]


def scenario_job_number_none(bc):
    job = bc.JobDescription()
    job.Priority = 3
    job.Priority = None
    return job


def scenario_job_notification(bc):
    job = bc.JobDescription()
    job.Name = "notify"
    job.Notification.Topic.Name = "my-topic"
    job.Notification.Topic.Endpoint = "http://1234.mns.cn-qingdao.aliyuncs.com/"
    job.Notification.Topic.Events = ["OnJobFinished", "OnTaskFailed"]
    return job


def scenario_job_notification_objects(bc):
    topic = bc.Topic()
    topic.Name = "t"
    topic.Endpoint = "http://e/"
    topic.Events = ["OnJobFailed"]
    topic.UserData = "ud"
    topic.UserTemplate = "tpl"
    notification = bc.Notification()
    notification.Topic = topic
    job = bc.JobDescription()
    job.Notification = notification
    return job


def scenario_job_notification_dict(bc):
    job = bc.JobDescription()
    job.Notification = {"Topic": {"Name": "n", "Events": ["OnJobFailed"], "Bogus": 1}}
    return job


def scenario_job_blank_string_removal(bc):
    job = bc.JobDescription()
    job.Name = "x"
    job.Name = ""
    job.Description = ""
    job.Type = ""
    return job


def scenario_job_blank_string_on_unset(bc):
    job = bc.JobDescription()
    job.Name = ""
    return job


def scenario_job_blank_strings_from_dict(bc):
    return bc.JobDescription({"Name": "", "Description": ""})


def scenario_job_del_items(bc):
    job = _seed_job(bc)
    del job["Description"]
    del job["Notification"]
    del job["AutoRelease"]
    return job


def scenario_job_del_then_copy(bc):
    job = bc.JobDescription()
    del job["Description"]
    del job["Type"]
    return {"constructor": bc.JobDescription(job), "copy": copy.copy(job), "deepcopy": copy.deepcopy(job)}


def scenario_job_copy_independence(bc):
    job = _seed_job(bc)
    other = copy.copy(job)
    other.Name = "changed"
    other.DAG.get_task("echo").InstanceCount = 99
    deep = copy.deepcopy(job)
    deep.DAG.Dependencies["echo"] = ["x"]
    built = bc.JobDescription(job)
    built.DAG.add_task("more", {"ClusterId": "c"})
    return job


def scenario_job_getitem_values(bc):
    job = _seed_job(bc)
    return {
        "Name": job["Name"],
        "Priority": job["Priority"],
        "Type": job.Type,
        "task_count": job.DAG.get_task("echo").InstanceCount,
        "in_name": "Name" in job,
        "in_notification": "Notification" in job,
        "get_missing": job.get("Notification"),
        "get_default": job.get("Notification", "dflt"),
        "keys": sorted(job.keys()),
        "iter": sorted(job),
        "item_keys": sorted(key for key, _ in job.items()),
    }


# ---------------------------------------------------------------------------------------------
# tasks and DAGs
# ---------------------------------------------------------------------------------------------


def scenario_task_attribute_api(bc):
    task = _full_task(bc)
    task.InputMapping = {"oss://bucket/in/": "/home/in/"}
    task.OutputMapping = {"/home/out/": "oss://bucket/out/"}
    task.LogMapping = {"/var/log/app.log": "oss://bucket/log/"}
    task.WriteSupport = True
    task.Parameters.InputMappingConfig.Locale = "UTF-8"
    task.Parameters.InputMappingConfig.Lock = True
    task.Parameters.Command.Docker.Image = "localhost:5000/ubuntu"
    return task


def scenario_task_from_dict_partial(bc):
    return bc.TaskDescription({"ClusterId": "c", "InstanceCount": 2, "Parameters": {"StdoutRedirectPath": "o"}})


def scenario_task_update_nested(bc):
    task = bc.TaskDescription()
    task.update({"Parameters": {"Command": {"CommandLine": "x"}}, "Timeout": 10, "Nope": 1})
    return task


def scenario_task_load_nested(bc):
    task = bc.TaskDescription()
    task.load('{"Parameters": {"StdoutRedirectPath": "oss://o/"}, "ClusterId": "c"}')
    return task


def scenario_task_numbers(bc):
    task = bc.TaskDescription()
    task.Timeout = 1.5
    task.InstanceCount = True
    task.MaxRetryCount = 2
    return task


def scenario_task_del_parameters_then_read(bc):
    task = bc.TaskDescription()
    del task["Parameters"]
    task.Parameters.Command.CommandLine = "x"
    return task


def scenario_task_envvars_coercion(bc):
    command = bc.Command()
    command.EnvVars = {"INT": 1, "FLOAT": 2.5, "BOOL": True, "STR": "s", "NONE": None}
    from_dict = bc.Command({"EnvVars": {"N": 3}})
    from_json = bc.Command('{"EnvVars": {"N": 4}}')
    updated = bc.Command()
    updated.update({"EnvVars": {"N": 5}})
    return [command, from_dict, from_json, updated]


def scenario_task_envvars_item_mutation(bc):
    # mutating the stored dict bypasses the coercion
    command = bc.Command()
    command.EnvVars["N"] = 1
    return command


def scenario_task_envvars_assignment_copies(bc):
    command = bc.Command()
    env = {"A": 1}
    command.EnvVars = env
    env["B"] = 2
    return command


def scenario_task_dict_assignment_copies(bc):
    task = bc.TaskDescription()
    mapping = {"a": "b"}
    task.InputMapping = mapping
    mapping["c"] = "d"
    return task


def scenario_task_clusterid_blank(bc):
    task = bc.TaskDescription()
    task.ClusterId = "c"
    task.ClusterId = ""
    return task


def scenario_task_docker_dict(bc):
    command = bc.Command()
    command.Docker = {"Image": "x", "Foo": 1}
    return command


def scenario_task_parameters_object(bc):
    params = bc.Parameters()
    command = bc.Command()
    command.CommandLine = "x"
    params.Command = command
    command.CommandLine = "changed after assignment"
    params.StdoutRedirectPath = "oss://o/"
    params.StderrRedirectPath = "oss://e/"
    return params


def scenario_task_mounts(bc):
    task = _full_task(bc)
    mounts = bc.Mounts()
    mounts.add_entry({"Source": "nas://x/", "Destination": "/x", "WriteSupport": True})
    entry = bc.MountEntry()
    entry.Source = "oss://bucket/data/"
    entry.Destination = "/home/data/"
    entry.WriteSupport = False
    mounts.add_entry(entry)
    mounts.Locale = "UTF-8"
    mounts.Lock = True
    task.Mounts = mounts
    return task


def scenario_task_mounts_read(bc):
    task = bc.TaskDescription()
    task.Mounts.add_entry({"Source": "nas://x/", "Destination": "/x"})
    return task


def scenario_task_mounts_read_only(bc):
    task = bc.TaskDescription()
    task.Mounts
    return task


def scenario_task_autocluster_read_once(bc):
    task = bc.TaskDescription()
    task.AutoCluster
    return task


def scenario_task_autocluster_configs_read(bc):
    task = bc.TaskDescription()
    task.AutoCluster.Configs
    return task


def scenario_task_autocluster_attribute_api(bc):
    task = _echo_task(bc)
    task.ClusterId = ""
    task.AutoCluster.InstanceType = "ecs.sn1.medium"
    task.AutoCluster.ImageId = "img-ubuntu"
    task.AutoCluster.ResourceType = "Spot"
    task.AutoCluster.SpotStrategy = "SpotWithPriceLimit"
    task.AutoCluster.SpotPriceLimit = 0.5
    task.AutoCluster.ReserveOnFail = True
    task.AutoCluster.UserData = {"k": "v"}
    task.AutoCluster.Configs.add_system_disk(50, "cloud_ssd")
    task.AutoCluster.Configs.add_data_disk(100, "cloud_efficiency", "/home/data")
    return task


def scenario_task_autocluster_object(bc):
    task = bc.TaskDescription()
    auto = bc.AutoCluster()
    auto.InstanceType = "ecs.x"
    auto.ImageId = "img"
    auto.ECSImageId = "m-123"
    auto.ClusterId = "cls-reuse"
    auto.DependencyIsvService = "isv"
    configs = bc.Configs()
    configs.add_system_disk(50)
    auto.Configs = configs
    task.AutoCluster = auto
    auto.InstanceType = "changed after assignment"
    return task


def scenario_task_autocluster_dict(bc):
    return [
        bc.TaskDescription({"AutoCluster": {}}),
        bc.TaskDescription(
            {
                "AutoCluster": {
                    "InstanceType": "ecs.x",
                    "Configs": {"Disks": {"SystemDisk": {"Size": 40, "Type": "cloud"}}},
                }
            }
        ),
    ]


def scenario_dag_add_task_copies(bc):
    dag = bc.DAG()
    task = _echo_task(bc)
    dag.add_task("a", task)
    task.ClusterId = "changed after add"
    task.Parameters.Command.CommandLine = "changed after add"
    return dag


def scenario_dag_add_task_dict(bc):
    dag = bc.DAG()
    dag.add_task("a", {"ClusterId": "c", "InstanceCount": 2, "Bogus": 1})
    return dag


def scenario_dag_add_task_json_string(bc):
    dag = bc.DAG()
    dag.add_task("a", '{"ClusterId": "c", "Timeout": 30}')
    return dag


def scenario_dag_dependencies_and_delete(bc):
    dag = bc.DAG()
    for name in ("a", "b", "c"):
        dag.add_task(name, {"ClusterId": "cls-" + name})
    dag.Dependencies = {"a": ["b", "c"], "b": ["c"]}
    dag.delete_task("c")
    dag.delete_task("not-there")
    return dag


def scenario_dag_get_task_mutates(bc):
    dag = bc.DAG()
    dag.add_task("a", {"ClusterId": "c"})
    dag.get_task("a").Timeout = 5
    return dag


def scenario_dag_tasks_item_assignment(bc):
    dag = bc.DAG()
    dag.Tasks["raw"] = {"ClusterId": "c"}
    dag.Dependencies["raw"] = []
    return dag


def scenario_dag_tasks_dict_assignment(bc):
    dag = bc.DAG()
    dag.Tasks = {"a": {"ClusterId": "c"}, "b": _echo_task(bc)}
    return dag


def scenario_dag_many_tasks(bc):
    job = bc.JobDescription()
    job.Name = "fan-out"
    job.Priority = 10
    dag = bc.DAG()
    for i in range(5):
        task = bc.TaskDescription()
        task.ClusterId = "cls"
        task.InstanceCount = i + 1
        task.Parameters.Command.CommandLine = "python run.py %d" % i
        task.Parameters.Command.PackagePath = "oss://bucket/pkg.tar.gz"
        task.Parameters.Command.EnvVars = {"INDEX": i}
        task.Parameters.StdoutRedirectPath = "oss://bucket/logs/"
        task.Parameters.StderrRedirectPath = "oss://bucket/logs/"
        dag.add_task("t%d" % i, task)
        if i:
            dag.Dependencies["t%d" % (i - 1)] = ["t%d" % i]
    job.DAG = dag
    job.validate()
    return job


def scenario_get_task_returns_stored(bc):
    dag = bc.DAG()
    dag.add_task("echo", _echo_task(bc))
    return dag.get_task("echo")


# ---------------------------------------------------------------------------------------------
# clusters
# ---------------------------------------------------------------------------------------------


def scenario_cluster_from_seed_dump(bc):
    return bc.ClusterDescription(_seed_cluster(bc).dump())


def scenario_cluster_copies(bc):
    cluster = _seed_cluster(bc)
    return {
        "copy": copy.copy(cluster),
        "deepcopy": copy.deepcopy(cluster),
        "constructor": bc.ClusterDescription(cluster),
        "dict": bc.ClusterDescription(json.loads(cluster.dump())),
    }


def scenario_cluster_configs_read_then_disks(bc):
    cluster = bc.ClusterDescription()
    cluster.Name = "lazy"
    cluster.ImageId = "img-1"
    cluster.Configs.add_system_disk(40)
    cluster.Configs.add_data_disk(40, "cloud", "/home/disk")
    cluster.add_group("g", {"DesiredVMCount": 2, "InstanceType": "ecs.x"})
    cluster.validate()
    return cluster


def scenario_cluster_configs_read_then_copied(bc):
    cluster = bc.ClusterDescription()
    cluster.Configs.add_system_disk(40)
    cluster.Configs.add_data_disk(40, "cloud", "/home/disk")
    return bc.ClusterDescription(cluster)


def scenario_cluster_disks_with_mount_point_assigned(bc):
    cluster = bc.ClusterDescription()
    configs = bc.Configs()
    configs.add_system_disk(60, "cloud_ssd")
    configs.add_data_disk(200, "cloud_efficiency", "/home/data")
    cluster.Configs = configs
    return cluster


def scenario_cluster_lazy_reads(bc):
    cluster = bc.ClusterDescription()
    cluster.EnvVars
    cluster.Configs
    return cluster


def scenario_cluster_misc_properties(bc):
    cluster = bc.ClusterDescription()
    cluster.Name = "misc"
    cluster.Description = "d"
    cluster.ImageId = "img-1"
    cluster.InstanceType = "ecs.sn1.medium"
    cluster.UserData = {"key": 1}
    cluster.ScheduleType = "Push"
    cluster.Bootstrap = "oss://bucket/boot.sh"
    cluster.EnvVars = {"A": 1}
    cluster.PasswordInherit = True
    cluster.DependencyIsvService = "isv"
    cluster.Notification.Topic.Name = "t"
    cluster.Notification.Topic.Events = ["OnClusterDeleted"]
    return cluster


def scenario_cluster_envvars_not_coerced(bc):
    return [bc.ClusterDescription({"EnvVars": {"k": 1}}), bc.ClusterDescription('{"UserData": {"k": 2}}')]


def scenario_cluster_groups_ways(bc):
    cluster = bc.ClusterDescription()
    group = bc.GroupDescription()
    group.DesiredVMCount = 1
    group.InstanceType = "ecs.a"
    cluster.add_group("object", group)
    group.DesiredVMCount = 9
    cluster.add_group("dict", {"DesiredVMCount": 2, "InstanceType": "ecs.b", "Bogus": 1})
    cluster.add_group("json", '{"DesiredVMCount": 3}')
    cluster.add_group("gone", {"DesiredVMCount": 4})
    cluster.delete_group("gone")
    cluster.delete_group("never-there")
    cluster.get_group("dict").DesiredVMCount = 20
    return cluster


def scenario_cluster_groups_assignment(bc):
    cluster = bc.ClusterDescription()
    cluster.Groups = {"g": {"DesiredVMCount": 2}, "h": '{"DesiredVMCount": 5}'}
    return cluster


def scenario_group_spot(bc):
    group = bc.GroupDescription()
    group.DesiredVMCount = 3
    group.InstanceType = "ecs.x"
    group.ResourceType = "Spot"
    group.SpotStrategy = "SpotWithPriceLimit"
    group.SpotPriceLimit = 0.25
    group.HostnamePrefix = "worker"
    group.ImageId = "img-2"
    group.Mode = "mode"
    return group


def scenario_group_blank_instance_type(bc):
    blank = bc.GroupDescription()
    blank.InstanceType = ""
    from_dict = bc.GroupDescription({"InstanceType": "", "DesiredVMCount": 2})
    from_json = bc.GroupDescription('{"InstanceType": "", "DesiredVMCount": 3}')
    kept = bc.GroupDescription()
    kept.InstanceType = "ecs.x"
    kept.InstanceType = ""
    return [blank, from_dict, from_json, kept]


def scenario_configs_disks_variants(bc):
    default_type = bc.Configs()
    default_type.add_system_disk(40)
    default_type.add_data_disk(100)
    mount = bc.Configs()
    mount.add_data_disk(40, "cloud", "/home/disk")
    keywords = bc.Configs()
    keywords.add_system_disk(size=40, type_="cloud_ssd")
    keywords.add_data_disk(size=40, type_="cloud_ssd", mount_point="/mnt")
    blank = bc.Configs()
    blank.add_data_disk(40, "", "")
    twice = bc.Configs()
    twice.add_data_disk(40, "cloud", "/mnt")
    twice.add_data_disk(50)
    floats = bc.Configs()
    floats.add_system_disk(40.5, "cloud_ssd")
    return [default_type, mount, keywords, blank, twice, floats]


def scenario_configs_disks_variants_copied(bc):
    return [bc.Configs(configs) for configs in scenario_configs_disks_variants(bc)]


def scenario_configs_disks_attribute_api(bc):
    configs = bc.Configs()
    configs.Disks.SystemDisk.Size = 40
    configs.Disks.SystemDisk.Type = "cloud_ssd"
    configs.Disks.DataDisk.Size = 100
    configs.Disks.DataDisk.Type = ""
    configs.Disks.DataDisk.MountPoint = ""
    return configs


def scenario_configs_disks_dict(bc):
    configs = bc.Configs()
    configs.Disks = {"SystemDisk": {"Size": 40, "Type": ""}, "DataDisk": {"Size": 10, "MountPoint": ""}}
    return configs


def scenario_disks_reads(bc):
    disks = bc.Disks()
    disks.SystemDisk
    disks.DataDisk
    system = bc.SystemDisk()
    system.Type = ""
    system.Size = 10
    data = bc.DataDisk()
    data.Type = ""
    data.MountPoint = ""
    data.Size = 20
    return [disks, system, data]


def scenario_configs_copies(bc):
    configs = bc.Configs()
    return {
        "copy": copy.copy(configs),
        "deepcopy": copy.deepcopy(configs),
        "constructor": bc.Configs(configs),
        "json": bc.Configs(configs.dump()),
        "dict": bc.Configs(json.loads(configs.dump())),
    }


def scenario_configs_load(bc):
    configs = bc.Configs()
    configs.add_system_disk(40)
    other = bc.Configs()
    other.load(configs.dump())
    return other


def scenario_configs_networks_type(bc):
    classic = bc.Configs()
    classic.set_networks_type(True)
    vpc = bc.Configs()
    vpc.set_networks_type(False)
    default = bc.Configs()
    default.set_networks_type()
    keyword = bc.Configs()
    keyword.set_networks_type(classicnetworks=True)
    legacy = bc.Configs()
    legacy.set_classic_netWorks()
    back = bc.Configs()
    back.set_classic_netWorks()
    back.set_networks_type(False)
    return [classic, vpc, default, keyword, legacy, back]


def scenario_configs_networks_type_copied(bc):
    return [bc.Configs(configs) for configs in scenario_configs_networks_type(bc)]


def scenario_configs_classic_in_cluster(bc):
    cluster = bc.ClusterDescription()
    configs = bc.Configs()
    configs.set_classic_netWorks()
    configs.add_system_disk(40)
    cluster.Configs = configs
    return cluster


def scenario_configs_networks_object(bc):
    configs = bc.Configs()
    networks = bc.Networks()
    networks.VPC.VpcId = "vpc-1"
    networks.VPC.CidrBlock = "10.0.0.0/8"
    networks.Classic.AllowSecurityGroup = ["sg-1"]
    configs.Networks = networks
    return configs


def scenario_configs_networks_dict(bc):
    configs = bc.Configs()
    configs.Networks = {"VPC": {"VpcId": "v"}}
    return configs


def scenario_networks_full(bc):
    classic = bc.Classic()
    classic.AllowSecurityGroup = ["a"]
    classic.AllowSecurityGroupEgress = ["b"]
    classic.AllowIpAddress = ["1.2.3.4"]
    classic.AllowIpAddressEgress = ["5.6.7.8"]
    vpc = bc.VPC()
    vpc.CidrBlock = "10.0.0.0/8"
    vpc.VpcId = "vpc"
    vpc.ExpressConnectSpec = "spec"
    vpc.OppositeRegionId = "cn-hangzhou"
    vpc.OppositeAccessPointId = "ap"
    vpc.OppositeRouterType = "VRouter"
    vpc.OppositeRouterId = "vrt"
    vpc.OppositeInterfaceId = "ri"
    networks = bc.Networks()
    networks.Classic = classic
    networks.VPC = vpc
    return networks


def scenario_mounts_full(bc):
    mounts = bc.Mounts()
    mounts.Entries = [{"Source": "oss://a/", "Destination": "/a"}]
    mounts.add_entry({"Source": "nas://b/", "Destination": "/b", "WriteSupport": True})
    mounts.NAS.AccessGroup = ["ag"]
    mounts.NAS.FileSystem = ["fs"]
    mounts.OSS.AccessKeyId = "id"
    mounts.OSS.AccessKeySecret = "secret"
    mounts.OSS.SecurityToken = "token"
    mounts.Locale = "UTF-8"
    mounts.Lock = True
    mounts.CacheSupport = True
    mounts.CacheBlockSize = 1024
    mounts.CacheTotalSize = 2048
    mounts.RefreshStrategy = "strategy"
    mounts.RefreshTopicName = "topic"
    mounts.RefreshTimeOut = 30
    mounts.NasMetaCache = True
    return mounts


def scenario_mounts_objects(bc):
    mounts = bc.Mounts()
    nas = bc.NAS()
    nas.AccessGroup = ["ag"]
    nas.FileSystem = ["fs"]
    mounts.NAS = nas
    oss = bc.OSS({"AccessKeyId": "id", "AccessKeySecret": "s"})
    mounts.OSS = oss
    mounts.add_entry(bc.MountEntry({"Source": "x", "Bogus": 1}))
    mounts.add_entry('{"Source": "y", "Destination": "/y"}')
    return mounts


def scenario_mounts_reads_and_copy(bc):
    mounts = bc.Mounts()
    mounts.Entries
    mounts.NAS
    mounts.OSS
    entries = bc.Mounts({"Entries": [{"Source": "oss://a/", "Destination": "/a", "Bogus": 1}]})
    return [mounts, entries, bc.Mounts(entries), copy.deepcopy(entries)]


def scenario_mounts_raw_append(bc):
    mounts = bc.Mounts()
    mounts.Entries.append({"Source": "x"})
    return mounts


def scenario_mounts_assignment_copies(bc):
    configs = bc.Configs()
    mounts = bc.Mounts()
    mounts.add_entry({"Source": "a"})
    configs.Mounts = mounts
    mounts.add_entry({"Source": "b"})
    return configs


def scenario_cluster_with_mounts(bc):
    cluster = _seed_cluster(bc)
    cluster.Configs.Mounts.add_entry({"Source": "oss://bucket/", "Destination": "/mnt/oss", "WriteSupport": False})
    cluster.Configs.Mounts.NAS.FileSystem = ["fs-1"]
    cluster.Configs.Mounts.NAS.AccessGroup = ["ag-1"]
    return cluster


def scenario_modify_cluster_attribute_api(bc):
    modify = bc.ModifyClusterDescription()
    group = bc.ModifyGroupDescription()
    group.DesiredVMCount = 3
    group.InstanceType = "ecs.x"
    group.SpotStrategy = "SpotWithPriceLimit"
    group.SpotPriceLimit = 0.5
    modify.add_group("group1", group)
    modify.add_group("group2", {"DesiredVMCount": 0})
    modify.ImageId = "img-2"
    modify.UserData = {"k": "v"}
    modify.EnvVars = {"A": "1"}
    modify.Configs.Mounts.add_entry({"Source": "oss://b/", "Destination": "/b", "WriteSupport": False})
    return modify


def scenario_modify_cluster_reads(bc):
    modify = bc.ModifyClusterDescription()
    modify.UserData
    modify.EnvVars
    modify.Configs
    modify.ImageId
    return modify


def scenario_modify_cluster_imageid_read(bc):
    modify = bc.ModifyClusterDescription()
    value = modify.ImageId
    return {"value": value, "modify": modify}


def scenario_modify_cluster_configs_object(bc):
    modify = bc.ModifyClusterDescription()
    configs = bc.ModifyConfigs()
    mounts = bc.Mounts()
    mounts.add_entry({"Source": "nas://n/", "Destination": "/n"})
    configs.Mounts = mounts
    modify.Configs = configs
    return modify


def scenario_modify_cluster_groups(bc):
    modify = bc.ModifyClusterDescription()
    modify.add_group("a", {"DesiredVMCount": 1})
    modify.add_group("b", {"DesiredVMCount": 2})
    modify.delete_group("b")
    modify.delete_group("zz")
    got = modify.get_group("a")
    got.SpotPriceLimit = None
    return {"modify": modify, "group": got}


def scenario_modify_cluster_from_dict(bc):
    return bc.ModifyClusterDescription(
        {
            "Groups": {"group1": {"DesiredVMCount": 5, "SpotPriceLimit": 0.1}},
            "ImageId": "img-3",
            "Configs": {"Mounts": {"Entries": [{"Source": "s", "Destination": "d"}]}},
        }
    )


def scenario_modify_group_float(bc):
    return [bc.ModifyGroupDescription({"SpotPriceLimit": 1.0}), bc.ModifyGroupDescription({"SpotPriceLimit": None})]


# ---------------------------------------------------------------------------------------------
# images
# ---------------------------------------------------------------------------------------------


def scenario_image_attribute_api(bc):
    image = bc.ImageDescription()
    image.Name = "my-image"
    image.Description = "d"
    image.Platform = "Linux"
    image.EcsImageId = "m-123"
    image.IdempotentToken = "tok"
    image.validate()
    return image


def scenario_image_ways(bc):
    data = {"Name": "n", "Platform": "Windows", "EcsImageId": "m", "Bogus": 1}
    image = bc.ImageDescription(data)
    copied = bc.ImageDescription(image)
    copied.Name = "changed"
    return [image, bc.ImageDescription(json.dumps(data)), copy.copy(image), copied]


# ---------------------------------------------------------------------------------------------
# apps
# ---------------------------------------------------------------------------------------------


def scenario_app_desc_full(bc):
    app = _app_desc(bc)
    app.validate()
    return app


def scenario_app_desc_copies(bc):
    app = _app_desc(bc)
    return {"copy": copy.copy(app), "constructor": bc.AppDescription(app), "json": bc.AppDescription(app.dump())}


def scenario_app_desc_all_setters(bc):
    app = bc.AppDescription()
    app.set_resource_type("Spot")
    app.set_instance_type("ecs.x", False, "desc")
    app.set_instance_count(2)
    app.set_min_disk_size(50)
    app.set_disk_type("cloud_ssd")
    app.set_min_data_disk_size(100)
    app.set_data_disk_type("cloud")
    app.set_data_disk_mount_point("/data")
    app.set_max_retry_count(3)
    app.set_timeout(60)
    return app


def scenario_app_desc_setter_keywords(bc):
    app = bc.AppDescription()
    app.set_instance_type("ecs.x", overwritable=False, description="d")
    app.set_instance_count(1.5, description="float")
    return app


def scenario_app_desc_config_reads(bc):
    app = bc.AppDescription()
    app.Config.InstanceType
    app.Config.Timeout.Default = 100
    return app


def scenario_app_desc_config_read_only(bc):
    app = bc.AppDescription()
    app.Config
    return app


def scenario_app_desc_vm(bc):
    app = bc.AppDescription()
    app.Name = "vm-app"
    app.CommandLine = "run"
    app.VM.ECSImageId = "m-1"
    app.Daemonize = True
    app.EnvVars = {"A": 1}
    return app


def scenario_app_desc_docker_dicts(bc):
    app = bc.AppDescription()
    app.Docker = {"Image": "i", "Bogus": 1}
    app.VM = {"ECSImageId": "m"}
    return app


def scenario_app_desc_parameters(bc):
    app = bc.AppDescription()
    number = bc.InputParameter({"Type": "Number", "Default": 5, "Description": "n", "LocalPath": "/x"})
    app.InputParameters = {"n": number, "s": {"Default": "text"}}
    output = bc.OutputParameter()
    output.LocalPath = "/out"
    app.OutputParameters = {"o": output}
    app.InputParameters["later"] = bc.Parameter()
    app.InputParameters["later"].Type = "Number"
    return app


def scenario_parameters_variants(bc):
    number = bc.Parameter()
    number.Type = "Number"
    number.Default = 3
    floating = bc.Parameter()
    floating.Type = "Number"
    floating.Default = 1.5
    null = bc.Parameter({"Type": "Number", "Default": None})
    boolean = bc.Parameter()
    boolean.Default = True
    typeless = bc.Parameter()
    typeless.Type = None
    return [bc.Parameter(), number, floating, null, boolean, typeless]


def scenario_parameter_default_before_type(bc):
    # Default first, then the Type it fits
    param = bc.Parameter()
    param.Default = 3
    param.Type = "Number"
    app = bc.AppDescription()
    app.InputParameters = {"n": param}
    return app


def scenario_app_config_classes(bc):
    return [
        bc.AppConfig({"InstanceType": {"Default": "x"}}),
        bc.InstanceCount({"Default": 2, "Overwritable": False}),
        bc.Timeout({"Default": 10, "Description": "t"}),
        bc.DataDiskMountPoint({"Default": "/d"}),
    ]


def scenario_app_job_attribute_api(bc):
    job = bc.AppJobDescription()
    job.Name = "app-job"
    job.Type = "App"
    job.Priority = 1
    job.Description = "d"
    job.AutoRelease = True
    job.JobFailOnInstanceFail = False
    job.App.AppName = "ffmpeg"
    job.App.add_input("input", "oss://bucket/in.mp4")
    job.App.add_input("count", 3)
    job.App.Logging.StdoutPath = "oss://bucket/stdout/"
    job.App.Logging.StderrPath = "oss://bucket/stderr/"
    job.App.Config.InstanceCount = 2
    job.App.Config.InstanceType = "ecs.x"
    job.App.Config.Timeout = 600
    job.validate()
    return job


def scenario_app_job_outputs_assigned(bc):
    job = bc.AppJobDescription()
    job.App.Outputs = {"output": "oss://bucket/out/"}
    job.Notification.Topic.Name = "t"
    return job


def scenario_app_job_inputs(bc):
    app = bc.App()
    app.AppName = "a"
    app.Inputs = {"a": 1}
    app.add_input("b", 2)
    app.add_input("c", 3)
    app.delete_input("c")
    app.delete_input("zz")
    return {"app": app, "b": app.get_input("b")}


def scenario_app_job_from_dict(bc):
    data = {
        "Name": "n",
        "Type": "App",
        "Bogus": 1,
        "App": {
            "AppName": "a",
            "Inputs": {"x": 1},
            "Config": {"Timeout": 5, "Bogus": 2},
            "Logging": {"StdoutPath": "o"},
        },
    }
    job = bc.AppJobDescription(data)
    return [job, bc.AppJobDescription(json.dumps(data)), bc.AppJobDescription(job), copy.deepcopy(job)]


def scenario_app_job_objects(bc):
    logging = bc.Logging()
    logging.StdoutPath = "oss://o/"
    logging.StderrPath = "oss://e/"
    config = bc.JobConfig(
        {
            "Timeout": 5,
            "MinDiskSize": 40,
            "DiskType": "cloud",
            "ResourceType": "OnDemand",
            "MinDataDiskSize": 1,
            "DataDiskType": "x",
            "DataDiskMountPoint": "/d",
            "MaxRetryCount": 1,
        }
    )
    app = bc.App()
    app.AppName = "a"
    app.Logging = logging
    app.Config = config
    job = bc.AppJobDescription()
    job.Name = "objs"
    job.Type = "App"
    job.App = app
    return job


# ---------------------------------------------------------------------------------------------
# misc semantics
# ---------------------------------------------------------------------------------------------


def scenario_string_none_assignments(bc):
    unset = bc.Command()
    unset.CommandLine = None
    removed = bc.Command()
    removed.CommandLine = "x"
    removed.CommandLine = None
    return [unset, removed]


def scenario_nulls_from_json(bc):
    return [bc.JobDescription('{"Name": null}'), bc.JobDescription({"Priority": None})]


def scenario_topic_list_assignment_copies(bc):
    topic = bc.Topic()
    events = ["a"]
    topic.Events = events
    events.append("b")
    return topic


def scenario_add_group_copies(bc):
    cluster = bc.ClusterDescription()
    group = bc.GroupDescription()
    group.DesiredVMCount = 1
    cluster.add_group("g", group)
    group.DesiredVMCount = 5
    return cluster


def scenario_unknown_attribute_assignment(bc):
    # a plain attribute that is not a property never reaches the JSON
    job = bc.JobDescription()
    job.NotAProperty = 1
    return job


def scenario_detail(bc):
    job = _seed_job(bc)
    detail = job.detail()
    return {
        "keys": sorted(detail),
        "Name": detail["Name"],
        "Priority": detail["Priority"],
        "json": json.loads(job.dump()),
    }


def scenario_dump_indents(bc):
    job = _seed_job(bc)
    return {
        "2": json.loads(job.dump(indent=2)),
        "none": json.loads(job.dump(indent=None)),
        "str": json.loads(str(job)),
        "repr": json.loads(repr(job)),
    }


def scenario_cluster_validate_skips_configs(bc):
    # validate() descends only into the properties it requires: Configs is not one of them
    no_disks = bc.ClusterDescription()
    no_disks.Name = "n"
    no_disks.ImageId = "i"
    no_disks.Configs.Mounts.add_entry({"Source": "oss://b/", "Destination": "/b"})
    no_disks.validate()
    partial = bc.ClusterDescription()
    partial.Name = "n"
    partial.ImageId = "i"
    partial.Configs.add_system_disk(40)
    partial.validate()
    return [no_disks, partial]


def scenario_configs_validate_after_add_system_disk(bc):
    # disks set by the helpers are not descended into
    configs = bc.Configs()
    configs.add_system_disk(40)
    configs.validate()
    return configs


def scenario_validate_skips_optional_children(bc):
    auto = bc.AutoCluster()
    auto.Configs
    auto.validate()
    app_job = bc.AppJobDescription()
    app_job.Name = "n"
    app_job.Type = "App"
    app_job.App.AppName = "a"
    app_job.App.Logging
    app_job.validate()
    app = bc.AppDescription()
    app.Name = "n"
    app.CommandLine = "c"
    app.InputParameters["x"] = {}
    app.validate()
    job = bc.JobDescription()
    job.Name = "n"
    job.Priority = 1
    job.DAG.add_task("not-validated", {})
    job.validate()
    return [auto, app_job, app, job]


def scenario_task_full(bc):
    return _full_task(bc)


def scenario_task_full_autocluster(bc):
    task = _full_task(bc)
    task.ClusterId = ""
    task.AutoCluster.InstanceType = "ecs.x"
    task.AutoCluster.ImageId = "img"
    return task


# In the official SDK a description object nested two levels or more below the one dumped is written
# in its rebuilt-from-JSON form (defaults back, partial values completed); a direct child is
# written as it is. The scenarios below return the outer and the inner object, dumped separately.


def scenario_dump_nested_deleted_keys(bc):
    task = bc.TaskDescription()
    del task.Parameters.Command["EnvVars"]
    job = bc.JobDescription()
    job.Notification.Topic
    del job.Notification.Topic["Name"]
    return {"task": task, "parameters": task.Parameters, "job": job, "notification": job.Notification}


def scenario_dump_nested_tasks_in_jobs(bc):
    job = bc.JobDescription()
    job.DAG.add_task("a", {"ClusterId": "c"})
    del job.DAG.Tasks["a"]["Timeout"]
    del job.DAG.Tasks["a"].Parameters.Command["Docker"]
    job.DAG.Tasks["raw"] = {"ClusterId": "c"}
    return {"job": job, "dag": job.DAG}


def scenario_dump_nested_depth_one_kept(bc):
    task = bc.TaskDescription()
    del task.Parameters["InputMappingConfig"]
    return task


def scenario_autocluster_configs_dict_placements(bc):
    disks = {"Disks": {"SystemDisk": {"Size": 40}, "DataDisk": {"Size": 50}}}
    standalone = bc.AutoCluster()
    standalone.Configs = disks
    task = bc.TaskDescription()
    inside = task.AutoCluster
    inside.Configs = disks
    updated = bc.AutoCluster()
    updated.update({"Configs": disks})
    return {
        "standalone": standalone,
        "built": bc.AutoCluster({"Configs": disks}),
        "updated": updated,
        "task": task,
        "autocluster_of_task": inside,
        "task_from_dict": bc.TaskDescription({"AutoCluster": {"Configs": disks}}),
    }


def scenario_cluster_configs_dict_placements(bc):
    disks = {"Disks": {"SystemDisk": {"Size": 40}, "DataDisk": {"Size": 50}}}
    assigned = bc.ClusterDescription()
    assigned.Configs = disks
    item = bc.ClusterDescription()
    item["Configs"] = disks
    updated = bc.ClusterDescription()
    updated.update({"Configs": disks})
    return {
        "assigned": assigned,
        "item": item,
        "updated": updated,
        "built": bc.ClusterDescription({"Configs": disks}),
        "json": bc.ClusterDescription(json.dumps({"Configs": disks})),
        "configs": bc.Configs(disks),
    }


def scenario_autocluster_disk_helpers_in_task(bc):
    task = bc.TaskDescription()
    task.AutoCluster.Configs.add_data_disk(40)
    job = bc.JobDescription()
    job.DAG.Tasks["x"] = task
    return {"task": task, "autocluster": task.AutoCluster, "configs": task.AutoCluster.Configs, "job": job}


def scenario_configs_helpers_in_place(bc):
    cluster = bc.ClusterDescription()
    cluster.Configs.add_data_disk(40)
    cluster.Configs.set_classic_netWorks()
    auto = bc.AutoCluster()
    auto.Configs.set_classic_netWorks()
    task = bc.TaskDescription()
    task.AutoCluster.Configs.set_classic_netWorks()
    return {"cluster": cluster, "configs": cluster.Configs, "autocluster": auto, "task": task}


def scenario_configs_networks_type_keeps_settings(bc):
    back = bc.ClusterDescription()
    back.Configs.set_classic_netWorks()
    back.Configs.set_networks_type(False)
    vpc_kept = bc.ClusterDescription()
    vpc_kept.Configs.Networks.VPC.VpcId = "v"
    vpc_kept.Configs.set_networks_type(False)
    vpc_dropped = bc.ClusterDescription()
    vpc_dropped.Configs.Networks.VPC.VpcId = "v"
    vpc_dropped.Configs.set_networks_type(True)
    classic_kept = bc.ClusterDescription()
    classic_kept.Configs.Networks.Classic.AllowIpAddress = ["10.0.0.1"]
    classic_kept.Configs.set_networks_type(True)
    both = bc.Configs()
    both.Networks = {"VPC": {"VpcId": "v"}, "Classic": {"AllowIpAddress": ["1"]}}
    both.set_networks_type(False)
    classic_only = bc.Configs()
    classic_only.Networks = {"VPC": {"VpcId": "v"}, "Classic": {"AllowIpAddress": ["1"]}}
    classic_only.set_networks_type(True)
    return {
        "back": back,
        "back_configs": back.Configs,
        "vpc_kept": vpc_kept.Configs,
        "vpc_dropped": vpc_dropped.Configs,
        "classic_kept": classic_kept.Configs,
        "both": both,
        "classic_only": classic_only,
    }


def scenario_disk_blank_assignments_ignored(bc):
    data = bc.DataDisk()
    data.Type = "x"
    data.Type = ""
    data.MountPoint = "/m"
    data.MountPoint = ""
    system = bc.SystemDisk()
    system.Type = "x"
    system.Type = ""
    return [data, system]


# ---------------------------------------------------------------------------------------------
# scenarios whose official output is a bug or a crash (see fixed.py)
# ---------------------------------------------------------------------------------------------


def scenario_unset_string_read(bc):
    job = bc.JobDescription()
    value = job.Name
    return {"value": value, "job": job}


def scenario_unset_number_read(bc):
    task = bc.TaskDescription()
    task.ClusterId = "c"
    value = (task.WriteSupport, bc.JobDescription().Priority)
    job = bc.JobDescription()
    job.Priority
    return {"value": list(value), "job": job, "task": task}


def scenario_unset_reads_in_app_desc(bc):
    app = bc.AppDescription()
    app.Docker
    app.VM
    app.Name
    return app


def scenario_task_validate_ok(bc):
    task = _full_task(bc)
    task.validate()
    return task


def scenario_task_validate_autocluster(bc):
    task = scenario_task_full_autocluster(bc)
    task.validate()
    return task


def scenario_app_outputs_methods(bc):
    app = bc.App()
    app.AppName = "a"
    app.add_output("o", "oss://o/")
    app.add_output("p", "oss://p/")
    app.delete_output("p")
    app.delete_output("zz")
    return {"app": app, "o": app.get_output("o")}


def scenario_bytes_strings(bc):
    command = bc.Command()
    command.CommandLine = b"echo bytes"
    group = bc.GroupDescription()
    group.InstanceType = b"ecs.x"
    return [command, group]


def scenario_group_instance_type_none(bc):
    group = bc.GroupDescription()
    group.InstanceType = None
    return group


def scenario_add_disk_type_keyword(bc):
    # the published documentation spells the keyword ``type``
    configs = bc.Configs()
    configs.add_system_disk(40, type="cloud_ssd")
    configs.add_data_disk(100, type="cloud", mount_point="/data")
    return configs


def scenario_parameter_bytes_default(bc):
    param = bc.Parameter()
    param.Default = b"text"
    return param


def _collect(prefix: str) -> Dict[str, Callable[[Any], Any]]:
    return {
        name[len(prefix) :]: value for name, value in globals().items() if name.startswith(prefix) and callable(value)
    }


# ---------------------------------------------------------------------------------------------
# error scenarios: each must raise
# ---------------------------------------------------------------------------------------------


def error_assign_int_to_string(bc):
    bc.JobDescription().Name = 1


def error_assign_list_to_string(bc):
    bc.TaskDescription().ClusterId = ["c"]


def error_assign_str_to_number(bc):
    bc.JobDescription().Priority = "1"


def error_assign_str_to_bool(bc):
    bc.JobDescription().AutoRelease = "yes"


def error_assign_int_to_bool(bc):
    bc.JobDescription().JobFailOnInstanceFail = 1


def error_assign_none_to_bool(bc):
    bc.JobDescription().JobFailOnInstanceFail = None


def error_assign_list_to_dict(bc):
    bc.TaskDescription().InputMapping = []


def error_assign_str_to_child(bc):
    bc.TaskDescription().Parameters = "x"


def error_assign_int_to_child(bc):
    bc.TaskDescription().AutoCluster = 5


def error_assign_none_to_child(bc):
    bc.JobDescription({"DAG": None})


def error_assign_other_class_to_child(bc):
    bc.TaskDescription().AutoCluster = bc.Configs()


def error_groups_not_a_dict(bc):
    bc.ClusterDescription().Groups = []


def error_groups_entry_int(bc):
    bc.ClusterDescription().Groups = {"g": 5}


def error_tasks_not_a_dict(bc):
    bc.DAG().Tasks = "x"


def error_dependencies_not_a_dict(bc):
    bc.DAG().Dependencies = []


def error_topic_events_str(bc):
    bc.Topic().Events = "x"


def error_topic_events_tuple(bc):
    bc.Topic().Events = ("a",)


def error_envvars_list(bc):
    bc.Command().EnvVars = ["a"]


def error_group_desired_count_str(bc):
    bc.GroupDescription().DesiredVMCount = "2"


def error_modify_group_spot_price_str(bc):
    bc.ModifyGroupDescription().SpotPriceLimit = "1"


def error_unknown_item_set(bc):
    bc.JobDescription()["Foo"] = 1


def error_unknown_item_read(bc):
    bc.JobDescription()["Foo"]


def error_unknown_attribute_read(bc):
    bc.JobDescription().Foo


def error_bad_json_constructor(bc):
    bc.JobDescription("{bad")


def error_bad_json_load(bc):
    bc.ClusterDescription().load("{bad")


def error_bad_json_empty_string(bc):
    bc.TaskDescription("not json at all")


def error_constructor_int(bc):
    bc.JobDescription(1)


def error_constructor_list(bc):
    bc.ClusterDescription([])


def error_constructor_other_class(bc):
    bc.JobDescription(bc.TaskDescription())


def error_constructor_bad_type_in_dict(bc):
    bc.JobDescription({"Name": 1})


def error_constructor_bad_type_in_json(bc):
    bc.JobDescription('{"Priority": "high"}')


def error_update_bad_type(bc):
    bc.JobDescription().update({"Name": 1})


def error_json_array(bc):
    bc.JobDescription("[1]")


def error_update_with_string(bc):
    bc.JobDescription().update('{"Name": "x"}')


def error_validate_job_missing_name(bc):
    job = _seed_job(bc)
    del job["Name"]
    job.validate()


def error_validate_job_missing_priority(bc):
    job = bc.JobDescription()
    job.Name = "n"
    job.validate()


def error_validate_job_missing_dag(bc):
    job = bc.JobDescription()
    job.Name = "n"
    job.Priority = 0
    job.validate()


def error_validate_job_missing_type(bc):
    job = _seed_job(bc)
    job.Type = ""
    job.validate()


def error_validate_dag_without_tasks(bc):
    job = _seed_job(bc)
    del job.DAG["Tasks"]
    job.validate()


def error_validate_task_blank(bc):
    bc.TaskDescription().validate()


def error_validate_task_missing_cluster(bc):
    task = _full_task(bc)
    task.ClusterId = ""
    task.validate()


def error_validate_task_both_cluster_and_autocluster(bc):
    task = _full_task(bc)
    task.AutoCluster.InstanceType = "ecs.x"
    task.validate()


def error_validate_command_missing_package_path(bc):
    command = bc.Command()
    command.CommandLine = "x"
    command.validate()


def error_validate_parameters_missing_stdout(bc):
    params = bc.Parameters()
    params.Command.CommandLine = "x"
    params.Command.PackagePath = ""
    params.validate()


def error_validate_cluster_missing_image(bc):
    cluster = bc.ClusterDescription()
    cluster.Name = "n"
    cluster.validate()


def error_validate_cluster_missing_name(bc):
    cluster = _seed_cluster(bc)
    cluster.Name = ""
    cluster.validate()


def error_validate_configs_without_disks(bc):
    bc.Configs().validate()


def error_validate_configs_with_empty_disks(bc):
    configs = bc.Configs()
    configs.Disks.SystemDisk
    configs.Disks.DataDisk
    configs.validate()


def error_validate_group_missing_count(bc):
    bc.GroupDescription().validate()


def error_validate_system_disk_size(bc):
    bc.SystemDisk().validate()


def error_validate_data_disk_size(bc):
    disk = bc.DataDisk()
    disk.MountPoint = "/x"
    disk.validate()


def error_validate_image_missing_platform(bc):
    image = bc.ImageDescription()
    image.EcsImageId = "m"
    image.validate()


def error_validate_image_missing_ecs_image(bc):
    image = bc.ImageDescription()
    image.Platform = "Linux"
    image.validate()


def error_validate_app_desc_missing_command_line(bc):
    app = bc.AppDescription()
    app.Name = "n"
    app.validate()


def error_validate_app_desc_missing_name(bc):
    app = bc.AppDescription()
    app.CommandLine = "x"
    app.validate()


def error_validate_app_job_missing_name(bc):
    bc.AppJobDescription().validate()


def error_validate_app_job_missing_app_name(bc):
    job = bc.AppJobDescription()
    job.Name = "n"
    job.Type = "App"
    job.validate()


def error_validate_app_missing_inputs(bc):
    app = bc.App()
    app.AppName = "x"
    del app["Inputs"]
    app.validate()


def error_parameter_number_default_str(bc):
    bc.Parameter({"Type": "Number", "Default": "abc"})


def error_parameter_string_default_int(bc):
    bc.InputParameter({"Type": "String", "Default": 3})


def error_parameter_bad_type_name(bc):
    bc.OutputParameter({"Type": "Bool", "Default": 3})


def error_parameter_default_list(bc):
    bc.Parameter().Default = [1]


def error_app_input_parameters_bad_default(bc):
    bc.AppDescription().InputParameters = {"x": {"Type": "Number", "Default": "abc"}}


def error_app_input_parameter_object_bad_default(bc):
    param = bc.Parameter()
    param.Default = 5  # fits no Type but the Number one; Type is still String
    bc.AppDescription().InputParameters = {"x": param}


def error_app_setter_bad_number(bc):
    bc.AppDescription().set_instance_count("x")


def error_app_setter_bad_string(bc):
    bc.AppDescription().set_instance_type(5)


def error_dag_get_task_missing(bc):
    bc.DAG().get_task("zz")


def error_cluster_get_group_missing(bc):
    bc.ClusterDescription().get_group("g")


def error_modify_cluster_get_group_missing(bc):
    bc.ModifyClusterDescription().get_group("g")


def error_app_get_input_missing(bc):
    bc.App().get_input("x")


def error_dag_add_task_int(bc):
    bc.DAG().add_task("a", 5)


def error_dag_add_task_bad_json(bc):
    bc.DAG().add_task("a", "x")


def error_dag_add_task_other_class(bc):
    bc.DAG().add_task("a", bc.AutoCluster())


def error_add_group_int(bc):
    bc.ClusterDescription().add_group("g", 5)


def error_add_group_other_class(bc):
    bc.ClusterDescription().add_group("g", bc.TaskDescription())


def error_add_entry_int(bc):
    bc.Mounts().add_entry(5)


def error_add_system_disk_str_size(bc):
    bc.Configs().add_system_disk("40")


def error_add_data_disk_int_type(bc):
    bc.Configs().add_data_disk(40, 5)


SCENARIOS: Dict[str, Callable[[Any], Any]] = _collect("scenario_")
ERRORS: Dict[str, Callable[[Any], Any]] = _collect("error_")
