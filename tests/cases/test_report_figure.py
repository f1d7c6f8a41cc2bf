"""The case report's network figure: actor labels never overlap, however crowded the network."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import matplotlib.pyplot as plt

from redlane.cases import report
from redlane.cases.records import Linked
from redlane.network.labels import Box, LabelSpec, place_labels


def crowded_case(n: int = 40) -> Linked:
    """Two rings of 20 actors, each a clique, bridged once: a spring layout packs each tight."""
    ids = [f"AC-{i:07d}" for i in range(n)]
    actors = [
        {"actor_id": a, "risk": round(1 - i / n, 3), "n_parties": 1 + i % 7}
        for i, a in enumerate(ids)
    ]
    half = n // 2
    edges = [
        {"src_actor_id": a, "dst_actor_id": b, "kind": kind}
        for ring, kind in ((ids[:half], "shared phone"), (ids[half:], "shipment"))
        for a, b in combinations(ring, 2)
    ]
    edges.append({"src_actor_id": ids[0], "dst_actor_id": ids[half], "kind": "sold via"})
    return Linked(resolved=True, actors=actors, edges=edges)


def test_network_labels_do_not_overlap(tmp_path: Path) -> None:
    linked = crowded_case()
    ids = {a["actor_id"] for a in linked.actors}
    fig = report.network_drawing(linked)
    try:
        renderer = fig.canvas.get_renderer()
        labels = [t for t in fig.axes[0].texts if t.get_text() in ids]
        boxes = {t.get_text(): t.get_window_extent(renderer) for t in labels}
    finally:
        plt.close(fig)
    assert "AC-0000000" in boxes  # the riskiest actor is always labelled
    assert len(boxes) >= 8
    for (a, box_a), (b, box_b) in combinations(boxes.items(), 2):
        assert not box_a.overlaps(box_b), f"labels {a} and {b} overlap"
    report.network_figure(linked, tmp_path / "network.png")
    assert (tmp_path / "network.png").read_bytes().startswith(b"\x89PNG")


def test_labels_take_a_free_side_or_are_left_out() -> None:
    # a and b 30 apart, labels 20 wide: a's label cannot go right (it would cover b), so left
    specs = [LabelSpec("a", 0, 0, 5, 20, 8), LabelSpec("b", 30, 0, 5, 20, 8)]
    placed = place_labels(specs)
    assert placed["a"] == Box(-27, -4, -7, 4)
    assert placed["b"] == Box(37, -4, 57, 4)
    # inside a frame that ends at x = 50, b's label goes above or below instead
    framed = place_labels(specs, Box(-40, -40, 50, 40))
    assert framed["b"].x1 <= 50 and framed["b"].x0 == 20
    # six nodes on one spot: the first four take the four sides, the last two are left out
    crowd = place_labels([LabelSpec(str(i), 0, 0, 5, 20, 8) for i in range(6)])
    assert sorted(crowd) == ["0", "1", "2", "3"]
