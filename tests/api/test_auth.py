"""Authentication over real HTTP: which credentials make which viewer, and which are refused with a 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from neo4j import AsyncDriver

from api.scan_page import SCAN_QUERY
from api.trusted_documents import COUNTY_DASHBOARD, VILLAGE_DASHBOARD
from graph.access import Role
from tests.helpers import TEST_JWT_SECRET, bearer, data_of, error_codes, mint_token, serve_app

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


# A production server: an issuer and an audience, a leeway, and keys from a JWKS URL beside the secret.
ISSUER = "https://idp.county.test"
AUDIENCE = "yimaqing-test"
LEEWAY_S = 30
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
STRANGER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey):
        public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())
    else:
        public = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key())
    return {**json.loads(public), "kid": kid, "use": "sig"}


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    """A JWKS endpoint serving the RSA and EC keys' public halves, over real HTTP."""
    body = json.dumps({"keys": [_jwk(RSA_KEY, "rsa-1"), _jwk(EC_KEY, "ec-1")]}).encode()

    class KeySet(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), KeySet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/jwks.json"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def production(neo4j_uri: str, jwks_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = {
        "ENVIRONMENT": "production",
        "JWT_JWKS_URL": jwks_url,
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": AUDIENCE,
        "JWT_LEEWAY_S": str(LEEWAY_S),
        "SCAN_RATE_LIMIT": "0",
    }
    with serve_app(neo4j_uri, tmp_path_factory.mktemp("production"), **settings) as base_url:
        yield base_url


def _signed(key: Any, algorithm: str, kid: str | None, *, ttl_s: float = 600, **claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": "idp-user", "role": "ANALYST", "iss": ISSUER, "aud": AUDIENCE, "exp": now + ttl_s, **claims}
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid} if kid else None)


def _hs256(**claims: Any) -> str:
    return mint_token(Role.ANALYST, claims={"iss": ISSUER, "aud": AUDIENCE, **claims})


async def _role_at(base_url: str, token: str) -> tuple[int, Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        response = await client.post("/graphql", json={"query": "{ me { role sub } }"}, headers=bearer(token))
    return response.status_code, response.json()


async def test_keys_from_the_jwks_url_verify_rs256_and_es256(production: str) -> None:
    for key, algorithm, kid in ((RSA_KEY, "RS256", "rsa-1"), (EC_KEY, "ES256", "ec-1")):
        status, body = await _role_at(production, _signed(key, algorithm, kid, sub=f"user-{algorithm}"))
        assert status == 200, body
        assert data_of(body)["me"] == {"role": "ANALYST", "sub": f"user-{algorithm}"}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(_signed(STRANGER_KEY, "RS256", "rsa-1"), id="rs256-wrong-key"),
        pytest.param(_signed(STRANGER_KEY, "RS256", "unknown-kid"), id="rs256-unknown-kid"),
        pytest.param(_signed(RSA_KEY, "RS256", "rsa-1", aud="another-service"), id="wrong-audience"),
        pytest.param(_signed(RSA_KEY, "RS256", "rsa-1", iss="https://elsewhere.test"), id="wrong-issuer"),
        pytest.param(_signed(RSA_KEY, "RS256", "rsa-1", ttl_s=-LEEWAY_S - 60), id="expired-past-the-leeway"),
        pytest.param(_signed(RSA_KEY, "PS256", "rsa-1"), id="unpinned-algorithm"),
        pytest.param(_hs256(aud="another-service"), id="hs256-wrong-audience"),
        pytest.param(mint_token(Role.ANALYST), id="hs256-without-audience-and-issuer"),
    ],
)
async def test_production_refuses_tokens_that_do_not_verify(production: str, token: str) -> None:
    status, body = await _role_at(production, token)
    assert status == 401 and error_codes(body) == ["UNAUTHENTICATED"]


async def test_a_public_key_is_not_an_hmac_secret(production: str) -> None:
    """Key confusion: an HS256 token "signed" with the RSA public key must not verify."""
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"})
    payload = _b64({"sub": "x", "role": "ADMIN", "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600})
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    status, _ = await _role_at(production, forged)
    assert status == 401


async def test_the_leeway_accepts_a_token_just_expired(production: str) -> None:
    status, body = await _role_at(production, _signed(RSA_KEY, "RS256", "rsa-1", ttl_s=-5))
    assert status == 200, body
    status, body = await _role_at(production, _hs256())
    assert status == 200, body


async def test_production_sets_a_secure_session_cookie(production: str) -> None:
    async with httpx.AsyncClient(base_url=production, timeout=30) as phone:
        response = await phone.post("/login", data={"token": _signed(RSA_KEY, "RS256", "rsa-1")})
    assert response.status_code == 303
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("yimaqing_session=")]
    assert len(cookies) == 1 and "Secure" in cookies[0] and "HttpOnly" in cookies[0]


def _persisted(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(document.encode()).hexdigest()}}


async def test_production_holds_anonymous_callers_to_trusted_documents(production: str, driver: AsyncDriver) -> None:
    records, _, _ = await driver.execute_query(
        "MATCH (q:QrCode)-[:IDENTIFIES]->(v:Village) WHERE q.revokedAt IS NULL RETURN q.token AS token, v.code AS code LIMIT 1"
    )
    token, village = records[0]["token"], records[0]["code"]
    async with httpx.AsyncClient(base_url=production, timeout=30) as anonymous:
        arbitrary = await anonymous.post("/graphql", json={"query": "{ county { name } }"})
        assert arbitrary.status_code == 403 and error_codes(arbitrary.json()) == ["FORBIDDEN"]
        by_hash = await anonymous.post(
            "/graphql", json={"variables": {"token": token}, "extensions": _persisted(SCAN_QUERY)}
        )
        assert by_hash.status_code == 200
        assert data_of(by_hash.json())["scan"]["code"] == village
        with_text = await anonymous.post("/graphql", json={"query": SCAN_QUERY, "variables": {"token": token}})
        assert data_of(with_text.json())["scan"]["code"] == village
        over_get = await anonymous.get(
            "/graphql",
            params={
                "variables": json.dumps({"code": village}),
                "extensions": json.dumps(_persisted(VILLAGE_DASHBOARD)),
            },
        )
        assert data_of(over_get.json())["village"]["code"] == village
        county = await anonymous.post("/graphql", json={"extensions": _persisted(COUNTY_DASHBOARD)})
        expected, _, _ = await driver.execute_query("MATCH (h:Household) RETURN count(h) AS n")
        assert data_of(county.json())["county"]["households"] == expected[0]["n"]
        unknown = await anonymous.post("/graphql", json={"extensions": _persisted("{ county { name } }")})
        assert unknown.status_code == 400 and error_codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
        mismatch = await anonymous.post(
            "/graphql", json={"query": "{ county { name } }", "extensions": _persisted(SCAN_QUERY)}
        )
        assert mismatch.status_code == 400 and error_codes(mismatch.json()) == ["BAD_REQUEST"]
        # a signed-in caller may send any document
        signed_in = await anonymous.post(
            "/graphql", json={"query": "{ county { name } }"}, headers=bearer(_signed(RSA_KEY, "RS256", "rsa-1"))
        )
        assert signed_in.status_code == 200 and "errors" not in signed_in.json()


async def test_development_keeps_arbitrary_documents_open(anonymous_http: httpx.AsyncClient) -> None:
    response = await anonymous_http.post("/graphql", json={"query": "{ county { name } }"})
    assert response.status_code == 200 and "errors" not in response.json()


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JWT_")} | env
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=environment, capture_output=True, text=True, timeout=60
    )


async def test_a_cli_token_works_against_a_development_server_sharing_its_data_dir(
    neo4j_uri: str, tmp_path: Path
) -> None:
    """No secret configured: the server and `yimaqing token` use the one generated in DATA_DIR."""
    minted = _cli(
        "token", "--role", "CADRE", "--village", "141130200201", "--sub", "cli-cadre", DATA_DIR=str(tmp_path / "data")
    )
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    assert minted.stdout == token + "\n" and token.count(".") == 2  # the JWT alone on stdout
    with serve_app(neo4j_uri, tmp_path, JWT_SECRET="", SCAN_RATE_LIMIT="0") as base_url:
        status, body = await _role_at(base_url, token)
    assert status == 200 and data_of(body)["me"] == {"role": "CADRE", "sub": "cli-cadre"}
    assert (tmp_path / "data" / "jwt-secret").stat().st_mode & 0o077 == 0  # readable by its owner only


def test_production_refuses_to_start_without_a_key(neo4j_uri: str, tmp_path: Path) -> None:
    result = _cli("serve", ENVIRONMENT="production", NEO4J_URI=neo4j_uri, DATA_DIR=str(tmp_path), PORT="1")
    assert result.returncode == 2
    assert "production needs JWT_SECRET or JWT_JWKS_URL" in result.stderr
    assert not (tmp_path / "jwt-secret").exists()


@pytest.mark.parametrize("ttl, seconds", [("30s", 30), ("15m", 900), ("8h", 28800), ("7d", 604800)])
def test_cli_token_lifetimes(tmp_path: Path, ttl: str, seconds: int) -> None:
    minted = _cli("token", "--role", "ANALYST", "--ttl", ttl, JWT_SECRET=TEST_JWT_SECRET, DATA_DIR=str(tmp_path))
    claims = jwt.decode(minted.stdout.strip(), TEST_JWT_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == seconds and claims["role"] == "ANALYST"
    assert "villages" not in claims


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "CADRE"], "a CADRE token needs its scope"),
        (["--role", "CADRE", "--village", "abc"], "a village or township code is 12 digits, not 'abc'"),
        (["--role", "ANALYST", "--township", "141130100000"], "--village and --township scope a CADRE"),
    ],
)
def test_cli_tokens_with_a_wrong_scope_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    refused = _cli("token", *args, JWT_SECRET=TEST_JWT_SECRET, DATA_DIR=str(tmp_path))
    assert refused.returncode == 2 and refused.stdout == ""
    assert message in refused.stderr
