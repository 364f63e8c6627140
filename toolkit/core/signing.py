"""Signed participant links: the server's key vouches for a form link's session, competencies
and language, so an edited or made-up link is refused before anything is stored.

The key is a random secret in a file only the facilitator's account can read (``var/link_secret``
by default; ``CCT_SECRET_FILE`` or the ``Room.secret_file`` setting elsewhere), made on first use.
``cct plans`` signs the links on the handouts; the form served by ``cct serve`` checks them.
Both must read the same file: run them on the same machine or copy it with the data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from toolkit.core.config import VAR_DIR
from toolkit.core.exceptions import ToolkitError

SECRET_ENV = "CCT_SECRET_FILE"
SIGNATURE_PARAMETER = "sig"


class SecretError(ToolkitError, OSError):
    """Raised when the signing key cannot be read or made."""


def secret_file() -> Path:
    return Path(os.environ.get(SECRET_ENV) or VAR_DIR / "link_secret")


def secret_key(path: Path | None = None) -> bytes:
    """The signing key, made (readable by this account only) the first time it is needed."""
    path = path or secret_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise SecretError(f"Cannot make the link-signing key {path}: {exc.strerror}") from None
    else:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(32) + "\n")
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"Cannot read the link-signing key {path}: {exc}") from None
    if len(key) < 32:
        raise SecretError(
            f"The link-signing key {path} is too short ({len(key)} characters, 32 at least); "
            "delete it and a new one is made (links signed with the old one stop working)"
        )
    return key.encode("ascii")


# what a link opens; signed with it, so a reflection link cannot open the check-in and back
FORM_KINDS = ("form", "checkin", "feedback")


def _payload(session_id: str, competencies: list[str] | str, lang: str, kind: str) -> bytes:
    if kind not in FORM_KINDS:
        raise ValueError(f"unknown kind of link {kind!r}")
    if not isinstance(competencies, str):
        competencies = ",".join(competencies)
    return "\n".join((kind, session_id, competencies, lang)).encode("utf-8")


def form_signature(
    session_id: str,
    competencies: list[str] | str,
    lang: str,
    key: bytes | None = None,
    kind: str = "form",
) -> str:
    """A short signature (22 characters, 128 bits) for a form link; short keeps QR codes small.
    ``kind`` is the page it opens (the reflection ``form``, the follow-up ``checkin``…)."""
    payload = _payload(session_id, competencies, lang, kind)
    digest = hmac.new(key or secret_key(), payload, hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).decode("ascii").rstrip("=")


def valid_form_signature(
    signature: str,
    session_id: str,
    competencies: list[str] | str,
    lang: str,
    key: bytes | None = None,
    kind: str = "form",
) -> bool:
    """True only if the link was signed with this key for exactly these values and page."""
    if not isinstance(signature, str) or not signature:
        return False
    expected = form_signature(session_id, competencies, lang, key, kind)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace"))
