"""JSON text as the server stores descriptions and specs (compact, keys sorted) and as it answers
(compact, keys in their order)."""

from __future__ import annotations

import json
from typing import Any, Iterable, Optional

__all__ = ["dumps", "loads", "compact", "JsonText", "page_text"]


def dumps(value: Any) -> str:
    """Compact JSON text, keys sorted (the same value gives the same text)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def loads(text: Optional[str]) -> Any:
    """The value of a JSON text; None for an empty one."""
    return json.loads(text) if text else None


class JsonText(str):
    """A value written already as the compact JSON text of an answer (``compact``)."""


def compact(value: Any) -> str:
    """Compact JSON text, keys in their order: how the server writes its answers."""
    return json.dumps(value, separators=(",", ":"))


def page_text(item_texts: Iterable[str], next_marker: str) -> JsonText:
    """``compact({"Items": items, "NextMarker": next_marker})`` of items written already."""
    return JsonText('{"Items":[%s],"NextMarker":%s}' % (",".join(item_texts), compact(next_marker)))
