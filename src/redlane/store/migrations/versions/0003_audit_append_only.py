"""Audit log append-only on PostgreSQL: triggers reject UPDATE, DELETE and TRUNCATE.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

The hash chain (see ``redlane.store.audit``) detects tampering after the fact; these triggers stop
it from happening through the application's database role. They bind every role, the table's
owner included, but an owner or superuser can still ``ALTER TABLE ... DISABLE TRIGGER``: run the
application as a role that does not own the tables, and keep the chain's head elsewhere.

SQLite has no roles and anyone who can open the file can rewrite it, so nothing is installed
there; the hash chain is SQLite's only protection.

Self-contained like 0001: imports nothing from redlane.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "audit_log_reject_change"
ROW_TRIGGER = "audit_log_no_update_delete"
TRUNCATE_TRIGGER = "audit_log_no_truncate"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    # SQLSTATE 42501 (insufficient_privilege) so drivers report it as a permission error.
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
                USING ERRCODE = '42501';
        END;
        $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {ROW_TRIGGER} BEFORE UPDATE OR DELETE ON audit_log "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )
    op.execute(
        f"CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON audit_log "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def downgrade() -> None:
    if not _postgresql():
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON audit_log")
    op.execute(f"DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON audit_log")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
