"""Settings: every ``REDLANE_*`` environment variable redlane reads, in one place.

:class:`Settings` holds them all; the knobs of one part of the system are a group of their own
(``settings.spark.master`` is ``REDLANE_SPARK_MASTER``). :func:`get_settings` reads the
environment once and caches the result; tests override it by setting environment variables and
calling ``get_settings.cache_clear()``.

The groups (``spark``, ``ingest``, ``normalise``, ``secrets``, ``webhooks``) are read from the
environment each time they are asked for, as the code they configure always read them: a Spark
session, a staged file, a normalisation run, a key file or a webhook delivery pass sees the
environment as it is at that moment, without a cache to clear, and a malformed value fails only
the part that uses it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, SettingsConfigDict


def _int_or_default(value: Any) -> Any:
    """A count given in the environment: blanks mean the default, else Python's ``int()``."""
    if isinstance(value, str):
        if not value.strip():
            raise PydanticUseDefault()
        return int(value)
    return value


class SparkSettings(BaseSettings):
    """``REDLANE_SPARK_*``: the Spark session of the scale path (read when one is built)."""

    model_config = SettingsConfigDict(env_prefix="REDLANE_SPARK_", extra="ignore")

    # Spark master: local[N] on one machine, spark://host:7077, yarn or k8s://… on a cluster.
    master: str = "local[2]"
    # Driver JVM heap; results of a resolution run are collected on the driver.
    driver_memory: str = "2g"
    # Shuffle partitions: Spark's default of 200 is far too many for local[2].
    shuffle_partitions: int = 8
    # Tungsten page (spark.buffer.pageSize). A broadcast hash table on non-integer keys takes a
    # whole page however few rows it holds, and Spark's default page grows with the heap (32 MB
    # on a 2 GB local[2] driver): the feature query's dozens of them, all kept by the one JVM
    # of local[N], took 1 GB of the driver's 2 and the next broadcast failed for want of memory
    # (docs/scaling.md, Parity). Empty: Spark's default.
    page_size: str = "1m"
    # Where Splink checkpoints intermediate tables on a cluster (a path every executor can
    # reach, e.g. s3a://bucket/checkpoints); local sessions cache them in memory instead.
    checkpoint_dir: str = ""
    # When set, paths under REDLANE_HOME are read from here instead (a mirror the executors
    # can reach, e.g. s3a://bucket/redlane); empty reads the local paths.
    home_uri: str = ""


class IngestSettings(BaseSettings):
    """Ingest (read for every file): ``REDLANE_INGEST_*`` and the crash-test hook."""

    model_config = SettingsConfigDict(env_prefix="REDLANE_INGEST_", extra="ignore")

    # A CSV file from this size is parsed in two halves at once, the second in a worker
    # process: below it a worker's start (about a second) is not repaid (redlane.feeds.stage).
    split_min_bytes: int = 48 * 1024 * 1024
    # Test hook (REDLANE_FAULT_POINT): name a point of redlane.feeds.ingest.FAULT_POINTS and
    # the process kills itself there, as a crash would. Empty: never.
    fault_point: str = Field(default="", validation_alias=AliasChoices("REDLANE_FAULT_POINT"))

    _split_min_bytes = field_validator("split_min_bytes", mode="before")(_int_or_default)


class NormaliseSettings(BaseSettings):
    """``REDLANE_NORMALISE_*``: worker processes of party normalisation (read at every run)."""

    model_config = SettingsConfigDict(env_prefix="REDLANE_NORMALISE_", extra="ignore")

    # Worker processes for the maps of many distinct values; 1 forces serial. None (unset):
    # os.cpu_count().
    workers: int | None = None
    # A map is normalised in the workers from this many distinct values (below it, starting
    # them is not repaid; redlane.resolve.prepare).
    parallel_min: int = 30_000

    _counts = field_validator("workers", "parallel_min", mode="before")(_int_or_default)


class SecretSettings(BaseSettings):
    """Deployment secrets given in the environment (read at every use); when one is unset its
    key file under ``HOME/secrets`` is used, made on first use (:mod:`redlane.secret_files`)."""

    model_config = SettingsConfigDict(env_prefix="REDLANE_", extra="ignore")

    # The service's token and session signing key (≥ 32 characters), else HOME/secrets/jwt.key.
    secret_key: SecretStr = SecretStr("")
    # The key authentication codes are hashed with (≥ 32 characters), else
    # HOME/secrets/codes.key.
    code_key: SecretStr = SecretStr("")


class WebhookSettings(BaseSettings):
    """``REDLANE_WEBHOOKS_*``: pushing messages to partners' webhooks (read at every delivery
    pass, so a deliverer that runs for days picks up a change without a restart)."""

    model_config = SettingsConfigDict(env_prefix="REDLANE_WEBHOOKS_", extra="ignore")

    # Attempts before a message is dead-lettered (then only a replay sends it again).
    max_attempts: int = 8
    # Wait after the first failed attempt, doubled after each further one, up to the cap.
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    # A receiver that has not answered in this long counts as a failed attempt.
    timeout_s: float = 10.0

    _max_attempts = field_validator("max_attempts", mode="before")(_int_or_default)


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
    # NATS server(s) of the broker transport of events, comma-separated
    # (redlane.events.nats_transport). Empty: events go through the embedded outbox transport.
    nats_url: str = ""

    # The groups, read from the environment each time they are asked for (see the module).
    @property
    def spark(self) -> SparkSettings:
        return SparkSettings()

    @property
    def ingest(self) -> IngestSettings:
        return IngestSettings()

    @property
    def normalise(self) -> NormaliseSettings:
        return NormaliseSettings()

    @property
    def secrets(self) -> SecretSettings:
        return SecretSettings()

    @property
    def webhooks(self) -> WebhookSettings:
        return WebhookSettings()

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


def settings_for_home(home: Path) -> Settings:
    """The environment's settings (read now, not cached) with ``home`` as ``REDLANE_HOME``:
    for code handed a home of its own, such as a resolution run's. Defaults derived from the
    home follow it (the store is SQLite at ``home/redlane.db`` unless REDLANE_DATABASE_URL)."""
    return Settings(home=home)


def env_name(group: type[BaseSettings], field: str) -> str:
    """The environment variable of ``field`` of a settings class (its alias, if it has one)."""
    info = group.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    if isinstance(alias, str):
        return alias
    return f"{group.model_config.get('env_prefix', '')}{field}".upper()


def named_variable(name: str) -> str | None:
    """The value of an environment variable the user named on the command line (a key handed
    over as ``--key-env NAME``), not one of redlane's own settings; None when unset."""
    return os.environ.get(name)
