"""FollowTheMoney (FtM) interop: a case as FtM entities out, FtM entities in as lookouts.

Mapping (see ``docs/cases.md``): actor → ``LegalEntity``; party appearance → ``LegalEntity`` tied
to its actor by ``Similar`` (redlane's resolution is a match judgement, not a merge); bank account
→ ``BankAccount`` + ``Ownership``; social handle / device / IP → ``UserAccount``; ring →
``Organization`` + ``Membership``; actor-graph edge → ``UnknownLink``; case → ``Project`` +
``ProjectParticipant`` (role ``target``); seizure → ``Event`` (FtM has no shipment schema: the
shipment's hawb is the event's ``recordId``, its parties are ``involved``, goods, quantity and
value are in ``summary``). Ids are readable and stable: ``redlane-<kind>-<id>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from followthemoney import model
from followthemoney.proxy import EntityProxy
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.cases.ftm_resolve import EntityResolver
from redlane.cases.records import Linked
from redlane.store import audit, outbox
from redlane.store.models import FROM_START, LANES, Lookout, User

PREFIX: Final = "redlane"
PUBLISHER: Final = "redlane"
# FtM schemata imported as lookouts: every kind of legal entity.
LOOKOUT_SCHEMA: Final = "LegalEntity"


def fid(kind: str, ref: object) -> str:
    return f"{PREFIX}-{kind}-{ref}"


def _entity(schema: str, entity_id: str, **props: Iterable[object] | object) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    for prop, values in props.items():
        items = values if isinstance(values, list | tuple | set) else [values]
        for value in items:
            if value is not None and value != "":
                proxy.add(prop, str(value))
    return proxy


def case_entities(detail: dict[str, Any], linked: Linked) -> list[dict[str, Any]]:
    """FtM entities (as dicts) for a case and everything it links to."""
    return [p.to_dict() for p in _case_proxies(detail, linked)]


def _case_proxies(detail: dict[str, Any], linked: Linked) -> Iterator[EntityProxy]:
    case_id = fid("case", detail["id"])
    yield _entity(
        "Project",
        case_id,
        name=detail["title"],
        status=detail["status"],
        startDate=detail["created_at"][:10],
        publisher=PUBLISHER,
        projectId=str(detail["id"]),
    )
    actor_ids = set()
    for actor in linked.actors:
        actor_id = str(actor["actor_id"])
        actor_ids.add(actor_id)
        ids = linked.identifiers.get(actor_id, {})
        names = [n for n in ids.get("name", []) if n != actor.get("display_name")]
        yield _entity(
            "LegalEntity",
            fid("actor", actor_id),
            name=actor.get("display_name"),
            alias=names,
            phone=ids.get("phone", []),
            email=ids.get("email", []),
            address=ids.get("address", []),
            country=ids.get("country", []),
            notes=actor.get("risk_reasons") or [],
            description=f"redlane actor, risk {actor.get('risk')}",
            publisher=PUBLISHER,
        )
        yield _entity(
            "ProjectParticipant",
            fid("participant", f"{detail['id']}-{actor_id}"),
            project=case_id,
            participant=fid("actor", actor_id),
            role="target",
        )
        for account in ids.get("bank_account", []):
            account_id = fid("bank", account)
            yield _entity("BankAccount", account_id, accountNumber=account, iban=account)
            yield _entity(
                "Ownership",
                fid("owns", f"{actor_id}-{account}"),
                owner=fid("actor", actor_id),
                asset=account_id,
            )
        for kind in ("handle", "device_id", "ip_address"):
            for value in ids.get(kind, []):
                props: dict[str, object] = {"owner": fid("actor", actor_id), "service": kind}
                props["ipAddress" if kind == "ip_address" else "username"] = value
                yield _entity("UserAccount", fid(kind.replace("_", ""), value), **props)
    for party in linked.parties:
        party_id = fid("party", party["party_id"])
        yield _entity(
            "LegalEntity",
            party_id,
            name=party.get("name"),
            address=party.get("address"),
            country=party.get("country"),
            phone=party.get("phone"),
            email=party.get("email"),
            description=(
                f"{party.get('role')} in {party.get('source_table')} {party.get('record_key')}"
            ),
            publisher=PUBLISHER,
        )
        yield _entity(
            "Similar",
            fid("similar", f"{party['party_id']}-{party['actor_id']}"),
            candidate=party_id,
            match=fid("actor", party["actor_id"]),
            matcher="redlane resolution",
        )
    for ring in linked.rings:
        ring_id = fid("ring", ring["ring_id"])
        yield _entity(
            "Organization",
            ring_id,
            name=f"Ring {ring['ring_id']}",
            description=(
                f"network of {ring.get('n_actors')} actors found by redlane; risk "
                f"{ring.get('risk')}, seizures {ring.get('seizures')}"
            ),
            publisher=PUBLISHER,
        )
        for member in ring.get("actor_ids") or []:
            if str(member) in actor_ids:
                yield _entity(
                    "Membership",
                    fid("member", f"{ring['ring_id']}-{member}"),
                    member=fid("actor", member),
                    organization=ring_id,
                )
    for edge in linked.edges:
        src, dst = str(edge["src_actor_id"]), str(edge["dst_actor_id"])
        yield _entity(
            "UnknownLink",
            fid("link", f"{src}-{dst}-{edge.get('kind')}"),
            subject=fid("actor", src),
            object=fid("actor", dst),
            role=edge.get("kind"),
            description=edge.get("detail"),
        )
    for seizure in linked.seizures:
        hawb = seizure.get("hawb")
        involved = sorted(
            {
                fid("actor", p["actor_id"])
                for p in linked.parties
                if p.get("source_table") == "aed_shipments" and p.get("record_key") == hawb
            }
        )
        yield _entity(
            "Event",
            fid("seizure", seizure["inspection_id"]),
            name=f"Seizure {seizure['inspection_id']} (hawb {hawb})",
            date=str(seizure.get("inspected_at") or "")[:10],
            location=seizure.get("port_code"),
            recordId=hawb,
            involved=involved,
            summary=(
                f"{seizure.get('seized_quantity')} items of {seizure.get('brand')} seized, "
                f"value {seizure.get('seized_value')} {seizure.get('currency')}"
            ),
            publisher=PUBLISHER,
        )


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    already: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    invalid_lines: list[int] = field(default_factory=list)
    # With --resolve: lookouts matched by actors, and values left out as shared infrastructure.
    resolved: int = 0
    infrastructure_values: int = 0
    namesake_names: int = 0


def _owner(session: Session, username: str, partner_id: str) -> User:
    """The user that owns imported lookouts; made (without a password) if missing."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, partner_id=partner_id, role="investigator")
        session.add(user)
        session.flush()
    return user


def lookout_criteria(
    proxy: EntityProxy, dataset: str, resolver: EntityResolver | None = None
) -> dict[str, Any]:
    """The lookout's criteria; with a ``resolver`` (``--resolve``), the actor the entity
    resolves to best (``actor_ids``, matched instead of the lists; every actor above the
    threshold is in ``resolved``) or, when it resolves to none, the lists less the values shared
    infrastructure holds (``held_by_infrastructure``) and the names other actors bear too
    (``held_by_namesakes``)."""
    criteria: dict[str, Any] = {
        "source": "ftm",
        "dataset": dataset,
        "ftm_id": proxy.id,
        "schema": proxy.schema.name,
        "names": sorted(set(proxy.get("name")) | set(proxy.get("alias"))),
        "phones": sorted(proxy.get("phone", quiet=True)),
        "emails": sorted(proxy.get("email", quiet=True)),
        "addresses": sorted(proxy.get("address", quiet=True)),
        "countries": sorted(proxy.get("country", quiet=True)),
        "topics": sorted(proxy.get("topics", quiet=True)),
    }
    if resolver is None:
        return criteria
    resolution = resolver.resolve(proxy)
    criteria["resolved"] = {"threshold": resolver.threshold, "actors": resolution.actors}
    if resolution.best is not None:
        criteria["actor_ids"] = [resolution.best]
        return criteria
    criteria["held_by_infrastructure"] = resolution.held_by_infrastructure
    for key, values in resolution.held_by_infrastructure.items():
        criteria[key] = [v for v in criteria[key] if v not in values]
    criteria["held_by_namesakes"] = resolution.held_by_namesakes
    criteria["names"] = [n for n in criteria["names"] if n not in resolution.held_by_namesakes]
    return criteria


def import_lookouts(
    session: Session,
    path: Path,
    *,
    actor: str,
    partner_id: str = "ipcc",
    lane: str = "yellow",
    reason: str = "",
    resolver: EntityResolver | None = None,
) -> ImportResult:
    """Each legal entity (Person, Company, Organization, ...) of a JSON-lines FtM file becomes
    an ``identifier`` lookout; entities already imported (same FtM id) are left alone. With a
    ``resolver``, each is matched by the actors it resolves to (see :func:`lookout_criteria`)."""
    if lane not in LANES:
        raise ValueError(f"lane must be one of {', '.join(LANES)}")
    owner = _owner(session, actor, partner_id)
    known = {
        str(lookout.criteria.get("ftm_id"))
        for lookout in session.scalars(select(Lookout).where(Lookout.kind == "identifier"))
        if lookout.criteria.get("source") == "ftm"
    }
    result = ImportResult()
    dataset = path.name
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                proxy = model.get_proxy(json.loads(line))
            except (ValueError, TypeError, KeyError, AttributeError):
                result.invalid_lines.append(number)
                continue
            if not proxy.schema.is_a(LOOKOUT_SCHEMA):
                result.skipped[proxy.schema.name] = result.skipped.get(proxy.schema.name, 0) + 1
                continue
            if proxy.id is None or proxy.id in known:
                result.already += 1
                continue
            criteria = lookout_criteria(proxy, dataset, resolver)
            result.resolved += bool(criteria.get("actor_ids"))
            result.infrastructure_values += sum(
                len(v) for v in (criteria.get("held_by_infrastructure") or {}).values()
            )
            result.namesake_names += len(criteria.get("held_by_namesakes") or ())
            lookout = Lookout(
                owner_id=owner.id,
                partner_id=partner_id,
                kind="identifier",
                criteria=criteria,
                lane=lane,
                reason=reason or f"FollowTheMoney {proxy.schema.name} {proxy.caption} ({dataset})",
                valid_from=FROM_START,
                valid_to=None,
                active=True,
            )
            session.add(lookout)
            session.flush()
            known.add(proxy.id)
            result.created.append(lookout.id)
    if result.created:
        # Lookouts change decisions: the parcels in flight are screened against them
        # (redlane.events), in this import's transaction.
        outbox.emit(
            session,
            "lookout.changed",
            f"import:{dataset}",
            {"ids": result.created, "kind": "identifier", "criteria": {}, "source": "ftm"},
        )
    audit.append(
        session,
        actor=actor,
        partner_id=partner_id,
        action="lookout.import",
        object_type="lookout",
        object_ids=result.created,
        reason=f"FollowTheMoney import of {dataset}",
        details={
            "file": str(path),
            "created": len(result.created),
            "already": result.already,
            "skipped": result.skipped,
            "invalid_lines": result.invalid_lines[:100],
            "resolve": resolver is not None,
            "resolved": result.resolved,
            "infrastructure_values": result.infrastructure_values,
            "namesake_names": result.namesake_names,
        },
    )
    return result
