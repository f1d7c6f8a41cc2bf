"""Rich progress bars for the long steps (ingest, simulation)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from redlane.feeds.ingest import FileResult


class _Bars:
    """Starts and stops its Rich ``Progress`` as a context manager."""

    progress: Progress

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.progress.stop()


class IngestBars(_Bars):
    """One bar per file, by bytes read; implements ``redlane.feeds.ingest.IngestProgress``."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}", justify="left"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[records]:>10,} records"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task: TaskID | None = None

    def file_started(self, path: Path, total_bytes: int) -> None:
        self.task = self.progress.add_task(path.name, total=max(total_bytes, 1), records=0)

    def file_advanced(self, bytes_done: int, records: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=bytes_done, records=records)

    def file_stage(self, stage: str) -> None:
        if self.task is not None:
            name = self.progress.tasks[self.task].description.split(" ")[0]
            self.progress.update(self.task, description=f"{name} [dim]({stage})")

    def file_finished(self, result: FileResult) -> None:
        if self.task is None:
            return
        name = Path(result.path).name
        marks = {"loaded": "[green]✓", "already_ingested": "[cyan]=", "failed": "[red]✗"}
        task = self.progress.tasks[self.task]
        self.progress.update(
            self.task,
            description=f"{marks[result.status]} {name}",
            completed=task.total,
            records=result.records,
        )
        self.task = None


class StageBars(_Bars):
    """Bars keyed by stage name, fed by ``progress(stage, done, total)`` callbacks."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)
