"""Authentication over real HTTP: which credentials make which viewer, and which are refused with a 401."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from graph.access import Role
from tests.helpers import bearer, error_codes, mint_token

WHO = "{ __typename }"


async def _post(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/graphql", json={"query": WHO}, headers=headers)


def _assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


async def test_no_credentials_is_anonymous_and_allowed(anonymous_http: httpx.AsyncClient) -> None:
    response = await _post(anonymous_http, {})
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_a_valid_token_is_accepted(anonymous_http: httpx.AsyncClient) -> None:
    for role in (Role.CADRE, Role.ANALYST, Role.ADMIN):
        response = await _post(anonymous_http, bearer(mint_token(role, villages=["141130200201"])))
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(mint_token(Role.ADMIN, ttl_s=-5), id="expired"),
        pytest.param(mint_token(Role.ADMIN, secret="another-secret-of-the-same-length-0123456789"), id="wrong-key"),
        pytest.param(mint_token(Role.ADMIN, claims={"aud": "some-other-service"}), id="audience-not-expected"),
        pytest.param(mint_token(Role.ADMIN, claims={"role": "SUPERUSER"}), id="unknown-role"),
        pytest.param(mint_token(Role.CADRE, claims={"villages": "141130200201"}), id="villages-not-a-list"),
        pytest.param("not-a-jwt", id="garbage"),
    ],
)
async def test_bad_tokens_are_401(anonymous_http: httpx.AsyncClient, token: str) -> None:
    _assert_unauthenticated(await _post(anonymous_http, bearer(token)))


async def test_alg_none_is_401(anonymous_http: httpx.AsyncClient) -> None:
    header, payload = _b64({"alg": "none", "typ": "JWT"}), _b64({"sub": "x", "role": "ADMIN", "exp": 2**31})
    _assert_unauthenticated(await _post(anonymous_http, bearer(f"{header}.{payload}.")))


async def test_a_tampered_payload_is_401(anonymous_http: httpx.AsyncClient) -> None:
    header, _, signature = mint_token(Role.CADRE, villages=["141130200201"]).split(".")
    forged = _b64({"sub": "test-cadre", "role": "ADMIN", "exp": 2**31})
    _assert_unauthenticated(await _post(anonymous_http, bearer(f"{header}.{forged}.{signature}")))


@pytest.mark.parametrize("claim", ["exp", "sub", "role"])
async def test_a_token_without_a_required_claim_is_401(anonymous_http: httpx.AsyncClient, claim: str) -> None:
    _assert_unauthenticated(await _post(anonymous_http, bearer(mint_token(Role.ADMIN, drop=[claim]))))


async def test_other_schemes_are_401(anonymous_http: httpx.AsyncClient) -> None:
    _assert_unauthenticated(await _post(anonymous_http, {"Authorization": "Basic YWRtaW46YWRtaW4="}))
    _assert_unauthenticated(await _post(anonymous_http, {"Authorization": "Bearer"}))


async def test_bad_tokens_are_401_on_the_scan_page_and_images(anonymous_http: httpx.AsyncClient) -> None:
    expired = bearer(mint_token(Role.ADMIN, ttl_s=-5))
    for path in ("/q/AAAAAAAAAAAAAAAAAAAAAAAA", "/qr/AAAAAAAAAAAAAAAAAAAAAAAA.png"):
        _assert_unauthenticated(await anonymous_http.get(path, headers=expired))
    # health checks take no credentials
    assert (await anonymous_http.get("/healthz", headers=expired)).status_code == 200
