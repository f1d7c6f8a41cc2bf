"""No secret in the repository: every tracked (or new, not ignored) text file is scanned for
private keys, cloud and chat tokens, signed JWTs, passwords in URLs and secret-looking
assignments."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 2_000_000

# Samples are assembled at run time so this file does not match its own patterns.
PATTERNS: dict[str, re.Pattern[str]] = {
    "private key": re.compile("-----BEGIN (?:[A-Z]+ )*" + "PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "signed JWT": re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"]+@"),
    "secret assignment": re.compile(
        r"(?i)\b\w*(?:secret|password|passwd|api_?key|access_?token|private_?key)\w*"
        r"\s*[:=]\s*[\"']([^\"'\s]{8,})[\"']"
    ),
}
SAMPLES = {
    "private key": "-----BEGIN " + "OPENSSH PRIVATE KEY-----",
    "AWS access key": "AKIA" + "ABCDEFGHIJKLMNOP",
    "GitHub token": "ghp_" + "a1" * 18,
    "Slack token": "xoxb-" + "1234567890-abcdef",
    "signed JWT": "eyJ" + "hbGciOiJIUzI1NiJ9.eyJ" + "zdWIiOiJhbm4ifQ.c2lnbmF0dXJlX2hlcmU",
    "password in a URL": "postgresql://redlane:" + "hunter22@db.internal/redlane",
    "secret assignment": 'JWT_SECRET = "' + "s3cr3t-value-123" + '"',
}


def repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [ROOT / name for name in listed.split("\0") if name]


def secrets_in(text: str) -> list[tuple[str, int, str]]:
    """(kind, line, the match cut short) for everything secret-looking in ``text``."""
    hits = []
    for kind, pattern in PATTERNS.items():
        for m in pattern.finditer(text):
            hits.append((kind, text.count("\n", 0, m.start()) + 1, m.group(0)[:24] + "…"))
    return hits


@pytest.mark.parametrize("kind", SAMPLES)
def test_the_scanner_finds_each_kind(kind: str) -> None:
    assert [hit[0] for hit in secrets_in(f"x = 1\n{SAMPLES[kind]}\n")] == [kind]


def test_no_secret_in_the_repository() -> None:
    files = [p for p in repository_files() if p.is_file() and p.stat().st_size <= MAX_BYTES]
    found = []
    for path in files:
        data = path.read_bytes()
        if b"\0" in data[:4096]:
            continue  # binary
        for kind, line, excerpt in secrets_in(data.decode("utf-8", "replace")):
            found.append(f"{path.relative_to(ROOT)}:{line}: {kind}: {excerpt}")
    assert len(files) > 100, "git ls-files found too little: run from the repository"
    assert found == []
