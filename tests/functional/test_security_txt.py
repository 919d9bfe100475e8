"""security.txt (RFC 9116) per program and at /.well-known/, signed by the program's key."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, select

from disclosure.cli import main
from disclosure.crypto import CryptoError, Keyring
from disclosure.programs.models import Program, ProgramKey
from tests.conftest import Clock
from tests.factories import make_program

_FIELD = re.compile(r"^([A-Za-z0-9-]+): (\S.*)$")
_SIGNED = "-----BEGIN PGP SIGNED MESSAGE-----"


def parse_security_txt(text: str, *, url: str, now: datetime) -> dict[str, list[str]]:
    """The fields of a security.txt, asserting what RFC 9116 requires of it."""
    if text.startswith(_SIGNED):
        _hash_headers, _, rest = text.partition("\n\n")
        text, _, signature = rest.partition("-----BEGIN PGP SIGNATURE-----")
        assert signature.rstrip().endswith("-----END PGP SIGNATURE-----")
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _FIELD.match(line)
        assert match, f"not a field line: {line!r}"
        fields.setdefault(match[1].lower(), []).append(match[2])
    assert fields.get("contact"), "Contact is required"
    assert all(v.startswith(("https://", "http://", "mailto:")) for v in fields["contact"])
    assert len(fields.get("expires", [])) == 1, "Expires is required exactly once"
    expires = datetime.fromisoformat(fields["expires"][0])
    assert expires.tzinfo is not None
    assert now < expires < now + timedelta(days=365)
    assert len(fields.get("preferred-languages", [])) <= 1
    assert url in fields.get("canonical", [])
    return fields


@pytest.fixture
def verifier(short_tmp: Path) -> Keyring:
    """A keyring of the researcher's own, outside the server's GnuPG home."""
    return Keyring(short_tmp / "gpg", passphrase="researcher passphrase")


def base_url(app: Flask) -> str:
    return app.extensions["disclosure"].settings.base_url


def test_program_security_txt_is_valid_and_signed_by_the_program_key(
    app: Flask, client: Any, clock: Clock, db_session: Session, verifier: Keyring
) -> None:
    make_program(app)
    fingerprint = db_session.exec(select(ProgramKey.fingerprint)).one()
    response = client.get("/programs/acme/security.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith(_SIGNED)
    home = f"{base_url(app)}/programs/acme"
    fields = parse_security_txt(text, url=f"{home}/security.txt", now=clock())
    assert fields["contact"][0] == f"{home}/report"
    assert fields["encryption"] == [f"{home}/pgp-key.asc"]
    assert fields["policy"] == [home, f"{base_url(app)}/transparency"]
    assert fields["preferred-languages"] == ["en"]
    assert fields["expires"] == [(clock() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")]

    key = client.get("/programs/acme/pgp-key.asc")
    assert key.status_code == 200
    assert key.headers["Content-Type"] == "application/pgp-keys"
    assert verifier.import_public_key(key.get_data(as_text=True)).fingerprint == fingerprint
    assert verifier.verify_cleartext(text) == fingerprint
    for url in [*fields["contact"], *fields["encryption"], *fields["policy"]]:
        if url.startswith(base_url(app)):  # every link in it leads somewhere
            assert client.get(url.removeprefix(base_url(app))).status_code == 200, url
    with pytest.raises(CryptoError):
        verifier.verify_cleartext(
            text.replace("Preferred-Languages: en", "Preferred-Languages: de")
        )


def test_contact_email_is_offered_after_the_form(
    app: Flask, client: Any, clock: Clock, db_session: Session
) -> None:
    make_program(app)
    program = db_session.exec(select(Program)).one()
    program.contact_email = "security@acme.example"
    db_session.add(program)
    db_session.commit()
    text = client.get("/programs/acme/security.txt").get_data(as_text=True)
    fields = parse_security_txt(
        text, url=f"{base_url(app)}/programs/acme/security.txt", now=clock()
    )
    assert fields["contact"] == [
        f"{base_url(app)}/programs/acme/report",
        "mailto:security@acme.example",
    ]


def test_well_known_security_txt_describes_the_first_open_program(
    app: Flask, client: Any, clock: Clock, db_session: Session
) -> None:
    assert client.get("/.well-known/security.txt").status_code == 404
    make_program(app, "closed", is_open=False)
    assert client.get("/.well-known/security.txt").status_code == 404
    make_program(app, "acme")
    make_program(app, "beta")
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    url = f"{base_url(app)}/.well-known/security.txt"
    fields = parse_security_txt(response.get_data(as_text=True), url=url, now=clock())
    assert fields["canonical"] == [url]
    assert fields["policy"] == [f"{base_url(app)}/programs/acme", f"{base_url(app)}/transparency"]


@pytest.mark.parametrize(
    "path",
    ["/programs/nope/security.txt", "/programs/nope/pgp-key.asc", "/programs/shut/pgp-key.asc"],
)
def test_unknown_or_closed_programs_are_404(app: Flask, client: Any, path: str) -> None:
    make_program(app, "shut", is_open=False)
    assert client.get(path).status_code == 404
    assert client.get("/programs/shut/security.txt").status_code == 404


def test_offline_program_serves_it_unsigned(
    app: Flask, client: Any, clock: Clock, runner: FlaskCliRunner, verifier: Keyring, tmp_path: Path
) -> None:
    public = tmp_path / "offline.asc"
    public.write_text(verifier.generate_key("Offline Co", "sec@offline.example").public_key)
    created = runner.invoke(
        main,
        [
            *("program", "create", "--slug", "offline", "--name", "Offline Co"),
            *("--policy", "cert-cc", "--import-key", str(public)),
        ],
    )
    assert created.exit_code == 0, created.output
    text = client.get("/programs/offline/security.txt").get_data(as_text=True)
    assert "PGP" not in text
    parse_security_txt(text, url=f"{base_url(app)}/programs/offline/security.txt", now=clock())
    served = client.get("/programs/offline/pgp-key.asc").get_data(as_text=True)
    assert "BEGIN PGP PUBLIC KEY BLOCK" in served


def test_the_signed_file_is_reused_then_renewed_before_it_expires(
    app: Flask, client: Any, clock: Clock
) -> None:
    make_program(app)
    url = f"{base_url(app)}/programs/acme/security.txt"
    first = client.get("/programs/acme/security.txt").get_data(as_text=True)
    expires = parse_security_txt(first, url=url, now=clock())["expires"]

    clock.advance(days=14)  # more than half of the 30 days is left: the same signed file
    assert client.get("/programs/acme/security.txt").get_data(as_text=True) == first

    clock.advance(days=2)  # less than half is left: renewed, Expires moves forward
    renewed = client.get("/programs/acme/security.txt").get_data(as_text=True)
    later = parse_security_txt(renewed, url=url, now=clock())["expires"]
    assert datetime.fromisoformat(later[0]) > datetime.fromisoformat(expires[0])
    assert later == [(clock() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")]
