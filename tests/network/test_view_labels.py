"""The neighbourhood page's SVG: actor labels do not overlap one another, however crowded."""

from __future__ import annotations

import re
from itertools import combinations

from redlane.network.view import Neighbourhood, neighbourhood_html

# The page sets labels in 11 px sans-serif: about 6.5 px a character, 13 px a line.
CHAR_PX, LINE_PX = 6.5, 13.0


def crowded() -> Neighbourhood:
    """The centre and 59 actors all sharing one phone with it and with each other."""
    ids = [f"AC-{i:07d}" for i in range(60)]
    nodes = [
        {
            "id": a,
            "label": f"Firm {i}",
            "ring_id": "RG-1",
            "risk": 1 - i / 60,
            "parties": 4,
            "reasons": [],
        }
        for i, a in enumerate(ids)
    ]
    edges = [
        {"source": a, "target": b, "kind": "phone", "weight": 0.5, "detail": "same phone"}
        for a, b in combinations(ids[:30], 2)
    ] + [
        {"source": ids[0], "target": b, "kind": "phone", "weight": 0.5, "detail": "same phone"}
        for b in ids[30:]
    ]
    return Neighbourhood(center=ids[0], nodes=nodes, edges=edges)


def test_svg_labels_do_not_overlap() -> None:
    page = neighbourhood_html(crowded())
    labels = re.findall(r'<text x="([\d.-]+)" y="([\d.-]+)">([^<]+)</text>', page)
    assert "AC-0000000" in [name for _x, _y, name in labels]  # the centre is always labelled
    assert page.count("<circle") == 60  # every actor is drawn, labelled or not
    boxes = [
        (name, float(x), float(y) + 3 - LINE_PX, float(x) + CHAR_PX * len(name), float(y) + 3)
        for x, y, name in labels
    ]
    for (a, ax0, ay0, ax1, ay1), (b, bx0, by0, bx1, by1) in combinations(boxes, 2):
        apart = ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
        assert apart, f"labels {a} and {b} overlap"
