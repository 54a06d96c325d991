"""JSON text as the server stores descriptions and specs: compact, keys sorted."""

from __future__ import annotations

import json
from typing import Any, Optional

__all__ = ["dumps", "loads"]


def dumps(value: Any) -> str:
    """Compact JSON text, keys sorted (the same value gives the same text)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def loads(text: Optional[str]) -> Any:
    """The value of a JSON text; None for an empty one."""
    return json.loads(text) if text else None
