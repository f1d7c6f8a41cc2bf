"""Timed work runs in a child process so that its wall time and peak memory are its own.

A child is a short Python snippet (``-c``) that prints its figures as one JSON line last;
:class:`Laps` inside it records each stage's seconds and the process's peak RSS when the stage
ends (peak RSS never goes down, so the stage that raised it is the first whose figure jumps).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process, or of its waited-for children (Linux: KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process so far, every thread (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Laps:
    """Stage stopwatch: ``lap(name)`` closes the stage that ran since the previous lap.

    CPU seconds are kept beside wall seconds: on a shared machine wall time also counts the
    time other processes held the cores, CPU time does not.
    """

    def __init__(self) -> None:
        self.started = self._mark = time.perf_counter()
        self._cpu = cpu_seconds()
        self.seconds: dict[str, float] = {}
        self.cpu_s: dict[str, float] = {}
        self.peak_rss_mb: dict[str, float] = {}

    def lap(self, name: str) -> None:
        """A stage that runs in pieces (one port after another) adds its pieces up."""
        now, cpu = time.perf_counter(), cpu_seconds()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self._mark, 2)
        self.cpu_s[name] = round(self.cpu_s.get(name, 0.0) + cpu - self._cpu, 2)
        self.peak_rss_mb[name] = round(peak_rss_mb())
        self._mark, self._cpu = now, cpu

    def wall(self) -> float:
        return round(time.perf_counter() - self.started, 2)


def run_child(
    code: str, args: Sequence[str], env: Mapping[str, str] | None = None, what: str = "child"
) -> dict[str, Any]:
    """Run ``python -c code args...``; its last stdout line is the JSON it returns."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench {what} failed: {proc.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


def run_cli(args: Sequence[str], env: Mapping[str, str], ok: tuple[int, ...] = (0,)) -> None:
    """``redlane ARGS`` as setup (untimed); exit codes outside ``ok`` raise with its stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "redlane.cli", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode not in ok:
        raise RuntimeError(f"setup step `redlane {' '.join(args)}` failed: {proc.stderr[-2000:]}")


def per_core(count: float, seconds: float) -> float | None:
    return round(count / seconds / (os.cpu_count() or 1), 1) if seconds else None
