"""Settings, read once from the environment (prefix ``REDLANE_``).

Tests override them by setting environment variables and calling ``get_settings.cache_clear()``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REDLANE_", extra="ignore")

    # Root of all state: warehouse, operational database, models. Git-ignored by default.
    home: Path = Field(default=Path("redlane-data"))
    # Operational store URL (SQLAlchemy). Empty means SQLite at HOME/redlane.db.
    database_url: str = ""
    # Warehouse directory. Empty means HOME/warehouse.
    warehouse_dir: Path | None = None
    # DuckDB memory limit of each warehouse connection, e.g. "4GB"; beyond it DuckDB spills to
    # the temporary directory. Empty: a third of physical memory.
    duckdb_memory_limit: str = ""
    # Most shipments of a day one feature query takes (the day is split into groups of whole
    # ports beyond it). 0: what the DuckDB memory limit holds (redlane.targeting.day_features).
    feature_group_rows: int = 0

    @property
    def warehouse_path(self) -> Path:
        return self.warehouse_dir if self.warehouse_dir is not None else self.home / "warehouse"

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'redlane.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
