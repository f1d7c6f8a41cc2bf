"""Events from the two stores that have no outbox of their own: warehouse batches and
resolution runs.

A batch is committed by a manifest's atomic rename, in another store than the outbox, so no one
transaction can hold both. Its event is derived from the commit record instead: a watcher lists
manifests newer than the last one it announced and emits one ``batch.committed`` each, under a
unique key. A crash between commit and emit loses nothing (the next pass finds the manifest) and
a second watcher adds nothing (the key is taken). The same holds for a published resolution run
(``current.json``). Events start when the first watcher starts: the batches already in the
warehouse then are history, not events.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Final

from sqlalchemy import func, select

from redlane.store import outbox
from redlane.store.db import session_scope
from redlane.store.event_models import OutboxEvent

_MANIFEST: Final = re.compile(r"^(\d{9})-(.+)\.json$")
BATCH_KEY: Final = "batch:"
RUN_KEY: Final = "run:"


def _manifests(warehouse: Path) -> list[tuple[int, str, Path]]:
    folder = warehouse / "_batches"
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if m := _MANIFEST.match(path.name):
            found.append((int(m.group(1)), m.group(2), path))
    return sorted(found)


class SourceWatcher:
    """Emits ``batch.committed`` and ``resolution.run`` events for what is new since the last
    pass; ``poll()`` is cheap (a directory listing and one small file read)."""

    def __init__(self, database_url: str, home: Path, warehouse: Path) -> None:
        self.database_url = database_url
        self.home = home
        self.warehouse = warehouse
        self.last_seq = self._announced_seq()
        self.run_id = self._announced_run()

    def _announced_seq(self) -> int:
        with session_scope(self.database_url, readonly=True) as session:
            last = session.execute(
                select(func.max(OutboxEvent.dedupe_key)).where(
                    OutboxEvent.dedupe_key.like(f"{BATCH_KEY}%")
                )
            ).scalar_one_or_none()
        if last:
            return int(last[len(BATCH_KEY) :].split(":")[0])
        found = _manifests(self.warehouse)
        return found[-1][0] if found else 0

    def _current_run(self) -> str | None:
        pointer = self.home / "resolution" / "current.json"
        try:
            run_id = json.loads(pointer.read_text(encoding="utf-8")).get("run_id")
        except (OSError, ValueError):
            return None
        return str(run_id) if run_id else None

    def _announced_run(self) -> str | None:
        return self._current_run()

    def poll(self) -> int:
        """Emit what is new; returns how many events were added."""
        added = 0
        for seq, batch_id, path in _manifests(self.warehouse):
            if seq <= self.last_seq:
                continue
            try:
                manifest = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                break  # renamed into place whole, so unreadable means gone: look again next pass
            with session_scope(self.database_url) as session:
                if outbox.emit(
                    session,
                    "batch.committed",
                    f"batch:{batch_id}",
                    {
                        "batch_id": batch_id,
                        "seq": seq,
                        "feed": manifest.get("feed"),
                        "partner": manifest.get("partner"),
                        "source_file": manifest.get("source_file"),
                        "tables": sorted(manifest.get("tables") or {}),
                    },
                    dedupe_key=f"{BATCH_KEY}{seq:09d}:{batch_id}",
                ):
                    added += 1
            self.last_seq = seq
        run_id = self._current_run()
        if run_id and run_id != self.run_id:
            with session_scope(self.database_url) as session:
                if outbox.emit(
                    session,
                    "resolution.run",
                    f"run:{run_id}",
                    {"run_id": run_id},
                    dedupe_key=f"{RUN_KEY}{run_id}",
                ):
                    added += 1
            self.run_id = run_id
        return added
