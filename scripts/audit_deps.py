"""Audit every package pinned in ``uv.lock`` for known vulnerabilities with pip-audit.

Usage: ``.venv/bin/python scripts/audit_deps.py [--lock uv.lock] [--json REPORT]``

Policy (pip-audit's PyPI service gives no severity, so none can be used): the run fails on any
known vulnerability for which a fixed version exists, because then the fix is one lock update
away; a vulnerability with no fix yet is reported and does not fail the run. An entry of
``scripts/audit_allowlist.toml`` (id = "reason, and until when") accepts one vulnerability
knowingly. Exit codes: 0 clean, 1 a vulnerability to fix, 2 the audit could not run or left
packages unaudited (pip-audit reports those as skipped: "not found on PyPI" when PyPI's
per-version JSON API cannot be reached, as on a mirror that serves only the simple index).

The lock is read directly (every package of every extra and group, on every platform), so the
audit needs neither uv nor an installed environment.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ALLOWLIST = Path(__file__).with_name("audit_allowlist.toml")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    vuln_id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]
    description: str

    @property
    def ids(self) -> set[str]:
        return {self.vuln_id, *self.aliases}


def locked_requirements(lock: Path) -> list[str]:
    """``name==version`` for every package the lock takes from a registry."""
    data = tomllib.loads(lock.read_text(encoding="utf-8"))
    pins = {
        f"{p['name']}=={p['version']}"
        for p in data.get("package", [])
        if "registry" in p.get("source", {}) and "version" in p
    }
    return sorted(pins)


def run_pip_audit(requirements: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="redlane-audit-") as tmp:
        req = Path(tmp) / "requirements.txt"
        out = Path(tmp) / "audit.json"
        req.write_text("\n".join(requirements) + "\n", encoding="utf-8")
        cmd = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(req),
            "--no-deps",
            "--disable-pip",
            "--vulnerability-service",
            "pypi",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(out),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        # pip-audit exits 1 when it finds something; anything else without a report is a failure.
        if not out.exists() or done.returncode not in (0, 1):
            raise RuntimeError(done.stderr.strip() or f"pip-audit exited {done.returncode}")
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result


def skipped(report: dict[str, Any]) -> list[str]:
    """Why each package that pip-audit could not audit was skipped."""
    return [d["skip_reason"] for d in report.get("dependencies", []) if d.get("skip_reason")]


def findings(report: dict[str, Any]) -> list[Finding]:
    found = []
    for dep in report.get("dependencies", []):
        for vuln in dep.get("vulns", []):
            found.append(
                Finding(
                    package=dep["name"],
                    version=dep.get("version", "?"),
                    vuln_id=vuln["id"],
                    aliases=tuple(vuln.get("aliases", [])),
                    fix_versions=tuple(vuln.get("fix_versions", [])),
                    description=" ".join(str(vuln.get("description", "")).split())[:200],
                )
            )
    return found


def load_allowlist(path: Path | None = None) -> dict[str, str]:
    path = path or ALLOWLIST
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.get("allow", {}).items()}


def judge(
    found: list[Finding], allowed: dict[str, str]
) -> tuple[list[Finding], list[Finding], list[tuple[Finding, str]]]:
    """(must fix, reported only: no fix yet, accepted by the allow-list with its reason)."""
    failing, unfixed, accepted = [], [], []
    for f in found:
        reason = next((allowed[i] for i in sorted(f.ids) if i in allowed), None)
        if reason is not None:
            accepted.append((f, reason))
        elif f.fix_versions:
            failing.append(f)
        else:
            unfixed.append(f)
    return failing, unfixed, accepted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "uv.lock")
    parser.add_argument("--json", type=Path, help="Also write pip-audit's report here.")
    args = parser.parse_args(argv)
    requirements = locked_requirements(args.lock)
    try:
        report = run_pip_audit(requirements)
    except (RuntimeError, OSError) as e:
        sys.stderr.write(f"audit could not run: {e}\n")
        return 2
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    failing, unfixed, accepted = judge(findings(report), load_allowlist())
    out = sys.stdout
    out.write(f"checking {len(requirements)} locked packages with pip-audit (PyPI advisories)\n")
    for f in failing:
        out.write(
            f"FIX  {f.package} {f.version}: {f.vuln_id} ({', '.join(f.aliases) or '-'}), "
            f"fixed in {', '.join(f.fix_versions)}: {f.description}\n"
        )
    for f in unfixed:
        out.write(f"NOTE {f.package} {f.version}: {f.vuln_id}, no fix released: {f.description}\n")
    for f, reason in accepted:
        out.write(f"OK   {f.package} {f.version}: {f.vuln_id} allowed: {reason}\n")
    unaudited = skipped(report)
    for reason in unaudited[:5]:
        out.write(f"SKIP {reason}\n")
    out.write(
        f"{len(failing)} to fix, {len(unfixed)} without a fix, {len(accepted)} allowed, "
        f"{len(unaudited)} of {len(requirements)} not audited\n"
    )
    if failing:
        return 1
    return 2 if unaudited else 0


if __name__ == "__main__":
    sys.exit(main())
