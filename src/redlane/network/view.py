"""An actor's neighbourhood as data and as a self-contained interactive HTML page (no internet)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

import duckdb
import igraph as ig

from redlane.errors import NotFound
from redlane.network.labels import Box, LabelSpec, place_labels


@dataclass(frozen=True)
class Neighbourhood:
    center: str
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"center": self.center, "nodes": self.nodes, "edges": self.edges}


def neighbourhood(
    con: duckdb.DuckDBPyConnection, actor_id: str, hops: int = 2, max_nodes: int = 60
) -> Neighbourhood:
    """Actors within ``hops`` identifier edges of ``actor_id`` (flows to consumers left out)."""
    if not con.execute("SELECT count(*) FROM actors WHERE actor_id = ?", [actor_id]).fetchall()[0][
        0
    ]:
        raise NotFound(f"no actor {actor_id!r} in the current resolution run")
    frontier, seen = {actor_id}, {actor_id}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for _ in range(hops):
        if not frontier or len(seen) >= max_nodes:
            break
        rows = con.execute(
            "SELECT src_actor_id, dst_actor_id, kind, weight, detail FROM actor_edges "
            "WHERE kind <> 'ships_to' AND (list_contains(?, src_actor_id) "
            "OR list_contains(?, dst_actor_id)) ORDER BY weight DESC",
            [sorted(frontier), sorted(frontier)],
        ).fetchall()
        nxt: set[str] = set()
        for src, dst, kind, weight, detail in rows:
            for other in (src, dst):
                if other not in seen and len(seen) < max_nodes:
                    seen.add(other)
                    nxt.add(other)
            if src in seen and dst in seen:
                edges[(src, dst, kind)] = {
                    "source": src,
                    "target": dst,
                    "kind": kind,
                    "weight": float(weight),
                    "detail": detail,
                }
        frontier = nxt
    node_rows = con.execute(
        "SELECT actor_id, display_name, ring_id, risk, n_parties, risk_reasons FROM actors "
        "WHERE list_contains(?, actor_id)",
        [sorted(seen)],
    ).fetchall()
    nodes = [
        {
            "id": r[0],
            "label": r[1],
            "ring_id": r[2],
            "risk": float(r[3] or 0.0),
            "parties": int(r[4]),
            "reasons": list(r[5] or []),
        }
        for r in node_rows
    ]
    return Neighbourhood(center=actor_id, nodes=nodes, edges=list(edges.values()))


def _layout(hood: Neighbourhood) -> dict[str, tuple[float, float]]:
    ids = [n["id"] for n in hood.nodes]
    index = {a: i for i, a in enumerate(ids)}
    graph = ig.Graph(
        n=len(ids), edges=[(index[e["source"]], index[e["target"]]) for e in hood.edges]
    )
    coords = graph.layout_fruchterman_reingold(seed=None) if ids else []
    xs = [c[0] for c in coords] or [0.0]
    ys = [c[1] for c in coords] or [0.0]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    return {
        a: (
            40 + 720 * (coords[i][0] - min(xs)) / span_x,
            40 + 520 * (coords[i][1] - min(ys)) / span_y,
        )
        for a, i in index.items()
    }


# The SVG's size, and its labels' (11 px sans-serif) estimated width per character and height.
WIDTH, HEIGHT = 820, 600
CHAR_PX, LINE_PX = 6.5, 13.0


def _radius(node: dict[str, Any]) -> float:
    return float(8 + min(12, node["parties"] ** 0.5))


def _label_boxes(hood: Neighbourhood, pos: dict[str, tuple[float, float]]) -> dict[str, Box]:
    """Where each node's label goes: the centre first, then by risk; a label that would cover
    another label or node is left out (the node's tooltip still names it)."""
    ranked = sorted(hood.nodes, key=lambda n: (n["id"] != hood.center, -n["risk"], n["id"]))
    specs = [
        LabelSpec(n["id"], *pos[n["id"]], _radius(n), CHAR_PX * len(str(n["id"])), LINE_PX)
        for n in ranked
    ]
    return place_labels(specs, Box(0, 0, WIDTH, HEIGHT))


def neighbourhood_html(hood: Neighbourhood) -> str:
    """SVG with hover details and draggable-free focus: click a node to highlight its edges."""
    pos = _layout(hood)
    labels = _label_boxes(hood, pos)
    parts = []
    for e in hood.edges:
        (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
        title = html.escape(f"{e['source']} – {e['target']}: {e['detail']}")
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke-width="{1 + 3 * e["weight"]:.1f}" data-a="{e["source"]}" '
            f'data-b="{e["target"]}"><title>{title}</title></line>'
        )
    for n in hood.nodes:
        x, y = pos[n["id"]]
        red = int(80 + 175 * n["risk"])
        title = html.escape(
            f"{n['id']} {n['label'] or ''} ring {n['ring_id'] or '-'} risk {n['risk']:.2f}\n"
            + "\n".join(n["reasons"])
        )
        radius = _radius(n)
        stroke = ' stroke="#000" stroke-width="3"' if n["id"] == hood.center else ""
        box = labels.get(n["id"])
        text = (
            f'<text x="{box.x0:.1f}" y="{box.y1 - 3:.1f}">{html.escape(n["id"])}</text>'
            if box is not None
            else ""
        )
        parts.append(
            f'<g class="node" tabindex="0" data-id="{n["id"]}"><circle cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{radius:.1f}" fill="rgb({red},60,60)"{stroke}><title>{title}</title></circle>'
            f"{text}</g>"
        )
    data = html.escape(json.dumps(hood.to_json()))
    return f"""<!doctype html><html lang="en"><meta charset="utf-8">
<title>redlane network: {html.escape(hood.center)}</title>
<style>body{{font:14px sans-serif}} line{{stroke:#999}} line.on{{stroke:#c00}}
text{{font-size:11px}} .node:focus circle{{stroke:#06c;stroke-width:3}}</style>
<h1>Network around {html.escape(hood.center)}</h1>
<p>{len(hood.nodes)} actors, {len(hood.edges)} links. Hover for details; click or press Enter on
an actor to highlight its links. Colour: risk.</p>
<svg id="graph" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="actor network">
{"".join(parts)}</svg>
<script type="application/json" id="network-data">{data}</script>
<script>
for (const g of document.querySelectorAll('.node')) {{
  const on = () => {{ for (const l of document.querySelectorAll('line'))
    l.classList.toggle('on', l.dataset.a === g.dataset.id || l.dataset.b === g.dataset.id); }};
  g.addEventListener('click', on);
  g.addEventListener('keydown', e => {{ if (e.key === 'Enter') on(); }});
}}
</script></html>
"""
