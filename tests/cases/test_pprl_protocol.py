"""`redlane pprl encode` on each side with the shared key, `redlane pprl link` at the receiver:
the expected pairs link, another key links nothing, and no clear identifier leaves."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from redlane.cases import pprl
from redlane.cases.pprl_protocol import link_clks
from redlane.cli import app
from redlane.config import get_settings
from redlane.store.db import dispose_engine, session_scope
from redlane.store.models import AuditEntry
from tests.api.seed import seed_resolution

runner = CliRunner()

KEY = "a shared secret of more than thirty-two characters"
OTHER_KEY = "another secret, also longer than thirty-two characters"

# The partner's customer list and the receiver's: three of the same people (written
# differently), one only on each side.
PARTNER = [
    ["id", "name", "phone", "email", "address", "country"],
    ["c-1", "Meiya Trading Co. Ltd", "+86 20 8888 1234", "shop@meiya.example.com",
     "Room 12, 88 Huangpu Road, Guangzhou", "CN"],
    ["c-2", "Jiafeng Imports LLC", "+86 755 1234 5678", "sales@jiafeng.example.com",
     "9 Binjiang Avenue, Shenzhen", "CN"],
    ["c-3", "Harbour Lights Commerce Ltd", "+852 2345 6789", "hello@harbourlights.example.com",
     "5 Harbour Road, Hong Kong", "HK"],
    ["c-4", "Golden Sun Electronics", "+86 21 5555 0000", "info@goldensun.example.com",
     "200 Nanjing Street, Shanghai", "CN"],
]  # fmt: skip
RECEIVER = [
    ["ref", "name", "phone", "email", "address", "country"],
    ["X9", "MEIYA TRADING CO LTD", "+862088881234", "SHOP@MEIYA.EXAMPLE.COM",
     "Rm 12, 88 Huangpu Rd, Guangzhou", "CN"],
    ["X7", "Harbour Lights Commerce Ltd", "+852 2345 6789", "",
     "5 Harbour Rd, Hong Kong", "HK"],
    ["X5", "Jiafeng Imports LLC", "+86 755 1234 5678", "sales@jiafeng.example.com",
     "9 Binjiang Ave, Shenzhen", "CN"],
    ["X8", "Totally Different Person", "+1 212 555 0100", "jd@example.org",
     "1 Main Street, New York", "US"],
]  # fmt: skip
EXPECTED = {("c-1", "X9"), ("c-2", "X5"), ("c-3", "X7")}


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    code, output = invoke(*args, env=env)
    assert code == 0, output
    return output


@pytest.fixture
def files(tmp_path: Path) -> Path:
    write_csv(tmp_path / "partner.csv", PARTNER)
    write_csv(tmp_path / "receiver.csv", RECEIVER)
    (tmp_path / "shared.key").write_text(KEY + "\n")
    (tmp_path / "other.key").write_text(OTHER_KEY)
    return tmp_path


def pairs_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_same_key_links_the_same_people(files: Path) -> None:
    # Each side encodes on its own premises; the key comes from a file or an environment variable.
    ok("pprl", "encode", str(files / "partner.csv"), "--key-file", str(files / "shared.key"),
       "--out", str(files / "a.json"))  # fmt: skip
    ok("pprl", "encode", str(files / "receiver.csv"), "--id-column", "ref",
       "--key-env", "THE_PPRL_KEY", "--out", str(files / "b.json"),
       env={"THE_PPRL_KEY": KEY})  # fmt: skip

    output = ok("pprl", "link", str(files / "a.json"), str(files / "b.json"),
                "--out", str(files / "pairs.csv"), "--threshold", "0.7")  # fmt: skip

    assert "3 pairs linked" in output
    pairs = pairs_of(files / "pairs.csv")
    assert {(p["ref_a"], p["ref_b"]) for p in pairs} == EXPECTED
    assert all(0.7 <= float(p["dice"]) <= 1 for p in pairs)


def test_a_different_key_links_nothing(files: Path) -> None:
    ok("pprl", "encode", str(files / "partner.csv"), "--key-file", str(files / "shared.key"),
       "--out", str(files / "a.json"))  # fmt: skip
    ok("pprl", "encode", str(files / "receiver.csv"), "--id-column", "ref",
       "--key-file", str(files / "other.key"), "--out", str(files / "b.json"))  # fmt: skip

    code, output = invoke("pprl", "link", str(files / "a.json"), str(files / "b.json"),
                          "--out", str(files / "pairs.csv"))  # fmt: skip

    assert code == 1 and "encoded with different keys" in output
    assert not (files / "pairs.csv").exists()
    # Even past the key check, filters made under other keys do not match.
    left = pprl.Encoder(KEY.encode())
    right = pprl.Encoder(OTHER_KEY.encode())
    records = [dict(zip(PARTNER[0], row, strict=True)) for row in PARTNER[1:]]
    assert (
        link_clks([left.encode(r) for r in records], [right.encode(r) for r in records], 0.7) == []
    )


def test_the_encoded_file_holds_no_clear_identifier(files: Path) -> None:
    ok("pprl", "encode", str(files / "partner.csv"), "--key-file", str(files / "shared.key"),
       "--out", str(files / "a.json"))  # fmt: skip
    text = (files / "a.json").read_text()
    document = json.loads(text)
    assert [r["ref"] for r in document["records"]] == ["c-1", "c-2", "c-3", "c-4"]
    assert all(set(r) == {"ref", "clk"} for r in document["records"])
    assert KEY not in text
    lowered = text.lower()
    for row in PARTNER[1:]:
        for value in row[1:5]:
            for piece in {value, *value.replace(",", " ").split()}:
                if len(piece) >= 5 and not piece.lstrip("+").isdigit():
                    assert piece.lower() not in lowered, piece


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["name"], ["Meiya"]], "no id column 'id'"),
        ([["id", "name"], ["c-1", "Meiya"], ["", "Jia"]], "line 3: field 'id' is empty"),
        ([["id", "name"], ["c-1", "A"], ["c-1", "B"]], "line 3: id 'c-1' repeats line 2"),
        ([["id", "colour"], ["c-1", "red"]], "none of the identifier columns"),
        (
            [
                ["id", "name", "email"],
                ["shop@meiya.example.com", "Meiya", "shop@meiya.example.com"],
            ],
            "use an opaque id",
        ),
    ],
)
def test_a_bad_party_file_is_refused_naming_the_row(
    files: Path, rows: list[list[str]], message: str
) -> None:
    bad = write_csv(files / "bad.csv", rows)
    code, output = invoke("pprl", "encode", str(bad), "--key-file", str(files / "shared.key"),
                          "--out", str(files / "x.json"))  # fmt: skip
    assert code == 1 and message in output and "bad.csv" in output
    assert not (files / "x.json").exists()


def test_the_key_is_never_taken_in_clear_and_must_be_long(files: Path) -> None:
    partner = str(files / "partner.csv")
    code, output = invoke("pprl", "encode", partner, "--key", KEY)
    assert code == 2 and "No such option" in output
    (files / "short.key").write_text("too short")
    code, output = invoke("pprl", "encode", partner, "--key-file", str(files / "short.key"))
    assert code == 1 and "at least 32 characters" in output
    code, output = invoke("pprl", "encode", partner, "--key-env", "UNSET_PPRL_KEY_VARIABLE")
    assert code == 1 and "UNSET_PPRL_KEY_VARIABLE is not set" in output
    code, output = invoke("pprl", "encode", partner)
    assert code == 1 and "exactly one of --key-file or --key-env" in output


def test_keygen_writes_a_private_key_once(files: Path) -> None:
    key = files / "new.key"
    ok("pprl", "keygen", "--out", str(key))
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_text().strip()) == 64
    code, output = invoke("pprl", "keygen", "--out", str(key))
    assert code == 1 and "never overwritten" in output


def test_matrix_linking_gives_the_evaluations_links() -> None:
    rng = random.Random(3)
    left = [rng.getrandbits(pprl.BITS) & rng.getrandbits(pprl.BITS) for _ in range(40)]
    right = [a ^ (1 << rng.randrange(pprl.BITS)) for a in left[:25]]
    right += [rng.getrandbits(pprl.BITS) for _ in range(15)]
    for threshold in (0.3, 0.6, 0.9):
        assert link_clks(left, right, threshold) == pprl.link(left, right, threshold)


def test_a_partner_file_links_against_the_warehouse_parties(files: Path, home: Path) -> None:
    seed_resolution(home)  # parties P1.. of actors A-1..; P2 is the seller Meiya Store
    partner = write_csv(
        files / "sellers.csv",
        [
            ["id", "name", "phone", "email", "address", "country"],
            ["m-7", "MEIYA STORE", "+862088881234", "shop@meiya.example.com",
             "12 Huangpu Avenue", "CN"],
        ],
    )  # fmt: skip
    ok("pprl", "encode", str(partner), "--key-file", str(files / "shared.key"),
       "--out", str(files / "a.json"))  # fmt: skip
    ok("pprl", "encode", "--warehouse-parties", "--key-file", str(files / "shared.key"),
       "--out", str(files / "ours.json"))  # fmt: skip
    ok("pprl", "link", str(files / "a.json"), str(files / "ours.json"),
       "--out", str(files / "pairs.csv"))  # fmt: skip

    [pair] = pairs_of(files / "pairs.csv")
    assert (pair["ref_a"], pair["ref_b"], pair["actor_id_b"]) == ("m-7", "P2", "A-1")
    assert "Meiya" not in (files / "ours.json").read_text()

    url = get_settings().database
    with session_scope(url, readonly=True) as session:
        reasons = list(
            session.scalars(select(AuditEntry.reason).where(AuditEntry.object_type == "party"))
        )
    dispose_engine(url)
    assert "parties encoded for privacy-preserving linkage" in reasons


def test_parquet_input_encodes_as_its_csv_does(files: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    header, *rows = PARTNER
    pq.write_table(pa.table({h: [r[i] for r in rows] for i, h in enumerate(header)}),
                   files / "partner.parquet")  # fmt: skip
    for name in ("partner.csv", "partner.parquet"):
        ok("pprl", "encode", str(files / name), "--key-file", str(files / "shared.key"),
           "--out", str(files / f"{name}.json"))  # fmt: skip
    from_csv = json.loads((files / "partner.csv.json").read_text())
    assert json.loads((files / "partner.parquet.json").read_text()) == from_csv
    code, output = invoke("pprl", "encode", str(files / "shared.key"), "--key-file",
                          str(files / "shared.key"))  # fmt: skip
    assert code == 1 and "expected a .csv or .parquet file" in output
