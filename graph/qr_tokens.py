"""QR tokens: opaque, unguessable, URL-safe. Always from the operating system's CSPRNG, never from a
seeded generator, so a demo county's codes cannot be predicted from its seed."""

from __future__ import annotations

import secrets

TOKEN_BYTES = 18  # 144 random bits; 24 URL-safe characters


def new_token() -> str:
    """A fresh QR token."""
    return secrets.token_urlsafe(TOKEN_BYTES)
