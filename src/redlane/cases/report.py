"""The case report: a network figure (matplotlib) and a PDF (ReportLab platypus)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
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
from redlane.network.labels import Box, LabelSpec, place_labels  # noqa: E402

MAX_TIMELINE_ROWS: Final = 300
MAX_VALUES_SHOWN: Final = 3
# DejaVu Sans (shipped with matplotlib) covers Latin, Greek, Cyrillic and Arabic; runs of CJK
# characters switch to a CJK font embedded in the PDF, so that a court's reader shows the
# Chinese names of shippers and sellers instead of empty boxes. ReportLab embeds TrueType
# outlines only (not the CFF outlines of Noto CJK), so the font is one of these TrueType files,
# the first found: Debian's fonts-wqy-microhei (Apache-2.0, what `.ci/run` and the README
# install), then fonts-wqy-zenhei, fonts-droid-fallback, fonts-arphic-uming.
BODY_FONT: Final = "DejaVuSans"
BOLD_FONT: Final = "DejaVuSans-Bold"
CJK_FONT_FILES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)
# Without any of them: Adobe's STSong-Light CID font, named but not embedded (readers with
# Adobe's Asian font pack show it, others show boxes), and a warning in the log.
CJK_FALLBACK_FONT: Final = "STSong-Light"
CJK_FONT_PACKAGE: Final = "fonts-wqy-microhei"
_CJK_RUN: Final = re.compile(r"([\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+)")

log = logging.getLogger(__name__)


def _register_fonts() -> None:
    if BODY_FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(BODY_FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD_FONT, str(folder / "DejaVuSans-Bold.ttf")))


def cjk_font_file() -> Path | None:
    """The first embeddable CJK font installed, if any."""
    return next((path for path in CJK_FONT_FILES if path.is_file()), None)


def cjk_font() -> tuple[str, bool]:
    """The registered name of the font for CJK runs, and whether the PDF embeds it."""
    path = cjk_font_file()
    if path is None:
        if CJK_FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FALLBACK_FONT))
        return CJK_FALLBACK_FONT, False
    # One registered name per file: the first face of a collection (.ttc) is the regular one.
    name = f"CJK-{path.stem}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    return name, True


EDGE_COLOURS: Final = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def network_figure(linked: Linked, path: Path) -> None:
    """Actors as nodes (size: parties, colour: risk), edges coloured by kind, as a PNG."""
    fig = network_drawing(linked)
    try:
        fig.savefig(path, format="png", metadata={"Software": "redlane"})
    finally:
        plt.close(fig)


def network_drawing(linked: Linked) -> Figure:
    """The network figure (the caller closes it). Node labels never overlap each other or
    other nodes: the riskiest actors are labelled first, each beside its node where there is
    room (:func:`redlane.network.labels.place_labels`); the rest stay unlabelled."""
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
    ax.set_axis_off()
    if graph.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "no resolved actors in this case", ha="center", va="center")
        fig.tight_layout()
        return fig
    # More room between nodes than the default (k = 1/sqrt(n)) leaves space for labels.
    pos = nx.spring_layout(graph, seed=7, k=2.0 / max(graph.number_of_nodes(), 1) ** 0.5)
    parties = {str(a["actor_id"]): int(a.get("n_parties") or 1) for a in linked.actors}
    nodes = list(graph.nodes)
    sizes = {n: 120 + 40 * min(parties.get(n, 1), 20) for n in nodes}
    for kind, colour in kinds.items():
        edgelist = [(u, v) for u, v, k in graph.edges(data="kind") if k == kind]
        nx.draw_networkx_edges(graph, pos, edgelist=edgelist, edge_color=colour, ax=ax, label=kind)
    nx.draw_networkx_nodes(
        graph,
        pos,
        nodelist=nodes,
        node_size=[sizes[n] for n in nodes],
        node_color=[graph.nodes[n]["risk"] for n in nodes],
        cmap="Reds",
        vmin=0.0,
        vmax=1.0,
        edgecolors="black",
        ax=ax,
    )
    if kinds:
        ax.legend(loc="lower left", fontsize=7, frameon=False)
    ax.set_title("Actors (colour: risk, size: parties) and their links", fontsize=9)
    fig.tight_layout()
    ranked = sorted(nodes, key=lambda n: (-graph.nodes[n]["risk"], -parties.get(n, 1), n))
    _label_nodes(fig, ax, {n: pos[n] for n in ranked}, sizes)
    return fig


def _label_nodes(
    fig: Figure, ax: Any, positions: dict[str, Any], sizes: dict[str, int], fontsize: float = 7
) -> None:
    """Label nodes (most important first) where each label fits, in pixels of the figure."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    px_per_point = fig.dpi / 72
    specs = []
    for node, (x, y) in positions.items():
        probe = ax.text(0, 0, node, fontsize=fontsize)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        cx, cy = ax.transData.transform((x, y))
        # A scatter marker's size is its area in points²: radius = sqrt(size) / 2 points.
        radius = sizes[node] ** 0.5 / 2 * px_per_point
        specs.append(LabelSpec(node, cx, cy, radius, extent.width, extent.height))
    frame = Box(*fig.bbox.extents)
    to_data = ax.transData.inverted()
    for node, box in place_labels(specs, frame).items():
        x, y = to_data.transform((box.x0, box.y0))
        ax.text(x, y, node, fontsize=fontsize, ha="left", va="bottom", gid="node-label")


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


@dataclass
class _Writer:
    """Paragraphs and tables in the body font, with runs of CJK characters in ``cjk_font``."""

    cjk_font: str
    wrote_cjk: bool = False

    def p(self, text: object, style: Any) -> Paragraph:
        safe = str("" if text is None else text)
        safe = safe.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        safe, runs = _CJK_RUN.subn(rf'<font name="{self.cjk_font}">\1</font>', safe)
        self.wrote_cjk = self.wrote_cjk or runs > 0
        return Paragraph(safe, style)

    def table(
        self, header: list[str] | None, rows: list[list[object]], widths: list[float], style: Any
    ) -> Table:
        data = [[self.p(c, style) for c in row] for row in rows]
        if header is not None:
            data.insert(0, [self.p(h, style) for h in header])
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
    cjk_name, embedded = cjk_font()
    w = _Writer(cjk_name)
    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("body", fontName=BODY_FONT)
    small = body.clone("small", fontSize=7.5, leading=9)
    h1 = styles["Title"].clone("h1", fontName=BOLD_FONT)
    h2 = styles["Heading2"].clone("h2", fontName=BOLD_FONT)
    case = document["case"]
    width = A4[0] - 3 * cm
    story: list[Any] = [
        w.p(f"Case {case['id']}: {case['title']}", h1),
        w.table(
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
        w.p(
            "Every file of this package is listed with its sha256 in manifest.json, signed with "
            "the exporting deployment's Ed25519 key (public_key.pem). Check it with "
            "'redlane case verify DIR'.",
            body,
        ),
    ]
    if case["notes"]:
        story.append(w.p("Notes", h2))
        story.append(
            w.table(
                ["at", "author", "note"],
                [[n["at"][:19], n["author"], n["text"]] for n in case["notes"]],
                [3.2 * cm, 3 * cm, width - 6.2 * cm],
                small,
            )
        )
    story.append(w.p("Actors and their identifiers", h2))
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
            w.table(
                ["actor", "name", "risk", "ring", "identifiers"],
                rows,
                [2.4 * cm, 3.4 * cm, 1.1 * cm, 2.4 * cm, width - 9.3 * cm],
                small,
            )
        )
    else:
        story.append(w.p("No resolved actors (no resolution run, or not disclosed).", body))
    story.append(
        KeepTogether(
            [
                w.p("Network", h2),
                Image(str(figure), width=width, height=width * 5 / 7),
                w.p(
                    "Links: edges of the resolution's actor graph, plus links seen in this "
                    "case's records (shipper → consignee, seller → shipper, shared identifiers).",
                    small,
                ),
            ]
        )
    )
    story.append(PageBreak())
    story.append(w.p("Timeline", h2))
    events = linked.timeline[:MAX_TIMELINE_ROWS]
    story.append(
        w.table(
            ["when", "source", "what"],
            [[e.at[:19], e.table, e.summary] for e in events],
            [3.2 * cm, 2.8 * cm, width - 6 * cm],
            small,
        )
    )
    if len(linked.timeline) > MAX_TIMELINE_ROWS:
        story.append(
            w.p(f"{len(linked.timeline) - MAX_TIMELINE_ROWS} more events in case.json.", body)
        )
    story.append(w.p("Seizures", h2))
    seizures = linked.seizures
    story.append(
        w.table(
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
    story.append(w.p("Evidence index", h2))
    story.append(
        w.table(
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
    if w.wrote_cjk and not embedded:
        log.warning(
            "%s: no embeddable CJK font found (looked for %s); Chinese, Japanese and Korean "
            "text uses %s, which the PDF does not embed: install %s",
            path,
            ", ".join(str(f) for f in CJK_FONT_FILES),
            CJK_FALLBACK_FONT,
            CJK_FONT_PACKAGE,
        )


def _some(values: list[str]) -> str:
    more = len(values) - MAX_VALUES_SHOWN
    return ", ".join(values[:MAX_VALUES_SHOWN]) + (f" (+{more} more)" if more > 0 else "")


def _custody_line(case: dict[str, Any], evidence_id: int) -> str:
    for item in case["evidence"]:
        if item["id"] == evidence_id:
            return "; ".join(f"{c['action']} {c['at'][:16]} {c['actor']}" for c in item["custody"])
    return ""
