"""Personal invitation codes, derived from a server secret and never stored.

A code is ten characters from an alphabet without look-alikes (no 0/O, 1/I/L),
shown grouped as ``ABCDE-FGHJK`` on slips. The same code goes in the personal link
and is typed on the kiosk. ``lookup_digest`` finds the invitation; a different,
separately keyed ``participation_digest`` marks that the code has answered, so the
two tables cannot be matched without the secret.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def _key(purpose: str) -> bytes:
    secret = getattr(settings, "SURVEY_TOKEN_SECRET", "") or settings.SECRET_KEY
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


def new_nonce() -> str:
    return secrets.token_hex(16)


def invitation_code(invitation_id: int, nonce: str) -> str:
    digest = hmac.new(
        _key("code"), f"{invitation_id}:{nonce}".encode(), hashlib.sha256
    ).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:CODE_LENGTH])


def normalize_code(raw: str) -> str:
    """Uppercase, drop spaces and dashes, map look-alikes typed by people."""
    cleaned = raw.upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans({"0": "O", "1": "I", "L": "I"}))


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def lookup_digest(code: str) -> str:
    return hmac.new(_key("lookup"), code.encode(), hashlib.sha256).hexdigest()


def participation_digest(code: str) -> str:
    return hmac.new(_key("participation"), code.encode(), hashlib.sha256).hexdigest()
