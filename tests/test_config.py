"""Settings: every ``REDLANE_*`` variable is declared in ``redlane.config`` and listed in the
README, nothing else in the package reads one from the environment, and the groups read at each
use see a change without ``get_settings.cache_clear()``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from redlane import config

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "redlane"
GROUPS: tuple[type[BaseSettings], ...] = (
    config.Settings,
    config.SparkSettings,
    config.IngestSettings,
    config.NormaliseSettings,
    config.SecretSettings,
    config.WebhookSettings,
)


def _variables() -> set[str]:
    return {config.env_name(group, field) for group in GROUPS for field in group.model_fields}


def test_every_variable_is_in_the_readme_table() -> None:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Configuration", 1)[1]
    listed = set(re.findall(r"^\| `(REDLANE_[A-Z_]+)` \|", section.split("\n## ", 1)[0], re.M))
    assert _variables() <= listed, f"add to the README: {sorted(_variables() - listed)}"
    assert listed - _variables() == {"REDLANE_TEST_POSTGRES_URL"}  # the tests' own


def test_only_config_reads_the_environment() -> None:
    """No module but config.py reads os.environ / os.getenv (writes, as the Spark session's
    PYSPARK_PYTHON default and the benchmarks' child environments, are fine)."""
    readers = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"get", "getenv", "__getitem__"}
                and ast.unparse(node.func.value) in {"os.environ", "os"}
                and (node.func.attr != "get" or ast.unparse(node.func.value) == "os.environ")
            ):
                readers.append(f"{path.relative_to(SRC)}:{node.lineno}")
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                if isinstance(node.ctx, ast.Load):
                    readers.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not readers, "read settings through redlane.config:\n" + "\n".join(readers)


def test_groups_are_read_at_each_use(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = config.Settings()  # as get_settings() caches it: the groups are not cached
    monkeypatch.setenv("REDLANE_SPARK_MASTER", "spark://one:7077")
    monkeypatch.setenv("REDLANE_NORMALISE_WORKERS", " 3 ")
    monkeypatch.setenv("REDLANE_INGEST_SPLIT_MIN_BYTES", "")
    assert settings.spark.master == "spark://one:7077"
    assert settings.normalise.workers == 3
    assert settings.ingest.split_min_bytes == 48 * 1024 * 1024
    monkeypatch.setenv("REDLANE_SPARK_MASTER", "yarn")
    assert settings.spark.master == "yarn"


def test_a_home_of_its_own_keeps_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDLANE_DATABASE_URL", raising=False)
    assert config.settings_for_home(tmp_path).database.endswith(f"{tmp_path}/redlane.db")
    monkeypatch.setenv("REDLANE_DATABASE_URL", "postgresql+psycopg://x@h/db")
    assert config.settings_for_home(tmp_path).database == "postgresql+psycopg://x@h/db"
