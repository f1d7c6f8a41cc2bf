"""The operational store: cases, plans, outcomes, lookouts, users, partners, agreements, audit.

SQLite by default, PostgreSQL in production; one module per job:
``base`` (the declarative ``Base``, ``one_of``, the constraint naming convention), the tables in
``models`` (core), ``case_models``, ``brand_models`` and ``idempotency_models``, ``schema``
(imports every model module: the whole ``metadata``, for Alembic and the schema tests), ``db``
(engines and ``session_scope``), ``migrate`` (``ensure_schema`` at startup), ``audit``
(hash-chained log), ``partners`` (default partners). Import the module you need; nothing is
imported here, so ``import redlane`` stays free of SQLAlchemy.
"""
