"""Rule and lookout criteria checked against the targeting engine before they are stored.

The screener compiles every active rule and lookout when it loads; one malformed criteria
would stop it loading for everyone. So the service refuses (422) criteria the engine
(``redlane.targeting.rules``) cannot compile. The feature columns are read once per process.
Without the targeting package (a partial install) criteria are stored unchecked.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from redlane.api.problems import Problem

_columns: list[str] | None = None
_lock = threading.Lock()


def feature_columns(home: Path, warehouse_path: Path) -> list[str] | None:
    global _columns
    with _lock:
        if _columns is None:
            try:
                features = importlib.import_module("redlane.targeting.features")
            except ImportError:
                return None
            con = features.open_features_connection(home, warehouse_path, features.empty_labels())
            try:
                _columns = list(features.compute_features(con, "FALSE").column_names)
            finally:
                con.close()
        return _columns


def check_criteria(
    kind: str | None, criteria: Mapping[str, Any], home: Path, warehouse_path: Path
) -> None:
    """Raise a 422 problem unless the engine can compile these criteria.

    ``kind`` is the lookout kind (``actor``, ``identifier``, ``pattern``), None for a rule.
    """
    try:
        rules = importlib.import_module("redlane.targeting.rules")
    except ImportError:
        return
    columns = feature_columns(home, warehouse_path)
    if columns is None:
        return
    try:
        compiled = rules.lookout_criteria(kind, criteria) if kind else dict(criteria)
        rules.to_sql(compiled, columns)
    except rules.CriteriaError as e:
        raise Problem(422, f"criteria not understood: {e.detail}", kind="bad-criteria") from e
    except (TypeError, ValueError, AttributeError) as e:
        raise Problem(422, f"criteria not understood: {e}", kind="bad-criteria") from e
