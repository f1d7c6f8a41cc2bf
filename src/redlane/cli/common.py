"""What every command shares: the console, settings and the stores they point at."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from redlane.config import Settings, get_settings
from redlane.engine.warehouse import Warehouse

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


def warehouse() -> Warehouse:
    return Warehouse(settings().warehouse_path)


def print_json(data: Any) -> None:
    """Machine output goes to stdout alone, so it can be piped."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
