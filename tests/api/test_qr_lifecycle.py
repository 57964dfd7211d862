"""The QR token lifecycle end to end, over real HTTP: a plate's PNG decoded by a real decoder, rotateQr and
revokeQr, what the old plate then does (scan, scan page, image), who may change a code and who may fetch its
image, all checked against the graph with raw Cypher.

The households are registered here, in a village no other test uses, so that no other test's stored token
is retired; the village and township codes changed here are of that village and its township."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import zxingcpp
from neo4j import AsyncDriver
from PIL import Image

from api.auth import CSRF_COOKIE
from graph.access import Role, Viewer
from tests.api.writes import REGISTER, household_input, member
from tests.conftest import GraphQLPost
from tests.helpers import bearer, data_of, error_codes, mint_token, token_for

pytestmark = pytest.mark.mutates

VILLAGE, VILLAGE_NAME = "141130103204", "雷家峪村"
TOWNSHIP, TOWNSHIP_NAME = "141130103000", "桃红坡镇"
OTHER_VILLAGE = "141130103203"  # same township, another village

ADMIN = Viewer(Role.ADMIN, sub="qr-admin")
CADRE = Viewer(Role.CADRE, sub="qr-cadre", villages=frozenset({VILLAGE}))
TOWNSHIP_CADRE = Viewer(Role.CADRE, sub="qr-township-cadre", townships=frozenset({TOWNSHIP}))
OTHER_CADRE = Viewer(Role.CADRE, sub="qr-other-cadre", villages=frozenset({OTHER_VILLAGE}))
ANALYST = Viewer(Role.ANALYST, sub="qr-analyst")
ANONYMOUS = Viewer.anonymous()

SCAN = """query($token: String!) { scan(token: $token) {
  __typename ... on Household { id } ... on Village { code } ... on Township { code } } }"""
ROTATE = "mutation($subject: ID!) { rotateQr(subject: $subject) { token url } }"
REVOKE = "mutation($token: String!) { revokeQr(token: $token) { token url } }"

# A retired code's scan page (api/scan_page.py): it says the code was replaced and whom to ask.
REPLACED = "此码已更换"


def _decode(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    text: str = results[0].text
    return text


def _token_of(url: str, server: str) -> str:
    prefix = f"{server}/q/"
    assert url.startswith(prefix), url
    return url[len(prefix) :]


async def _plate_token(client: httpx.AsyncClient, token: str, server: str, **headers: str) -> str:
    """Fetches the code's PNG as the client (or with `headers`), decodes it and returns the token it encodes."""
    response = await client.get(f"/qr/{token}.png", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return _token_of(_decode(response.content), server)


async def _codes(driver: AsyncDriver, label: str, key: str) -> list[dict[str, Any]]:
    """Every QrCode that identifies the node: the retired ones in the order they were retired, then the
    current one; token, and whether it is retired."""
    prop = "id" if label == "Household" else "code"
    records, _, _ = await driver.execute_query(
        f"MATCH (q:QrCode)-[:IDENTIFIES]->(n:{label} {{{prop}: $key}}) "
        "RETURN q.token AS token, q.revokedAt IS NOT NULL AS retired ORDER BY q.revokedAt IS NULL, q.revokedAt",
        key=key,
        routing_="r",
    )
    return [dict(r) for r in records]


async def _current(driver: AsyncDriver, label: str, key: str) -> list[str]:
    return [c["token"] for c in await _codes(driver, label, key) if not c["retired"]]


async def _scan(gql: GraphQLPost, token: str, viewer: Viewer = ADMIN) -> Any:
    return data_of(await gql(SCAN, {"token": token}, as_viewer=viewer))["scan"]


def _image_refusal(response: httpx.Response) -> tuple[int, str]:
    """The status and message of a refused QR image: a GraphQL error body whose code matches the status."""
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert (
        error["extensions"]["code"]
        == {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND"}[response.status_code]
    )
    message: str = error["message"]
    return response.status_code, message


def _refused(body: dict[str, Any]) -> str:
    """The one error code of a refused mutation, which changed nothing the response shows."""
    assert body.get("data") is None, body
    [code] = error_codes(body)
    return code


@pytest.fixture
async def household(http: httpx.AsyncClient, driver: AsyncDriver) -> str:
    """A household registered for the test (by an ADMIN), in VILLAGE, with its one current code."""
    payload = {"query": REGISTER, "variables": {"input": household_input(member("扫码测试", "户主"), village=VILLAGE)}}
    # The first write after Neo4j starts refreshes derived figures over a cold page cache: 36 s measured on
    # two shared cores, beyond the clients' 30 s (later ones take 2 s).
    response = await http.post("/graphql", json=payload, timeout=180)
    key: str = data_of(response.json())["registerHousehold"]["id"]
    assert len(await _current(driver, "Household", key)) == 1
    return key


@pytest.fixture
async def phone(server: str) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh client with its own cookie jar, as a phone's browser."""
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        yield client


async def test_rotation_end_to_end_through_the_plate(
    gql: GraphQLPost,
    http: httpx.AsyncClient,
    anonymous_http: httpx.AsyncClient,
    driver: AsyncDriver,
    server: str,
    household: str,
) -> None:
    [stored] = await _current(driver, "Household", household)
    shown = data_of(await gql("query($id: ID!) { household(id: $id) { qr { token } } }", {"id": household}))
    assert shown["household"]["qr"]["token"] == stored
    old = await _plate_token(http, stored, server)
    assert old == stored

    rotated = data_of(await gql(ROTATE, {"subject": household}))["rotateQr"]
    new = rotated["token"]
    assert new != old and rotated["url"] == f"{server}/q/{new}"

    # The old plate: scans to null, for everyone ...
    for viewer in (ADMIN, CADRE, ANONYMOUS):
        assert await _scan(gql, old, viewer) is None
    # ... its page says the code was replaced and whom to ask, never what the new code is ...
    for client in (anonymous_http, http):
        page = await client.get(f"/q/{old}")
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
        assert REPLACED in page.text and VILLAGE_NAME in page.text and TOWNSHIP_NAME in page.text
        assert new not in page.text
    # ... and its image is no longer served, not even to an ADMIN.
    for extension in ("png", "svg"):
        image = await http.get(f"/qr/{old}.{extension}")
        assert _image_refusal(image) == (404, "unknown or retired QR code")

    # The new plate scans to the household.
    assert await _plate_token(http, new, server) == new
    assert await _scan(gql, new) == {"__typename": "Household", "id": household}
    assert (await http.get(f"/q/{new}")).status_code == 200

    assert await _codes(driver, "Household", household) == [
        {"token": old, "retired": True},
        {"token": new, "retired": False},
    ]


async def test_revoking_a_lost_plate_retires_it_and_issues_a_new_code(
    gql: GraphQLPost, http: httpx.AsyncClient, driver: AsyncDriver, server: str, household: str
) -> None:
    [lost] = await _current(driver, "Household", household)
    # revokeQr retires the code and gives the household a new one at once (graph/qr.py: a node always
    # keeps a code to print), which it returns; the lost token scans to null.
    revoked = data_of(await gql(REVOKE, {"token": lost}, as_viewer=CADRE))["revokeQr"]
    issued = revoked["token"]
    assert issued != lost and revoked["url"] == f"{server}/q/{issued}"
    assert await _scan(gql, lost) is None
    assert await _scan(gql, issued) == {"__typename": "Household", "id": household}
    assert await _plate_token(http, issued, server) == issued
    after = [{"token": lost, "retired": True}, {"token": issued, "retired": False}]
    assert await _codes(driver, "Household", household) == after

    # Revoking the same token again is a clear NOT_FOUND that changes nothing (no second new code).
    again = await gql(REVOKE, {"token": lost})
    assert _refused(again) == "NOT_FOUND"
    assert again["errors"][0]["message"] == "this QR code was already retired"
    assert again["errors"][0]["extensions"].get("argument") == "token"
    assert await _codes(driver, "Household", household) == after

    # A token that was never issued (or cannot be one) is NOT_FOUND as well.
    for unknown in ("A" * 24, "not a token!"):
        assert _refused(await gql(REVOKE, {"token": unknown})) == "NOT_FOUND"


async def test_who_may_rotate_a_household_code(gql: GraphQLPost, driver: AsyncDriver, household: str) -> None:
    codes = await _codes(driver, "Household", household)
    for viewer in (OTHER_CADRE, ANALYST, ANONYMOUS):
        body = await gql(ROTATE, {"subject": household}, as_viewer=viewer)
        # Anonymous callers are FORBIDDEN too, not UNAUTHENTICATED: they carry no credentials that failed.
        assert _refused(body) == "FORBIDDEN", (viewer, body)
        assert await _codes(driver, "Household", household) == codes

    tokens = [c["token"] for c in codes]
    for viewer in (CADRE, TOWNSHIP_CADRE, ADMIN):
        rotated = data_of(await gql(ROTATE, {"subject": household}, as_viewer=viewer))["rotateQr"]["token"]
        assert await _current(driver, "Household", household) == [rotated]
        assert rotated not in tokens
        tokens.append(rotated)
        assert await _codes(driver, "Household", household) == [
            {"token": token, "retired": token != rotated} for token in tokens
        ]

    missing = await gql(ROTATE, {"subject": f"H{VILLAGE}-999999"})
    assert _refused(missing) == "NOT_FOUND"
    for subject in ("Policy:NOPE", "nonsense", "C0001"):
        body = await gql(ROTATE, {"subject": subject})
        assert _refused(body) == "BAD_USER_INPUT"
        assert body["errors"][0]["extensions"].get("argument") == "subject"


async def test_who_may_revoke_a_household_code(gql: GraphQLPost, driver: AsyncDriver, household: str) -> None:
    codes = await _codes(driver, "Household", household)
    [token] = await _current(driver, "Household", household)
    for viewer in (OTHER_CADRE, ANALYST, ANONYMOUS):
        body = await gql(REVOKE, {"token": token}, as_viewer=viewer)
        assert _refused(body) == "FORBIDDEN", (viewer, body)
        assert await _codes(driver, "Household", household) == codes
    assert await _scan(gql, token) == {"__typename": "Household", "id": household}

    issued = data_of(await gql(REVOKE, {"token": token}, as_viewer=TOWNSHIP_CADRE))["revokeQr"]["token"]
    assert await _current(driver, "Household", household) == [issued]
    # Who may not revoke a current code may not learn either that a retired one was retired.
    for viewer in (OTHER_CADRE, ANALYST, ANONYMOUS):
        assert _refused(await gql(REVOKE, {"token": token}, as_viewer=viewer)) == "FORBIDDEN"


async def test_village_and_township_codes_rotate_within_scope(
    gql: GraphQLPost, http: httpx.AsyncClient, anonymous_http: httpx.AsyncClient, driver: AsyncDriver, server: str
) -> None:
    village_id, township_id = f"V{VILLAGE}", f"T{TOWNSHIP}"
    [old_village] = await _current(driver, "Village", VILLAGE)
    [old_township] = await _current(driver, "Township", TOWNSHIP)

    # A village's code: its cadres (and the township's) may rotate it, another village's may not.
    village_codes = await _codes(driver, "Village", VILLAGE)
    for viewer in (OTHER_CADRE, ANALYST, ANONYMOUS):
        assert _refused(await gql(ROTATE, {"subject": village_id}, as_viewer=viewer)) == "FORBIDDEN"
    assert await _codes(driver, "Village", VILLAGE) == village_codes
    new_village = data_of(await gql(ROTATE, {"subject": village_id}, as_viewer=CADRE))["rotateQr"]["token"]
    assert await _current(driver, "Village", VILLAGE) == [new_village]
    assert await _scan(gql, old_village) is None
    assert await _scan(gql, new_village) == {"__typename": "Village", "code": VILLAGE}
    assert await _plate_token(http, new_village, server) == new_village
    page = await anonymous_http.get(f"/q/{old_village}")
    assert page.status_code == 404 and REPLACED in page.text and VILLAGE_NAME in page.text
    assert new_village not in page.text

    # A township's code: only an ADMIN or a cadre of the whole township, not a cadre of one of its villages.
    township_codes = await _codes(driver, "Township", TOWNSHIP)
    for viewer in (CADRE, OTHER_CADRE, ANALYST, ANONYMOUS):
        assert _refused(await gql(ROTATE, {"subject": township_id}, as_viewer=viewer)) == "FORBIDDEN"
    assert await _codes(driver, "Township", TOWNSHIP) == township_codes
    new_township = data_of(await gql(ROTATE, {"subject": township_id}, as_viewer=TOWNSHIP_CADRE))["rotateQr"]["token"]
    assert await _current(driver, "Township", TOWNSHIP) == [new_township]
    assert await _scan(gql, old_township) is None
    assert await _scan(gql, new_township) == {"__typename": "Township", "code": TOWNSHIP}
    page = await anonymous_http.get(f"/q/{old_township}")
    assert page.status_code == 404 and REPLACED in page.text and TOWNSHIP_NAME in page.text
    assert new_township not in page.text

    # A township's code revoked by an ADMIN (rotation and revocation share the same path).
    newest = data_of(await gql(REVOKE, {"token": new_township}))["revokeQr"]["token"]
    assert await _current(driver, "Township", TOWNSHIP) == [newest]
    assert [c["retired"] for c in await _codes(driver, "Township", TOWNSHIP)].count(False) == 1
    assert await _scan(gql, new_township) is None


async def test_qr_images_only_to_those_who_may_print_the_plate(
    http: httpx.AsyncClient, anonymous_http: httpx.AsyncClient, driver: AsyncDriver, server: str, household: str
) -> None:
    [token] = await _current(driver, "Household", household)
    for extension in ("png", "svg"):
        anonymous = await anonymous_http.get(f"/qr/{token}.{extension}")
        assert _image_refusal(anonymous) == (401, "sign in to get QR code images")
        for viewer in (ANALYST, OTHER_CADRE):
            refused = await anonymous_http.get(f"/qr/{token}.{extension}", headers=bearer(token_for(viewer)))
            assert _image_refusal(refused) == (403, "this QR code is outside your scope"), viewer
            assert token not in refused.text
    for viewer in (CADRE, TOWNSHIP_CADRE, ADMIN):
        assert await _plate_token(anonymous_http, token, server, **bearer(token_for(viewer))) == token
    svg = await anonymous_http.get(f"/qr/{token}.svg", headers=bearer(token_for(CADRE)))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith(("<?xml", "<svg"))
    # Nothing was changed by fetching images.
    assert await _current(driver, "Household", household) == [token]


async def test_a_phone_session_prints_and_rotates_within_scope(
    phone: httpx.AsyncClient, gql: GraphQLPost, driver: AsyncDriver, server: str, household: str
) -> None:
    [token] = await _current(driver, "Household", household)
    # A cadre of another village logged in on the phone: refused the image.
    await phone.post("/login", data={"token": mint_token(Role.CADRE, [OTHER_VILLAGE], sub="qr-phone-other")})
    assert _image_refusal(await phone.get(f"/qr/{token}.png")) == (403, "this QR code is outside your scope")
    # The village's cadre: the session cookie fetches the plate, and (with the CSRF header) rotates the code.
    login = await phone.post("/login", data={"token": mint_token(Role.CADRE, [VILLAGE], sub="qr-phone")})
    assert login.status_code == 303
    assert await _plate_token(phone, token, server) == token
    no_csrf = (await phone.post("/graphql", json={"query": ROTATE, "variables": {"subject": household}})).json()
    assert _refused(no_csrf) == "FORBIDDEN"
    assert await _current(driver, "Household", household) == [token]
    rotated = (
        await phone.post(
            "/graphql",
            json={"query": ROTATE, "variables": {"subject": household}},
            headers={"X-CSRF-Token": phone.cookies[CSRF_COOKIE]},
        )
    ).json()
    new = data_of(rotated)["rotateQr"]["token"]
    assert await _current(driver, "Household", household) == [new]
    assert await _plate_token(phone, new, server) == new
    assert _image_refusal(await phone.get(f"/qr/{token}.png")) == (404, "unknown or retired QR code")
    assert await _scan(gql, new) == {"__typename": "Household", "id": household}


# A rotation takes the node's write lock before it reads the current code, so concurrent ones queue up.
async def test_concurrent_rotations_leave_exactly_one_current_code(
    gql: GraphQLPost, driver: AsyncDriver, household: str
) -> None:
    results = await asyncio.gather(*(gql(ROTATE, {"subject": household}) for _ in range(8)))
    issued = [data_of(body)["rotateQr"]["token"] for body in results]
    assert len(set(issued)) == 8
    codes = await _codes(driver, "Household", household)
    assert len(codes) == 9
    assert [c["retired"] for c in codes].count(False) == 1, codes
    [current] = await _current(driver, "Household", household)
    assert current in issued
    assert await _scan(gql, current) == {"__typename": "Household", "id": household}


async def test_concurrent_revocations_of_one_plate_issue_one_code(
    gql: GraphQLPost, driver: AsyncDriver, household: str
) -> None:
    [token] = await _current(driver, "Household", household)
    results = await asyncio.gather(*(gql(REVOKE, {"token": token}) for _ in range(8)))
    issued = [body["data"]["revokeQr"]["token"] for body in results if body.get("data")]
    assert len(issued) == 1, results
    refusals = [body["errors"][0]["extensions"]["code"] for body in results if not body.get("data")]
    assert refusals == ["NOT_FOUND"] * 7
    assert await _current(driver, "Household", household) == issued
