"""Image descriptions."""

from __future__ import annotations

from ..core.compat import NUMBER, STRING, TIME, CamelCasedClass, add_metaclass, partial  # noqa: F401
from ._schema import Description, Jsonizable, String  # noqa: F401

__all__ = ["ImageDescription"]


class ImageDescription(Description):
    """A custom image registered from an ECS image: the body of create_image."""

    resource_name = "images"
    Name = String()
    Description = String()
    Platform = String()
    EcsImageId = String()
    IdempotentToken = String()

    required = ["Platform", "EcsImageId"]
