"""Paging and the non-job resources: clusters, cluster instances, images, apps, account."""

from __future__ import annotations

import pytest
from local_helpers import cluster, job, task, wait_all

from batchcompute.core.exceptions import ClientError

pytestmark = pytest.mark.every_executor


def _all_pages(list_page, first_marker=""):
    marker, seen, pages = first_marker, [], 0
    while True:
        page = list_page(marker)
        seen.extend(page.Items)
        pages += 1
        marker = page.NextMarker
        if not marker:
            return seen, pages


def test_job_paging_newest_first_with_filters(local_server, api):
    cluster_id = api.create_cluster(cluster()).Id
    on_cluster = [api.create_job(job({"t": task("true", 1, cluster_id)}, name="c%d" % n)).Id for n in range(3)]
    auto = [api.create_job(job({"t": task("exit 1")}, name="a%d" % n)).Id for n in range(22)]
    assert wait_all(api, on_cluster + auto) == ["Finished"] * 3 + ["Failed"] * 22
    items, pages = _all_pages(lambda marker: api.list_jobs(marker, 10))
    assert pages == 3 and [j.Id for j in items] == list(reversed(on_cluster + auto))
    assert [j.Id for j in api.list_jobs("", 100, state="Failed")] == list(reversed(auto))
    assert [j.Id for j in api.list_jobs("", 100, cluster_id=cluster_id)] == list(reversed(on_cluster))
    assert len(api.list_jobs("", 100, state="Running")) == 0


def test_task_and_instance_paging(local_server, api):
    tasks = {"t%02d" % n: task("true", 7 if n == 0 else 1) for n in range(12)}
    job_id = api.create_job(job(tasks)).Id
    assert api.poll([job_id], timeout=30, interval=0.05) == []
    items, pages = _all_pages(lambda marker: api.list_tasks(job_id, marker, 5))
    assert pages == 3 and [t.TaskName for t in items] == sorted(tasks)
    items, pages = _all_pages(lambda marker: api.list_instances(job_id, "t00", marker, 3), first_marker=0)
    assert pages == 3 and [i.InstanceId for i in items] == list(range(7))
    assert len(api.list_instances(job_id, "t00", 0, 100, state="Finished")) == 7


def test_cluster_lifecycle(local_server, api):
    cluster_id = api.create_cluster(cluster(vms=2, name="alpha")).Id
    assert cluster_id.startswith("cls-")
    status = api.get_cluster(cluster_id)
    assert status.State == "Active" and status.Name == "alpha"
    group = status.Groups["group1"]
    assert group["DesiredVMCount"] == 2 and group["ActualVMCount"] == 2
    vms = api.list_cluster_instances(cluster_id, "group1", "", 10).Items
    assert len(vms) == 2 and all(vm.State == "Running" and vm.IpAddress.startswith("127.") for vm in vms)
    assert api.get_cluster_instance(cluster_id, "group1", vms[0].Id).HostName == vms[0].HostName
    api.change_cluster_desired_vm_count(cluster_id, group1=5)
    assert api.get_cluster(cluster_id).Groups["group1"]["ActualVMCount"] == 5
    vms = api.list_cluster_instances(cluster_id, "group1", "", 10).Items
    api.recreate_cluster_instance(cluster_id, "group1", vms[0].Id)
    assert vms[0].Id not in [vm.Id for vm in api.list_cluster_instances(cluster_id, "group1", "", 10).Items]
    api.delete_cluster_instance(cluster_id, "group1", vms[1].Id)
    assert api.get_cluster(cluster_id).Groups["group1"]["DesiredVMCount"] == 4
    with pytest.raises(ClientError) as err:
        api.change_cluster_desired_vm_count(cluster_id, nogroup=1)
    assert err.value.status == 404
    assert cluster_id in [c.Id for c in api.list_clusters("", 10)]
    api.delete_cluster(cluster_id)
    with pytest.raises(ClientError) as err:
        api.get_cluster(cluster_id)
    assert err.value.status == 404


def test_images(local_server, api):
    system = [image.Id for image in api.list_images("", 10, "System")]
    assert "img-ubuntu" in system and len(system) >= 3
    image_id = api.create_image({"Name": "mine", "Platform": "Linux", "EcsImageId": "m-123", "Description": ""}).Id
    assert image_id.startswith("img-") and api.get_image(image_id).Type == "Self"
    assert [image.Id for image in api.list_images("", 10)] == [image_id]
    with pytest.raises(ClientError) as err:
        api.delete_image("img-ubuntu")
    assert err.value.status == 403
    api.delete_image(image_id)
    assert len(api.list_images("", 10)) == 0


def test_apps_revisions(local_server, api):
    app = {
        "Name": "counter",
        "Description": "v1",
        "CommandLine": "echo one",
        "InputParameters": {},
        "OutputParameters": {},
        "EnvVars": {},
        "Daemonize": False,
    }
    api.create_app(app)
    with pytest.raises(ClientError) as err:
        api.create_app(app)
    assert err.value.code == "InvalidResource.AlreadyExisting"
    api.modify_app("counter", dict(app, Description="v2", CommandLine="echo two"))
    assert [r.Revision for r in api.get_app_revisions("counter").Items] == [1, 2]
    assert api.get_app_detail("counter").CommandLine == "echo two"
    assert api.get_app_detail("counter", "1").CommandLine == "echo one"
    assert api.get_app("counter").Name == "counter"
    assert [a.Name for a in api.list_apps().Items] == ["counter"]
    api.delete_app("counter", "2")
    assert api.get_app_detail("counter").CommandLine == "echo one"
    api.delete_app("counter")
    with pytest.raises(ClientError) as err:
        api.get_app("counter")
    assert err.value.status == 404


def test_quotas_and_available_resources(local_server, api):
    assert "ecs.sn1.medium" in api.get_quotas().AvailableClusterInstanceType
    kinds = api.get_available_resource().AvailableClusterInstanceType
    assert all(kind.CpuCore > 0 and kind.MemorySize > 0 and kind.InstanceType for kind in kinds)


def test_sync_app_job(local_server, api):
    api.create_app(
        {
            "Name": "quick",
            "CommandLine": "exit 0",
            "Description": "",
            "InputParameters": {},
            "OutputParameters": {},
            "EnvVars": {},
            "Daemonize": False,
        }
    )
    answer = api.create_job(
        {
            "Name": "q",
            "Type": "App",
            "Priority": 0,
            "JobFailOnInstanceFail": True,
            "AutoRelease": False,
            "Description": "",
            "App": {"AppName": "quick", "Inputs": {}},
        },
        sync=True,
    )
    assert answer.Error.Code == "" and answer.EndTime is not None
