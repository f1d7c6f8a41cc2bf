"""The targeting features as one SQL query: the only place the feature logic lives.

Everything here is plain SQL over named relations, so DuckDB runs it today and Spark SQL can run
the same text later (``feature_sql`` takes the relation names). Inputs:

- warehouse views ``aed_shipments``, ``customs_entries``, ``product_lines``, ``brands``,
  ``trademarks``, ``mp_listings``, ``mp_sellers``, ``mp_takedowns``, ``social_posts``;
- ``target_labels(hawb, inspected_at, seized, seized_value, propensity)``: what inspections found
  (warehouse ``inspections`` plus recorded outcomes, one row per parcel; the view is defined by
  :func:`redlane.targeting.features.set_labels`, the outcomes read by
  :func:`redlane.targeting.outcomes.outcome_labels`);
- ``party_actors`` and ``actors`` from the resolution run (empty views before the first run).

**Only what is known before arrival.** A shipment's features use other shipments submitted no
later than it (window frames ending at the current row) and labels whose ``inspected_at`` is
strictly earlier than its ``submitted_at`` (as-of joins). Nothing reads a label of the shipment
itself or of anything inspected after it was submitted; ``tests/targeting/test_features.py`` adds a
future seizure and checks that earlier shipments' features do not move.
"""

from __future__ import annotations

from typing import Final

from redlane.engine.sql import quote_literal
from redlane.feeds.currency import FX_DAYS

# Prior seizure rate the target encodings shrink towards (counterfeits are ~1 % of traffic).
PRIOR_RATE: Final = 0.01
# Pseudo-observations of the prior in a target encoding.
ALPHA: Final = 5.0

# Descriptions customs treats as insufficient ("gift", "sample", "parts"…: the usual ones in
# published guidance). Deliberately *not* the simulator's own generic phrases ("daily
# necessities", "fashion accessories", "gift box", "plastic products").
VAGUE_DESCRIPTIONS: Final = (
    "gift",
    "gifts",
    "accessories",
    "sample",
    "samples",
    "goods",
    "merchandise",
    "personal effects",
    "samples no commercial value",
    "spare parts",
    "parts",
    "clothes",
    "garment",
    "textile",
)

# Identifier keys whose label history becomes features: name -> SQL over ``aed_shipments``.
# Names and addresses are folded (case, spaces, punctuation); phones keep their last 8 digits.
_FOLD = r"regexp_replace(lower({x}), '[\s\.,\-\(\)/&#]+', '', 'g')"
KEY_EXPRESSIONS: Final = {
    "sname": _FOLD.format(x="shipper_name"),
    "sphone": (
        "nullif(right(regexp_replace(coalesce(shipper_phone, ''), '[^0-9]', '', 'g'), 8), '')"
    ),
    "semail": "lower(shipper_email)",
    "saddr": _FOLD.format(x="shipper_address"),
    "cname": _FOLD.format(x="consignee_name"),
    "caddr": _FOLD.format(x="consignee_address"),
    "seller": "seller_ref",
    "descr": "lower(trim(description))",
}
# Keys whose history is summarised (count of labels, seizures, recent seizures, encoding).
HISTORY_KEYS: Final = (
    "sname",
    "sphone",
    "semail",
    "saddr",
    "cname",
    "caddr",
    "seller",
    "descr",
    "sactor",
    "cactor",
    "ring",
    "hs6_origin",
    "hs4",
    "origin",
    "port",
)
# Identifier keys whose history counts as "this party was seized before".
IDENTIFIER_KEYS: Final = ("sname", "sphone", "semail", "saddr", "sactor", "seller")


def _vague_list() -> str:
    return ", ".join(quote_literal(d) for d in VAGUE_DESCRIPTIONS)


# Keys of KEY_EXPRESSIONS computed once per distinct value of their column and joined back: a
# 1 M-parcel day with two days of history ran the regular expressions 12 M times (11 of the
# feature query's 92 CPU seconds) for about 1.3 M distinct names and addresses.
_FOLDED_COLUMNS: Final = {
    "sname": "shipper_name",
    "saddr": "shipper_address",
    "cname": "consignee_name",
    "caddr": "consignee_address",
}


def rate_join(rows: str, dated_by: str, alias: str = "fx") -> str:
    """The rate (``alias``) of each row of ``rows`` in its ``currency`` on the date of
    ``dated_by`` (:data:`redlane.feeds.currency.FX_DAYS`: one row per currency and day, so an
    equi-join); none for USD, or where no rate was in force."""
    return (
        f"LEFT JOIN {FX_DAYS} {alias} ON {rows}.currency <> 'USD'"
        f" AND {alias}.currency = {rows}.currency AND {alias}.day = CAST({rows}.{dated_by} AS DATE)"
    )


def usd(amount: str, rows: str, alias: str = "fx") -> str:
    """``amount`` (in ``rows``' currency) in US dollars, with the rate of :func:`rate_join`;
    NULL when it has none (the value cannot be compared)."""
    return (
        f"(CASE WHEN {rows}.currency = 'USD' THEN {amount}::DOUBLE"
        f" ELSE {amount}::DOUBLE / {alias}.units_per_usd END)"
    )


def base_sql(shipments: str = "aed_shipments") -> str:
    """One row per shipment with its keys and raw numbers (no label anywhere).

    ``declared_value`` is in US dollars (:func:`usd`); the value as filed is
    ``declared_amount`` in ``declared_currency``, converted at ``fx_units_per_usd`` (units to
    the dollar, published on ``fx_rate_date``), NULL for USD.

    The text of names, addresses and descriptions as filed is not here: the history reads only
    their keys, and the feature query joins the text back for the shipments it selects. At a
    million parcels a day these rows are the query's largest intermediate.
    """
    keys = ",\n    ".join(
        f"f_{name}.k AS k_{name}" if name in _FOLDED_COLUMNS else f"{expr} AS k_{name}"
        for name, expr in KEY_EXPRESSIONS.items()
    )
    folds = "\n".join(
        f"LEFT JOIN (SELECT {column}, {KEY_EXPRESSIONS[name]} AS k"
        f" FROM (SELECT DISTINCT {column} FROM {shipments})) f_{name}"
        f" ON f_{name}.{column} = s.{column}"
        for name, column in _FOLDED_COLUMNS.items()
    )
    return f"""
SELECT
    carrier, hawb, carrier || ':' || hawb AS sid,
    port_of_entry AS port, origin_country AS origin, shipper_country,
    submitted_at AS t, expected_arrival, expected_arrival::DATE AS arrival_date,
    lower(trim(description)) AS descr,
    hs6, substr(hs6, 1, 4) AS hs4,
    {usd("s.declared_value", "s")} AS declared_value, weight_kg::DOUBLE AS weight_kg,
    pieces::DOUBLE AS pieces, seller_ref,
    s.declared_value::DOUBLE AS declared_amount, s.currency AS declared_currency,
    fx.units_per_usd AS fx_units_per_usd, fx.rate_date AS fx_rate_date,
    {keys},
    CASE WHEN hs6 IS NULL THEN NULL ELSE hs6 || '|' || origin_country END AS k_hs6_origin,
    substr(hs6, 1, 4) AS k_hs4, origin_country AS k_origin, port_of_entry AS k_port
FROM {shipments} s
{rate_join("s", "submitted_at")}
{folds}
"""


# The text as filed that the feature rows carry, beside the keys folded from it.
TEXT_COLUMNS: Final = (
    "description",
    "shipper_name",
    "shipper_phone",
    "shipper_email",
    "shipper_address",
    "consignee_name",
)


def _text_join(rows: str, shipments: str) -> str:
    """The shipments' row of each of ``rows`` (aliased ``raw``), for :data:`TEXT_COLUMNS`."""
    return f"JOIN {shipments} raw ON raw.carrier = {rows}.carrier AND raw.hawb = {rows}.hawb"


def _actors_sql(rows: str, text_from: str = "") -> str:
    """``rows`` (with the columns of :func:`base_sql`) and their shipper's and consignee's
    actors, the shipper's ring and risk (from ``pa``); with ``text_from`` (the shipments),
    :data:`TEXT_COLUMNS` too."""
    text = "".join(f" raw.{c}," for c in TEXT_COLUMNS) if text_from else ""
    join = f"\n    {_text_join('b', text_from)}" if text_from else ""
    return f"""
    SELECT b.*,{text}
        sa.actor_id AS k_sactor, ca.actor_id AS k_cactor,
        coalesce(ar.ring_id, NULL) AS k_ring,
        coalesce(ar.risk, 0)::DOUBLE AS actor_risk_snapshot,
        ar.first_seen AS k_sactor_first_seen
    FROM {rows} b{join}
    LEFT JOIN pa sa ON sa.hawb = b.hawb AND sa.role = 'shipper'
    LEFT JOIN pa ca ON ca.hawb = b.hawb AND ca.role = 'consignee'
    LEFT JOIN actors ar ON ar.actor_id = sa.actor_id"""


def _pa_sql(scope: str = "") -> str:
    """Each shipment's actor per role, of the shipments ``hawb IN ({scope})`` (all without)."""
    within = f" AND record_key IN ({scope})" if scope else ""
    return f"""
pa AS (
    SELECT record_key AS hawb, role, min(actor_id) AS actor_id
    FROM party_actors WHERE source_table = 'aed_shipments'{within} GROUP BY ALL
)"""


def _events_sql(labels: str, keyed: str) -> str:
    return f"""
events AS (
    SELECT k.*, l.inspected_at, l.seized::INT AS seized,
        CASE WHEN l.seized THEN coalesce(l.seized_value, 0) ELSE 0 END AS seized_value
    FROM {labels} l JOIN {keyed} k ON k.hawb = l.hawb
)"""


def prelude_sql(shipments: str = "aed_shipments", labels: str = "target_labels") -> str:
    """The CTEs ``base``, ``pa``, ``keyed`` (shipments with every key) and ``events`` (labels
    with the keys of the parcel inspected), shared by the feature query and the screener."""
    return f"""
base AS ({base_sql(shipments)}),{_pa_sql()},
keyed AS ({_actors_sql("base")}
),{_events_sql(labels, "keyed")}
"""


def _selected_sql(where: str, rows: str) -> str:
    return f"\nselected AS MATERIALIZED (SELECT k.* FROM {rows} k WHERE {where}),"


def _scoped_pa_sql(labels: str) -> str:
    """``pa`` of the ``selected`` shipments and the labelled parcels."""
    return _pa_sql(f"SELECT hawb FROM selected UNION ALL SELECT hawb FROM {labels}")


def _labelled_events_sql(labels: str, rows: str) -> str:
    """``events``: the labels with the keys (and actors, from ``pa``) of the parcels inspected,
    looked up in ``rows`` (:func:`base_sql`'s rows)."""
    labelled = f"(SELECT b.* FROM {rows} b WHERE b.hawb IN (SELECT hawb FROM {labels}))"
    return _events_sql(labels, f"({_actors_sql(labelled)})")


def _scoped_prelude_sql(
    shipments: str, labels: str, where: str, keys: str, pa: str = "", events: str = ""
) -> str:
    """:func:`prelude_sql` for the shipments matching ``where`` only: ``targets`` (those
    shipments with every key, actors and the text as filed) and ``events``; ``keys`` holds
    :func:`base_sql`'s rows of every shipment (``base`` when empty: computed here).

    Actors are looked up for the targets and the labelled parcels only, so nothing the size of
    the history but ``keys`` is built, and ``keys`` can be a file: the rows of a day and its
    labels are what the query holds in memory. ``pa`` and ``events``, when given, are
    relations read instead (:func:`day_pa_sql`, :func:`day_events_sql`).
    """
    rows = keys or "base"
    computed = f"\nbase AS ({base_sql(shipments)})," if not keys else ""
    actors = f"\npa AS (SELECT * FROM {pa})" if pa else _scoped_pa_sql(labels)
    labelled = (
        f"\nevents AS (SELECT * FROM {events})" if events else _labelled_events_sql(labels, rows)
    )
    return f"""{computed}{_selected_sql(where, rows)}{actors},
targets AS MATERIALIZED ({_actors_sql("selected", text_from=shipments)}
),{labelled}
"""


def day_pa_sql(where: str, keys: str, labels: str = "target_labels") -> str:
    """The scoped feature query's ``pa`` for the shipments matching ``where``: each one's and
    each labelled parcel's actor per role. A day's groups of ports read it, written once: a
    superset of what each group's own would hold, joined by parcel, so their rows are the same,
    and ``party_actors`` (every party of the history) is scanned once rather than per group."""
    return f"WITH{_selected_sql(where, keys)}{_scoped_pa_sql(labels)}\nSELECT * FROM pa"


def day_events_sql(keys: str, pa: str, labels: str = "target_labels") -> str:
    """The scoped feature query's ``events`` (they do not depend on the shipments selected),
    with ``pa`` from :func:`day_pa_sql`, written once for a day's groups of ports."""
    return (
        f"WITH pa AS (SELECT * FROM {pa}),{_labelled_events_sql(labels, keys)}\n"
        "SELECT * FROM events"
    )


# Keys with few values (every parcel of a port shares its history): joining each shipment to
# every earlier label of its key grows as shipments × labels, so these keys take running sums
# over one timeline per key instead (:func:`_running_history_cte`), which grows as their sum.
# Descriptions ("sunglasses") and HS6 × origin are such keys too (on a 234 k-parcel day their
# joins made 9.9 M and 6.5 M rows), and so are rings and shipper actors (36 M and 32 M rows on
# a 1 M-parcel day): those joins grow with the square of the day.
RUNNING_KEYS: Final = frozenset({"hs4", "origin", "port", "descr", "hs6_origin", "ring", "sactor"})

# A running total over a key's timeline up to and including the current row.
_RUNNING: Final = (
    "OVER (PARTITION BY k ORDER BY ts, kind, sid ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
)


def _history_cte(key: str, source: str) -> str:
    """Label history of one key, as of each shipment's submission (strictly earlier labels)."""
    if key in RUNNING_KEYS:
        return _running_history_cte(key, source)
    return f"""
h_{key} AS (
    SELECT b.sid,
        count(*)::DOUBLE AS n,
        sum(e.seized)::DOUBLE AS s,
        sum(CASE WHEN e.inspected_at >= b.t - INTERVAL 60 DAY THEN e.seized ELSE 0 END)::DOUBLE
            AS s60,
        max(CASE WHEN e.seized = 1 THEN e.inspected_at END) AS last_seized,
        sum(e.seized_value)::DOUBLE AS v
    FROM {source} b JOIN events e ON e.k_{key} = b.k_{key} AND e.inspected_at < b.t
    WHERE b.k_{key} IS NOT NULL AND b.k_{key} <> ''
    GROUP BY b.sid
)"""


def _running_history_cte(key: str, source: str) -> str:
    """:func:`_history_cte` by running sums: the same columns and rows.

    One timeline per key value holds its labels and each shipment twice, at ``t`` (``lead`` 1)
    and at ``t - 60 days`` (``lead`` 0). Shipments sort before labels at the same instant, so a
    running total at a shipment's row counts the labels strictly before it; labels of the last
    60 days are the total at ``t`` less the total at ``t - 60 days``. Shipments with no earlier
    label get no row, as with the join.
    """
    keyed = f"FROM {source} b WHERE b.k_{key} IS NOT NULL AND b.k_{key} <> ''"
    return f"""
h_{key}_line AS (
    SELECT b.k_{key} AS k, b.sid, b.t AS ts, 0 AS kind, 1 AS lead, 0 AS n, 0 AS s,
        0.0 AS v, CAST(NULL AS TIMESTAMP) AS seized_at
    {keyed}
    UNION ALL
    SELECT b.k_{key}, b.sid, b.t - INTERVAL 60 DAY, 0, 0, 0, 0, 0.0, CAST(NULL AS TIMESTAMP)
    {keyed}
    UNION ALL
    SELECT e.k_{key}, NULL, e.inspected_at, 1, 0, 1, e.seized, CAST(e.seized_value AS DOUBLE),
        CASE WHEN e.seized = 1 THEN e.inspected_at END
    FROM events e WHERE e.k_{key} IN (SELECT b.k_{key} {keyed})
),
h_{key}_run AS (
    SELECT sid, lead, sum(n) {_RUNNING} AS n, sum(s) {_RUNNING} AS s, sum(v) {_RUNNING} AS v,
        max(seized_at) {_RUNNING} AS last_seized
    FROM h_{key}_line
),
h_{key} AS (
    SELECT sid,
        CAST(sum(CASE WHEN lead = 1 THEN n END) AS DOUBLE) AS n,
        CAST(sum(CASE WHEN lead = 1 THEN s END) AS DOUBLE) AS s,
        CAST(sum(CASE WHEN lead = 1 THEN s ELSE -s END) AS DOUBLE) AS s60,
        max(CASE WHEN lead = 1 THEN last_seized END) AS last_seized,
        CAST(sum(CASE WHEN lead = 1 THEN v END) AS DOUBLE) AS v
    FROM h_{key}_run WHERE sid IS NOT NULL
    GROUP BY sid HAVING sum(CASE WHEN lead = 1 THEN n END) > 0
)"""


# Label-free volume windows over every shipment (the query without ``where``).
_ALL_WINDOWS: Final = """
windows AS (
    SELECT sid,
        (count(*) OVER (PARTITION BY k_sname ORDER BY t
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - 1)::DOUBLE AS shipper_prior_volume,
        (count(*) OVER (PARTITION BY k_sname ORDER BY t
            RANGE BETWEEN INTERVAL 7 DAY PRECEDING AND CURRENT ROW) - 1)::DOUBLE
            AS shipper_volume_7d,
        date_diff('second', min(t) OVER (PARTITION BY k_sname ORDER BY t
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), t) / 86400.0 AS shipper_age_days,
        (count(*) OVER (PARTITION BY coalesce(k_sphone, sid) ORDER BY t
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - 1)::DOUBLE AS phone_prior_volume,
        (count(*) OVER (PARTITION BY k_caddr ORDER BY t
            RANGE BETWEEN INTERVAL 30 DAY PRECEDING AND CURRENT ROW) - 1)::DOUBLE
            AS consignee_volume_30d,
        (count(*) OVER (PARTITION BY k_hs6_origin ORDER BY t
            RANGE BETWEEN INTERVAL 7 DAY PRECEDING AND CURRENT ROW) - 1)::DOUBLE
            AS hs6_origin_volume_7d,
        (count(*) OVER (PARTITION BY descr, hs4 ORDER BY t
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))::DOUBLE
        / (count(*) OVER (PARTITION BY descr ORDER BY t
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))::DOUBLE AS descr_hs_share,
        (count(*) OVER (PARTITION BY descr ORDER BY t
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))::DOUBLE AS descr_prior_volume,
        avg(ln(1 + declared_value / greatest(weight_kg, 0.001))) OVER (PARTITION BY descr
            ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS descr_log_value_per_kg
    FROM keyed
)"""

_UNBOUNDED: Final = "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"


def _days(n: int) -> str:
    return f"RANGE BETWEEN INTERVAL {n} DAY PRECEDING AND CURRENT ROW"


def _matching(key: str, when: str, rows: str) -> str:
    """FROM and WHERE of the shipments ``r`` whose ``key`` (an expression with ``{p}`` before
    each column) is some target's, NULL matching NULL (rows with a NULL key are one partition
    of a window, so they count each other), and whose ``r.t`` satisfies ``when`` (``s.t_lo``,
    ``s.t_hi``: the targets' first and last ``t``); ``x.pk`` is the key. ``rows``: every
    shipment's keys (:func:`base_sql`)."""
    return f"""FROM {rows} r CROSS JOIN span s
        JOIN (SELECT DISTINCT {key.format(p="")} AS pk FROM targets) x
            ON x.pk IS NOT DISTINCT FROM {key.format(p="r.")}
        WHERE {when}"""


def _as_they_are(days: int) -> str:
    """Rows a ``days``-bounded frame of some target starts among (from ``days`` before the
    first target to ``days`` before the last), and the targets' own span: these are kept as
    they are. Later rows never enter a target's frame (frames end at the current row and its
    peers)."""
    return (
        f"((r.t >= s.t_lo - INTERVAL {days} DAY AND r.t < s.t_hi - INTERVAL {days} DAY)"
        f" OR (r.t >= s.t_lo AND r.t <= s.t_hi))"
    )


def _inside_every_frame(days: int) -> str:
    """Rows before the first target that every target's ``days``-bounded frame holds whole
    (none when the targets span ``days`` or more)."""
    return f"r.t >= s.t_hi - INTERVAL {days} DAY AND r.t < s.t_lo"


def _earlier(days: int) -> str:
    return f"r.t < s.t_lo - INTERVAL {days} DAY"


def _collapsed(key: str, when: str, rows: str, by: str, sum_cols: str) -> str:
    """The rows satisfying ``when`` as one row per ``pk`` (and ``by``), weighted ``w`` by their
    count and dated at their first ``t``."""
    return f"""
        SELECT NULL AS sid, min(r.t) AS t, count(*) AS w, x.pk{by}{sum_cols}
        {_matching(key, when, rows)}
        GROUP BY x.pk{by}"""


def _weighted(
    key: str,
    days: int,
    rows: str,
    by: str = "",
    row_cols: str = "",
    sum_cols: str = "",
    unbounded: bool = True,
) -> str:
    """Rows for a window over ``key`` whose frames are ``days``-bounded or (``unbounded``)
    unbounded, with the counts of a target's frame as ``sum(w)``: the rows of
    :func:`_as_they_are` as they are (``w`` = 1); those inside every target's bounded frame
    as one row per ``pk`` (and ``by``), dated at their first ``t`` (after the start of every
    bounded frame, before every target); with ``unbounded``, everything earlier as one such
    row too, which comes before every bounded frame and inside every unbounded one.
    ``row_cols`` and ``sum_cols`` are more columns of a row and their sums in a group.

    A day's targets span one day: with a week's window, nearly all the history but the day
    is inside every frame, so the windows sort the day's rows and a row per key rather than
    the history (the 4 M-parcel day's hs6 × origin window sorted 12 M rows a port)."""
    parts = [
        f"""
        SELECT r.sid, r.t, 1 AS w, x.pk{by}{row_cols} {_matching(key, _as_they_are(days), rows)}""",
        _collapsed(key, _inside_every_frame(days), rows, by, sum_cols),
    ]
    if unbounded:
        parts.append(_collapsed(key, _earlier(days), rows, by, sum_cols))
    return "\n        UNION ALL".join(parts)


# Log value per kg, whose running mean per description is a feature: per row, and per group
# its sum and count (avg ignores NULLs).
_LV: Final = "ln(1 + r.declared_value / greatest(r.weight_kg, 0.001))"
_LV_ROW: Final = f", {_LV} AS lv, CASE WHEN {_LV} IS NULL THEN 0 ELSE 1 END AS n_lv"
_LV_SUM: Final = f", sum({_LV}) AS lv, count({_LV}) AS n_lv"


def _target_windows(rows: str) -> str:
    """The windows of ``_ALL_WINDOWS`` for the targets only, over the shipments of the targets'
    keys (and, for bounded frames, of the last days only): the cost follows the targets, not
    the history. Outputs are the same, up to float rounding of the running mean. ``rows``:
    every shipment's keys."""
    return f"""
span AS (SELECT min(t) AS t_lo, max(t) AS t_hi FROM targets),
w_sname AS (
    SELECT sid,
        (sum(w) OVER (PARTITION BY pk ORDER BY t {_UNBOUNDED}) - 1)::DOUBLE
            AS shipper_prior_volume,
        (sum(w) OVER (PARTITION BY pk ORDER BY t {_days(7)}) - 1)::DOUBLE AS shipper_volume_7d,
        date_diff('second', min(t) OVER (PARTITION BY pk ORDER BY t {_UNBOUNDED}), t) / 86400.0
            AS shipper_age_days
    FROM ({_weighted("{p}k_sname", 7, rows)}
    ) v
),
w_sphone AS (
    SELECT sid,
        (sum(w) OVER (PARTITION BY pk ORDER BY t {_UNBOUNDED}) - 1)::DOUBLE AS phone_prior_volume
    FROM ({_weighted("coalesce({p}k_sphone, {p}sid)", 0, rows)}
    ) v
),
w_caddr AS (
    SELECT sid,
        (sum(w) OVER (PARTITION BY pk ORDER BY t {_days(30)}) - 1)::DOUBLE AS consignee_volume_30d
    FROM ({_weighted("{p}k_caddr", 30, rows, unbounded=False)}
    ) v
),
w_hs6_origin AS (
    SELECT sid,
        (sum(w) OVER (PARTITION BY pk ORDER BY t {_days(7)}) - 1)::DOUBLE AS hs6_origin_volume_7d
    FROM ({_weighted("{p}k_hs6_origin", 7, rows, unbounded=False)}
    ) v
),
w_descr AS (
    SELECT sid,
        (sum(w) OVER (PARTITION BY pk, hs4 ORDER BY t {_UNBOUNDED}))::DOUBLE
        / (sum(w) OVER (PARTITION BY pk ORDER BY t {_UNBOUNDED}))::DOUBLE AS descr_hs_share,
        (sum(w) OVER (PARTITION BY pk ORDER BY t {_UNBOUNDED}))::DOUBLE AS descr_prior_volume,
        sum(lv) OVER (PARTITION BY pk ORDER BY t {_UNBOUNDED})
        / nullif(sum(n_lv) OVER (PARTITION BY pk ORDER BY t {_UNBOUNDED}), 0)
            AS descr_log_value_per_kg
    FROM ({_weighted("{p}descr", 0, rows, ", r.hs4", _LV_ROW, _LV_SUM)}
    ) v
),
windows AS (
    SELECT k.sid, a.shipper_prior_volume, a.shipper_volume_7d, a.shipper_age_days,
        p.phone_prior_volume, c.consignee_volume_30d, o.hs6_origin_volume_7d,
        d.descr_hs_share, d.descr_prior_volume, d.descr_log_value_per_kg
    FROM targets k
    JOIN w_sname a ON a.sid = k.sid
    JOIN w_sphone p ON p.sid = k.sid
    JOIN w_caddr c ON c.sid = k.sid
    JOIN w_hs6_origin o ON o.sid = k.sid
    JOIN w_descr d ON d.sid = k.sid
)"""


def windows_sql(where: str, keys: str) -> str:
    """The label-free window columns (and ``sid``) of the shipments matching ``where``, as the
    feature query computes them, over ``keys`` (:func:`base_sql`'s rows of every shipment).

    A day's features written in groups of ports read these, computed once for the day: each
    window runs over the day's rows of the targets' keys, and a port's shippers, descriptions
    and HS codes are every port's, so each group would sort nearly the whole day again.
    """
    return f"""
WITH targets AS MATERIALIZED (SELECT k.* FROM {keys} k WHERE {where}),{_target_windows(keys)}
SELECT * FROM windows"""


def _cheapest_line_sql(by: str, columns: str) -> str:
    """Per ``by``, the price range of its product lines and ``columns`` (``brand_id``,
    ``line``) of its cheapest line; ties go to the smallest brand id, then line, so that the
    genuine brand a parcel is compared with does not change from one run to the next."""
    return f"""
    SELECT {by}, min(price_min)::DOUBLE AS price_min, max(price_max)::DOUBLE AS price_max,
        {columns}
    FROM (
        SELECT *, product_line AS line, row_number() OVER (PARTITION BY {by}
            ORDER BY price_min NULLS LAST, brand_id NULLS LAST, product_line NULLS LAST) AS rn
        FROM product_lines
    ) GROUP BY {by}"""


def _first(column: str) -> str:
    return f"min(CASE WHEN rn = 1 THEN {column} END) AS {column}"


# Genuine price ranges by HS6 (with the cheapest line's brand) and by brand; the screener
# reads the same relations.
LINE_BY_HS6_SQL: Final = _cheapest_line_sql("hs6", f"{_first('brand_id')}, {_first('line')}")
LINE_BY_BRAND_SQL: Final = _cheapest_line_sql("brand_id", _first("line"))


def feature_sql(
    shipments: str = "aed_shipments",
    labels: str = "target_labels",
    where: str = "",
    ordered: bool = True,
    keys: str = "",
    windows: str = "",
    pa: str = "",
    events: str = "",
) -> str:
    """The feature query: one row per shipment of ``shipments``, or per shipment matching
    ``where`` (on the columns of :func:`base_sql`, aliased ``k``, e.g.
    ``"k.arrival_date = DATE '…'"``).

    Each matching shipment's row is the one the query without ``where`` gives it, but only
    what those shipments need is computed (the ``targets`` CTE drives the label histories, the
    windows and the marketplace joins), so the cost follows the shipments selected rather than
    the history kept. ``ordered=False`` leaves out the final sort by time (for a caller that
    sorts the rows itself: sorting about 170 columns a row is not free).

    ``keys`` (with ``where`` only): a relation holding :func:`base_sql`'s rows of every
    shipment, e.g. a view of a file written beforehand (:mod:`redlane.targeting.day_features`),
    read instead of computing them inside the query. ``windows`` (with ``where`` only): a
    relation holding :func:`windows_sql`'s rows of (at least) the selected shipments, read
    instead of computing the label-free windows. ``pa`` and ``events`` (with ``where`` only):
    relations from :func:`day_pa_sql` and :func:`day_events_sql`, read likewise.
    """
    source = "targets" if where else "keyed"
    if where:
        prelude = _scoped_prelude_sql(shipments, labels, where, keys, pa, events)
        windows = (
            f"\nwindows AS (SELECT * FROM {windows})"
            if windows
            else _target_windows(keys or "base")
        )
    else:
        prelude, windows = prelude_sql(shipments, labels), _ALL_WINDOWS
    # The text as filed: the targets carry it; every shipment's is joined at the end.
    text, text_join = ("k", "") if where else ("raw", _text_join("k", shipments))
    # Customs entries of the selected shipments only (a semi-join; the same rows come out).
    entry_scope = " AND c.hawb IN (SELECT hawb FROM targets)" if where else ""
    histories = ",".join(_history_cte(k, source) for k in HISTORY_KEYS)
    hist_cols = []
    for k in HISTORY_KEYS:
        hist_cols.append(
            f"coalesce(h_{k}.n, 0) AS {k}_inspected, coalesce(h_{k}.s, 0) AS {k}_seized,"
            f" coalesce(h_{k}.s60, 0) AS {k}_seized_60d,"
            f" (coalesce(h_{k}.s, 0) + {ALPHA} * {PRIOR_RATE}) / (coalesce(h_{k}.n, 0) + {ALPHA})"
            f" AS {k}_te,"
            f" date_diff('day', h_{k}.last_seized, k.t)::DOUBLE AS {k}_days_since_seizure"
        )
    hist_select = ",\n    ".join(hist_cols)
    hist_joins = "\n".join(f"LEFT JOIN h_{k} ON h_{k}.sid = k.sid" for k in HISTORY_KEYS)
    ident_max = ", ".join(f"coalesce(h_{k}.s, 0)" for k in IDENTIFIER_KEYS)
    ident_max60 = ", ".join(f"coalesce(h_{k}.s60, 0)" for k in IDENTIFIER_KEYS)
    return f"""
WITH
{prelude},
{histories},{windows},
marks AS (
    SELECT brand_id, lower(name) AS word, name AS brand_name FROM brands
    UNION
    SELECT t.brand_id, trim(regexp_replace(lower(t.mark), '\\s*\\(.*\\)', '', 'g')) AS word,
        b.name AS brand_name
    FROM trademarks t JOIN brands b USING (brand_id)
),
brand_hit AS (
    -- a nested loop over descriptions × marks: over the distinct descriptions, not the parcels
    SELECT k.sid, d.brand_id, d.brand_name
    FROM {source} k JOIN (
        SELECT x.descr, min(m.brand_id) AS brand_id, min(m.brand_name) AS brand_name
        FROM (SELECT DISTINCT descr FROM {source}) x
        JOIN marks m ON length(m.word) >= 4 AND contains(x.descr, m.word)
        GROUP BY x.descr
    ) d ON d.descr = k.descr
),
line_by_hs6 AS ({LINE_BY_HS6_SQL}),
line_by_brand AS (
    SELECT brand_id, hs6, min(price_min)::DOUBLE AS price_min, max(price_max)::DOUBLE AS price_max,
        min(product_line) AS line
    FROM product_lines GROUP BY ALL
),
line_by_brand_any AS ({LINE_BY_BRAND_SQL}),
genuine AS (
    SELECT k.sid,
        coalesce(lb.price_min, la.price_min, lh.price_min) AS genuine_min,
        coalesce(lb.price_max, la.price_max, lh.price_max) AS genuine_max,
        coalesce(lb.line, la.line, lh.line) AS genuine_line,
        coalesce(bh.brand_name, bl.name) AS genuine_brand,
        bh.brand_id IS NOT NULL AS brand_in_description,
        -- whose line the range is, and whether it is a line of the parcel's own HS6 (a brand's
        -- cheapest line of other goods is not the parcel's: reasons must not quote it as such)
        CASE WHEN lb.line IS NOT NULL OR la.line IS NOT NULL THEN bh.brand_name ELSE bl.name END
            AS genuine_line_brand,
        coalesce(lb.line IS NOT NULL OR (la.line IS NULL AND lh.line IS NOT NULL), FALSE)
            AS genuine_line_matched
    FROM {source} k
    LEFT JOIN brand_hit bh ON bh.sid = k.sid
    LEFT JOIN line_by_brand lb ON lb.brand_id = bh.brand_id AND lb.hs6 = k.hs6
    LEFT JOIN line_by_brand_any la ON la.brand_id = bh.brand_id
    LEFT JOIN line_by_hs6 lh ON lh.hs6 = k.hs6
    LEFT JOIN brands bl ON bl.brand_id = lh.brand_id
),
entries AS (
    SELECT c.hawb, min(c.entry_type) AS entry_type, min(substr(c.hts10, 1, 6)) AS hts6,
        sum({usd("c.entered_value", "c")})::DOUBLE AS entered_value
    FROM customs_entries c
    {rate_join("c", "entry_date")}
    WHERE c.hawb IS NOT NULL{entry_scope} GROUP BY c.hawb
),
seller_listings AS (
    SELECT k.sid, count(l.listing_id)::DOUBLE AS n_listings,
        count(l.brand)::DOUBLE AS n_branded_listings,
        min({usd("l.price", "l")} / nullif(lb.price_min, 0)) AS listing_price_ratio
    FROM {source} k
    JOIN mp_listings l ON l.seller_id = k.seller_ref AND l.listed_at <= k.t
    {rate_join("l", "listed_at")}
    LEFT JOIN brands br ON lower(br.name) = lower(l.brand)
    LEFT JOIN line_by_brand_any lb ON lb.brand_id = br.brand_id
    GROUP BY k.sid
),
seller_takedowns AS (
    SELECT k.sid, count(*)::DOUBLE AS n_takedowns
    FROM {source} k JOIN mp_takedowns d ON d.seller_id = k.seller_ref AND d.taken_down_at <= k.t
    GROUP BY k.sid
),
seller_posts AS (
    SELECT k.sid, count(*)::DOUBLE AS n_hype_posts
    FROM {source} k
    JOIN mp_listings l ON l.seller_id = k.seller_ref
    JOIN social_posts p ON p.linked_listing_id = l.listing_id AND p.posted_at <= k.t
    GROUP BY k.sid
),
sellers AS (
    SELECT seller_id, min(registered_at) AS registered_at, min(country) AS seller_country
    FROM mp_sellers GROUP BY seller_id
)
SELECT
    k.carrier, k.hawb, k.sid, k.port, k.origin, k.shipper_country, k.t AS submitted_at,
    k.expected_arrival, k.arrival_date, {text}.description, k.hs6, substr(k.hs6, 1, 2) AS hs2,
    {text}.shipper_name, {text}.shipper_phone, {text}.shipper_email, {text}.shipper_address,
    {text}.consignee_name, k.seller_ref,
    k.k_sname, k.k_sphone, k.k_semail, k.k_saddr, k.k_cname, k.k_caddr,
    k.k_sactor AS shipper_actor_id, k.k_cactor AS consignee_actor_id, k.k_ring AS ring_id,
    k.actor_risk_snapshot, k.k_sactor_first_seen AS shipper_actor_first_seen,
    g.genuine_brand, g.genuine_line, g.genuine_min, g.genuine_max,
    g.genuine_line_brand, g.genuine_line_matched,
    -- the value as filed, and the rate that converted it (NULL for USD)
    k.declared_amount, k.declared_currency, k.fx_units_per_usd, k.fx_rate_date,
    -- numbers (money in US dollars)
    k.declared_value, k.weight_kg, k.pieces,
    ln(1 + k.declared_value) AS log_value,
    k.declared_value / greatest(k.pieces, 1) AS unit_value,
    ln(1 + k.declared_value / greatest(k.weight_kg, 0.001)) AS log_value_per_kg,
    CASE WHEN g.genuine_min > 0
        THEN 1 - (k.declared_value / greatest(k.pieces, 1)) / g.genuine_min END AS genuine_gap,
    g.brand_in_description::INT::DOUBLE AS brand_in_description,
    (k.descr IN ({_vague_list()}))::INT::DOUBLE AS vague_description,
    length(k.descr)::DOUBLE AS description_length,
    (k.hs6 IS NULL)::INT::DOUBLE AS hs_missing,
    w.descr_hs_share, w.descr_prior_volume,
    ln(1 + k.declared_value / greatest(k.weight_kg, 0.001)) - w.descr_log_value_per_kg
        AS value_per_kg_vs_descr,
    (k.origin <> k.shipper_country)::INT::DOUBLE AS origin_ne_shipper_country,
    -- customs entry
    (en.hawb IS NOT NULL)::INT::DOUBLE AS has_entry,
    (en.hts6 IS NOT NULL AND k.hs6 IS NOT NULL AND en.hts6 <> k.hs6)::INT::DOUBLE
        AS entry_hs_mismatch,
    en.entered_value / nullif(k.declared_value, 0) AS entry_value_ratio,
    en.entry_type,
    -- windows (label-free)
    w.shipper_prior_volume, w.shipper_volume_7d, w.shipper_age_days, w.phone_prior_volume,
    w.consignee_volume_30d, w.hs6_origin_volume_7d,
    -- marketplace
    (k.seller_ref IS NOT NULL)::INT::DOUBLE AS has_seller,
    date_diff('second', se.registered_at, k.t) / 86400.0 AS seller_age_days,
    coalesce(sl.n_listings, 0) AS seller_listings,
    coalesce(sl.n_branded_listings, 0) AS seller_branded_listings,
    sl.listing_price_ratio,
    coalesce(st.n_takedowns, 0) AS seller_takedowns,
    coalesce(sp.n_hype_posts, 0) AS seller_hype_posts,
    -- label history (as of submission)
    {hist_select},
    greatest({ident_max}) AS identifier_seized,
    greatest({ident_max60}) AS identifier_seized_60d,
    -- estimated value of the goods if seized (genuine prices, else past seizures, else a floor)
    coalesce(
        greatest(k.pieces, 1) * (g.genuine_min + g.genuine_max) / 2,
        h_hs4.v / nullif(h_hs4.s, 0),
        h_origin.v / nullif(h_origin.s, 0),
        greatest(10 * k.declared_value, 100)
    ) AS est_seizure_value
FROM {source} k
{text_join}
JOIN windows w ON w.sid = k.sid
JOIN genuine g ON g.sid = k.sid
LEFT JOIN entries en ON en.hawb = k.hawb
LEFT JOIN seller_listings sl ON sl.sid = k.sid
LEFT JOIN seller_takedowns st ON st.sid = k.sid
LEFT JOIN seller_posts sp ON sp.sid = k.sid
LEFT JOIN sellers se ON se.seller_id = k.seller_ref
{hist_joins}
{"ORDER BY k.t, k.sid" if ordered else ""}
"""


# Labels from the warehouse's inspections. Propensity: random picks had about the day's random
# share of parcels; the others were chosen on purpose (propensity 1, i.e. weight 1).
WAREHOUSE_LABELS_SQL: Final = """
SELECT i.hawb, i.inspected_at, i.outcome = 'seized' AS seized,
    i.seized_value::DOUBLE AS seized_value,
    CASE WHEN i.selection_reason = 'random'
        THEN least(1.0, count(*) FILTER (WHERE i.selection_reason = 'random')
                OVER (PARTITION BY i.inspected_at::DATE)
             / greatest(1, (SELECT count(*) FROM aed_shipments) / greatest(1,
                (SELECT count(DISTINCT expected_arrival::DATE) FROM aed_shipments))))
        ELSE 1.0 END AS propensity,
    i.selection_reason
FROM inspections i
"""
