"""Shared infrastructure in an incremental run, from the day's parties and kept counts.

Finding infrastructure again over the whole population read every party, with a regular
expression over every address, on every run: work that grew with the history, not with the day.
But a value's verdict (infrastructure or not, its owner) reads only the parties holding it, and
parties are only ever added. So a run keeps, beside its outputs, the counts of who holds each
value (``infra_counts``), the seller accounts each shipper name named (``shipper_clients``) and
the parties holding an infrastructure value (``infra_held``), each a segmented table; the next
run then:

- recomputes the verdict of the values its new parties hold, from those values' counts, and
  keeps the previous run's ``infrastructure`` row of every other value;
- adds to ``infra_held`` the new parties holding an infrastructure value and the earlier parties
  holding a value that became one today (a value's counts only grow, so a value once
  infrastructure stays so, and no earlier row goes);
- decides ``infra_blocked_flow`` only for the shippers its flow links can read: the new parties
  and the earlier ones sharing a seller account with them
  (:func:`redlane.resolve.increment.assign_incremental_actors`).

The tables are the same as :func:`~redlane.resolve.infrastructure.find_infrastructure` over the
whole population gives (``tests/resolve/test_infra_update.py``). A previous run written without
the counts makes the run find infrastructure over the population once, and keep the counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import duckdb

from redlane.resolve import outputs
from redlane.resolve.infrastructure import (
    FORWARDER_NAMES,
    INFRA_COUNTS,
    INFRA_HELD,
    INFRA_VALUES,
    SHIPPER_CLIENTS,
    counts_sql,
    derive_from_held,
    find_infrastructure,
    forwarder_names_sql,
    held_sql,
    shipper_clients_sql,
    values_sql,
)

# The kept tables, as published (each a segmented table of the run).
KEPT: Final = (INFRA_COUNTS, SHIPPER_CLIENTS, INFRA_HELD)
FLOW_SHIPPERS: Final = "infra_flow_shippers"
# This run's own rows of each kept table, its segment.
DAY_SUFFIX: Final = "_day"


def has_kept_tables(run_dir: Path) -> bool:
    return all(outputs.table_paths(run_dir, name) for name in (*KEPT, "infrastructure"))


def update_infrastructure(
    con: duckdb.DuckDBPyConnection,
    previous_dir: Path,
    *,
    new: str = "parties_new",
    earlier: str = "prev_parties",
    everyone: str = "parties_all",
) -> bool:
    """The tables of :func:`~redlane.resolve.infrastructure.find_infrastructure` for
    ``everyone`` (``earlier`` plus ``new``), with this run's segments of the kept tables in
    ``<name>_day``. Returns False when the previous run kept no counts: then everything was
    found over ``everyone`` and the kept tables are whole (write them with ``appended=False``).
    """
    if not has_kept_tables(previous_dir):
        find_infrastructure(con, everyone)
        create_flow_shippers(con, new, everyone)
        return False
    for name in (*KEPT, "infrastructure"):
        source = outputs.table_source(previous_dir, name)
        con.execute(f"CREATE OR REPLACE VIEW prev_{name} AS SELECT * FROM {source}")
    day_counts, day_clients = INFRA_COUNTS + DAY_SUFFIX, SHIPPER_CLIENTS + DAY_SUFFIX
    con.execute(f"CREATE OR REPLACE TEMP TABLE {day_counts} AS {counts_sql(new)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {day_clients} AS {shipper_clients_sql(new)}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE infra_touched AS "
        f"SELECT DISTINCT kind, value FROM {day_counts}"
    )
    # Every count of the values the day holds: the earlier runs' segments and the day's.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE infra_touched_counts AS
        SELECT * FROM prev_{INFRA_COUNTS} SEMI JOIN infra_touched USING (kind, value)
        UNION ALL BY NAME SELECT * FROM {day_counts}
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {INFRA_VALUES} AS
        SELECT * FROM prev_infrastructure ANTI JOIN infra_touched USING (kind, value)
        UNION ALL BY NAME SELECT * FROM ({values_sql("infra_touched_counts")})
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE infra_became AS
        SELECT kind, value FROM {INFRA_VALUES} SEMI JOIN infra_touched USING (kind, value)
        ANTI JOIN prev_infrastructure USING (kind, value)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {INFRA_HELD}{DAY_SUFFIX} AS
        {held_sql(new, INFRA_VALUES)}
        UNION ALL BY NAME SELECT * FROM ({held_sql(earlier, "infra_became")})
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {INFRA_HELD} AS
        SELECT * FROM prev_{INFRA_HELD} UNION ALL BY NAME SELECT * FROM {INFRA_HELD}{DAY_SUFFIX}
        """
    )
    create_flow_shippers(con, new, everyone)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {FORWARDER_NAMES} AS {
            forwarder_names_sql(
                f"(SELECT * FROM prev_{SHIPPER_CLIENTS} UNION ALL BY NAME "
                f"SELECT * FROM {day_clients}) SEMI JOIN infra_flow_shippers USING (name_norm)"
            )
        }
        """
    )
    derive_from_held(con, FLOW_SHIPPERS)
    return True


def create_flow_shippers(con: duckdb.DuckDBPyConnection, new: str, everyone: str) -> None:
    """``infra_flow_shippers``: the shippers the day's flow links can read, a new party or an
    earlier one whose seller account a new shipper or seller names (increment's
    ``inc_linked``); the forwarder rule reads them too (:mod:`redlane.resolve.forwarding`)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {FLOW_SHIPPERS} AS
        SELECT party_id, sig_id, role, seller_link, name_norm FROM {everyone}
        WHERE role = 'shipper' AND seller_link IN (
            SELECT seller_link FROM {new} WHERE role IN ('shipper', 'seller'))
        """
    )


def write_kept_tables(
    con: duckdb.DuckDBPyConnection, run_dir: Path, appended_from: Path | None
) -> None:
    """The kept tables of the run: the day's segments after ``appended_from``'s, or whole."""
    for name in KEPT:
        if appended_from is not None:
            sql = f"SELECT * FROM {name}{DAY_SUFFIX}"
            outputs.write_segment(con, sql, run_dir, name, appended_from)
        else:
            outputs.write_table(con, f"SELECT * FROM {name}", run_dir, name)
