"""Evidence packages: a folder a court or partner can check without redlane's database.

Layout of ``redlane case export CASE_ID --out DIR``::

    DIR/case-<id>.pdf        the report (summary, actors, network, timeline, seizures, evidence)
    DIR/case.json            the same content, machine readable
    DIR/ftm.json             FollowTheMoney entities (one JSON object per line)
    DIR/network.png          the network figure embedded in the report
    DIR/evidence/<n>-<file>  the evidence files, byte for byte as received
    DIR/public_key.pem       the exporting deployment's Ed25519 public key
    DIR/manifest.json        sha256 and size of every file above except the three control files
    DIR/manifest.sig         Ed25519 signature of manifest.json's exact bytes (base64)

:func:`verify` recomputes every hash, checks the signature (and, when given, the key's pinned
fingerprint) and names each file that was changed, added or removed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from sqlalchemy.orm import Session

from redlane.cases import records, service
from redlane.cases.evidence import custody, verified_bytes
from redlane.cases.keys import fingerprint, load_or_create_key, load_public, public_pem
from redlane.cases.workflow import CaseError
from redlane.config import Settings
from redlane.policy import Policy, Viewer, record_stages
from redlane.store import audit
from redlane.store.sqltypes import iso_utc, utcnow

FORMAT: Final = "redlane-evidence-package/1"
MANIFEST: Final = "manifest.json"
SIGNATURE: Final = "manifest.sig"
PUBLIC_KEY: Final = "public_key.pem"
CONTROL_FILES: Final = (MANIFEST, SIGNATURE, PUBLIC_KEY)


@dataclass
class ExportResult:
    case_id: int
    out_dir: Path
    pdf: Path
    files: list[str]
    key_fingerprint: str


@dataclass
class Problem:
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass
class VerifyReport:
    out_dir: Path
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    key_fingerprint: str = ""
    case_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned[:120] or "file"


def case_content(
    session: Session, settings: Settings, case_id: int, viewer: Viewer
) -> tuple[dict[str, Any], records.Linked, Policy]:
    """The case as stored plus what it links to, with records disclosed to ``viewer``.

    A viewer without the full view also loses the internal notes and any evidence item that
    did not come from its own partner."""
    detail = service.case_detail(session, case_id)
    linked = records.collect(settings, [(t["kind"], t["ref"]) for t in detail["targets"]], session)
    policy = Policy.load(session)
    stage_of = record_stages(linked.records, policy.rules)
    for table, rows in linked.records.items():
        shown = (
            policy.disclose(viewer.partner, viewer.role, table, row, stage_of(table, row))
            for row in rows
        )
        linked.records[table] = [r for r in shown if r]
    linked.timeline = records.timeline(linked.records)
    if not policy.sees_resolution(viewer.partner, viewer.role):
        linked.actors, linked.parties, linked.edges, linked.rings = [], [], [], []
        linked.identifiers = {}
    if not policy.full_view(viewer.partner, viewer.role):
        detail["notes"] = []
        detail["evidence"] = [
            e for e in detail["evidence"] if e["source_partner"] == viewer.partner
        ]
    return detail, linked, policy


def export_case(
    session: Session,
    settings: Settings,
    case_id: int,
    out_dir: Path,
    *,
    actor: str,
    viewer: Viewer | None = None,
) -> ExportResult:
    """Write the signed package of a case into ``out_dir`` (new or empty)."""
    # Imported here: FollowTheMoney's model and matplotlib take seconds to load, and
    # verifying a package needs neither.
    from redlane.cases import ftm, report

    viewer = viewer or Viewer.investigator()
    if out_dir.exists() and not out_dir.is_dir():
        raise CaseError(f"{out_dir} is a file: export into a new folder")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise CaseError(f"{out_dir} is not empty: export into a new folder")
    detail, linked, policy = case_content(session, settings, case_id, viewer)
    shared = {e["id"] for e in detail["evidence"]}
    # Custody says "exported" for the deployment's own package, "shared" for a partner's.
    full = policy.full_view(viewer.partner, viewer.role)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "evidence").mkdir()
    evidence_index = []
    handed_over = []
    for listed in service.evidence_items(session, case_id):
        if listed.id not in shared:
            continue
        item, data = verified_bytes(session, listed.id)
        name = f"evidence/{item.id:04d}-{_safe_name(item.original_filename)}"
        (out_dir / name).write_bytes(data)
        handed_over.append((item, name))
        evidence_index.append(
            {
                "id": item.id,
                "path": name,
                "kind": item.kind,
                "source_partner": item.source_partner,
                "original_filename": item.original_filename,
                "sha256": item.sha256,
                "received_at": iso_utc(item.received_at),
                "description": item.description,
            }
        )
    created_at = iso_utc(utcnow())
    document = {
        "format": FORMAT,
        "exported_at": created_at,
        "exported_by": actor,
        "viewer": viewer.to_json(),
        "case": detail,
        "linked": linked.to_json(),
        "evidence_index": evidence_index,
    }
    (out_dir / "case.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )
    entities = ftm.case_entities(detail, linked)
    (out_dir / "ftm.json").write_text(
        "".join(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n" for e in entities)
    )
    figure = out_dir / "network.png"
    report.network_figure(linked, figure)
    pdf = out_dir / f"case-{case_id}.pdf"
    report.build_pdf(pdf, document, linked, figure)

    key = load_or_create_key(settings.home)
    public = key.public_key()
    (out_dir / PUBLIC_KEY).write_bytes(public_pem(public))
    files = _listed_files(out_dir)
    manifest = {
        "format": FORMAT,
        "case_id": case_id,
        "created_at": created_at,
        "exported_by": actor,
        "viewer": viewer.to_json(),
        "key_fingerprint": fingerprint(public),
        "files": [
            {"path": rel, "sha256": _sha256(out_dir / rel), "bytes": (out_dir / rel).stat().st_size}
            for rel in files
        ],
    }
    manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    (out_dir / MANIFEST).write_bytes(manifest_bytes)
    (out_dir / SIGNATURE).write_text(base64.b64encode(key.sign(manifest_bytes)).decode() + "\n")
    # Custody and audit are written last, so the audit chain's lock (PostgreSQL) is held for
    # the end of the transaction only, not while the report is drawn. The package's custody
    # lists therefore end before this export; the store and the audit log record it.
    for item, name in handed_over:
        custody(
            session,
            item,
            "exported" if full else "shared",
            actor=actor,
            details={"to": str(out_dir), "as": name, "viewer": viewer.to_json()},
        )
    audit.append(
        session,
        actor=actor,
        action="case.export",
        object_type="case",
        object_ids=[case_id],
        details={
            "out_dir": str(out_dir),
            "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
            "files": len(files),
            "viewer": viewer.to_json(),
        },
    )
    return ExportResult(case_id, out_dir, pdf, files, fingerprint(public))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _listed_files(out_dir: Path) -> list[str]:
    """Every file under ``out_dir`` (relative, POSIX) except the control files."""
    found = []
    for path in sorted(out_dir.rglob("*")):
        if path.is_symlink() or path.is_file():
            rel = path.relative_to(out_dir).as_posix()
            if rel not in CONTROL_FILES:
                found.append(rel)
    return found


def verify(out_dir: Path, trusted_fingerprint: str | None = None) -> VerifyReport:
    """Check a package: signature, key, and every file's presence and hash."""
    result = VerifyReport(out_dir)
    if not out_dir.is_dir():
        result.problems.append(Problem(str(out_dir), "not a folder"))
        return result
    for name in CONTROL_FILES:
        if not (out_dir / name).is_file():
            result.problems.append(Problem(name, "removed (missing)"))
    if result.problems:
        return result
    manifest_bytes = (out_dir / MANIFEST).read_bytes()
    try:
        public = load_public((out_dir / PUBLIC_KEY).read_bytes())
    except ValueError as e:
        result.problems.append(Problem(PUBLIC_KEY, f"not a usable Ed25519 public key ({e})"))
        return result
    result.key_fingerprint = fingerprint(public)
    try:
        signature = base64.b64decode((out_dir / SIGNATURE).read_text().strip(), validate=True)
        public.verify(signature, manifest_bytes)
    except (InvalidSignature, ValueError):
        result.problems.append(
            Problem(MANIFEST, "signature does not verify: manifest.json or manifest.sig changed")
        )
        return result
    try:
        manifest = json.loads(manifest_bytes)
        listed = {str(f["path"]): f for f in manifest["files"]}
        result.case_id = int(manifest["case_id"])
        signed_fingerprint = str(manifest["key_fingerprint"])
    except (ValueError, KeyError, TypeError) as e:
        result.problems.append(Problem(MANIFEST, f"unreadable manifest ({e})"))
        return result
    if signed_fingerprint != result.key_fingerprint:
        result.problems.append(Problem(PUBLIC_KEY, "does not match the signed key fingerprint"))
    if trusted_fingerprint and trusted_fingerprint.lower() != result.key_fingerprint:
        result.problems.append(
            Problem(PUBLIC_KEY, f"key {result.key_fingerprint} is not the trusted key")
        )
    present = set(_listed_files(out_dir))
    result.files = len(listed)
    for rel, entry in sorted(listed.items()):
        if rel.startswith("/") or ".." in Path(rel).parts:
            result.problems.append(Problem(rel, "unsafe path in manifest"))
        elif rel not in present:
            result.problems.append(Problem(rel, "removed"))
        elif _sha256(out_dir / rel) != entry.get("sha256"):
            result.problems.append(Problem(rel, "changed (sha256 differs)"))
    for rel in sorted(present - set(listed)):
        result.problems.append(Problem(rel, "added (not in the manifest)"))
    return result
