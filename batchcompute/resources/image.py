"""Image descriptions."""
from __future__ import annotations

from ..utils.jsonizable import Jsonizable, String

__all__ = ["ImageDescription"]


class ImageDescription(Jsonizable):
    """A custom image registered from an ECS image: the body of create_image."""
    Name = String()
    Description = String()
    Platform = String()
    EcsImageId = String()
    IdempotentToken = String()

    required = ("Platform", "EcsImageId")
