"""Notification topics: where the service sends job events (used by jobs and clusters)."""

from __future__ import annotations

from ._schema import Child, Description, List_, String

__all__ = ["Topic", "Notification"]


class Topic(Description):
    """An MNS topic that receives job events."""

    Name = String(default="")
    Endpoint = String(default="")
    Events = List_(default=list)
    UserData = String(default="")
    UserTemplate = String(default="")


class Notification(Description):
    """Where job events are sent."""

    Topic = Child(Topic, default=Topic)
