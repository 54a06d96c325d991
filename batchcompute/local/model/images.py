"""Image descriptions and the two kinds of images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict

from ..errors import missing
from .fields import json_object, name_text, text
from .limits import MAX_DESCRIPTION_CHARS, MAX_ID_CHARS, MAX_NAME_CHARS
from .request import idempotent_token
from .shapes import check_types
from .shapes import obj as _object

__all__ = ["SYSTEM", "OWN", "ImageSpec", "check_image", "IMAGE"]

#: The Type of the images every account sees, and of an account's own images.
SYSTEM = "System"
OWN = "Self"
#: ImageDescription.
IMAGE = _object(Name="", Description="", Platform="", EcsImageId="", IdempotentToken="")


@dataclass(frozen=True)
class ImageSpec:
    """A checked image description (stored as given)."""

    description: Dict[str, Any]


def check_image(body: Any) -> ImageSpec:
    body = json_object(body, "image")
    check_types(body, IMAGE, "")
    for key in ("Platform", "EcsImageId"):
        if not text(body, key, "", max_chars=MAX_ID_CHARS).strip():
            raise missing(key)
    name_text(body, "Name", MAX_NAME_CHARS, required=False)
    text(body, "Description", "", max_chars=MAX_DESCRIPTION_CHARS)
    idempotent_token(body.get("IdempotentToken"))
    return ImageSpec(body)
