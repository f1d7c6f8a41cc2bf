"""Evidence packages: contents, signature, and a tamper test for every way to change one."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from followthemoney import model
from sqlalchemy import select

from redlane.cases import package, service
from redlane.cases.evidence import add_evidence
from redlane.cases.keys import fingerprint, key_path, public_pem
from redlane.cases.workflow import CaseError
from redlane.policy import Viewer, ensure_default_agreements
from redlane.store.case_models import CustodyEvent
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry
from redlane.store.partners import ensure_default_partners

ME = "cli:tester"


def _case_with_evidence(settings) -> int:
    with session_scope(settings.database) as session:
        case_id = service.open_case(
            session, settings, kind="ring", ref="R1", title="Ring R1", actor=ME
        ).id
        service.add_note(session, case_id, "internal: informant says so", actor=ME)
        add_evidence(
            session,
            settings,
            case_id,
            data=b'{"seizure": "I1"}',
            filename="seizure.json",
            kind="seizure_record",
            source_partner="customs",
            actor=ME,
        )
        add_evidence(
            session,
            settings,
            case_id,
            data=b"listing screenshot",
            filename="../../etc/listing shot.png",
            kind="listing_snapshot",
            source_partner="marketplace",
            actor=ME,
        )
    return case_id


@pytest.fixture(scope="module")
def exported(tmp_path_factory, world_template) -> Path:
    """One export shared by the read-only checks (exporting draws a PDF: ~1 s)."""
    import shutil

    from redlane.config import Settings
    from redlane.store.migrate import upgrade

    home = tmp_path_factory.mktemp("exp") / "home"
    shutil.copytree(world_template, home)
    settings = Settings(home=home)
    upgrade(settings.database)
    case_id = _case_with_evidence(settings)
    out = home / "exports" / "case"
    with session_scope(settings.database) as session:
        package.export_case(session, settings, case_id, out, actor=ME)
    return out


def test_package_contents(exported: Path) -> None:
    names = {p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()}
    assert {
        "case-1.pdf",
        "case.json",
        "ftm.json",
        "network.png",
        "manifest.json",
        "manifest.sig",
        "public_key.pem",
        "evidence/0001-seizure.json",
        "evidence/0002-listing_shot.png",
    } == names
    assert (exported / "case-1.pdf").read_bytes().startswith(b"%PDF")
    assert (exported / "evidence/0001-seizure.json").read_bytes() == b'{"seizure": "I1"}'
    doc = json.loads((exported / "case.json").read_text())
    assert doc["case"]["id"] == 1 and doc["case"]["status"] == "lead"
    assert {a["actor_id"] for a in doc["linked"]["actors"]} == {"A1", "A2"}
    assert [s["inspection_id"] for s in doc["linked"]["seizures"]] == ["I1"]
    assert doc["case"]["notes"][0]["text"].startswith("internal")
    manifest = json.loads((exported / "manifest.json").read_text())
    assert {f["path"] for f in manifest["files"]} == names - set(package.CONTROL_FILES)
    entities = [json.loads(line) for line in (exported / "ftm.json").read_text().splitlines()]
    schemata = {e["schema"] for e in entities}
    assert {"Project", "LegalEntity", "Event", "Organization", "Membership"} <= schemata
    for e in entities:
        model.get_proxy(e)  # every entity is valid FtM


def test_intact_package_verifies(exported: Path) -> None:
    report = package.verify(exported)
    assert report.ok, report.problems
    assert report.case_id == 1 and report.files == 6
    assert package.verify(exported, report.key_fingerprint).ok


def _copy(exported: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "pkg"
    shutil.copytree(exported, target)
    return target


@pytest.mark.parametrize(
    ("tamper", "path", "problem"),
    [
        (lambda d: (d / "case.json").write_text("{}"), "case.json", "changed"),
        (
            lambda d: (d / "evidence/0001-seizure.json").write_bytes(b'{"seizure": "I2"}'),
            "evidence/0001-seizure.json",
            "changed",
        ),
        (lambda d: (d / "case-1.pdf").unlink(), "case-1.pdf", "removed"),
        (lambda d: (d / "evidence" / "extra.txt").write_text("x"), "evidence/extra.txt", "added"),
        (lambda d: (d / "notes.txt").write_text("x"), "notes.txt", "added"),
        (
            lambda d: (d / "manifest.json").write_text(
                (d / "manifest.json").read_text().replace('"case_id": 1', '"case_id": 2')
            ),
            "manifest.json",
            "signature",
        ),
        (lambda d: (d / "manifest.sig").unlink(), "manifest.sig", "removed"),
        (
            lambda d: (d / "public_key.pem").write_bytes(
                public_pem(Ed25519PrivateKey.generate().public_key())
            ),
            "manifest.json",
            "signature",
        ),
    ],
    ids=[
        "changed-json",
        "changed-evidence",
        "removed-pdf",
        "added-evidence",
        "added-root",
        "edited-manifest",
        "removed-signature",
        "swapped-key",
    ],
)
def test_tampering_is_named(exported: Path, tmp_path: Path, tamper, path, problem) -> None:
    pkg = _copy(exported, tmp_path)
    tamper(pkg)

    report = package.verify(pkg)

    assert not report.ok
    assert any(p.path == path and problem in p.problem for p in report.problems), report.problems


def test_resigned_package_fails_against_the_pinned_key(exported: Path, tmp_path: Path) -> None:
    """A forger who edits a file and re-signs everything with their own key passes the
    self-contained check but not a check against the deployment's pinned fingerprint."""
    trusted = package.verify(exported).key_fingerprint
    pkg = _copy(exported, tmp_path)
    (pkg / "case.json").write_text("{}")
    forger = Ed25519PrivateKey.generate()
    manifest = json.loads((pkg / "manifest.json").read_text())
    for f in manifest["files"]:
        if f["path"] == "case.json":
            f["sha256"] = package._sha256(pkg / "case.json")
    manifest["key_fingerprint"] = fingerprint(forger.public_key())
    data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    (pkg / "manifest.json").write_bytes(data)
    import base64

    (pkg / "manifest.sig").write_text(base64.b64encode(forger.sign(data)).decode())
    (pkg / "public_key.pem").write_bytes(public_pem(forger.public_key()))

    assert package.verify(pkg).ok
    pinned = package.verify(pkg, trusted)
    assert not pinned.ok and pinned.problems[0].path == "public_key.pem"


def test_export_logs_custody_audit_and_keeps_the_key_private(settings, tmp_path: Path) -> None:
    case_id = _case_with_evidence(settings)
    with session_scope(settings.database) as session:
        package.export_case(session, settings, case_id, tmp_path / "out", actor=ME)
        with pytest.raises(CaseError, match="not empty"):
            package.export_case(session, settings, case_id, tmp_path / "out", actor=ME)
    mode = stat.S_IMODE(key_path(settings.home).stat().st_mode)
    assert mode == 0o600
    with session_scope(settings.database) as session:
        exported = session.scalars(
            select(CustodyEvent).where(CustodyEvent.action == "exported")
        ).all()
        assert len(exported) == 2
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "case.export")).one()
    # The same key signs the next export.
    with session_scope(settings.database) as session:
        package.export_case(session, settings, case_id, tmp_path / "again", actor=ME)
    assert (
        package.verify(tmp_path / "out").key_fingerprint
        == package.verify(tmp_path / "again").key_fingerprint
    )


def test_partner_package_is_redacted_by_policy(settings, tmp_path: Path) -> None:
    case_id = _case_with_evidence(settings)
    with session_scope(settings.database) as session:
        ensure_default_partners(session)
        ensure_default_agreements(session)
        for partner, role in (("rights_holders", "analyst"), ("marketplace", "investigator")):
            package.export_case(
                session,
                settings,
                case_id,
                tmp_path / partner,
                actor=ME,
                viewer=Viewer(partner, role),
            )
        custody = list(session.scalars(select(CustodyEvent).order_by(CustodyEvent.id)))
    assert package.verify(tmp_path / "rights_holders").ok
    doc = json.loads((tmp_path / "rights_holders" / "case.json").read_text())
    linked = doc["linked"]
    # Internal notes, other partners' evidence and resolution output stay home.
    assert doc["case"]["notes"] == [] and doc["evidence_index"] == []
    assert linked["actors"] == [] and linked["parties"] == [] and linked["edges"] == []
    # H1 was seized: the rights holder sees importer/exporter names and addresses (133.21(e));
    # H2 was never detained, so nothing of it.
    assert [r["hawb"] for r in linked["records"]["aed_shipments"]] == ["H1"]
    h1 = linked["records"]["aed_shipments"][0]
    assert h1["shipper_name"] == "Shenzhen Bright Trading"
    assert h1["consignee_name"] == "John Doe"
    assert {"description", "pieces", "origin_country", "port_of_entry"} <= set(h1)
    assert not {"shipper_phone", "shipper_email", "declared_value", "_partner"} & set(h1)
    assert linked["records"]["mp_sellers"] == []
    assert {r["listing_id"] for r in linked["records"]["mp_listings"]} == {"L1", "L2"}
    assert all("seller_id" not in r for r in linked["records"]["mp_listings"])
    # The marketplace gets its own evidence back, logged as shared.
    market = json.loads((tmp_path / "marketplace" / "case.json").read_text())
    assert [e["source_partner"] for e in market["evidence_index"]] == ["marketplace"]
    assert [(c.evidence_id, c.action) for c in custody if c.action != "added"] == [(2, "shared")]
