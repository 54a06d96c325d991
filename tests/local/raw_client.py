"""A stand-in for ``batchcompute.Client`` built on signed raw requests (the subset the tests use).

Used only while ``batchcompute.Client`` cannot be imported; answers are wrapped so that fields
read as attributes, errors raise ``ClientError`` like the SDK.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List

from batchcompute.core.exceptions import ClientError


class Obj(dict):
    """A JSON object whose keys read as attributes."""

    def __getattr__(self, name: str) -> Any:
        try:
            return _wrap(self[name])
        except KeyError:
            raise AttributeError(name) from None

    @property
    def Id(self) -> Any:
        return self.get("Id") or self.get("Name")


class Page(Obj):
    def __iter__(self):
        return iter(self.Items)

    def __len__(self) -> int:
        return len(self["Items"])


def _wrap(value: Any) -> Any:
    if isinstance(value, dict) and not isinstance(value, Obj):
        return Obj(value)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


def _id(resource: Any) -> str:
    return resource if isinstance(resource, str) else resource.Id


class RawClient:
    def __init__(self, server: Any) -> None:
        self.server = server

    def _call(self, method: str, path: str, query: Any = None, body: Any = None, page: bool = False) -> Any:
        response = self.server.request(method, path, query, body)
        data = response.json() if response.content else {}
        if response.status_code // 100 != 2:
            raise ClientError(
                response.status_code,
                data.get("Code"),
                response.headers.get("x-acs-request-id"),
                data.get("Message"),
            )
        return (Page if page else Obj)(data)

    @staticmethod
    def _list_query(marker: Any, count: Any, **filters: Any) -> Dict[str, Any]:
        query = {"Marker": marker, "MaxItemCount": count}
        query.update({key: value for key, value in filters.items() if value})
        return query

    # jobs
    def create_job(self, desc: Dict[str, Any], token: str = "", sync: bool = False) -> Obj:
        query: Any = {"IdempotentToken": token} if token else None
        if sync:
            query = "sync" + ("&IdempotentToken=" + token if token else "")
        return self._call("POST", "/jobs", query, desc)

    def get_job(self, job: Any) -> Obj:
        return self._call("GET", "/jobs/%s" % _id(job))

    def get_job_description(self, job: Any) -> Obj:
        return self._call("GET", "/jobs/%s" % _id(job), "description")

    def list_jobs(self, marker: Any, max_item_count: Any, state: str = "", cluster_id: str = "") -> Page:
        return self._call(
            "GET",
            "/jobs",
            self._list_query(marker, max_item_count, State=state, ClusterId=cluster_id),
            page=True,
        )

    def start_job(self, job: Any) -> Obj:
        return self._call("POST", "/jobs/%s/start" % _id(job))

    def stop_job(self, job: Any) -> Obj:
        return self._call("POST", "/jobs/%s/stop" % _id(job))

    def delete_job(self, job: Any) -> Obj:
        return self._call("DELETE", "/jobs/%s" % _id(job))

    def change_job_priority(self, job: Any, priority: int) -> Obj:
        return self._call("PUT", "/jobs/%s" % _id(job), None, {"Priority": priority})

    def get_task(self, job: Any, task: str) -> Obj:
        return self._call("GET", "/jobs/%s/tasks/%s" % (_id(job), task))

    def list_tasks(self, job: Any, marker: Any, max_item_count: Any, state: str = "") -> Page:
        return self._call(
            "GET",
            "/jobs/%s/tasks" % _id(job),
            self._list_query(marker, max_item_count, State=state),
            page=True,
        )

    def get_instance(self, job: Any, task: str, instance: int) -> Obj:
        return self._call("GET", "/jobs/%s/tasks/%s/instances/%s" % (_id(job), task, instance))

    def list_instances(self, job: Any, task: str, marker: Any, max_item_count: Any, state: str = "") -> Page:
        return self._call(
            "GET",
            "/jobs/%s/tasks/%s/instances" % (_id(job), task),
            self._list_query(marker, max_item_count, State=state),
            page=True,
        )

    def poll(self, job_ids: Any, timeout: float = 86400, interval: float = 3) -> List[str]:
        ids = [job_ids] if isinstance(job_ids, str) else list(job_ids)
        deadline = time.monotonic() + timeout
        while True:
            states = {ident: self.get_job(ident).State for ident in ids}
            errors = ["Job %s failed." % i for i, s in states.items() if s == "Failed"]
            errors += ["Job %s stopped." % i for i, s in states.items() if s == "Stopped"]
            if errors or all(s == "Finished" for s in states.values()):
                return errors
            if time.monotonic() > deadline:
                return ["Timeout(%s)." % timeout]
            time.sleep(interval)

    # clusters
    def create_cluster(self, desc: Dict[str, Any], token: str = "") -> Obj:
        return self._call("POST", "/clusters", {"IdempotentToken": token} if token else None, desc)

    def get_cluster(self, cluster: Any) -> Obj:
        return self._call("GET", "/clusters/%s" % _id(cluster))

    def list_clusters(self, marker: Any, max_item_count: Any) -> Page:
        return self._call("GET", "/clusters", self._list_query(marker, max_item_count), page=True)

    def delete_cluster(self, cluster: Any) -> Obj:
        return self._call("DELETE", "/clusters/%s" % _id(cluster))

    def change_cluster_desired_vm_count(self, cluster: Any, **groups: int) -> Obj:
        body = {"Groups": {name: {"DesiredVMCount": count} for name, count in groups.items()}}
        return self._call("PUT", "/clusters/%s" % _id(cluster), None, body)

    def change_cluster_env_vars(self, cluster: Any, data: Dict[str, str]) -> Obj:
        return self._call("PUT", "/clusters/%s" % _id(cluster), None, {"EnvVars": data})

    def list_cluster_instances(self, cluster: Any, group: str, marker: Any, max_item_count: Any) -> Page:
        return self._call(
            "GET",
            "/clusters/%s/groups/%s/instances" % (_id(cluster), group),
            self._list_query(marker, max_item_count),
            page=True,
        )

    def get_cluster_instance(self, cluster: Any, group: str, instance: str) -> Obj:
        return self._call("GET", "/clusters/%s/groups/%s/instances/%s" % (_id(cluster), group, instance))

    def delete_cluster_instance(self, cluster: Any, group: str, instance: str) -> Obj:
        return self._call("DELETE", "/clusters/%s/groups/%s/instances/%s" % (_id(cluster), group, instance))

    def recreate_cluster_instance(self, cluster: Any, group: str, instance: str) -> Obj:
        return self._call(
            "POST", "/clusters/%s/groups/%s/instances/%s/recreate" % (_id(cluster), group, instance)
        )

    # images, apps, account
    def create_image(self, desc: Dict[str, Any], token: str = "") -> Obj:
        return self._call("POST", "/images", None, desc)

    def get_image(self, image: Any) -> Obj:
        return self._call("GET", "/images/%s" % _id(image))

    def list_images(self, marker: Any, max_item_count: Any, type_: str = "") -> Page:
        query = self._list_query(marker, max_item_count)
        if type_ == "System":
            query["Type"] = "System"
        return self._call("GET", "/images", query, page=True)

    def delete_image(self, image: Any) -> Obj:
        return self._call("DELETE", "/images/%s" % _id(image))

    def create_app(self, desc: Dict[str, Any], token: str = "") -> Obj:
        return self._call("POST", "/apps", None, desc)

    def get_app(self, name: str, scope: str = "Private") -> Obj:
        return self._call("GET", "/apps/%s" % name, {"Scope": scope})

    def get_app_detail(self, name: str, qualifier: str = "") -> Obj:
        return self._call("GET", "/apps/%s" % name, {"Detail": "True", "Qualifier": qualifier})

    def get_app_revisions(self, name: str) -> Page:
        return self._call("GET", "/apps/%s" % name, {"Revisions": "True"}, page=True)

    def list_apps(self, scope: str = "Private", marker: str = "", max_item_count: int = 50) -> Page:
        return self._call(
            "GET", "/apps", {"Marker": marker, "MaxItemCount": max_item_count, "Scope": scope}, page=True
        )

    def modify_app(self, name: str, desc: Dict[str, Any]) -> Obj:
        return self._call("PUT", "/apps/%s" % name, None, desc)

    def delete_app(self, name: str, qualifier: str = "") -> Obj:
        return self._call("DELETE", "/apps/%s" % name, {"Qualifier": qualifier})

    def get_quotas(self) -> Obj:
        return self._call("GET", "/quotas")

    def get_available_resource(self) -> Obj:
        return self._call("GET", "/available")
