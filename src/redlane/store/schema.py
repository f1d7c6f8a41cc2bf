"""The whole schema of the operational store: every model module, imported once.

Each model module adds its tables to :data:`redlane.store.base.Base.metadata` when imported;
this module imports them all, so :data:`metadata` holds every table. Alembic's environment
(``migrations/env.py``) diffs and migrates against it, and tests compare it with the migrations.
Add a new model module here.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import MetaData

from redlane.store import brand_models, case_models, event_models, idempotency_models, models
from redlane.store.base import Base

# Core tables (revision 0001, audit log 0003), cases (0002), brands (0004), idempotency keys (0005),
# events, parcels in flight and webhooks (0006).
MODEL_MODULES: Final = (models, case_models, brand_models, idempotency_models, event_models)

metadata: Final[MetaData] = Base.metadata
