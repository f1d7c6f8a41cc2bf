"""``redlane pprl``: privacy-preserving record linkage as a protocol (``docs/pprl.md``).

``encode`` runs on the side that holds the clear records (a partner, or the deployment for its
own parties) with the shared secret key; ``link`` runs at the receiver on encoded files only.
The key never goes on the command line: it is read from a file or a named environment variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redlane.cli.audit_log import record
from redlane.cli.common import console, exit_on_error, fail, print_json, settings
from redlane.config import named_variable

pprl_app = typer.Typer(
    help="Privacy-preserving record linkage: encode parties with a shared key, link encodings.",
    no_args_is_help=True,
)

KeyFile = Annotated[
    Path | None,
    typer.Option("--key-file", help="File holding the shared secret key (32+ characters)."),
]
KeyEnv = Annotated[
    str | None,
    typer.Option(
        "--key-env", help="Name of an environment variable holding the key (not the key)."
    ),
]


def _key(key_file: Path | None, key_env: str | None) -> bytes:
    from redlane.cases.pprl_protocol import key_from_text

    if (key_file is None) == (key_env is None):
        raise fail("give the shared key with exactly one of --key-file or --key-env")
    if key_file is not None:
        try:
            text = key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise fail(f"{key_file}: cannot read the key file: {e}") from None
        return key_from_text(text, str(key_file))
    value = named_variable(str(key_env))
    if not value:
        raise fail(f"the environment variable {key_env} is not set")
    return key_from_text(value, f"${key_env}")


@pprl_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option("--out", help="The key file to create (mode 0600).")],
) -> None:
    """Make a new random shared key in a private file (give it to the other side out of band)."""
    import secrets

    from redlane.secret_files import create_once

    if out.exists():
        raise fail(f"{out} exists: a key is never overwritten")
    create_once(out, (secrets.token_hex(32) + "\n").encode())
    console.print(f"key written to {out} (keep it secret; share it only with the linking side)")


@pprl_app.command("encode")
def encode(
    input_path: Annotated[
        Path | None,
        typer.Argument(
            help="CSV or Parquet of parties: an id column plus name, phone, email, address, "
            "country (any of them).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="The encoded file to write (JSON).")] = Path(
        "encoded.json"
    ),
    key_file: KeyFile = None,
    key_env: KeyEnv = None,
    id_column: Annotated[str, typer.Option("--id-column", help="The record id column.")] = "id",
    warehouse_parties: Annotated[
        bool,
        typer.Option(
            "--warehouse-parties",
            help="Encode this deployment's resolution parties instead of a file (audited).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a summary as JSON.")] = False,
) -> None:
    """Encode parties into CLKs with the shared key: the output holds record ids and Bloom
    filters only, never a clear identifier."""
    from redlane.cases.pprl import Encoder
    from redlane.cases.pprl_protocol import encode as encode_records
    from redlane.cases.pprl_protocol import read_parties, write_encoded

    if (input_path is None) == (not warehouse_parties):
        raise fail("give either an INPUT file or --warehouse-parties")
    with exit_on_error():
        encoder = Encoder(_key(key_file, key_env))
        actors: dict[str, str] = {}
        if input_path is not None:
            records = read_parties(input_path, id_column)
        else:
            records, actors = _warehouse_parties()
        document, summary = encode_records(encoder, records, actors)
        write_encoded(out, document)
    result = {
        "out": str(out),
        "records": summary.records,
        "without_identifiers": summary.without_identifiers,
        "key_check": document["key_check"],
    }
    if as_json:
        print_json(result)
        return
    console.print(
        f"{summary.records} records encoded to {out}"
        + (
            f" ({summary.without_identifiers} without any identifier: they link to nothing)"
            if summary.without_identifiers
            else ""
        ),
        highlight=False,
    )


def _warehouse_parties() -> tuple[list[tuple[str, dict[str, str | None]]], dict[str, str]]:
    """The current resolution's parties, read for encoding (a read of personal data: audited)."""
    import duckdb

    from redlane.cases.pprl_protocol import PprlError, warehouse_parties
    from redlane.resolve.outputs import register_resolution_views

    con = duckdb.connect()
    try:
        if not register_resolution_views(con, settings().home):
            raise PprlError("no resolution run yet: run `redlane resolve` first")
        records, actors = warehouse_parties(con)
    finally:
        con.close()
    record(
        "read",
        "party",
        [],
        "parties encoded for privacy-preserving linkage",
        {"count": len(records)},
    )
    return records, actors


@pprl_app.command("link")
def link(
    encoded_a: Annotated[Path, typer.Argument(help="An encoded file (e.g. the partner's).")],
    encoded_b: Annotated[Path, typer.Argument(help="Another, made with the same key.")],
    out: Annotated[Path, typer.Option("--out", help="CSV of linked pairs to write.")] = Path(
        "pairs.csv"
    ),
    threshold: Annotated[
        float,
        typer.Option("--threshold", min=0.01, max=1.0, help="Least Dice coefficient to link."),
    ] = 0.8,
    as_json: Annotated[bool, typer.Option("--json", help="Print a summary as JSON.")] = False,
) -> None:
    """Link two encoded files one-to-one, best pairs first; writes ref_a, ref_b, dice."""
    from redlane.cases.pprl_protocol import link_files, read_encoded, write_pairs

    with exit_on_error():
        left = read_encoded(encoded_a)
        right = read_encoded(encoded_b)
        pairs = link_files(left, right, threshold)
        write_pairs(out, pairs, right.actors)
    result = {
        "out": str(out),
        "records_a": len(left.refs),
        "records_b": len(right.refs),
        "pairs": len(pairs),
        "threshold": threshold,
    }
    if as_json:
        print_json(result)
        return
    console.print(
        f"{len(pairs)} pairs linked ({len(left.refs)} × {len(right.refs)} records, "
        f"Dice ≥ {threshold}) → {out}",
        highlight=False,
    )
