"""Cluster descriptions: checking create and modify bodies, and reading a stored description."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Optional

from ..errors import invalid, missing, not_found
from .fields import (
    UrlChecker,
    env_vars,
    integer,
    json_object,
    local_path,
    mapping,
    name_text,
    object_url,
    text,
    valid_name,
)
from .job_description import CONFIGS, NOTIFICATION
from .limits import MAX_DESCRIPTION_CHARS, MAX_GROUPS, MAX_ID_CHARS, MAX_MAPPINGS, MAX_NAME_CHARS, MAX_VMS
from .shapes import Each, check_types
from .shapes import obj as _object

__all__ = [
    "ClusterSpec",
    "ClusterChange",
    "check_cluster",
    "check_change",
    "vm_count",
    "hostname_prefix",
    "instance_env",
    "input_mapping",
    "MAX_VMS",
]

#: What modify_cluster may replace besides Groups (all objects but ImageId).
MODIFIABLE = ("UserData", "EnvVars", "InputMapping", "ImageId", "Configs")
#: A group (GroupDescription, and the Disks the server answers with).
GROUP = _object(
    DesiredVMCount=0,
    InstanceType="",
    ResourceType="",
    SpotStrategy="",
    SpotPriceLimit=0.0,
    HostnamePrefix="",
    ImageId="",
    Mode="",
    Disks={},
)
#: ClusterDescription, and the keys the server answers with besides.
CLUSTER = _object(
    Name="",
    Description="",
    ImageId="",
    InstanceType="",
    UserData={},
    ScheduleType="",
    Configs=CONFIGS,
    Notification=NOTIFICATION,
    Groups=Each(GROUP),
    Bootstrap="",
    EnvVars={},
    PasswordInherit=False,
    DependencyIsvService="",
    InputMapping={},
    InputMappingConfig={},
    WriteSupport=False,
)
#: ModifyClusterDescription.
CHANGE = _object(UserData={}, Configs=CONFIGS, Groups=Each(GROUP), EnvVars={}, ImageId="", InputMapping={})


@dataclass(frozen=True)
class ClusterSpec:
    """A checked cluster description (stored as given)."""

    name: str
    description: Dict[str, Any]


def _check_groups(groups: Any, partial: bool = False) -> Dict[str, Any]:
    """Groups of a cluster (``partial``: of a modify call, where DesiredVMCount may be left out)."""
    if not isinstance(groups, dict) or (not groups and not partial):
        raise missing("Groups", "a cluster needs at least one group")
    if len(groups) > MAX_GROUPS:
        raise invalid("Groups", "a cluster has at most %d groups" % MAX_GROUPS)
    for group_name, group in groups.items():
        valid_name(group_name, "GroupName", "group name")
        if not isinstance(group, dict):
            raise invalid("Groups", "group %s must be an object" % group_name)
        if "DesiredVMCount" in group or not partial:
            if group.get("DesiredVMCount") is None:
                raise missing("DesiredVMCount", "group %s has no DesiredVMCount" % group_name)
            integer(group, "DesiredVMCount", 0, 0, MAX_VMS)
        price = group.get("SpotPriceLimit")
        if price is not None and (not math.isfinite(price) or price < 0):
            raise invalid("SpotPriceLimit", "group %s: SpotPriceLimit must be a number >= 0" % group_name)
        for key in ("InstanceType", "ResourceType", "SpotStrategy", "HostnamePrefix", "ImageId", "Mode"):
            text(group, key, "", max_chars=MAX_ID_CHARS)
    return groups


def _total_vms(description: Dict[str, Any]) -> None:
    total = sum(vm_count(description, name) for name in description["Groups"])
    if total > MAX_VMS:
        raise invalid("DesiredVMCount", "a cluster has at most %d VMs in all its groups, not %d" % (MAX_VMS, total))


def _check_common(body: Dict[str, Any], store: Optional[UrlChecker]) -> None:
    """What create and modify bodies share: EnvVars, InputMapping (oss url -> local path), ImageId."""
    env_vars(mapping(body, "EnvVars"), "EnvVars")
    entries = mapping(body, "InputMapping", max_items=MAX_MAPPINGS)
    for source, target in entries.items():
        if store is not None:
            object_url(store, source, "InputMapping")
        local_path(target, "InputMapping")
    text(body, "ImageId", "", max_chars=MAX_ID_CHARS)


def check_cluster(body: Any, store: Optional[UrlChecker] = None) -> ClusterSpec:
    """A checked create_cluster body (``store``: where InputMapping sources must lie)."""
    body = json_object(body, "cluster")
    check_types(body, CLUSTER, "")
    name_text(body, "Name", MAX_NAME_CHARS)
    if not text(body, "ImageId", "", max_chars=MAX_ID_CHARS).strip():
        raise missing("ImageId")
    text(body, "Description", "", max_chars=MAX_DESCRIPTION_CHARS)
    for key in ("InstanceType", "ScheduleType", "DependencyIsvService"):
        text(body, key, "", max_chars=MAX_ID_CHARS)
    _check_groups(body.get("Groups"))
    _total_vms(body)
    _check_common(body, store)
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
            if self.body.get(key) is not None:
                description[key] = self.body[key]
        _total_vms(description)


def check_change(body: Dict[str, Any], store: Optional[UrlChecker] = None) -> ClusterChange:
    """A checked modify_cluster body (``store``: where InputMapping sources must lie)."""
    check_types(body, CHANGE, "")
    for key in MODIFIABLE:
        if key != "ImageId" and body.get(key) is not None and not isinstance(body[key], dict):
            raise invalid(key, "%s must be an object" % key)
    _check_common(body, store)
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
