"""Description classes: what the service's JSON bodies look like, declared once per class."""
from .app import (AppDescription, DataDiskMountPoint, DataDiskType, DiskType, Docker, InputParameter,
                  InstanceCount, InstanceType, MaxRetryCount, MinDataDiskSize, MinDiskSize, OutputParameter,
                  Parameter, ResourceType, Timeout, VM)
from .cluster import (VPC, Classic, ClusterDescription, Configs, DataDisk, Disks, GroupDescription,
                      ModifyClusterDescription, ModifyConfigs, ModifyGroupDescription, MountEntry, Mounts, NAS,
                      Networks, Notification, OSS, SystemDisk, Topic)
from .image import ImageDescription
from .job import (App, AppJobDescription, AutoCluster, Command, Config, DAG, InputMappingConfig, JobDescription, Logging,
                  Parameters, TaskDescription)

__all__ = [
    "App", "AppDescription", "AppJobDescription", "AutoCluster", "Classic", "ClusterDescription", "Command",
    "Config", "Configs", "DAG", "DataDisk", "DataDiskMountPoint", "DataDiskType", "DiskType", "Disks",
    "Docker", "GroupDescription", "ImageDescription", "InputMappingConfig", "InputParameter",
    "InstanceCount", "InstanceType", "JobDescription", "Logging", "MaxRetryCount", "MinDataDiskSize",
    "MinDiskSize", "ModifyClusterDescription", "ModifyConfigs", "ModifyGroupDescription", "MountEntry",
    "Mounts", "NAS", "Networks", "Notification", "OSS", "OutputParameter", "Parameter", "Parameters",
    "ResourceType", "SystemDisk", "TaskDescription", "Timeout", "Topic", "VM", "VPC",
]
