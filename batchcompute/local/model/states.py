"""The states of jobs, tasks and instances, and of clusters and their VMs, named once."""

from __future__ import annotations

from enum import Enum

__all__ = ["State", "ACTIVE", "FINAL", "CLUSTER_ACTIVE", "VM_RUNNING"]


class State(str, Enum):
    """Of a job, a task or an instance: Waiting -> Running -> Finished | Failed | Stopped.

    A member is its name as a string (in SQL parameters, JSON and comparisons with stored rows).
    """

    WAITING = "Waiting"
    RUNNING = "Running"
    FINISHED = "Finished"
    FAILED = "Failed"
    STOPPED = "Stopped"

    def __str__(self) -> str:
        return self.value


#: Not ended yet.
ACTIVE = (State.WAITING, State.RUNNING)
#: Ended: such a job may be deleted.
FINAL = (State.FINISHED, State.FAILED, State.STOPPED)

#: A cluster is Active from its creation on, and each of its VMs Running.
CLUSTER_ACTIVE = "Active"
VM_RUNNING = "Running"
