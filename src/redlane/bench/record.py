"""Where benchmark figures go: JSON lines with machine info and the git revision."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, Any]:
    mem_kb = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            mem_kb = int(meminfo.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "mem_gb": round(mem_kb / 1024 / 1024, 1),
        # other work on the machine inflates wall times: compare runs at similar load
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def append_result(results_dir: Path, name: str, figures: dict[str, Any]) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.jsonl"
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_revision(),
        "machine": machine_info(),
        **figures,
    }
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    return path
