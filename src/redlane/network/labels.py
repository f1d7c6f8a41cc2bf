"""Node labels that do not overlap: each label takes a free spot beside its node, or is left out.

Pure geometry, shared by the drawings of actor networks (the case report's figure, the
neighbourhood SVG). Coordinates are the drawing's own (pixels); the y axis may point either way,
since the candidate spots are symmetric.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

# Space between a node's edge and its label, in the drawing's units.
GAP: Final = 2.0


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def inside(self, frame: Box) -> bool:
        return (
            self.x0 >= frame.x0
            and self.x1 <= frame.x1
            and self.y0 >= frame.y0
            and self.y1 <= frame.y1
        )


@dataclass(frozen=True)
class LabelSpec:
    """A node at (x, y) of radius ``radius`` whose label measures ``width`` × ``height``."""

    key: str
    x: float
    y: float
    radius: float
    width: float
    height: float

    def node_box(self) -> Box:
        r = self.radius
        return Box(self.x - r, self.y - r, self.x + r, self.y + r)

    def spots(self) -> list[Box]:
        """Where the label may go, best first: right of the node, left, then above, below."""
        w, h, r = self.width, self.height, self.radius + GAP
        x, y = self.x, self.y
        return [
            Box(x + r, y - h / 2, x + r + w, y + h / 2),
            Box(x - r - w, y - h / 2, x - r, y + h / 2),
            Box(x - w / 2, y + r, x + w / 2, y + r + h),
            Box(x - w / 2, y - r - h, x + w / 2, y - r),
        ]


def place_labels(specs: Sequence[LabelSpec], frame: Box | None = None) -> dict[str, Box]:
    """Label boxes by node key. Nodes come most important first; each label takes its first
    spot that stays inside ``frame`` and overlaps no label placed before it and no other node.
    A label with no such spot is left out (the drawing's reader still has the node's tooltip or
    the report's tables), which is what keeps a crowded network readable."""
    nodes = {s.key: s.node_box() for s in specs}
    placed: dict[str, Box] = {}
    for spec in specs:
        for spot in spec.spots():
            if frame is not None and not spot.inside(frame):
                continue
            if any(spot.overlaps(box) for box in placed.values()):
                continue
            if any(spot.overlaps(box) for key, box in nodes.items() if key != spec.key):
                continue
            placed[spec.key] = spot
            break
    return placed
