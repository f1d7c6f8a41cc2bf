"""The case report: a network figure (matplotlib) and a PDF (ReportLab platypus)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from reportlab.lib.units import cm  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from reportlab.pdfbase.cidfonts import (  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
    UnicodeCIDFont,
)
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from reportlab.platypus import (  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from redlane.cases.records import Linked  # noqa: E402

MAX_TIMELINE_ROWS: Final = 300
MAX_VALUES_SHOWN: Final = 3
# DejaVu Sans (shipped with matplotlib) covers Latin, Greek, Cyrillic and Arabic; runs of CJK
# characters switch to Adobe's STSong-Light CID font, which PDF readers provide.
BODY_FONT: Final = "DejaVuSans"
BOLD_FONT: Final = "DejaVuSans-Bold"
CJK_FONT: Final = "STSong-Light"
_CJK_RUN: Final = re.compile(r"([\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+)")


def _register_fonts() -> None:
    if BODY_FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(BODY_FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD_FONT, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


EDGE_COLOURS: Final = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def network_figure(linked: Linked, path: Path) -> None:
    """Actors as nodes (size: parties, colour: risk), edges coloured by kind."""
    graph = nx.Graph()
    for actor in linked.actors:
        graph.add_node(str(actor["actor_id"]), risk=float(actor.get("risk") or 0.0))
    kinds: dict[str, str] = {}
    for src, dst, kind in [
        (str(e["src_actor_id"]), str(e["dst_actor_id"]), str(e.get("kind"))) for e in linked.edges
    ] + derived_links(linked):
        if src == dst or graph.has_edge(src, dst):
            continue
        kinds.setdefault(kind, EDGE_COLOURS[len(kinds) % len(EDGE_COLOURS)])
        graph.add_edge(src, dst, kind=kind)
    fig, ax = plt.subplots(figsize=(7, 5), dpi=130)
    try:
        ax.set_axis_off()
        if graph.number_of_nodes() == 0:
            ax.text(0.5, 0.5, "no resolved actors in this case", ha="center", va="center")
        else:
            pos = nx.spring_layout(graph, seed=7)
            parties = {str(a["actor_id"]): int(a.get("n_parties") or 1) for a in linked.actors}
            nodes = list(graph.nodes)
            for kind, colour in kinds.items():
                edgelist = [(u, v) for u, v, k in graph.edges(data="kind") if k == kind]
                nx.draw_networkx_edges(
                    graph, pos, edgelist=edgelist, edge_color=colour, ax=ax, label=kind
                )
            nx.draw_networkx_nodes(
                graph,
                pos,
                nodelist=nodes,
                node_size=[120 + 40 * min(parties.get(n, 1), 20) for n in nodes],
                node_color=[graph.nodes[n]["risk"] for n in nodes],
                cmap="Reds",
                vmin=0.0,
                vmax=1.0,
                edgecolors="black",
                ax=ax,
            )
            if len(nodes) <= 40:
                nx.draw_networkx_labels(graph, pos, font_size=7, ax=ax)
            if kinds:
                ax.legend(loc="lower left", fontsize=7, frameon=False)
            ax.set_title("Actors (colour: risk, size: parties) and their links", fontsize=9)
        fig.tight_layout()
        fig.savefig(path, format="png", metadata={"Software": "redlane"})
    finally:
        plt.close(fig)


def derived_links(linked: Linked) -> list[tuple[str, str, str]]:
    """Links between the case's actors seen in its own records: shipper → consignee of a
    parcel, seller account → shipper of a parcel sold by it, and identifiers two actors share."""
    by_record: dict[tuple[str, str], dict[str, set[str]]] = {}
    by_value: dict[tuple[str, str], set[str]] = {}
    for party in linked.parties:
        actor = str(party["actor_id"])
        key = (str(party.get("source_table")), str(party.get("record_key")))
        by_record.setdefault(key, {}).setdefault(str(party.get("role")), set()).add(actor)
        for field in ("phone", "email", "bank_account", "device_id", "ip_address", "handle"):
            if party.get(field):
                by_value.setdefault((field, str(party[field])), set()).add(actor)
    links: set[tuple[str, str, str]] = set()
    for (table, _key), roles in by_record.items():
        if table == "aed_shipments":
            for src in roles.get("shipper", set()):
                links.update((src, dst, "shipment") for dst in roles.get("consignee", set()))
    for shipment in linked.records.get("aed_shipments", []):
        sellers = by_record.get(("mp_sellers", str(shipment.get("seller_ref"))), {})
        shippers = by_record.get(("aed_shipments", str(shipment.get("hawb"))), {})
        seller_actors: set[str] = set().union(*sellers.values()) if sellers else set()
        for seller in seller_actors:
            links.update((seller, s, "sold via") for s in shippers.get("shipper", set()))
    for (field, _value), actors in by_value.items():
        ordered = sorted(actors)
        links.update((a, b, f"shared {field}") for a in ordered for b in ordered if a < b)
    return sorted(links)


def _p(text: object, style: Any) -> Paragraph:
    safe = str("" if text is None else text)
    safe = safe.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    safe = _CJK_RUN.sub(rf'<font name="{CJK_FONT}">\1</font>', safe)
    return Paragraph(safe, style)


def _table(
    header: list[str] | None, rows: list[list[object]], widths: list[float], style: Any
) -> Table:
    data = [[_p(c, style) for c in row] for row in rows]
    if header is not None:
        data.insert(0, [_p(h, style) for h in header])
    table = Table(data, colWidths=widths, repeatRows=1 if header is not None else 0)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header is not None:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")))
    else:
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")))
    table.setStyle(TableStyle(commands))
    return table


def build_pdf(path: Path, document: dict[str, Any], linked: Linked, figure: Path) -> None:
    """The report: summary, actors and identifiers, network, timeline, seizures, evidence."""
    _register_fonts()
    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("body", fontName=BODY_FONT)
    small = body.clone("small", fontSize=7.5, leading=9)
    h1 = styles["Title"].clone("h1", fontName=BOLD_FONT)
    h2 = styles["Heading2"].clone("h2", fontName=BOLD_FONT)
    case = document["case"]
    width = A4[0] - 3 * cm
    story: list[Any] = [
        _p(f"Case {case['id']}: {case['title']}", h1),
        _table(
            None,
            [
                ["status", case["status"]],
                ["opened", case["created_at"]],
                ["last change", case["updated_at"]],
                ["assignees", ", ".join(case["assignees"]) or "none"],
                ["targets", "; ".join(f"{t['kind']} {t['ref']}" for t in case["targets"])],
                ["exported", f"{document['exported_at']} by {document['exported_by']}"],
                ["prepared for", f"{document['viewer']['partner']} ({document['viewer']['role']})"],
                [
                    "contents",
                    f"{len(linked.actors)} actors, {len(linked.timeline)} timeline events, "
                    f"{len(linked.seizures)} seizures, {len(document['evidence_index'])} "
                    "evidence files",
                ],
            ],
            [3.5 * cm, width - 3.5 * cm],
            small,
        ),
        Spacer(1, 0.4 * cm),
        _p(
            "Every file of this package is listed with its sha256 in manifest.json, signed with "
            "the exporting deployment's Ed25519 key (public_key.pem). Check it with "
            "'redlane case verify DIR'.",
            body,
        ),
    ]
    if case["notes"]:
        story.append(_p("Notes", h2))
        story.append(
            _table(
                ["at", "author", "note"],
                [[n["at"][:19], n["author"], n["text"]] for n in case["notes"]],
                [3.2 * cm, 3 * cm, width - 6.2 * cm],
                small,
            )
        )
    story.append(_p("Actors and their identifiers", h2))
    if linked.actors:
        rows = []
        for actor in linked.actors:
            ids = linked.identifiers.get(str(actor["actor_id"]), {})
            shown = "; ".join(f"{k}: {_some(v)}" for k, v in ids.items())
            rows.append(
                [
                    actor["actor_id"],
                    actor.get("display_name"),
                    f"{float(actor.get('risk') or 0):.2f}",
                    actor.get("ring_id") or "",
                    shown,
                ]
            )
        story.append(
            _table(
                ["actor", "name", "risk", "ring", "identifiers"],
                rows,
                [2.4 * cm, 3.4 * cm, 1.1 * cm, 2.4 * cm, width - 9.3 * cm],
                small,
            )
        )
    else:
        story.append(_p("No resolved actors (no resolution run, or not disclosed).", body))
    story.append(
        KeepTogether(
            [
                _p("Network", h2),
                Image(str(figure), width=width, height=width * 5 / 7),
                _p(
                    "Links: edges of the resolution's actor graph, plus links seen in this "
                    "case's records (shipper → consignee, seller → shipper, shared identifiers).",
                    small,
                ),
            ]
        )
    )
    story.append(PageBreak())
    story.append(_p("Timeline", h2))
    events = linked.timeline[:MAX_TIMELINE_ROWS]
    story.append(
        _table(
            ["when", "source", "what"],
            [[e.at[:19], e.table, e.summary] for e in events],
            [3.2 * cm, 2.8 * cm, width - 6 * cm],
            small,
        )
    )
    if len(linked.timeline) > MAX_TIMELINE_ROWS:
        story.append(
            _p(f"{len(linked.timeline) - MAX_TIMELINE_ROWS} more events in case.json.", body)
        )
    story.append(_p("Seizures", h2))
    seizures = linked.seizures
    story.append(
        _table(
            ["inspection", "hawb", "when", "port", "brand", "quantity", "value"],
            [
                [
                    s.get("inspection_id"),
                    s.get("hawb"),
                    str(s.get("inspected_at") or "")[:10],
                    s.get("port_code"),
                    s.get("brand"),
                    s.get("seized_quantity"),
                    f"{s.get('seized_value')} {s.get('currency') or ''}",
                ]
                for s in seizures
            ]
            + [
                [
                    "total",
                    "",
                    "",
                    "",
                    "",
                    sum(int(s.get("seized_quantity") or 0) for s in seizures),
                    f"{sum(float(s.get('seized_value') or 0) for s in seizures):,.2f}",
                ]
            ],
            [2.6 * cm, 2.6 * cm, 2 * cm, 1.6 * cm, 3 * cm, 1.8 * cm, width - 13.6 * cm],
            small,
        )
    )
    story.append(_p("Evidence index", h2))
    story.append(
        _table(
            ["file", "kind", "from", "received", "sha256", "custody"],
            [
                [
                    e["path"],
                    e["kind"],
                    e["source_partner"],
                    e["received_at"][:19],
                    e["sha256"],
                    _custody_line(case, e["id"]),
                ]
                for e in document["evidence_index"]
            ],
            [3.6 * cm, 2.2 * cm, 2 * cm, 2.6 * cm, 3.8 * cm, width - 14.2 * cm],
            small,
        )
    )
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        title=f"Case {case['id']}: {case['title']}",
        author="redlane",
        creator="redlane",
    )
    doc.build(story)


def _some(values: list[str]) -> str:
    more = len(values) - MAX_VALUES_SHOWN
    return ", ".join(values[:MAX_VALUES_SHOWN]) + (f" (+{more} more)" if more > 0 else "")


def _custody_line(case: dict[str, Any], evidence_id: int) -> str:
    for item in case["evidence"]:
        if item["id"] == evidence_id:
            return "; ".join(f"{c['action']} {c['at'][:16]} {c['actor']}" for c in item["custody"])
    return ""
