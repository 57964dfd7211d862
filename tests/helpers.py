"""Small helpers shared by the tests."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import jwt

from graph.access import Role, Viewer

# The secret the test server verifies tokens with (tests/conftest.py sets JWT_SECRET to it).
TEST_JWT_SECRET = "test-secret-for-the-yimaqing-suite-0123456789"


def data_of(body: dict[str, Any]) -> dict[str, Any]:
    """The data of a GraphQL response that must have no errors."""
    assert "errors" not in body, body.get("errors")
    data: dict[str, Any] = body["data"]
    return data


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def mint_token(
    role: Role,
    villages: Iterable[str] = (),
    townships: Iterable[str] = (),
    *,
    sub: str | None = None,
    ttl_s: float = 3600,
    secret: str = TEST_JWT_SECRET,
    claims: Mapping[str, Any] | None = None,
    drop: Iterable[str] = (),
) -> str:
    """An HS256 token minted with PyJWT directly (not with the code under test); `claims` add or override
    claims, `drop` removes some."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": sub or f"test-{role.value.lower()}",
        "role": role.value,
        "villages": list(villages),
        "townships": list(townships),
        "iat": now,
        "exp": now + ttl_s,
        **(claims or {}),
    }
    for name in drop:
        del payload[name]
    return jwt.encode(payload, secret, algorithm="HS256")


def token_for(viewer: Viewer, *, ttl_s: float = 3600) -> str:
    return mint_token(viewer.role, viewer.villages, viewer.townships, sub=viewer.sub, ttl_s=ttl_s)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
