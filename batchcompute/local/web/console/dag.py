"""A job's DAG drawn as SVG on the server: tasks as boxes coloured by state, arrows along the
Dependencies, laid out by levels.

A task's level is one more than the highest level of the tasks it waits for; levels are columns
from left to right. Within a column, a task sits near the tasks it waits for (the mean of their
rows), which keeps most arrows short. A level of more than ``MAX_ROWS`` tasks is wrapped into
several columns, so that a DAG of hundreds of tasks stays readable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Sequence

from markupsafe import Markup, escape

from ...model.states import State
from .formatting import state_class

__all__ = ["DagNode", "Placed", "layout", "dag_svg", "levels"]

BOX_WIDTH = 140
BOX_HEIGHT = 26
ROW_GAP = 8
WRAP_GAP = 14  # between the columns of one wrapped level
LEVEL_GAP = 48  # between levels: room for the arrows
MARGIN = 10
MAX_ROWS = 40
MAX_LABEL = 19


@dataclass(frozen=True)
class DagNode:
    """What the drawing needs of a task."""

    name: str
    state: str
    upstream: Sequence[str]
    instances: Mapping[str, int]


@dataclass(frozen=True)
class Placed:
    """A task's box: its top-left corner."""

    x: float
    y: float


def levels(nodes: Sequence[DagNode]) -> Dict[str, int]:
    """Task name -> its level (0 for a task that waits for none). Names the DAG does not hold are
    ignored in ``upstream``."""
    names = {node.name for node in nodes}
    upstream = {node.name: {up for up in node.upstream if up in names} for node in nodes}
    downstream: Dict[str, List[str]] = {name: [] for name in upstream}
    for name, ups in upstream.items():
        for up in ups:
            downstream[up].append(name)
    waiting = {name: len(ups) for name, ups in upstream.items()}
    ready = [name for name, count in waiting.items() if not count]
    level = dict.fromkeys(ready, 0)
    while ready:
        name = ready.pop()
        for then in downstream[name]:
            level[then] = max(level.get(then, 0), level[name] + 1)
            waiting[then] -= 1
            if not waiting[then]:
                ready.append(then)
    for name in upstream:  # a cycle (refused when a job is created) would be drawn at the start
        level.setdefault(name, 0)
    return level


def _columns(nodes: Sequence[DagNode]) -> List[List[List[str]]]:
    """Levels, each a list of columns of task names in their drawing order."""
    level = levels(nodes)
    by_level: List[List[DagNode]] = [[] for _ in range(1 + max(level.values(), default=-1))]
    for node in nodes:
        by_level[level[node.name]].append(node)
    rank: Dict[str, float] = {}
    drawn: List[List[List[str]]] = []
    for members in by_level:
        members.sort(key=lambda node: (_mean_rank(node, rank), node.name))
        for position, node in enumerate(members):
            rank[node.name] = position / max(1, len(members) - 1)
        wraps = math.ceil(len(members) / MAX_ROWS)
        rows = math.ceil(len(members) / wraps)
        names = [node.name for node in members]
        drawn.append([names[start : start + rows] for start in range(0, len(names), rows)])
    return drawn


def _mean_rank(node: DagNode, rank: Mapping[str, float]) -> float:
    ranks = [rank[up] for up in node.upstream if up in rank]
    return sum(ranks) / len(ranks) if ranks else 0.0


def layout(nodes: Sequence[DagNode]) -> Dict[str, Placed]:
    """Where each task's box goes (columns are centred on the tallest one)."""
    columns = _columns(nodes)
    tallest = max((len(column) for level in columns for column in level), default=0)
    placed: Dict[str, Placed] = {}
    x = float(MARGIN)
    for level in columns:
        for column in level:
            top = MARGIN + (tallest - len(column)) * (BOX_HEIGHT + ROW_GAP) / 2
            for row, name in enumerate(column):
                placed[name] = Placed(x, top + row * (BOX_HEIGHT + ROW_GAP))
            x += BOX_WIDTH + WRAP_GAP
        x += LEVEL_GAP - WRAP_GAP
    return placed


def _label(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "\u2026"


def _edge(start: Placed, end: Placed) -> str:
    x1, y1 = start.x + BOX_WIDTH, start.y + BOX_HEIGHT / 2
    x2, y2 = end.x - 2, end.y + BOX_HEIGHT / 2
    bend = max(20.0, (x2 - x1) / 2)
    return '<path d="M%.1f %.1fC%.1f %.1f %.1f %.1f %.1f %.1f"></path>' % (
        x1,
        y1,
        x1 + bend,
        y1,
        x2 - bend,
        y2,
        x2,
        y2,
    )


def _strip(node: DagNode, at: Placed) -> str:
    """A thin bar along the bottom of the box: its finished, then its failed instances."""
    total = sum(node.instances.values())
    x, width = at.x + 4, BOX_WIDTH - 8
    parts = []
    for state in (State.FINISHED, State.FAILED):
        share = width * node.instances.get(state, 0) / total if total else 0
        if share:
            parts.append(
                '<rect class="strip %s" x="%.1f" y="%.1f" width="%.1f" height="2"></rect>'
                % (state_class(state), x, at.y + BOX_HEIGHT - 4, share)
            )
            x += share
    return "".join(parts)


def _box(node: DagNode, at: Placed, href: str) -> str:
    total = sum(node.instances.values())
    finished, failed = node.instances.get(State.FINISHED, 0), node.instances.get(State.FAILED, 0)
    title = "%s: %s, %d / %d instances finished" % (node.name, node.state, finished, total)
    if failed:
        title += ", %d failed" % failed
    return (
        '<a href="%s" data-task="%s" class="node %s"><title>%s</title>'
        '<rect x="%.1f" y="%.1f" width="%d" height="%d" rx="4"></rect>'
        '<text x="%.1f" y="%.1f">%s</text>%s</a>'
    ) % (
        escape(href),
        escape(node.name),
        state_class(node.state),
        escape(title),
        at.x,
        at.y,
        BOX_WIDTH,
        BOX_HEIGHT,
        at.x + 8,
        at.y + 16,
        escape(_label(node.name)),
        Markup(_strip(node, at)),
    )


def dag_svg(nodes: Sequence[DagNode], href: Callable[[str], str]) -> Markup:
    """The DAG as an ``<svg>`` element; each box links to ``href(task name)``."""
    placed = layout(nodes)
    width = max((at.x for at in placed.values()), default=0) + BOX_WIDTH + MARGIN
    height = max((at.y for at in placed.values()), default=0) + BOX_HEIGHT + MARGIN
    edges = [_edge(placed[up], placed[node.name]) for node in nodes for up in node.upstream if up in placed]
    boxes = [_box(node, placed[node.name], href(node.name)) for node in nodes]
    return Markup(
        '<svg class="dag" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'role="img" aria-label="task graph"><defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" '
        'markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L8 4L0 8z"></path></marker></defs>'
        '<g class="edges">%s</g><g class="nodes">%s</g></svg>'
        % (width, height, width, height, "".join(edges), "".join(boxes))
    )
