"""The states of jobs, tasks and instances, and of clusters and their VMs, named once."""

from __future__ import annotations

__all__ = [
    "State",
    "STATES",
    "ACTIVE",
    "FINAL",
    "STOPPABLE",
    "STARTABLE",
    "DELETABLE",
    "REPRIORITIZABLE",
    "CLUSTER_ACTIVE",
    "VM_RUNNING",
]


class State:
    """Of a job, a task or an instance: Waiting -> Running -> Finished | Failed | Stopped.

    Plain strings, as they are stored, compared and answered (an Enum member would cost a slow
    adaptation in every SQL parameter).
    """

    WAITING = "Waiting"
    RUNNING = "Running"
    FINISHED = "Finished"
    FAILED = "Failed"
    STOPPED = "Stopped"


#: Every state, in the order of the metrics of an answer.
STATES = (State.WAITING, State.RUNNING, State.FINISHED, State.FAILED, State.STOPPED)
#: Not ended yet.
ACTIVE = (State.WAITING, State.RUNNING)
#: Ended: such a job may be deleted.
FINAL = (State.FINISHED, State.FAILED, State.STOPPED)

# The job states in which each job action does something: the API's rules, by which the console
# also shows its buttons. (Stopping a Stopped job is accepted and changes nothing.)
STOPPABLE = ACTIVE
STARTABLE = (State.STOPPED, State.FAILED)
DELETABLE = FINAL
REPRIORITIZABLE = (State.STOPPED,)

#: A cluster is Active from its creation on, and each of its VMs Running.
CLUSTER_ACTIVE = "Active"
VM_RUNNING = "Running"
