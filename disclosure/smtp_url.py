"""The smtp_url setting read: where mail goes, how it is protected, and who signs in.

It sits below the settings, which check it at start-up, and the mail sender, which uses it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


class SmtpConfigError(ValueError):
    """smtp_url cannot be used; the message names the problem, never the password."""


@dataclass(frozen=True)
class SmtpTarget:
    security: str  # "plain", "starttls" or "tls"
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)


def parse_smtp_url(url: str) -> SmtpTarget:
    """smtp://host:port, smtp+starttls://user:pass@host:port or smtps://user:pass@host:port."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise SmtpConfigError("smtp_url: must start with smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise SmtpConfigError("smtp_url: names no host")
    try:
        port = parts.port
    except ValueError:
        raise SmtpConfigError("smtp_url: the port must be a number from 1 to 65535") from None
    security, default_port = _SCHEMES[parts.scheme]
    username, password = unquote(parts.username or ""), unquote(parts.password or "")
    if username and security == "plain" and not _is_loopback(parts.hostname):
        raise SmtpConfigError(
            "smtp_url: a password travels only over smtps:// or smtp+starttls:// "
            "(or to a loopback host)"
        )
    return SmtpTarget(security, parts.hostname, port or default_port, username, password)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
