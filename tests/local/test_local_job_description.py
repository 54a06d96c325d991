"""get_job_description: the description as created, completed with the service's defaults."""

from __future__ import annotations

import json

import pytest
from local_helpers import LOGS, cluster, job, task

pytestmark = pytest.mark.every_executor

EMPTY_TOPIC = {"Name": "", "Endpoint": "", "Events": [], "UserData": "", "UserTemplate": ""}
TASK_KEYS = {
    "Parameters",
    "InputMapping",
    "OutputMapping",
    "LogMapping",
    "WriteSupport",
    "Timeout",
    "InstanceCount",
    "MaxRetryCount",
}


def _description(server, job_id):
    """The answer as it is on the wire."""
    response = server.request("GET", "/jobs/" + job_id, "description")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_dag_job_description_has_every_key_and_keeps_what_was_given(local_server, api):
    cluster_id = api.create_cluster(cluster(vms=1)).Id
    tasks = {"auto": task("echo a", env={"X": "1"}), "on": task("echo b", 2, cluster_id, AutoCluster={})}
    job_id = api.create_job(job(tasks, {"auto": ["on"]}, priority=3)).Id
    desc = _description(local_server, job_id)
    assert desc["Notification"] == {"Topic": EMPTY_TOPIC}
    assert (desc["Name"], desc["Description"], desc["Type"]) == ("test-job", "local server test", "DAG")
    assert desc["Priority"] == 3
    assert desc["JobFailOnInstanceFail"] is True and desc["AutoRelease"] is False
    assert desc["DAG"]["Dependencies"] == {"auto": ["on"]}
    auto, on = desc["DAG"]["Tasks"]["auto"], desc["DAG"]["Tasks"]["on"]
    for each in (auto, on):
        assert TASK_KEYS <= set(each) and each["WriteSupport"] is False and "Mounts" not in each
        assert each["Parameters"]["Command"]["Docker"] == {"Image": ""}
        assert each["Parameters"]["InputMappingConfig"] == {"Locale": "GBK", "Lock": False}
        assert each["Parameters"]["StdoutRedirectPath"] == LOGS
    assert auto["Parameters"]["Command"]["EnvVars"] == {"X": "1"} and "ClusterId" not in auto
    assert (auto["AutoCluster"]["InstanceType"], auto["AutoCluster"]["ImageId"]) == ("ecs.sn1.medium", "img-ubuntu")
    assert on["ClusterId"] == cluster_id and on["InstanceCount"] == 2
    assert on["AutoCluster"]["InstanceType"] == "" and on["AutoCluster"]["ImageId"] == ""
    assert api.get_job_description(job_id).Notification.Topic.Name == ""


def test_a_minimal_description_gets_the_service_defaults(local_server):
    bare_task = {"Parameters": {"Command": {"CommandLine": "true"}}, "AutoCluster": {"ImageId": "i"}}
    body = {"Name": "bare", "DAG": {"Tasks": {"t": bare_task}}}
    job_id = local_server.request("POST", "/jobs", body=body).json()["Id"]
    desc = _description(local_server, job_id)
    assert desc == {
        "Name": "bare",
        "Description": "",
        "Priority": 0,
        "Notification": {"Topic": EMPTY_TOPIC},
        "JobFailOnInstanceFail": True,
        "AutoRelease": False,
        "Type": "DAG",
        "DAG": {
            "Tasks": {
                "t": {
                    "Parameters": {
                        "Command": {"CommandLine": "true", "PackagePath": "", "EnvVars": {}, "Docker": {"Image": ""}},
                        "InputMappingConfig": {"Locale": "GBK", "Lock": False},
                        "StdoutRedirectPath": "",
                        "StderrRedirectPath": "",
                    },
                    "InputMapping": {},
                    "OutputMapping": {},
                    "LogMapping": {},
                    "WriteSupport": False,
                    "Timeout": 3600,
                    "InstanceCount": 1,
                    "MaxRetryCount": 0,
                    "AutoCluster": {
                        "InstanceType": "",
                        "ResourceType": "",
                        "SpotStrategy": "",
                        "SpotPriceLimit": 0,
                        "ImageId": "i",
                        "ECSImageId": "",
                        "UserData": {},
                        "ReserveOnFail": False,
                        "ClusterId": "",
                        "DependencyIsvService": "",
                    },
                }
            },
            "Dependencies": {},
        },
    }


def test_a_completed_dag_description_creates_the_same_job_again(local_server, api):
    cluster_id = api.create_cluster(cluster(vms=1)).Id
    tasks = {"auto": task("echo a"), "on": task("echo b", 2, cluster_id, AutoCluster={})}
    first = api.create_job(json.dumps(job(tasks, {"auto": ["on"]}))).Id
    again = api.create_job(_description(local_server, first)).Id
    assert api.poll([first, again], timeout=20, interval=0.05) == []
    assert [t.TaskName for t in api.list_tasks(again, "", 10, cluster_id=cluster_id)] == ["on"]
    assert api.get_task(again, "on").InstanceMetrics.FinishedCount == 2


def test_an_app_job_description_has_every_key_and_the_config_it_runs_with(local_server, api):
    app = {
        "Name": "twice",
        "CommandLine": "echo $greeting",
        "InputParameters": {"greeting": {"Type": "String", "Default": "hi"}},
        "OutputParameters": {},
        "Config": {"InstanceCount": {"Default": 2, "Overwritable": True}, "Timeout": {"Default": 600}},
    }
    api.create_app(app)
    job_id = api.create_job({"Name": "app-job", "Type": "App", "App": {"AppName": "twice", "Inputs": {}}}).Id
    desc = _description(local_server, job_id)
    assert desc["Notification"] == {"Topic": EMPTY_TOPIC} and desc["Description"] == ""
    assert (desc["Priority"], desc["JobFailOnInstanceFail"], desc["AutoRelease"]) == (0, True, False)
    assert desc["App"]["AppName"] == "twice" and desc["App"]["Inputs"] == {} and desc["App"]["Outputs"] == {}
    assert desc["App"]["Logging"] == {"StdoutPath": "", "StderrPath": ""}
    config = desc["App"]["Config"]
    assert (config["InstanceCount"], config["MaxRetryCount"], config["Timeout"]) == (2, 0, 600)
    assert config["ResourceType"] == "" and config["MinDiskSize"] == 0
    again = api.create_job(desc).Id
    assert api.poll([job_id, again], timeout=20, interval=0.05) == []
    assert api.get_job(again).InstanceMetrics.FinishedCount == 2
