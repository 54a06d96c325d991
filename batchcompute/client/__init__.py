"""The BatchCompute client: ``from batchcompute.client import Client``.

``Client`` (and ``requests`` behind it) is imported on first use, so that importing the response
classes alone stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

__all__ = ["Client"]


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    if name == "Client":
        from .client import Client

        return Client
    raise AttributeError("module 'batchcompute.client' has no attribute %r" % name)
