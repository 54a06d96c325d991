"""Image descriptions and the two kinds of images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict

from ..errors import missing
from .fields import json_object, text

__all__ = ["SYSTEM", "OWN", "ImageSpec", "check_image"]

#: The Type of the images every account sees, and of an account's own images.
SYSTEM = "System"
OWN = "Self"


@dataclass(frozen=True)
class ImageSpec:
    """A checked image description (stored as given)."""

    description: Dict[str, Any]


def check_image(body: Any) -> ImageSpec:
    body = json_object(body, "image")
    for key in ("Platform", "EcsImageId"):
        if not text(body, key, "").strip():
            raise missing(key)
    text(body, "Name", "")
    return ImageSpec(body)
