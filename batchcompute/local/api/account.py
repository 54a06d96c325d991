"""Quotas and available resources: plausible fixed data."""

from __future__ import annotations

from typing import Any, Dict, List

from .base import ApiRequest, ApiResponse, Context

__all__ = ["INSTANCE_TYPES", "get_quotas", "get_available_resource"]

#: (InstanceType, CpuCore, MemorySize in GB)
INSTANCE_TYPES = (
    ("ecs.t1.small", 1, 1),
    ("ecs.s2.large", 2, 4),
    ("ecs.sn1.medium", 2, 4),
    ("ecs.sn1.large", 4, 8),
    ("ecs.sn2.medium", 2, 8),
    ("ecs.sn2.large", 4, 16),
    ("ecs.sn1ne.xlarge", 4, 8),
    ("ecs.sn2ne.2xlarge", 8, 32),
)
RESOURCE_TYPES = ["OnDemand", "Spot"]
DISK_TYPES = ["cloud_efficiency", "cloud_ssd", "ephemeral"]


def _types() -> List[Dict[str, Any]]:
    return [
        {
            "InstanceType": name,
            "CpuCore": cpu,
            "MemorySize": memory,
            "Network": {"Classic": True, "Vpc": True},
        }
        for name, cpu, memory in INSTANCE_TYPES
    ]


def get_quotas(ctx: Context, req: ApiRequest) -> ApiResponse:
    names = [name for name, _, _ in INSTANCE_TYPES]
    return ApiResponse(
        200,
        {
            "AvailableClusterInstanceType": names,
            "AvailableSpotInstanceType": names,
            "AvailableClusterResourceType": RESOURCE_TYPES,
            "AvailableResourceType": RESOURCE_TYPES,
            "AvailableClusterInstanceSystemDiskType": DISK_TYPES,
            "AvailableClusterInstanceDataDiskType": DISK_TYPES,
            "AvailablePrepaidInstanceType": [],
        },
    )


def get_available_resource(ctx: Context, req: ApiRequest) -> ApiResponse:
    return ApiResponse(
        200,
        {
            "AvailableClusterInstanceType": _types(),
            "AvailableSpotInstanceType": _types(),
            "AvailablePrepaidInstanceType": [],
            "AvailableResourceType": RESOURCE_TYPES,
            "AvailableSystemDiskType": DISK_TYPES,
            "AvailableDataDiskType": DISK_TYPES,
        },
    )
