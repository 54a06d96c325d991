"""Direct tests of the documented semantics of the description classes (resources.md)."""

from __future__ import annotations

import copy
import datetime
import json

import pytest

from batchcompute.core.exceptions import FieldError, JsonError, ValidationError
from batchcompute.resources import (
    DAG,
    App,
    AppDescription,
    AppJobDescription,
    AutoCluster,
    ClusterDescription,
    Command,
    Configs,
    GroupDescription,
    ImageDescription,
    InputParameter,
    JobDescription,
    ModifyClusterDescription,
    ModifyGroupDescription,
    Mounts,
    Notification,
    OutputParameter,
    Parameters,
    TaskDescription,
    Topic,
)
from batchcompute.resources.app import Parameter
from batchcompute.resources.cluster import DataDisk, Disks, MountEntry, Networks, SystemDisk


def data(obj):
    return json.loads(obj.dump())


def full_task(**extra):
    task = TaskDescription()
    task.Parameters.Command.CommandLine = "echo hi"
    task.Parameters.Command.PackagePath = ""
    task.Parameters.StdoutRedirectPath = "oss://b/out/"
    task.Parameters.StderrRedirectPath = "oss://b/err/"
    for key, value in extra.items():
        task[key] = value
    return task


def full_job():
    job = JobDescription()
    job.Name = "job"
    job.Priority = 1
    job.DAG.add_task("a", full_task(ClusterId="cls-1"))
    return job


# -- construction ---------------------------------------------------------------------------


class TestConstruction:
    def test_from_nothing_has_the_construction_defaults(self):
        assert data(JobDescription()) == {
            "Description": "Batchcompute Python SDK",
            "JobFailOnInstanceFail": True,
            "AutoRelease": False,
            "Type": "DAG",
        }
        assert data(DAG()) == {"Tasks": {}, "Dependencies": {}}
        assert data(GroupDescription()) == {"ResourceType": "OnDemand"}
        assert data(ModifyClusterDescription()) == {"Groups": {}}
        assert data(ImageDescription()) == {}
        assert data(Topic()) == {"Name": "", "Endpoint": "", "Events": [], "UserData": "", "UserTemplate": ""}
        assert data(Notification()) == {"Topic": data(Topic())}
        assert data(Configs()) == {"Networks": {"VPC": {"CidrBlock": "192.168.0.0/16"}}}
        task = data(TaskDescription())
        assert task["InstanceCount"] == 1 and task["Timeout"] == 3600 and task["MaxRetryCount"] == 0
        assert task["Parameters"]["InputMappingConfig"] == {"Locale": "GBK", "Lock": False}
        assert task["Parameters"]["Command"] == {"EnvVars": {}, "Docker": {"Image": ""}}

    def test_from_dict_json_bytes_and_copy_agree(self):
        source = {"Name": "n", "Priority": 3, "DAG": {"Tasks": {"a": {"ClusterId": "c"}}}}
        built = JobDescription(source)
        assert data(JobDescription(json.dumps(source))) == data(built)
        assert data(JobDescription(json.dumps(source).encode())) == data(built)
        assert data(JobDescription(built)) == data(built)
        assert isinstance(built.DAG, DAG)
        assert isinstance(built.DAG.Tasks["a"], TaskDescription)

    def test_dict_is_not_kept_by_reference(self):
        source = {"Name": "n", "DAG": {"Tasks": {}}}
        job = JobDescription(source)
        job.Name = "changed"
        job.DAG.Tasks["x"] = {}
        assert source == {"Name": "n", "DAG": {"Tasks": {}}}

    @pytest.mark.parametrize("arg", [1, 1.5, [], ["Name"], object(), True])
    def test_other_arguments_are_type_errors(self, arg):
        with pytest.raises(TypeError):
            JobDescription(arg)

    @pytest.mark.parametrize(
        "cls, other",
        [(JobDescription, TaskDescription), (ClusterDescription, Configs), (GroupDescription, ModifyGroupDescription)],
    )
    def test_another_class_is_a_type_error(self, cls, other):
        with pytest.raises(TypeError):
            cls(other())

    @pytest.mark.parametrize("text", ["{bad", "", "not json", "{'single': 1}"])
    def test_bad_json_is_a_json_error(self, text):
        with pytest.raises(JsonError):
            JobDescription(text)
        with pytest.raises(JsonError):
            JobDescription().load(text)

    def test_unknown_keys_are_dropped(self):
        job = JobDescription({"Name": "n", "Unknown": 1})
        assert "Unknown" not in data(job)
        job = JobDescription('{"Name": "n", "Unknown": 1}')
        assert "Unknown" not in data(job)
        job.update({"Other": 2, "Priority": 1})
        assert "Other" not in data(job) and job.Priority == 1
        job.load('{"Third": 3}')
        assert "Third" not in data(job)


# -- property types -------------------------------------------------------------------------


class TestPropertyTypes:
    @pytest.mark.parametrize("value", [1, 1.5, [], {}, True])
    def test_string_rejects_other_types(self, value):
        job = JobDescription()
        with pytest.raises(TypeError) as info:
            job.Name = value
        assert "Property Name must be type of" in str(info.value)

    def test_string_accepts_str_bytes_none(self):
        job = JobDescription()
        job.Name = "text"
        assert job.Name == "text"
        job.Name = b"bytes"
        assert data(job)["Name"] == "bytes"
        job.Name = None
        assert "Name" not in data(job)

    @pytest.mark.parametrize("value", [0, 7, 2.5, True, None])
    def test_number_accepts_int_float_bool_none(self, value):
        job = JobDescription()
        job.Priority = value
        assert data(job)["Priority"] == value

    @pytest.mark.parametrize("value", ["1", [], {}])
    def test_number_rejects_other_types(self, value):
        with pytest.raises(TypeError):
            JobDescription().Priority = value

    @pytest.mark.parametrize("value", [1, 0, "true", None])
    def test_bool_accepts_only_bool(self, value):
        with pytest.raises(TypeError):
            JobDescription().AutoRelease = value

    def test_dict_and_list_properties(self):
        task = TaskDescription()
        with pytest.raises(TypeError):
            task.InputMapping = []
        with pytest.raises(TypeError):
            Topic().Events = "OnJobFinished"
        with pytest.raises(TypeError):
            Topic().Events = ("OnJobFinished",)

    def test_blank_string_removes_a_set_value(self):
        job = JobDescription()
        job.Name = "x"
        job.Name = ""
        assert "Name" not in job
        assert "Name" not in data(job)
        job.Description = ""
        assert "Description" not in data(job)

    def test_dict_becomes_the_description_class(self):
        task = TaskDescription()
        task.AutoCluster = {"InstanceType": "ecs.x", "Configs": {"Disks": {"SystemDisk": {"Size": 40}}}}
        assert isinstance(task.AutoCluster, AutoCluster)
        assert isinstance(task.AutoCluster.Configs, Configs)
        assert isinstance(task.AutoCluster.Configs.Disks, Disks)
        assert task.AutoCluster.Configs.Disks.SystemDisk.Size == 40
        assert task.AutoCluster.ECSImageId == ""  # the class's construction default

    def test_other_description_class_is_a_type_error(self):
        with pytest.raises(TypeError):
            TaskDescription().AutoCluster = Configs()
        with pytest.raises(TypeError):
            TaskDescription().Parameters = "x"
        with pytest.raises(TypeError):
            TaskDescription().Parameters = 5

    def test_env_vars_values_become_strings(self):
        command = Command()
        command.EnvVars = {"I": 1, "F": 2.5, "B": True, "S": "s"}
        assert command.EnvVars == {"I": "1", "F": "2.5", "B": "True", "S": "s"}
        assert Command({"EnvVars": {"N": 3}}).EnvVars == {"N": "3"}

    def test_group_blank_instance_type_is_never_stored(self):
        group = GroupDescription()
        group.InstanceType = ""
        assert "InstanceType" not in group
        assert "InstanceType" not in data(GroupDescription({"InstanceType": "", "DesiredVMCount": 1}))

    def test_modify_group_spot_price_limit_is_a_float(self):
        group = ModifyGroupDescription()
        group.SpotPriceLimit = 0.5
        assert data(group) == {"SpotPriceLimit": 0.5}
        with pytest.raises(TypeError):
            group.SpotPriceLimit = "0.5"


# -- reading properties ---------------------------------------------------------------------


class TestReading:
    def test_nested_assignment_through_reads(self):
        task = TaskDescription()
        task.Parameters.Command.CommandLine = "x"
        assert data(task)["Parameters"]["Command"]["CommandLine"] == "x"

    def test_description_property_read_once_appears_in_json(self):
        task = TaskDescription()
        assert "AutoCluster" not in data(task)
        auto = task.AutoCluster
        assert isinstance(auto, AutoCluster)
        assert task.AutoCluster is auto
        assert data(task)["AutoCluster"] == {
            "InstanceType": "",
            "ECSImageId": "",
            "UserData": {},
            "ReserveOnFail": False,
            "DependencyIsvService": "",
        }
        task = TaskDescription()
        task.Mounts
        assert data(task)["Mounts"] == {}

    def test_dict_property_read_is_stored(self):
        cluster = ClusterDescription()
        assert "EnvVars" not in data(cluster)
        cluster.EnvVars["A"] = "1"
        assert data(cluster)["EnvVars"] == {"A": "1"}

    @pytest.mark.parametrize(
        "cls, name",
        [
            (JobDescription, "Name"),
            (JobDescription, "Priority"),
            (TaskDescription, "ClusterId"),
            (TaskDescription, "WriteSupport"),
            (ClusterDescription, "ImageId"),
            (AppDescription, "CommandLine"),
            (GroupDescription, "DesiredVMCount"),
        ],
    )
    def test_unset_plain_property_reads_none_and_stores_nothing(self, cls, name):
        obj = cls()
        before = data(obj)
        assert getattr(obj, name) is None
        assert obj[name] is None
        assert name not in obj
        assert data(obj) == before

    def test_modify_cluster_image_id_reads_blank(self):
        modify = ModifyClusterDescription()
        assert modify.ImageId == ""
        assert data(modify) == {"Groups": {}, "ImageId": ""}

    def test_attribute_and_item_access_agree(self):
        job = JobDescription()
        job["Name"] = "a"
        assert job.Name == "a"
        job.Name = "b"
        assert job["Name"] == "b"

    def test_unknown_names(self):
        job = JobDescription()
        with pytest.raises(KeyError):
            job["Foo"]
        with pytest.raises(FieldError):
            job["Foo"] = 1
        with pytest.raises(AttributeError):
            job.Foo

    def test_del(self):
        job = JobDescription()
        job.Name = "x"
        del job["Name"]
        assert "Name" not in job
        del job["Name"]  # absent: no error
        del job["Description"]
        assert "Description" not in data(job)


# -- the dict-like API and bulk operations --------------------------------------------------


class TestDictApi:
    def test_keys_items_get_in_iteration(self):
        job = JobDescription()
        job.Name = "n"
        expected = {
            "Name": "n",
            "Description": "Batchcompute Python SDK",
            "JobFailOnInstanceFail": True,
            "AutoRelease": False,
            "Type": "DAG",
        }
        assert set(job.keys()) == set(expected)
        assert set(job) == set(expected)
        assert dict(job.items()) == expected
        assert job.get("Name") == "n"
        assert job.get("Priority") is None
        assert job.get("Priority", 5) == 5
        assert "Name" in job and "Priority" not in job
        assert "Priority" not in job  # get() and `in` do not create anything
        assert "Priority" not in data(job)

    def test_update(self):
        task = TaskDescription()
        task.update({"Timeout": 10, "Parameters": {"Command": {"CommandLine": "x"}}})
        assert task.Timeout == 10
        assert isinstance(task.Parameters, Parameters)
        assert task.Parameters.Command.CommandLine == "x"
        assert task.Parameters.InputMappingConfig.Locale == "GBK"

    def test_update_type_error(self):
        with pytest.raises(TypeError):
            JobDescription().update({"Name": 1})

    def test_load_merges(self):
        job = JobDescription()
        job.Name = "kept"
        job.load('{"Priority": 2}')
        assert job.Name == "kept" and job.Priority == 2

    def test_detail_is_a_deep_copy(self):
        job = full_job()
        detail = job.detail()
        assert isinstance(detail, dict)
        assert set(detail) == set(job.keys())
        assert detail["Name"] == "job"
        detail["Name"] = "changed"
        detail["DAG"].Tasks["a"].ClusterId = "changed"
        assert job.Name == "job"
        assert job.DAG.Tasks["a"].ClusterId == "cls-1"

    def test_detail_dicts_are_copies(self):
        task = TaskDescription()
        task.InputMapping = {"a": "b"}
        task.detail()["InputMapping"]["x"] = "y"
        assert task.InputMapping == {"a": "b"}

    def test_dump_indent(self):
        job = JobDescription()
        assert job.dump() == json.dumps(json.loads(job.dump()), indent=4)
        assert job.dump(indent=2) == json.dumps(json.loads(job.dump()), indent=2)
        assert job.dump(indent=None) == json.dumps(json.loads(job.dump()))
        assert job.dump().startswith('{\n    "')

    def test_dump_datetime(self):
        cluster = ClusterDescription()
        cluster.UserData = {"t": datetime.datetime(2020, 1, 2, 3, 4, 5, 6)}
        assert data(cluster)["UserData"] == {"t": "2020-01-02 03:04:05.000006"}

    def test_str_and_repr_are_dump(self):
        job = full_job()
        assert str(job) == job.dump()
        assert repr(job) == job.dump()


# -- copies ---------------------------------------------------------------------------------


class TestCopies:
    @pytest.mark.parametrize(
        "make_copy", [copy.copy, copy.deepcopy, JobDescription, lambda job: JobDescription(job.dump())]
    )
    def test_copies_are_independent(self, make_copy):
        job = full_job()
        job.Notification.Topic.Events = ["OnJobFinished"]
        before = data(job)
        other = make_copy(job)
        assert data(other) == before
        other.Name = "other"
        other.DAG.Tasks["a"].Parameters.Command.CommandLine = "other"
        other.DAG.Tasks["a"].Parameters.Command.EnvVars["X"] = "1"
        other.DAG.Dependencies["a"] = ["b"]
        other.Notification.Topic.Events.append("OnJobFailed")
        assert data(job) == before

    def test_assignment_stores_an_independent_copy(self):
        params = Parameters()
        command = Command()
        command.CommandLine = "x"
        params.Command = command
        command.CommandLine = "y"
        command.EnvVars["A"] = "1"
        assert params.Command.CommandLine == "x"
        assert params.Command.EnvVars == {}
        assert params.Command is not command

    def test_dict_and_list_assignment_copies(self):
        task = TaskDescription()
        mapping = {"a": "b"}
        task.InputMapping = mapping
        mapping["c"] = "d"
        assert task.InputMapping == {"a": "b"}
        topic = Topic()
        events = ["a"]
        topic.Events = events
        events.append("b")
        assert topic.Events == ["a"]

    def test_copy_restores_defaults(self):
        job = JobDescription()
        del job["Description"]
        assert data(JobDescription(job))["Description"] == "Batchcompute Python SDK"
        assert data(copy.copy(job))["Description"] == "Batchcompute Python SDK"

    def test_seed_cluster_assignment_is_rebuilt_from_json(self):
        configs = Configs()
        configs.add_system_disk(40, "ephemeral")
        configs.add_data_disk(40, "ephemeral")
        assert data(configs)["Disks"]["DataDisk"] == {"Type": "ephemeral", "Size": 40, "MountPoint": ""}
        cluster = ClusterDescription()
        cluster.Configs = configs
        assert data(cluster)["Configs"] == {
            "Networks": {"VPC": {"CidrBlock": "192.168.0.0/16"}, "Classic": {}},
            "Disks": {"SystemDisk": {"Type": "ephemeral", "Size": 40}, "DataDisk": {"Type": "ephemeral", "Size": 40}},
        }
        assert data(configs)["Disks"]["DataDisk"]["MountPoint"] == ""  # the original is untouched


# -- validation -----------------------------------------------------------------------------


class TestValidate:
    def test_valid_descriptions_pass_and_change_nothing(self):
        for obj in (full_job(), full_task(ClusterId="c"), full_task(AutoCluster={"InstanceType": "ecs.x"})):
            before = data(obj)
            assert obj.validate() is None
            assert data(obj) == before

    @pytest.mark.parametrize("name", ["Name", "Priority", "Type", "JobFailOnInstanceFail", "DAG"])
    def test_job_required(self, name):
        job = full_job()
        del job[name]
        with pytest.raises(ValidationError) as info:
            job.validate()
        assert str(info.value) == name

    def test_descends_into_required_children(self):
        job = full_job()
        del job.DAG["Tasks"]
        with pytest.raises(ValidationError) as info:
            job.validate()
        assert str(info.value) == "Tasks"

    def test_tasks_of_a_dag_are_not_descended_into(self):
        job = full_job()
        job.DAG.add_task("incomplete", {})
        job.validate()

    @pytest.mark.parametrize("name", ["Parameters", "Timeout", "InstanceCount"])
    def test_task_required(self, name):
        task = full_task(ClusterId="c")
        del task[name]
        with pytest.raises(ValidationError) as info:
            task.validate()
        assert str(info.value) == name

    def test_task_needs_exactly_one_of_cluster_id_and_auto_cluster(self):
        with pytest.raises(ValidationError) as info:
            full_task().validate()
        assert str(info.value).startswith("One of the property in [")
        assert "ClusterId" in str(info.value) and "AutoCluster" in str(info.value)
        task = full_task(ClusterId="c")
        task.AutoCluster
        with pytest.raises(ValidationError) as info:
            task.validate()
        assert str(info.value).startswith("Only one property in [")
        assert str(info.value).endswith("should be assigned.")

    @pytest.mark.parametrize("name", ["CommandLine", "PackagePath"])
    def test_command_required(self, name):
        task = full_task(ClusterId="c")
        del task.Parameters.Command[name]
        with pytest.raises(ValidationError) as info:
            task.validate()
        assert str(info.value) == name

    @pytest.mark.parametrize("name", ["StdoutRedirectPath", "StderrRedirectPath"])
    def test_parameters_required(self, name):
        task = full_task(ClusterId="c")
        del task.Parameters[name]
        with pytest.raises(ValidationError):
            task.validate()

    def test_cluster_rules(self):
        cluster = ClusterDescription()
        with pytest.raises(ValidationError):
            cluster.validate()
        cluster.Name = "n"
        cluster.ImageId = "img"
        cluster.validate()
        with pytest.raises(ValidationError) as info:
            GroupDescription().validate()
        assert str(info.value) == "DesiredVMCount"
        with pytest.raises(ValidationError) as info:
            Configs().validate()
        assert str(info.value) == "Disks"
        with pytest.raises(ValidationError):
            SystemDisk().validate()
        with pytest.raises(ValidationError):
            DataDisk().validate()

    def test_image_and_app_rules(self):
        with pytest.raises(ValidationError):
            ImageDescription({"Platform": "Linux"}).validate()
        ImageDescription({"Platform": "Linux", "EcsImageId": "m"}).validate()
        with pytest.raises(ValidationError):
            AppDescription({"Name": "n"}).validate()
        AppDescription({"Name": "n", "CommandLine": "c"}).validate()
        job = AppJobDescription({"Name": "n", "Type": "App"})
        with pytest.raises(ValidationError) as info:
            job.validate()
        assert str(info.value) == "AppName"
        job.App.AppName = "a"
        job.validate()


# -- methods --------------------------------------------------------------------------------


class TestMethods:
    def test_add_task_stores_a_copy(self):
        dag = DAG()
        task = full_task(ClusterId="c")
        dag.add_task("a", task)
        task.ClusterId = "changed"
        assert dag.get_task("a").ClusterId == "c"
        assert dag.get_task("a") is not task
        dag.add_task("b", {"ClusterId": "d"})
        assert isinstance(dag.Tasks["b"], TaskDescription)
        assert dag.get_task("b") is dag.Tasks["b"]

    def test_get_task_and_delete_task(self):
        dag = DAG()
        with pytest.raises(KeyError):
            dag.get_task("missing")
        dag.add_task("a", {})
        dag.delete_task("a")
        dag.delete_task("a")
        assert dag.Tasks == {}

    def test_groups(self):
        for cls, group_cls in (
            (ClusterDescription, GroupDescription),
            (ModifyClusterDescription, ModifyGroupDescription),
        ):
            cluster = cls()
            group = group_cls()
            group.DesiredVMCount = 2
            cluster.add_group("g", group)
            group.DesiredVMCount = 5
            assert isinstance(cluster.get_group("g"), group_cls)
            assert cluster.get_group("g").DesiredVMCount == 2
            with pytest.raises(KeyError):
                cluster.get_group("missing")
            cluster.delete_group("g")
            cluster.delete_group("g")
            assert cluster.Groups == {}

    def test_app_inputs_and_outputs(self):
        app = App()
        app.add_input("in", "oss://in/")
        app.add_output("out", "oss://out/")
        assert app.get_input("in") == "oss://in/"
        assert app.get_output("out") == "oss://out/"
        assert data(app) == {"Inputs": {"in": "oss://in/"}, "Outputs": {"out": "oss://out/"}}
        with pytest.raises(KeyError):
            app.get_input("missing")
        with pytest.raises(KeyError):
            app.get_output("missing")
        app.delete_input("in")
        app.delete_output("out")
        app.delete_input("in")
        app.delete_output("out")
        assert data(app) == {"Inputs": {}, "Outputs": {}}

    def test_disks(self):
        configs = Configs()
        configs.add_system_disk(40)
        configs.add_data_disk(100)
        assert data(configs)["Disks"] == {
            "SystemDisk": {"Type": "cloud", "Size": 40},
            "DataDisk": {"Type": "cloud", "Size": 100, "MountPoint": ""},
        }
        configs.add_system_disk(50, type="cloud_ssd")
        configs.add_data_disk(60, type="cloud_efficiency", mount_point="/data")
        configs.add_data_disk(70, type_="cloud_ssd", mount_point="/home")
        assert data(configs)["Disks"] == {
            "SystemDisk": {"Type": "cloud_ssd", "Size": 50},
            "DataDisk": {"Type": "cloud_ssd", "Size": 70, "MountPoint": "/home"},
        }

    def test_networks(self):
        configs = Configs()
        configs.set_classic_netWorks()
        assert "VPC" not in data(configs)["Networks"]
        configs.set_networks_type(False)
        assert data(configs)["Networks"]["VPC"] == {"CidrBlock": "192.168.0.0/16"}
        configs.set_networks_type(True)
        assert "VPC" not in data(configs)["Networks"]
        configs = Configs()
        configs.set_networks_type(classicnetworks=True)
        assert "VPC" not in data(configs)["Networks"]

    def test_default_networks_can_be_edited(self):
        configs = Configs()
        configs.Networks.VPC.VpcId = "vpc-1"
        assert isinstance(configs.Networks, Networks)
        vpc = data(configs)["Networks"]["VPC"]
        assert vpc["VpcId"] == "vpc-1" and vpc["CidrBlock"] == "192.168.0.0/16"

    def test_mounts_add_entry(self):
        mounts = Mounts()
        entry = MountEntry()
        entry.Source = "oss://b/"
        entry.Destination = "/b"
        mounts.add_entry(entry)
        entry.Source = "changed"
        mounts.add_entry({"Source": "nas://n/", "Destination": "/n", "WriteSupport": True})
        assert all(isinstance(item, MountEntry) for item in mounts.Entries)
        assert data(mounts) == {
            "Entries": [
                {"Source": "oss://b/", "Destination": "/b"},
                {"Source": "nas://n/", "Destination": "/n", "WriteSupport": True},
            ]
        }


# -- apps -----------------------------------------------------------------------------------


class TestApps:
    def test_parameter_classes(self):
        assert InputParameter is OutputParameter
        assert InputParameter is Parameter
        assert data(Parameter()) == {"Description": "", "Type": "String", "Default": None, "LocalPath": ""}

    @pytest.mark.parametrize(
        "source",
        [{"Type": "Number", "Default": "abc"}, {"Type": "String", "Default": 3}, {"Type": "Boolean", "Default": True}],
    )
    def test_default_must_fit_type(self, source):
        with pytest.raises(RuntimeError):
            Parameter(source)
        with pytest.raises(RuntimeError):
            AppDescription().InputParameters = {"p": source}

    def test_default_may_be_set_before_its_type(self):
        param = Parameter()
        param.Default = 3
        param.Type = "Number"
        app = AppDescription()
        app.InputParameters = {"p": param}
        assert data(app)["InputParameters"]["p"]["Default"] == 3

    def test_setters(self):
        app = AppDescription()
        app.set_instance_type("ecs.x")
        app.set_timeout(60, False, "limit")
        app.set_instance_count(3, overwritable=False, description="n")
        assert data(app)["Config"] == {
            "InstanceType": {"Default": "ecs.x", "Overwritable": True, "Description": ""},
            "Timeout": {"Default": 60, "Overwritable": False, "Description": "limit"},
            "InstanceCount": {"Default": 3, "Overwritable": False, "Description": "n"},
        }
        with pytest.raises(TypeError):
            app.set_instance_count("3")
        with pytest.raises(TypeError):
            app.set_disk_type(5)

    def test_blank_app_description(self):
        assert data(AppDescription()) == {"InputParameters": {}, "OutputParameters": {}}
        assert data(AppJobDescription()) == {"App": {"Inputs": {}}}

    def test_app_job(self):
        job = AppJobDescription()
        job.Name = "n"
        job.Type = "App"
        job.App.AppName = "app"
        job.App.add_input("in", "oss://in/")
        job.App.Logging.StdoutPath = "oss://out/"
        job.App.Config.InstanceCount = 2
        job.validate()
        assert data(job) == {
            "Name": "n",
            "Type": "App",
            "App": {
                "AppName": "app",
                "Inputs": {"in": "oss://in/"},
                "Logging": {"StdoutPath": "oss://out/"},
                "Config": {"InstanceCount": 2},
            },
        }


class TestClassesOfTheSameName:
    """Docker and Config exist in both resources.job and resources.app; a nested property names
    its class directly, never by a bare name looked up in a registry."""

    def test_each_property_has_its_own_modules_class(self):
        from batchcompute.resources import app, cluster, job

        assert job.Docker is not app.Docker and job.Config is not app.Config
        task = job.TaskDescription()
        assert type(task.Parameters.Command.Docker) is job.Docker
        assert type(app.AppDescription().Docker) is app.Docker
        assert type(job.App().Config) is job.Config and type(app.AppDescription().Config) is app.Config
        assert type(task.AutoCluster.Configs) is cluster.Configs and type(task.Mounts) is cluster.Mounts
