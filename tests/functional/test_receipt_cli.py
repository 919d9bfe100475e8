"""`disclosure receipt verify FILE`: the signature, and the hashes against what is stored."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, select

from disclosure.cases.models import BlobKind, Case, CaseBlob
from disclosure.cli import main
from disclosure.crypto import Keyring
from disclosure.programs.models import ProgramKey
from disclosure.reports.models import PlatformKey
from tests.factories import make_program, report_json


@pytest.fixture
def submitted(app: Flask, client: Any, tmp_path: Path) -> dict[str, Any]:
    """An anonymous report submitted through the API, its receipt saved to a file."""
    make_program(app)
    response = client.post("/api/v1/programs/acme/reports", json=report_json())
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    path = tmp_path / "receipt.asc"
    path.write_text(created["receipt"])
    return {**created, "path": path}


@pytest.fixture
def stranger(short_tmp: Path) -> Keyring:
    """Somebody else's keyring, unknown to the server."""
    return Keyring(short_tmp / "gpg", passphrase="somebody else's passphrase")


def verify(runner: FlaskCliRunner, path: Path) -> Any:
    return runner.invoke(main, ["receipt", "verify", str(path)])


def statement(receipt: str) -> str:
    """The signed text of a cleartext-signed receipt."""
    return receipt.split("\n\n", 1)[1].split("-----BEGIN PGP SIGNATURE-----", 1)[0]


def test_a_genuine_receipt_is_valid_and_matches(
    runner: FlaskCliRunner, db_session: Session, submitted: dict[str, Any]
) -> None:
    result = verify(runner, submitted["path"])
    assert result.exit_code == 0, result.output
    signer = db_session.exec(select(PlatformKey.fingerprint)).one()
    case = db_session.get(Case, submitted["id"])
    assert (
        f"valid: signed by {signer} (platform key); "
        f"case {submitted['id']} received at {case.received_at.isoformat()}"
    ) in result.output
    assert "matches the stored report" in result.output


def test_a_tampered_hash_line_is_refused(
    runner: FlaskCliRunner, submitted: dict[str, Any], tmp_path: Path
) -> None:
    receipt = submitted["receipt"]
    line = re.search(r"^report_sha256: ([0-9a-f]{64})$", receipt, re.M)
    assert line
    digest = line[1]
    forged = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    path = tmp_path / "forged.asc"
    path.write_text(receipt.replace(digest, forged))
    result = verify(runner, path)
    assert result.exit_code == 1
    assert "The receipt's signature is not valid." in result.output
    assert "valid: signed by" not in result.output


def test_a_receipt_signed_by_another_key_is_refused(
    app: Flask,
    runner: FlaskCliRunner,
    db_session: Session,
    submitted: dict[str, Any],
    stranger: Keyring,
    tmp_path: Path,
) -> None:
    text = statement(submitted["receipt"])
    outsider = stranger.generate_key("Mallory", "mallory@example.org")
    unknown = tmp_path / "unknown.asc"
    unknown.write_text(stranger.sign_cleartext(text, outsider.fingerprint))
    result = verify(runner, unknown)
    assert result.exit_code == 1
    assert "signature is not valid" in result.output

    # A key the server holds but that is not the platform's (the program's key) is refused too.
    program_key = db_session.exec(select(ProgramKey.fingerprint)).one()
    keyring: Keyring = app.extensions["disclosure"].keyring()
    known = tmp_path / "program-signed.asc"
    known.write_text(keyring.sign_cleartext(text, program_key))
    result = verify(runner, known)
    assert result.exit_code == 1
    assert f"signed by {program_key}, which is not this platform's key" in result.output


def test_a_receipt_that_does_not_match_the_stored_ciphertext_fails(
    runner: FlaskCliRunner, db_session: Session, submitted: dict[str, Any]
) -> None:
    blob = db_session.exec(
        select(CaseBlob).where(
            CaseBlob.case_id == submitted["id"], CaseBlob.kind == BlobKind.REPORT
        )
    ).one()
    blob.ciphertext = blob.ciphertext + b"\n"
    blob.sha256 = "0" * 64
    db_session.add(blob)
    db_session.commit()
    result = verify(runner, submitted["path"])
    assert result.exit_code == 1
    assert "valid: signed by" in result.output
    assert "do NOT match what is stored" in result.output


def test_a_receipt_for_a_case_this_database_lacks(
    runner: FlaskCliRunner, db_session: Session, submitted: dict[str, Any]
) -> None:
    db_session.delete(db_session.get(Case, submitted["id"]))
    db_session.commit()
    result = verify(runner, submitted["path"])
    assert result.exit_code == 0, result.output
    assert "case not in this database" in result.output


def test_receipts_still_match_after_a_key_rotation(
    runner: FlaskCliRunner, submitted: dict[str, Any]
) -> None:
    rotated = runner.invoke(main, ["program", "rotate-key", "acme"])
    assert rotated.exit_code == 0, rotated.output
    result = verify(runner, submitted["path"])
    assert result.exit_code == 0, result.output
    assert "matches the stored report (as received; it has been re-encrypted" in result.output


def test_a_file_that_is_no_receipt_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("disclosure receipt v1\ncase: 1\n")
    result = verify(runner, path)
    assert result.exit_code == 1
    assert "signature is not valid" in result.output
