"""One-use survey codes: derived from the invitation and the secret key, never stored.

A code is 12 characters of Crockford's base32 (``K7QF-M2XP-9HTD``: no I, L, O or U, so it
reads aloud and types on a kiosk), the first 60 bits of
``HMAC-SHA256(key, "invitation:{id}:{salt}")``. The invitation keeps only its salt and the
SHA-256 of the code: the same links can be exported again at any time, while a copy of the
database without the key cannot produce a working link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base32 alphabet."""
LENGTH = 12
_READ_AS = {"I": "1", "L": "1", "O": "0"}


def new_salt() -> str:
    """A fresh random salt for one invitation (32 hex characters)."""
    return secrets.token_hex(16)


def derive_token(key: str, invitation_id: int, salt: str) -> str:
    """The invitation's code (12 characters, no dashes)."""
    digest = hmac.new(key.encode(), f"invitation:{invitation_id}:{salt}".encode(), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:8], "big") >> (64 - 5 * LENGTH)
    return "".join(ALPHABET[(bits >> (5 * (LENGTH - 1 - i))) & 31] for i in range(LENGTH))


def normalise_token(text: str) -> str | None:
    """The code as typed (dashes, spaces, lower case, I/L for 1, O for 0 allowed), or None when it
    cannot be a code."""
    cleaned = "".join(text.split()).replace("-", "").upper()
    cleaned = "".join(_READ_AS.get(char, char) for char in cleaned)
    if len(cleaned) != LENGTH or any(char not in ALPHABET for char in cleaned):
        return None
    return cleaned


def format_token(token: str) -> str:
    """``K7QFM2XP9HTD`` -> ``K7QF-M2XP-9HTD`` (as shown and linked)."""
    return "-".join(token[i : i + 4] for i in range(0, len(token), 4))


def token_hash(token: str) -> str:
    """SHA-256 (hex) of the normalised code: what the invitation stores."""
    return hashlib.sha256(token.encode()).hexdigest()
