"""Cluster descriptions: checking create and modify bodies, and reading a stored description."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict

from ..errors import invalid, missing, not_found
from .fields import env_vars, integer, json_object, mapping, text, valid_name

__all__ = [
    "ClusterSpec",
    "ClusterChange",
    "check_cluster",
    "check_change",
    "vm_count",
    "hostname_prefix",
    "instance_env",
    "input_mapping",
]

MAX_VMS = 1000
#: What modify_cluster may replace besides Groups (all objects but ImageId).
MODIFIABLE = ("UserData", "EnvVars", "InputMapping", "ImageId", "Configs")


@dataclass(frozen=True)
class ClusterSpec:
    """A checked cluster description (stored as given)."""

    name: str
    description: Dict[str, Any]


def _check_groups(groups: Any, partial: bool = False) -> Dict[str, Any]:
    """Groups of a cluster (``partial``: of a modify call, where DesiredVMCount may be left out)."""
    if not isinstance(groups, dict) or (not groups and not partial):
        raise missing("Groups", "a cluster needs at least one group")
    for group_name, group in groups.items():
        valid_name(group_name, "GroupName", "group name")
        if not isinstance(group, dict):
            raise invalid("Groups", "group %s must be an object" % group_name)
        if "DesiredVMCount" in group or not partial:
            if group.get("DesiredVMCount") is None:
                raise missing("DesiredVMCount", "group %s has no DesiredVMCount" % group_name)
            integer(group, "DesiredVMCount", 0, 0, MAX_VMS)
    return groups


def check_cluster(body: Any) -> ClusterSpec:
    body = json_object(body, "cluster")
    if not text(body, "Name", "").strip():
        raise missing("Name")
    if not text(body, "ImageId", "").strip():
        raise missing("ImageId")
    _check_groups(body.get("Groups"))
    env_vars(mapping(body, "EnvVars"), "EnvVars")
    return ClusterSpec(body["Name"], body)


@dataclass(frozen=True)
class ClusterChange:
    """A checked modify_cluster body: group changes (DesiredVMCount, InstanceType, SpotStrategy,
    SpotPriceLimit) and the MODIFIABLE parts."""

    groups: Dict[str, Dict[str, Any]]
    body: Dict[str, Any]

    def apply(self, description: Dict[str, Any], cluster_id: str) -> None:
        """Change ``description`` in place (404 for a group it does not have)."""
        for group_name, change in self.groups.items():
            if group_name not in description["Groups"]:
                raise not_found("Group", "%s of cluster %s" % (group_name, cluster_id))
            description["Groups"][group_name].update({k: v for k, v in change.items() if v is not None})
        for key in MODIFIABLE:
            if key in self.body:
                if key != "ImageId" and not isinstance(self.body[key], dict):
                    raise invalid(key, "%s must be an object" % key)
                description[key] = self.body[key]
        mapping(description, "EnvVars")


def check_change(body: Dict[str, Any]) -> ClusterChange:
    return ClusterChange(_check_groups(body.get("Groups") or {}, partial=True), body)


def vm_count(description: Dict[str, Any], group: str) -> int:
    """The DesiredVMCount of a group of a stored description."""
    return integer(description["Groups"][group], "DesiredVMCount", 0)


def hostname_prefix(description: Dict[str, Any], cluster_id: str, group: str) -> str:
    return description["Groups"][group].get("HostnamePrefix") or "%s-%s-" % (cluster_id, group)


def instance_env(description: Dict[str, Any]) -> Dict[str, str]:
    """The cluster's EnvVars, as every instance on it gets them."""
    return {key: str(value) for key, value in (description.get("EnvVars") or {}).items()}


def input_mapping(description: Dict[str, Any]) -> Dict[str, str]:
    """The cluster's InputMapping (oss url -> local path), for every instance on it."""
    return dict(description.get("InputMapping") or {})
