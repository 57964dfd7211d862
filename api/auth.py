"""Who is asking: a Bearer JWT (or the session cookie holding one), verified with PyJWT, algorithms pinned.

HS256 tokens are checked against `JWT_SECRET`; RS256 and ES256 tokens against the keys that `JWT_JWKS_URL`
serves. No credentials at all is an anonymous caller; credentials that do not verify are refused with a
401 and a GraphQL error `UNAUTHENTICATED`, never treated as anonymous. In development with neither a
secret nor a JWKS URL, a secret is generated once and kept under DATA_DIR, where `yimaqing token` finds it.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jwt
from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, BaseUser
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response

from api.settings import Settings, SettingsError
from graph.access import Role, Viewer

log = logging.getLogger("yimaqing.auth")

UNAUTHENTICATED = "UNAUTHENTICATED"
SESSION_COOKIE = "yimaqing_session"
# Mutations over the session cookie repeat the CSRF cookie's value in this header.
CSRF_COOKIE = "yimaqing_csrf"
CSRF_HEADER = "x-csrf-token"
# A login link's token carries this claim (its one-time id); see api/login.py.
TICKET_CLAIM = "login_ticket"
SECRET_FILE = "jwt-secret"
MIN_SECRET_LENGTH = 32  # HS256 keys shorter than the hash (32 bytes) are weak (RFC 7518, 3.2)
SECRET_ALGORITHM = "HS256"
KEY_SET_ALGORITHMS = ("RS256", "ES256")
TOKEN_ROLES = {Role.CADRE.value: Role.CADRE, Role.ANALYST.value: Role.ANALYST, Role.ADMIN.value: Role.ADMIN}
# Paths that take no credentials, or check them themselves (the login form verifies what is pasted into it,
# so a stale cookie cannot lock a phone out of logging in again).
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/login", "/logout"})

CredentialSource = Literal["bearer", "cookie"]


class Unauthenticated(AuthenticationError):
    """Credentials were sent but do not verify; the message says why, without echoing the token."""


@dataclass(frozen=True)
class Caller(BaseUser):
    """The request's user as Starlette sees it: the verified viewer, and where its credentials came from."""

    viewer: Viewer
    source: CredentialSource | None = None
    # False for a session cookie sent without the matching CSRF header: such a request may read, not write.
    may_write: bool = True

    @property
    def is_authenticated(self) -> bool:
        return self.viewer.role is not Role.ANONYMOUS

    @property
    def display_name(self) -> str:
        return self.viewer.by


@dataclass(frozen=True)
class TokenVerifier:
    """Verifies tokens: HS256 with `secret`, RS256/ES256 with the keys of `jwks_client`."""

    secret: str | None
    jwks_client: jwt.PyJWKClient | None
    issuer: str | None = None
    audience: str | None = None
    leeway_s: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVerifier:
        jwks = jwt.PyJWKClient(settings.jwt_jwks_url, timeout=5) if settings.jwt_jwks_url else None
        return cls(
            secret=signing_secret(settings),
            jwks_client=jwks,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway_s=settings.jwt_leeway_s,
        )

    async def verify(self, token: str) -> Viewer:
        """The viewer a token names; raises Unauthenticated for any token that does not verify, and for a
        login ticket (which only /login takes, once)."""
        claims = await self.verify_claims(token)
        if claims.get(TICKET_CLAIM):
            raise Unauthenticated("A login link's token opens a session at /login; it is not a credential")
        return viewer_from_claims(claims)

    async def verify_claims(self, token: str) -> dict[str, Any]:
        """The verified claims of a token (any token this server accepts, login tickets included)."""
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError:
            raise Unauthenticated("The token is not a JWT") from None
        try:
            if algorithm == SECRET_ALGORITHM and self.secret is not None:
                claims = self._decode(token, self.secret, [SECRET_ALGORITHM])
            elif algorithm in KEY_SET_ALGORITHMS and self.jwks_client is not None:
                # PyJWKClient fetches over blocking HTTP (then caches the key set): keep it off the event loop.
                claims = await asyncio.to_thread(self._decode_with_key_set, token, self.jwks_client)
            else:
                raise Unauthenticated(f"Tokens signed with {algorithm!r} are not accepted")
        except jwt.PyJWKClientConnectionError:
            log.warning("cannot fetch the signing keys from JWT_JWKS_URL", exc_info=True)
            raise Unauthenticated("The signing keys cannot be fetched; try again later") from None
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"The token does not verify: {error}") from None
        return claims

    def _decode_with_key_set(self, token: str, client: jwt.PyJWKClient) -> dict[str, Any]:
        key = client.get_signing_key_from_jwt(token)
        algorithm = key.algorithm_name
        if algorithm not in KEY_SET_ALGORITHMS:
            raise Unauthenticated(f"The signing key is for {algorithm!r}, which is not accepted")
        return self._decode(token, key, [algorithm])

    def _decode(self, token: str, key: Any, algorithms: list[str]) -> dict[str, Any]:
        return jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=self.audience,
            issuer=self.issuer,
            leeway=self.leeway_s,
            options={"require": ["exp", "sub", "role"]},
        )


def viewer_from_claims(claims: Mapping[str, Any]) -> Viewer:
    role = TOKEN_ROLES.get(claims.get("role"))  # type: ignore[arg-type]
    if role is None:
        raise Unauthenticated(f"The token's role must be one of {', '.join(TOKEN_ROLES)}")
    return Viewer(
        role,
        sub=str(claims["sub"]),
        villages=_codes(claims, "villages"),
        townships=_codes(claims, "townships"),
    )


def _codes(claims: Mapping[str, Any], name: str) -> frozenset[str]:
    codes = claims.get(name, [])
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise Unauthenticated(f"The token's {name} must be a list of codes")
    return frozenset(codes)


def mint_token(
    secret: str,
    viewer: Viewer,
    *,
    ttl_s: float,
    issuer: str | None = None,
    audience: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """An HS256 token naming a viewer (role, sub, scope), valid for `ttl_s` seconds."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": viewer.by,
        "role": viewer.role.value,
        "iat": now,
        "exp": now + max(1, round(ttl_s)),
        **(extra or {}),
    }
    if viewer.villages:
        claims["villages"] = sorted(viewer.villages)
    if viewer.townships:
        claims["townships"] = sorted(viewer.townships)
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm=SECRET_ALGORITHM)


def signing_secret(settings: Settings) -> str | None:
    """JWT_SECRET; else None with a JWKS URL; else, in development, the secret kept under DATA_DIR
    (generated on first use). Production with neither is a settings error: the server must not start."""
    if settings.jwt_secret:
        return settings.jwt_secret
    if settings.jwt_jwks_url:
        return None
    if not settings.development:
        raise SettingsError("production needs JWT_SECRET or JWT_JWKS_URL to verify tokens; neither is set")
    return kept_secret(settings.data_dir / SECRET_FILE)


def kept_secret(path: Path) -> str:
    """A random secret kept in `path`: generated (readable by the owner only) the first time."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            # A hard link appears complete or not at all: when two processes start at once, one link wins
            # and both read the same secret, never a half-written file.
            os.link(draft, path)
            log.info("generated a secret in %s", path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    secret = path.read_text().strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise SettingsError(f"{path} holds no usable secret: delete it to generate a new one")
    return secret


class JwtBackend(AuthenticationBackend):
    """Starlette's authentication backend: `Authorization: Bearer <jwt>` first, else the session cookie."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser]:
        if conn.url.path in OPEN_PATHS:
            return AuthCredentials(), Caller(Viewer.anonymous())
        header = conn.headers.get("authorization")
        if header is not None:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("The Authorization header must be `Bearer <token>`")
            viewer = await self.verifier.verify(token.strip())
            return AuthCredentials([viewer.role.value]), Caller(viewer, "bearer")
        cookie = conn.cookies.get(SESSION_COOKIE)
        if cookie:
            viewer = await self.verifier.verify(cookie)
            return AuthCredentials([viewer.role.value]), Caller(viewer, "cookie", may_write=_csrf_header_matches(conn))
        return AuthCredentials(), Caller(Viewer.anonymous())


def _csrf_header_matches(conn: HTTPConnection) -> bool:
    """Double submit: the CSRF header must repeat the CSRF cookie that /login set. Another site can make a
    browser send the cookies, but can neither read them nor set this header."""
    expected = conn.cookies.get(CSRF_COOKIE)
    sent = conn.headers.get(CSRF_HEADER)
    if not expected or sent is None:
        return False
    return hmac.compare_digest(expected.encode(), sent.encode())


def unauthenticated_response(conn: HTTPConnection, error: AuthenticationError) -> Response:
    """A 401 whose body is a GraphQL error, for every route (the scan page and QR images too)."""
    body = {"errors": [{"message": str(error), "extensions": {"code": UNAUTHENTICATED}}]}
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def caller_of(conn: HTTPConnection) -> Caller:
    """The caller the authentication middleware set (anonymous where it did not run)."""
    user = conn.scope.get("user")
    return user if isinstance(user, Caller) else Caller(Viewer.anonymous())
