"""What the console's settings page says about the server it runs in.

The server object is read by attribute, each looked up defensively: a server built without some
part (an OSS endpoint, another executor) shows what it has, and the page never fails for it.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

__all__ = ["describe_server"]

Setting = Tuple[str, str]
OSS_HOST_VARIABLE = "BATCH_COMPUTE_OSS_HOST"


def _attr(obj: Any, *path: str) -> Any:
    """``obj.a.b`` for path ("a", "b"); None where a step is missing or fails."""
    for name in path:
        try:
            obj = getattr(obj, name)
        except Exception:  # a property of a part that is gone (closed) must not break the page
            return None
        if obj is None:
            return None
    return obj


def _first(obj: Any, candidates: Sequence[Sequence[str]]) -> Optional[Any]:
    for path in candidates:
        value = _attr(obj, *path)
        if value not in (None, ""):
            return value() if callable(value) else value
    return None


def _executor(server: Any) -> Optional[str]:
    describe = _attr(server, "executor", "describe")
    return str(describe()) if callable(describe) else None


def describe_server(server: Any) -> List[Setting]:
    """(label, value) pairs about ``server`` (a LocalServer), those it has."""
    store_path = _attr(server, "store", "path")
    keys = _attr(server, "access_keys") or {}
    instance_env = _attr(server, "scheduler", "env")
    candidates: List[Tuple[str, Any]] = [
        ("API endpoint", _attr(server, "endpoint")),
        ("Data folder", _attr(server, "data_dir")),
        ("Database", store_path if store_path is not None else "in memory (removed at shutdown)"),
        ("Object store (oss://)", _attr(server, "oss", "root")),
        ("OSS endpoint", _first(server, (("oss_endpoint",), ("oss_url",), ("oss_server", "endpoint")))),
        ("OSS port", _attr(server, "oss_port")),
        (
            "OSS host given to instances",
            instance_env.get(OSS_HOST_VARIABLE) if isinstance(instance_env, dict) else None,
        ),
        ("Executor", _executor(server)),
        ("Workers (instances at once)", _attr(server, "scheduler", "workers")),
        ("Instances running now", _first(server, (("scheduler", "running"),))),
        ("Largest request body (bytes)", _attr(server, "app", "max_body")),
        ("Access key ids", ", ".join(sorted(keys))),
    ]
    return [(label, str(value)) for label, value in candidates if value not in (None, "")]
