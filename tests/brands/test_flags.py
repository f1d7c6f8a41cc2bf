"""Flag accuracy and the fast path, in the store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from redlane.api.users import add_user
from redlane.brands import flags, registry
from redlane.brands.scope import CliCaller, scope_for
from redlane.config import get_settings
from redlane.store.db import session_scope
from redlane.store.event_models import OutboxEvent
from redlane.store.migrate import ensure_schema
from redlane.store.models import Lookout, User
from redlane.store.partners import ensure_default_partners

ADMIN = CliCaller("test-admin")
ANALYST = CliCaller("analyst", role="targeting_analyst", partner_id="customs", user_id=None)


def test_a_good_record_earns_the_fast_path_and_rejections_take_it_away(home: Path) -> None:
    url = get_settings().database
    ensure_schema(url)
    with session_scope(url) as session:
        ensure_default_partners(session)
        user = add_user(session, "rh", "a long enough password", "rights_holder", home=home)
        registry.ensure_holder(session, "Acme Brands Inc.")
        registry.link_user(session, "rh", "acme-brands-inc", ADMIN)
        holder_user = session.execute(select(User).where(User.username == "rh")).scalar_one()
        caller = CliCaller("rh", role="rights_holder", partner_id="rights_holders", user_id=user.id)
        scope = scope_for(session, caller)
        registry.create_brand(session, scope, name="Acme", brand_ref="ACME")

        def flag(ref: str) -> flags.BrandFlag:
            return flags.create_flag(
                session, scope, "ACME", target_kind="seller", target_ref=ref, reason="fakes"
            )

        first = [flag(f"S-{i}") for i in range(3)]
        assert not any(f.fast_path or f.lookout_id for f in first)
        for f in first:
            flags.confirm(session, ANALYST, f.id, by="test_buy", ref=f"TB-{f.id}")
        holder_id = scope.holder_id
        assert holder_id is not None
        acc = flags.accuracy(session, holder_id)
        assert (acc.confirmed, acc.precision, acc.fast_path) == (3, 1.0, True)
        fast = flag("S-9")
        lookout = session.get(Lookout, fast.lookout_id)
        assert fast.fast_path and lookout is not None and lookout.active
        assert lookout.lane == "yellow" and lookout.owner_id == holder_user.id
        reviewer = CliCaller("analyst", role="targeting_analyst", partner_id="customs", user_id=1)
        flags.decide(session, reviewer, fast.id, accept=False, reason="a competitor")
        assert not lookout.active
        # the lookout's birth and retirement are events: parcels in flight follow both
        changes = [
            (e.payload["id"], e.payload["active"], e.payload["source"])
            for e in session.scalars(
                select(OutboxEvent).where(OutboxEvent.kind == "lookout.changed")
            )
        ]
        assert changes == [(lookout.id, True, "brand_flag"), (lookout.id, False, "brand_flag")]
        for i in range(2):
            f = flag(f"S-x{i}")
            flags.decide(session, reviewer, f.id, accept=False, reason="wrong")
        acc = flags.accuracy(session, holder_id)
        assert acc.rejected == 3 and acc.precision == 0.5 and not acc.fast_path
        assert not flag("S-10").fast_path
