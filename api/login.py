"""Logging in on a phone: /login turns a token (pasted, or a one-time login link) into a session cookie,
which the scan page, QR images and GraphQL accept like a Bearer header; /logout clears it.

The session cookie is HttpOnly, SameSite=Lax and, outside development, Secure. A mutation sent with the
cookie must also repeat the CSRF cookie's value in the `X-CSRF-Token` header (see api/auth.py). A login
link opens a confirmation form rather than logging in on GET, so a chat app fetching a preview of the link
cannot use it up."""

from __future__ import annotations

import secrets
import time
from functools import lru_cache
from html import escape
from pathlib import Path
from string import Template
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode

from starlette.authentication import AuthenticationError
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    TICKET_CLAIM,
    TokenVerifier,
    Unauthenticated,
    mint_token,
    unauthenticated_response,
    viewer_from_claims,
)
from api.settings import Settings
from graph.access import Role, Viewer
from graph.driver import Graph
from graph.login_tickets import use_ticket

LINK_TTL_S = 24 * 3600
DEFAULT_SESSION_TTL_S = 8 * 3600
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
}
ROLE_LABELS = {Role.CADRE: "帮扶干部", Role.ANALYST: "分析人员", Role.ADMIN: "管理员"}


class LoginState(Protocol):
    """What the app's state offers these routes (`AppState` in api/app.py)."""

    settings: Settings
    verifier: TokenVerifier

    @property
    def graph(self) -> Graph: ...


def login_link(settings: Settings, secret: str, viewer: Viewer, *, session_ttl_s: int) -> str:
    """A link that opens, once and within LINK_TTL_S, a session of `session_ttl_s` seconds for `viewer`."""
    ticket = mint_token(
        secret,
        viewer,
        ttl_s=LINK_TTL_S,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        extra={TICKET_CLAIM: secrets.token_urlsafe(16), "session_ttl": session_ttl_s},
    )
    return f"{settings.public_url}/login?{urlencode({'ticket': ticket})}"


async def login(request: Request) -> Response:
    state: LoginState = request.app.state.yimaqing
    if request.method == "POST":
        return await _log_in(request, state)
    next_path = _local_path(request.query_params.get("next"))
    ticket = request.query_params.get("ticket")
    if ticket:
        return await _confirm_ticket(state, ticket, next_path)
    session = await _current_session(request, state)
    if session is not None:
        viewer, expires_at = session
        return _page("已登录", _who(viewer, expires_at) + _logout_form())
    return _page("干部登录", _token_form(next_path))


async def logout(request: Request) -> Response:
    """Clears the session (GET or POST: logging out twice, or by a stray link, does no harm)."""
    state: LoginState = request.app.state.yimaqing
    response = _page("已退出登录", '<section><p>本机已退出登录。</p><p><a href="/login">重新登录</a></p></section>')
    secure = not state.settings.development
    response.delete_cookie(SESSION_COOKIE, httponly=True, secure=secure, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, secure=secure, samesite="strict")
    return response


def stale_session_page(conn: HTTPConnection, error: AuthenticationError) -> Response:
    """A phone's session cookie that no longer verifies (expired, or the key changed): a browser gets a page
    that says so, clears the cookie and offers to log in again (a 401 still: never a silent fall back to
    anonymous); any other client, or a bad Bearer header, the 401 GraphQL error of every route."""
    from_cookie = "authorization" not in conn.headers and SESSION_COOKIE in conn.cookies
    if not from_cookie or "text/html" not in conn.headers.get("accept", ""):
        return unauthenticated_response(conn, error)
    path = conn.url.path + (f"?{conn.url.query}" if conn.url.query else "")
    body = (
        "<section><p>本机的登录已失效（已过期或已被更换），请重新登录。</p>"
        f'<p><a href="/login?{urlencode({"next": path})}">重新登录</a></p></section>'
    )
    response = _page("登录已失效", body, status=401)
    secure = not conn.app.state.yimaqing.settings.development
    response.delete_cookie(SESSION_COOKIE, httponly=True, secure=secure, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, secure=secure, samesite="strict")
    return response


async def _log_in(request: Request, state: LoginState) -> Response:
    form = await _form(request)
    token = form.get("token", "").strip()
    next_path = _local_path(form.get("next"))
    if not token:
        return _page("干部登录", _error("请粘贴登录令牌。") + _token_form(next_path), status=400)
    try:
        session_token, expires_at = await _session_for(state, token)
    except Unauthenticated as error:
        return _page("登录失败", _error(str(error)) + _token_form(next_path), status=401)
    response = RedirectResponse(next_path or "/login", status_code=303, headers=HEADERS)
    max_age = max(1, expires_at - int(time.time()))
    secure = not state.settings.development
    response.set_cookie(SESSION_COOKIE, session_token, max_age=max_age, httponly=True, secure=secure, samesite="lax")
    # Readable by the page's own scripts, which repeat it in X-CSRF-Token; never sent by other sites.
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), max_age=max_age, secure=secure, samesite="strict")
    return response


async def _session_for(state: LoginState, token: str) -> tuple[str, int]:
    """The session token for a pasted token (itself) or a login ticket (a new token, once per ticket)."""
    claims = await state.verifier.verify_claims(token)
    viewer = viewer_from_claims(claims)
    ticket_id = claims.get(TICKET_CLAIM)
    if not ticket_id:
        return token, int(claims["exp"])
    secret = state.verifier.secret
    if secret is None:
        raise Unauthenticated("This server has no JWT_SECRET to open sessions from login links")
    if not await state.graph.write(use_ticket, str(ticket_id), int(claims["exp"])):
        raise Unauthenticated("This login link was already used; ask for a new one")
    ttl_s = _positive_int(claims.get("session_ttl"), DEFAULT_SESSION_TTL_S)
    settings = state.settings
    session = mint_token(secret, viewer, ttl_s=ttl_s, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    return session, int(time.time()) + ttl_s


async def _confirm_ticket(state: LoginState, ticket: str, next_path: str | None) -> Response:
    try:
        claims = await state.verifier.verify_claims(ticket)
        viewer = viewer_from_claims(claims)
    except Unauthenticated as error:
        return _page("登录链接无效", _error(str(error)) + _token_form(next_path), status=401)
    body = (
        f"<section><p>以此身份登录本机：</p>{_who_line(viewer)}"
        f'<form method="post" action="/login">{_hidden("token", ticket)}{_hidden("next", next_path)}'
        "<button>登录</button></form></section>"
    )
    return _page("确认登录", body)


async def _current_session(request: Request, state: LoginState) -> tuple[Viewer, int] | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        claims = await state.verifier.verify_claims(cookie)
        return viewer_from_claims(claims), int(claims["exp"])
    except Unauthenticated:  # an expired or stale cookie: offer the form again
        return None


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form body, first value of each field (undecodable bytes are replaced, then refused)."""
    fields = parse_qs((await request.body()).decode("utf-8", errors="replace"), max_num_fields=10)
    return {name: values[0] for name, values in fields.items()}


def _local_path(path: str | None) -> str | None:
    """Where to go after logging in: a path on this server only (never `//host` or another site)."""
    if path and path.startswith("/") and not path.startswith(("//", "/\\")):
        return path
    return None


def _positive_int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and value > 0 else default


def _token_form(next_path: str | None) -> str:
    return (
        '<section><form method="post" action="/login"><p>粘贴管理员发放的登录令牌：</p>'
        f'<textarea name="token" required autocomplete="off" spellcheck="false"></textarea>{_hidden("next", next_path)}'
        "<button>登录</button></form></section>"
    )


def _who(viewer: Viewer, expires_at: int) -> str:
    until = time.strftime("%Y-%m-%d %H:%M", time.localtime(expires_at))
    return f'<section>{_who_line(viewer)}<p class="sub">有效期至 {escape(until)}</p></section>'


def _who_line(viewer: Viewer) -> str:
    scope = "、".join(sorted(viewer.villages | viewer.townships))
    scope_html = f'<p class="sub">范围：{escape(scope)}</p>' if scope else ""
    return f"<p><b>{escape(ROLE_LABELS.get(viewer.role, viewer.role.value))}</b> {escape(viewer.by)}</p>{scope_html}"


def _logout_form() -> str:
    return '<section><form method="post" action="/logout"><button>退出登录</button></form></section>'


def _hidden(name: str, value: str | None) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(value)}">' if value else ""


def _error(message: str) -> str:
    return f'<section class="error">{escape(message)}</section>'


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_template().substitute(title=escape(title), body=body), status_code=status, headers=HEADERS)


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template((Path(__file__).parent / "templates" / "login.html").read_text(encoding="utf-8"))
