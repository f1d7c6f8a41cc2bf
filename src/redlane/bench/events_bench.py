"""From a partner's signal to a partner's action: how long an event takes to become a hold the
carrier receives, on a standing world under the advance-data load of a big day.

Setup (never timed): a standing world (ingested, resolved, a champion model, the counterfeit rule
pack), a local webhook receiver that verifies every signature, the carrier's subscription to
holds, and an event worker in its own process (as ``redlane worker`` runs beside the service).

Run: the held-back day's advance data arrives as carrier files every ``batch_s`` seconds at
``rate`` parcels a second (arrival times moved to the hours ahead, so every parcel is in flight).
Meanwhile events are injected, in turn, on parcels in flight that are not yet held:

* takedown: the marketplace's file closing a parcel's seller for counterfeits, ingested;
* seizure: an officer's seizure of one parcel, which must hold the others of its seller, shipper
  actor, phone or e-mail;
* lookout: an analyst's red lookout on a parcel's shipper phone.

Each event's latency runs from the moment its input is handed over (before the ingest starts,
before the outcome or lookout transaction) to the receiver's first verified hold for one of
the parcels it must hold. An event with no such delivery by the deadline is lost. The receiver
counts deliveries of a message id it already had (``duplicates_delivered``). A thread screens
records with the warm screener in this process all along: its p99 is the service's screening
latency under this load. With ``kill_worker_at`` the worker is killed (SIGKILL) once, mid-run,
and started again: its claimed events wait for their lease, and nothing may be lost.
"""

from __future__ import annotations

import csv
import http.server
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from redlane.bench.child import run_child
from redlane.bench.standing import standing_world

KINDS: Final = ("takedown", "seizure", "lookout")


@dataclass
class Receiver:
    """A partner's endpoint: verifies each delivery, keeps when each message id first came."""

    secret: str = ""
    first_seen: dict[str, float] = field(default_factory=dict)
    holds: dict[str, float] = field(default_factory=dict)  # hawb -> first verified hold
    duplicates: int = 0
    rejected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accept(self, body: bytes, headers: dict[str, str]) -> bool:
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError

        try:
            message = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            with self.lock:
                self.rejected += 1
            return False
        now = time.monotonic()
        with self.lock:
            msg_id = headers.get("webhook-id", "")
            if msg_id in self.first_seen:
                self.duplicates += 1
                return True
            self.first_seen[msg_id] = now
            data = message.get("data") or {}
            if message.get("type") == "hold" and data.get("hawb"):
                self.holds.setdefault(str(data["hawb"]), now)
        return True


@contextmanager
def serving(receiver: Receiver) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            ok = receiver.accept(body, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(204 if ok else 401)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()


@dataclass
class Injected:
    kind: str
    subject: str
    must_hold: set[str]
    started: float

    def latency(self, holds: dict[str, float]) -> float | None:
        seen = [holds[h] for h in self.must_hold if h in holds]
        return min(seen) - self.started if seen else None


def _parcels(day_file: Path, lead: timedelta) -> list[dict[str, str]]:
    """The held-back day's parcels, arriving ``lead`` and more from now (in flight)."""
    with day_file.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    arrivals = {i: _instant(r["expected_arrival"]) for i, r in enumerate(rows)}
    first = min(a for a in arrivals.values() if a is not None)
    start = datetime.now(UTC) + lead
    for i, row in enumerate(rows):
        arrival = arrivals[i]
        if arrival is not None:  # the simulator's planted bad dates stay bad (quarantined)
            row["expected_arrival"] = (start + (arrival - first)).isoformat().replace("+00:00", "Z")
    return rows


def _instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    """A carrier's file as the carrier wrote it (no spreadsheet escaping: partner input)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    columns = list(rows[0])
    table = pa.table({c: pa.array([r.get(c, "") for r in rows], pa.string()) for c in columns})
    pacsv.write_csv(table, path)


def _ingest(path: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "redlane.cli", "ingest", str(path)],
        env=env,
        capture_output=True,
        check=False,
    )


def _worker(env: dict[str, str], transport: str, stream: str, log: Path) -> subprocess.Popen[bytes]:
    command = ["worker", "--transport", transport, "--quiet"]
    if transport == "nats":
        command += ["--nats-stream", stream]
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "redlane.cli", *command],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@dataclass
class Candidate:
    """A parcel in flight, not held: what an injection can aim at."""

    hawb: str
    carrier: str
    port: str
    seller: str | None
    record: dict[str, Any]
    links: set[tuple[str, str]] = field(default_factory=set)


def _candidates(url: str, taken: set[str]) -> list[Candidate]:
    from sqlalchemy import select

    from redlane.store.db import session_scope
    from redlane.store.event_models import InflightLink, InflightParcel

    with session_scope(url, readonly=True) as session:
        parcels = session.execute(
            select(InflightParcel).where(
                InflightParcel.hold.is_(False), InflightParcel.released.is_(False)
            )
        ).scalars()
        rows = {
            p.hawb: Candidate(p.hawb, p.carrier, p.port_code, p.seller_ref, dict(p.record))
            for p in parcels
            if p.hawb not in taken
        }
        for hawb, kind, value in session.execute(
            select(InflightLink.hawb, InflightLink.kind, InflightLink.value)
        ).tuples():
            if hawb in rows:
                rows[hawb].links.add((kind, value))
    return list(rows.values())


def _sharing(parcels: list[Candidate], key: tuple[str, str]) -> set[str]:
    return {p.hawb for p in parcels if key in p.links}


def _inject(
    kind: str, url: str, env: dict[str, str], work: Path, taken: set[str], n: int
) -> Injected | None:
    parcels = _candidates(url, taken)
    if kind == "takedown":
        sellers = sorted({p.seller for p in parcels if p.seller})
        if not sellers:
            return None
        seller = sellers[n % len(sellers)]
        must = {p.hawb for p in parcels if p.seller == seller}
        path = work / f"takedown_{n}.jsonl"
        path.write_text(
            json.dumps(
                {
                    "record_type": "takedown",
                    "takedown_id": f"T-BENCH-{n}",
                    "seller_id": seller,
                    "reason": "counterfeit",
                    "account_closed": True,
                    "taken_down_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                }
            )
            + "\n",
            encoding="utf-8",
        )
        started = time.monotonic()
        threading.Thread(target=_ingest, args=(path, env), daemon=True).start()
        return Injected(kind, seller, must, started)
    if kind == "seizure":
        for p in parcels:
            for key in sorted(p.links):
                if key[0] not in ("seller", "actor", "sphone", "semail"):
                    continue
                must = _sharing(parcels, key) - {p.hawb}
                if must:
                    from redlane.store.db import session_scope
                    from redlane.targeting.outcomes import record_outcome

                    started = time.monotonic()
                    with session_scope(url) as session:
                        record_outcome(
                            session,
                            {
                                "carrier": p.carrier,
                                "hawb": p.hawb,
                                "port_code": p.port,
                                "outcome": "seized",
                            },
                            "bench:officer",
                        )
                    return Injected(kind, p.hawb, must, started)
        return None
    phones = sorted({v for p in parcels for k, v in p.links if k == "sphone"})
    if not phones:
        return None
    phone = phones[n % len(phones)]
    must = _sharing(parcels, ("sphone", phone))
    raw = next(p.record["shipper_phone"] for p in parcels if ("sphone", phone) in p.links)
    from redlane.store.db import session_scope
    from redlane.targeting import decisions

    started = time.monotonic()
    with session_scope(url) as session:
        actor = decisions.person(session, "bench-analyst", "ipcc")
        decisions.create_lookout(
            session,
            actor,
            {
                "kind": "identifier",
                "criteria": {"identifier": "phone", "value": raw},
                "lane": "red",
                "reason": "bench: phone of a ring's shipper",
                "valid_from": datetime.now(UTC) - timedelta(days=1),
            },
            None,
        )
    return Injected(kind, phone, must, started)


# The service's screening, in a process of its own as in `redlane serve`: records one after
# another (20 a second) until the stop file appears; prints the latencies in ms.
SCREENING_CHILD: Final = """
import json, sys, time
from pathlib import Path
from redlane.targeting.screen import Screener
records, stop = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])
screener = Screener.load(Path(sys.argv[3]))
latencies, i = [], 0
while not stop.exists():
    record = records[i % len(records)]
    i += 1
    t = time.perf_counter()
    try:
        screener.screen(record)
    except (TypeError, ValueError):
        continue  # a planted bad value: the service refuses such a record (422) unscreened
    latencies.append((time.perf_counter() - t) * 1000)
    time.sleep(0.05)
print(json.dumps({"latencies_ms": latencies}))
"""


def _screening(
    world_home: Path,
    env: dict[str, str],
    records: list[dict[str, str]],
    work: Path,
    errors: list[str],
) -> tuple[threading.Thread, Path, list[float]]:
    """Start the screening child; set the returned stop file to end it, then join the thread."""
    valid = [r for r in records if _instant(r.get("expected_arrival") or "") is not None]
    source, stop = work / "screening.json", work / "screening.stop"
    source.write_text(json.dumps(valid[:2000]), encoding="utf-8")
    latencies: list[float] = []

    def run() -> None:
        try:
            figures = run_child(
                SCREENING_CHILD, [str(source), str(stop), str(world_home)], env, "events screening"
            )
        except RuntimeError as e:  # reported with the figures: no latency is not a fast one
            errors.append(str(e)[-500:])
            return
        latencies.extend(figures["latencies_ms"])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, stop, latencies


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(
    shipments: int = 5000,
    *,
    seed: int = 23,
    history_days: int = 4,
    duration_s: float = 90.0,
    rate: float = 50.0,
    batch_s: float = 10.0,
    events: int = 9,
    transport: str = "outbox",
    kill_worker_at: float | None = None,
    deadline_s: float = 120.0,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    from redlane.config import Settings
    from redlane.events import webhooks
    from redlane.policy import ensure_default_agreements
    from redlane.store.db import session_scope
    from redlane.store.migrate import ensure_schema
    from redlane.store.partners import ensure_default_partners

    progress("building the standing world")
    with standing_world(shipments, seed=seed, history_days=history_days) as world:
        env = {**world.env, "REDLANE_DATABASE_URL": ""}
        url = Settings(home=world.home).database
        ensure_schema(url)
        with session_scope(url) as session:
            ensure_default_partners(session)
            ensure_default_agreements(session)  # what the carrier may be told of a hold
        receiver = Receiver()
        work = world.root / "inbox"
        work.mkdir()
        parcels = _parcels(world.day_file, timedelta(hours=6))
        per_batch = max(1, int(rate * batch_s))
        with serving(receiver) as hook_url:
            with session_scope(url) as session:
                _sub, receiver.secret = webhooks.subscribe(
                    session, partner_id="carrier", url=hook_url, topics=["hold"], created_by="bench"
                )
            log = world.root / "worker.log"
            # a stream of its own: a run's outbox ids start at 1 again
            stream = f"REDLANE_BENCH_{uuid.uuid4().hex[:10].upper()}"
            worker = _worker(env, transport, stream, log)
            screening_errors: list[str] = []
            screening, stop_file, latencies = _screening(
                world.home, env, parcels, work, screening_errors
            )
            injected: list[Injected] = []
            taken: set[str] = set()
            started = time.monotonic()
            next_batch, next_event, batch_no, restarts = started, started + 2 * batch_s + 5, 0, 0
            every = max(1.0, (duration_s - 2 * batch_s - 5) / max(events, 1))
            killed = False
            progress(f"running {duration_s:.0f} s: {rate:.0f} parcels/s, {events} events")
            while time.monotonic() - started < duration_s:
                now = time.monotonic()
                if now >= next_batch:
                    lo = (batch_no * per_batch) % len(parcels)
                    chunk = [dict(r) for r in (parcels * 2)[lo : lo + per_batch]]
                    if batch_no * per_batch >= len(parcels):  # the day replayed: new parcel ids
                        for r in chunk:
                            r["hawb"] = f"{r['hawb']}R{batch_no}"
                    path = work / f"aed_{batch_no:04d}.csv"
                    _write_csv(path, chunk)
                    threading.Thread(target=_ingest, args=(path, env), daemon=True).start()
                    batch_no += 1
                    next_batch += batch_s
                if now >= next_event and len(injected) < events:
                    kind = KINDS[len(injected) % len(KINDS)]
                    made = _inject(kind, url, env, work, taken, len(injected))
                    if made is not None and made.must_hold:
                        injected.append(made)
                        taken |= made.must_hold
                    next_event += every
                if kill_worker_at is not None and not killed and now - started >= kill_worker_at:
                    worker.send_signal(signal.SIGKILL)
                    worker.wait()
                    worker = _worker(env, transport, stream, log)
                    killed, restarts = True, restarts + 1
                time.sleep(0.2)
            progress("waiting for the last deliveries")
            deadline = time.monotonic() + deadline_s
            while time.monotonic() < deadline and any(
                i.latency(receiver.holds) is None for i in injected
            ):
                time.sleep(0.5)
            stop_file.touch()
            screening.join(timeout=60)
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
            if transport == "nats":
                from redlane.config import get_settings
                from redlane.events.nats_transport import DEFAULT_SERVERS, delete_stream

                delete_stream(get_settings().nats_url or DEFAULT_SERVERS, stream)
        waits = [i.latency(receiver.holds) for i in injected]
        done = [w for w in waits if w is not None]
        by_kind = {
            kind: sorted(
                round(w, 2)
                for i, w in zip(injected, waits, strict=True)
                if i.kind == kind and w is not None
            )
            for kind in KINDS
        }
    return {
        "bench": "events",
        "transport": transport,
        "events": len(injected),
        "p50_s": round(statistics.median(done), 2) if done else None,
        "p95_s": round(_quantile(done, 0.95) or 0, 2) if done else None,
        "max_s": round(max(done), 2) if done else None,
        "lost": len(waits) - len(done),
        "duplicates_delivered": receiver.duplicates,
        "rejected_deliveries": receiver.rejected,
        "latency_s_by_kind": by_kind,
        "holds_delivered": len(receiver.holds),
        "messages_delivered": len(receiver.first_seen),
        "advance_data_batches": batch_no,
        "parcels_sent": batch_no * per_batch,
        "rate_parcels_per_s": rate,
        "duration_s": duration_s,
        "worker_killed": killed,
        "worker_restarts": restarts,
        "screening_requests": len(latencies),
        "screening_p50_ms": round(_quantile(latencies, 0.5) or 0, 2),
        "screening_p99_ms": round(_quantile(latencies, 0.99) or 0, 2),
        "screening_error": screening_errors[0] if screening_errors else None,
        "setup_s": world.setup_s,
        "shipments_per_day": shipments,
        "seed": seed,
        "cores": os.cpu_count() or 1,
    }
