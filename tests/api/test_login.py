"""Logging in on a phone, over real HTTP: /login sets the session cookie, which the scan page, QR images and
GraphQL accept; mutations over the cookie need the CSRF header; /logout clears it; login links work once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from neo4j import AsyncDriver
from playwright.async_api import async_playwright

from api.auth import CSRF_COOKIE, SESSION_COOKIE
from graph.access import Role
from tests.helpers import TEST_JWT_SECRET, bearer, data_of, error_codes, mint_token

ME = "{ me { role sub villages townships } }"


def _set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    cookies: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            cookies[name] = cookie
    return cookies


async def _me(client: httpx.AsyncClient, **headers: str) -> dict[str, object]:
    response = await client.post("/graphql", json={"query": ME}, headers=headers)
    assert response.status_code == 200, response.text
    me: dict[str, object] = data_of(response.json())["me"]
    return me


@pytest.fixture
async def phone(server: str) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh client with its own cookie jar, as a phone's browser."""
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        yield client


async def test_the_login_form_sets_a_session_cookie(phone: httpx.AsyncClient) -> None:
    form = await phone.get("/login")
    assert form.status_code == 200 and 'name="token"' in form.text
    token = mint_token(Role.CADRE, ["141130200201"], sub="cadre-zhang")
    response = await phone.post("/login", data={"token": token, "next": "/q/abc"})
    assert response.status_code == 303
    assert response.headers["location"] == "/q/abc"
    cookies = _set_cookies(response)
    session = cookies[SESSION_COOKIE][SESSION_COOKIE]
    assert session.value == token
    assert session["httponly"] is True
    assert session["samesite"] == "lax"
    assert not session["secure"]  # the test server runs in development
    assert cookies[CSRF_COOKIE][CSRF_COOKIE]["samesite"] == "strict"
    me = await _me(phone)
    assert me == {"role": "CADRE", "sub": "cadre-zhang", "villages": ["141130200201"], "townships": []}
    page = await phone.get("/login")
    assert "cadre-zhang" in page.text and "退出登录" in page.text


async def test_next_never_leaves_the_site(phone: httpx.AsyncClient) -> None:
    token = mint_token(Role.CADRE, ["141130200201"])
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = await phone.post("/login", data={"token": token, "next": target})
        assert response.headers["location"] == "/login"


async def test_a_bad_pasted_token_is_refused_without_a_cookie(phone: httpx.AsyncClient) -> None:
    response = await phone.post("/login", data={"token": mint_token(Role.CADRE, ttl_s=-10)})
    assert response.status_code == 401
    assert SESSION_COOKIE not in _set_cookies(response)
    assert (await _me(phone))["role"] == "ANONYMOUS"


async def test_logout_clears_the_session(phone: httpx.AsyncClient) -> None:
    await phone.post("/login", data={"token": mint_token(Role.ANALYST, sub="analyst-li")})
    assert (await _me(phone))["role"] == "ANALYST"
    response = await phone.post("/logout")
    assert response.status_code == 200
    assert _set_cookies(response)[SESSION_COOKIE][SESSION_COOKIE]["max-age"] == "0"
    assert (await _me(phone))["role"] == "ANONYMOUS"


async def test_an_expired_session_cookie_is_401_not_anonymous(server: str) -> None:
    expired = {SESSION_COOKIE: mint_token(Role.CADRE, ttl_s=-10)}
    async with httpx.AsyncClient(base_url=server, cookies=expired) as client:
        for response in (
            await client.post("/graphql", json={"query": ME}),
            await client.get("/q/AAAAAAAAAAAAAAAAAAAAAAAA"),
        ):
            assert response.status_code == 401
            assert error_codes(response.json()) == ["UNAUTHENTICATED"]
        # the login page still opens, so the phone can log in again
        assert (await client.get("/login")).status_code == 200


async def test_a_phone_with_a_stale_session_is_asked_to_log_in_again(server: str) -> None:
    expired = {SESSION_COOKIE: mint_token(Role.CADRE, ttl_s=-10)}
    async with httpx.AsyncClient(base_url=server, cookies=expired) as browser:
        page = await browser.get("/q/AAAAAAAAAAAAAAAAAAAAAAAA?x=1", headers={"accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert "登录已失效" in page.text
    assert 'href="/login?next=%2Fq%2FAAAAAAAAAAAAAAAAAAAAAAAA%3Fx%3D1"' in page.text
    cleared = _set_cookies(page)[SESSION_COOKIE][SESSION_COOKIE]
    assert cleared.value == "" and cleared["max-age"] == "0"


async def test_the_bearer_header_wins_over_the_cookie(phone: httpx.AsyncClient) -> None:
    await phone.post("/login", data={"token": mint_token(Role.ANALYST)})
    me = await _me(phone, **bearer(mint_token(Role.ADMIN, sub="admin-wang")))
    assert me["sub"] == "admin-wang"


MUTATION = 'mutation { revokeQr(token: "AAAAAAAAAAAAAAAAAAAAAAAA") { url } }'


async def test_a_cookie_mutation_needs_the_csrf_header(phone: httpx.AsyncClient) -> None:
    await phone.post("/login", data={"token": mint_token(Role.ADMIN, sub="admin-cookie")})
    refused = (await phone.post("/graphql", json={"query": MUTATION})).json()
    assert error_codes(refused) == ["FORBIDDEN"]
    assert "X-CSRF-Token" in refused["errors"][0]["message"]
    wrong = (await phone.post("/graphql", json={"query": MUTATION}, headers={"X-CSRF-Token": "guess"})).json()
    assert error_codes(wrong) == ["FORBIDDEN"]
    csrf = phone.cookies[CSRF_COOKIE]
    allowed = (await phone.post("/graphql", json={"query": MUTATION}, headers={"X-CSRF-Token": csrf})).json()
    assert "FORBIDDEN" not in error_codes(allowed)
    # reads need no CSRF header
    assert (await _me(phone))["sub"] == "admin-cookie"


async def test_a_bearer_mutation_needs_no_csrf_header(anonymous_http: httpx.AsyncClient) -> None:
    response = await anonymous_http.post("/graphql", json={"query": MUTATION}, headers=bearer(mint_token(Role.ADMIN)))
    assert "FORBIDDEN" not in error_codes(response.json())


def _ticket_link(role: str, *extra: str) -> str:
    """A login link minted by `yimaqing token --link` with the test server's secret."""
    env = {**os.environ, "JWT_SECRET": TEST_JWT_SECRET, "PUBLIC_URL": "http://phone.example"}
    for unset in ("JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"):
        env.pop(unset, None)
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "token", "--role", role, "--link", *extra],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


async def test_a_login_link_opens_one_session_once(phone: httpx.AsyncClient) -> None:
    link = _ticket_link("cadre", "--village", "141130200201", "--sub", "cadre-link", "--ttl", "2h")
    assert link.startswith("http://phone.example/login?ticket=")
    ticket = parse_qs(urlparse(link).query)["ticket"][0]
    # the ticket is not a credential by itself
    refused = await phone.post("/graphql", json={"query": ME}, headers=bearer(ticket))
    assert refused.status_code == 401
    # opening the link (a chat app's preview does this too) only asks to confirm
    confirm = await phone.get("/login", params={"ticket": ticket})
    assert confirm.status_code == 200 and "cadre-link" in confirm.text
    assert SESSION_COOKIE not in phone.cookies
    response = await phone.post("/login", data={"token": ticket})
    assert response.status_code == 303
    session = phone.cookies[SESSION_COOKIE]
    assert session != ticket
    max_age = int(_set_cookies(response)[SESSION_COOKIE][SESSION_COOKIE]["max-age"])
    assert 2 * 3600 - 60 <= max_age <= 2 * 3600
    assert await _me(phone) == {"role": "CADRE", "sub": "cadre-link", "villages": ["141130200201"], "townships": []}
    # a second use, from another phone, is refused
    async with httpx.AsyncClient(base_url=str(phone.base_url)) as other:
        again = await other.post("/login", data={"token": ticket})
        assert again.status_code == 401 and "already used" in again.text
        assert SESSION_COOKIE not in other.cookies


async def test_a_cadre_logs_in_on_the_scan_page_in_a_browser(server: str, driver: AsyncDriver) -> None:
    """Headless Chromium (Debian's, see DESIGN.md): the scan page is masked, the login form sets the cookie,
    the page then shows the full card; the page's own script can mutate only with the CSRF header."""
    chromium = shutil.which("chromium")
    assert chromium, "the browser test needs Debian's chromium (apt-get install chromium fonts-noto-cjk)"
    records, _, _ = await driver.execute_query(
        """MATCH (q:QrCode)-[:IDENTIFIES]->(h:Household)-[:IN]->(v:Village) WHERE q.revokedAt IS NULL
        MATCH (p:Person)-[:MEMBER_OF]->(h)
        WITH q, h, v, collect(p.name) AS members ORDER BY h.id SKIP 200 LIMIT 1
        RETURN q.token AS token, h.headName AS head, v.code AS village, members"""
    )
    token, head, village, members = (records[0][k] for k in ("token", "head", "village", "members"))
    cadre_token = mint_token(Role.CADRE, [village], sub="cadre-browser")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            context = await browser.new_context(base_url=server)
            page = await context.new_page()
            await page.goto(f"/q/{token}")
            masked = await page.inner_text("body")
            assert head[0] in masked and head not in masked
            assert not any(name in masked for name in members)

            await page.click("section.notice a")  # the masked card's login link comes back to this card
            await page.wait_for_url(f"**/login?next=%2Fq%2F{token}")
            await page.fill("textarea[name=token]", cadre_token)
            await page.click("button")
            await page.wait_for_url(f"**/q/{token}")
            full = await page.inner_text("body")
            assert head in full and all(name in full for name in members)

            [session] = [c for c in await context.cookies() if c["name"] == SESSION_COOKIE]
            assert session["httpOnly"] and session["sameSite"] == "Lax"
            visible_to_scripts = await page.evaluate("document.cookie")
            assert SESSION_COOKIE not in visible_to_scripts and CSRF_COOKIE in visible_to_scripts

            codes = await page.evaluate(BROWSER_MUTATIONS, MUTATION)
            assert codes["withoutHeader"] == ["FORBIDDEN"]
            assert "FORBIDDEN" not in codes["withHeader"]

            await page.goto("/logout")
            await page.goto(f"/q/{token}")
            assert head not in await page.inner_text("body")
        finally:
            await browser.close()


# Runs in the page: the mutation without, then with, the CSRF header read from the CSRF cookie.
BROWSER_MUTATIONS = """async (query) => {
  const csrf = document.cookie.split("; ").find((c) => c.startsWith("yimaqing_csrf=")).split("=")[1];
  const post = async (headers) => {
    const response = await fetch("/graphql", {method: "POST", headers: {"content-type": "application/json", ...headers},
                                               body: JSON.stringify({query})});
    return ((await response.json()).errors || []).map((e) => e.extensions.code);
  };
  return {withoutHeader: await post({}), withHeader: await post({"X-CSRF-Token": csrf})};
}"""
