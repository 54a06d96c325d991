"""Cluster descriptions: groups of VMs, their disks, networks and mounts."""

from __future__ import annotations

from typing import Any, Dict, Union

from ..core.compat import FLOAT, NUMBER, STRING, TIME, CamelCasedClass, add_metaclass, partial  # noqa: F401
from ._schema import (  # noqa: F401  (Jsonizable: an official name of this module)
    Boolean,
    Child,
    Description,
    Dict_,
    Float,
    Jsonizable,
    List_,
    ListOf,
    MapOf,
    Number,
    String,
    lookup,
)
from .notification import Notification, Topic

__all__ = [
    "Classic",
    "VPC",
    "Networks",
    "SystemDisk",
    "DataDisk",
    "Disks",
    "MountEntry",
    "NAS",
    "OSS",
    "Mounts",
    "Configs",
    "GroupDescription",
    "ClusterDescription",
    "ModifyGroupDescription",
    "ModifyConfigs",
    "ModifyClusterDescription",
    "Notification",
    "Topic",
]

DEFAULT_CIDR_BLOCK = "192.168.0.0/16"


class Classic(Description):
    """Classic-network security rules."""

    AllowSecurityGroup = List_()
    AllowSecurityGroupEgress = List_()
    AllowIpAddress = List_()
    AllowIpAddressEgress = List_()


class VPC(Description):
    """The cluster's VPC and, optionally, an express connection out of it."""

    CidrBlock = String()
    VpcId = String()
    ExpressConnectSpec = String()
    OppositeRegionId = String()
    OppositeAccessPointId = String()
    OppositeRouterType = String()
    OppositeRouterId = String()
    OppositeInterfaceId = String()


class Networks(Description):
    """Classic and VPC network settings."""

    Classic = Child(Classic, default=Classic)
    VPC = Child(VPC, default=VPC)


class SystemDisk(Description):
    """The system disk of each VM (Size in GB)."""

    Type = String(blank_ignored=True)
    Size = Number()

    required = ["Size"]


class DataDisk(Description):
    """An optional data disk of each VM, mounted at MountPoint."""

    Type = String(blank_ignored=True)
    Size = Number()
    MountPoint = String(blank_ignored=True)

    required = ["Size"]


class Disks(Description):
    """System and data disk of each VM."""

    SystemDisk = Child(SystemDisk)
    DataDisk = Child(DataDisk)

    required = ["SystemDisk", "DataDisk"]


class MountEntry(Description):
    """One mount: an oss:// or nas:// Source at a local Destination."""

    Source = String()
    Destination = String()
    WriteSupport = Boolean()


class NAS(Description):
    """NAS access groups and file systems to mount."""

    AccessGroup = List_()
    FileSystem = List_()


class OSS(Description):
    """Credentials used to mount OSS."""

    AccessKeyId = String()
    AccessKeySecret = String()
    SecurityToken = String()


class Mounts(Description):
    """File systems mounted into every VM."""

    Entries = ListOf(MountEntry)
    Locale = String()
    Lock = Boolean()
    CacheSupport = Boolean()
    CacheBlockSize = Number()
    CacheTotalSize = Number()
    NAS = Child(NAS)
    OSS = Child(OSS)
    RefreshStrategy = String()
    RefreshTopicName = String()
    RefreshTimeOut = Number()
    NasMetaCache = Boolean()

    def add_entry(self, entry: Union[MountEntry, Dict[str, Any]]) -> None:
        """Append (a copy of) a mount entry."""
        self.Entries.append(Mounts.Entries.item(entry))


_Disks = Disks


def _default_networks() -> Networks:
    # The service's default: only a VPC block, no Classic section (a partial Networks).
    return Networks.raw(VPC=VPC.raw(CidrBlock=DEFAULT_CIDR_BLOCK))


class Configs(Description):
    """Disks, networks and mounts of a cluster's VMs."""

    Disks = Child(Disks)
    Networks = Child(Networks, default=_default_networks)
    Mounts = Child(Mounts)

    required = ["Disks"]

    def add_system_disk(self, size: Union[int, float], type_: str = "cloud", **kwargs: str) -> None:
        """Set the system disk (``type`` is accepted as an alias of ``type_``)."""
        type_ = kwargs.pop("type", type_)
        _no_more(kwargs)
        self._disks().put_raw("SystemDisk", SystemDisk.raw(Type=_text(type_), Size=SystemDisk.Size.coerce(size)))

    def add_data_disk(
        self, size: Union[int, float], type_: str = "cloud", mount_point: str = "", **kwargs: str
    ) -> None:
        """Set the data disk (``type`` is accepted as an alias of ``type_``)."""
        type_ = kwargs.pop("type", type_)
        _no_more(kwargs)
        self._disks().put_raw(
            "DataDisk", DataDisk.raw(Type=_text(type_), Size=DataDisk.Size.coerce(size), MountPoint=_text(mount_point))
        )

    def _disks(self) -> "_Disks":
        # The helpers store disks as given (partial, not validated) until the Configs is copied.
        if "Disks" not in self:
            self.put_raw("Disks", Disks.raw())
        return self.Disks

    def set_networks_type(self, classicnetworks: bool = False) -> None:
        """Use the classic network only (True: drops the VPC) or add the default VPC where there
        is none (False)."""
        networks = self.Networks
        if classicnetworks:
            del networks["VPC"]
        elif "VPC" not in networks:
            networks["VPC"] = {"CidrBlock": DEFAULT_CIDR_BLOCK}

    def set_classic_netWorks(self) -> None:  # noqa: N802 (the official name)
        """Use the classic network (drops the default VPC)."""
        self.set_networks_type(True)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if not isinstance(value, str):
        raise TypeError("a disk's type and mount point are strings, not %s" % type(value).__name__)
    return value


def _no_more(kwargs: Dict[str, Any]) -> None:
    if kwargs:
        raise TypeError("unexpected keyword argument %r" % next(iter(kwargs)))


class _Groups:
    """add_group / get_group / delete_group over a ``Groups`` map."""

    __slots__ = ()

    def add_group(self, group_name: str, group: Any) -> None:
        """Add (a copy of) ``group`` under ``group_name``."""
        self.Groups[group_name] = type(self).Groups.item(group)  # type: ignore[attr-defined]

    def get_group(self, group_name: str) -> Any:
        return lookup("group", self.Groups, group_name)  # type: ignore[attr-defined]

    def delete_group(self, group_name: str) -> None:
        self.Groups.pop(group_name, None)  # type: ignore[attr-defined]


class GroupDescription(Description):
    """A group of identical VMs in a cluster."""

    DesiredVMCount = Number()
    InstanceType = String(blank_ignored=True)
    ResourceType = String(default="OnDemand")
    SpotStrategy = String()
    SpotPriceLimit = Number()
    HostnamePrefix = String()
    ImageId = String()
    Mode = String()

    required = ["DesiredVMCount"]


class ClusterDescription(_Groups, Description):
    """A cluster: the body of create_cluster."""

    resource_name = "clusters"
    Name = String()
    Description = String()
    ImageId = String()
    InstanceType = String()
    UserData = Dict_(default=dict)
    ScheduleType = String()
    Configs = Child(Configs)
    Notification = Child(Notification)
    Groups = MapOf(GroupDescription, default=dict)
    Bootstrap = String()
    EnvVars = Dict_()
    PasswordInherit = Boolean()
    DependencyIsvService = String(default="")

    required = ["Name", "ImageId", "Groups"]


class ModifyGroupDescription(Description):
    """The changeable settings of a group."""

    DesiredVMCount = Number()
    InstanceType = String()
    SpotStrategy = String()
    SpotPriceLimit = Float()


class ModifyConfigs(Description):
    """The changeable configs of a cluster."""

    Mounts = Child(Mounts)

    required = ["Mounts"]


class ModifyClusterDescription(_Groups, Description):
    """The body of modify_cluster."""

    UserData = Dict_()
    Configs = Child(ModifyConfigs)
    Groups = MapOf(ModifyGroupDescription, default=dict)
    EnvVars = Dict_()
    ImageId = String(on_read="")
