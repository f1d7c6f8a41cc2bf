"""The operational store: cases, plans, outcomes, lookouts, users, partners, agreements, audit.

SQLite by default, PostgreSQL in production; one module per job:
``models`` (tables), ``db`` (engines and ``session_scope``), ``migrate`` (``ensure_schema`` at
startup), ``audit`` (hash-chained log), ``partners`` (default partners). Import the module you
need; nothing is imported here, so ``import redlane`` stays free of SQLAlchemy.
"""
