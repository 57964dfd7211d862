"""QR codes: a real PNG decoded by a real decoder gives the scan URL, which resolves to the same object."""

from __future__ import annotations

import io
import secrets
import xml.etree.ElementTree as ET

import httpx
import zxingcpp
from PIL import Image

from tests.conftest import GraphQLPost
from tests.helpers import data_of

SCAN = """query($token: String!) { scan(token: $token) {
  __typename ... on Household { id headName } ... on Village { code name } ... on Township { code name } } }"""


def _decode(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    text: str = results[0].text
    return text


async def test_household_qr_round_trip(gql: GraphQLPost, http: httpx.AsyncClient, server: str) -> None:
    household = data_of(
        await gql(
            "{ households(first: 1, filter: {registeredPoor: true}) { edges { node { id headName qr { token url svg } } } } }"
        )
    )["households"]["edges"][0]["node"]
    qr = household["qr"]
    assert qr["url"] == f"{server}/q/{qr['token']}"
    assert len(qr["token"]) >= 22 and household["id"] not in qr["token"]
    png = await http.get(f"/qr/{qr['token']}.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    decoded = _decode(png.content)
    assert decoded == qr["url"]
    token = decoded.rsplit("/q/", 1)[1]
    scanned = data_of(await gql(SCAN, {"token": token}))["scan"]
    assert scanned == {"__typename": "Household", "id": household["id"], "headName": household["headName"]}
    ET.fromstring(qr["svg"])
    svg = await http.get(f"/qr/{qr['token']}.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")


async def test_village_and_township_codes_scan_to_themselves(gql: GraphQLPost, http: httpx.AsyncClient) -> None:
    data = data_of(
        await gql('{ township(code: "141130200000") { code name qr { url } villages { code name qr { url } } } }')
    )
    township = data["township"]
    village = township["villages"][0]
    for place, typename in ((township, "Township"), (village, "Village")):
        png = await http.get("/qr/" + place["qr"]["url"].rsplit("/q/", 1)[1] + ".png")
        token = _decode(png.content).rsplit("/q/", 1)[1]
        scanned = data_of(await gql(SCAN, {"token": token}))["scan"]
        assert scanned == {"__typename": typename, "code": place["code"], "name": place["name"]}


async def test_tokens_are_unique_and_unguessable(gql: GraphQLPost) -> None:
    edges = data_of(await gql("{ households(first: 100) { edges { node { id qr { token } } } } }"))["households"][
        "edges"
    ]
    tokens = [edge["node"]["qr"]["token"] for edge in edges]
    assert len(set(tokens)) == 100
    assert all(len(token) >= 22 and token.replace("-", "").replace("_", "").isalnum() for token in tokens)


async def test_unknown_or_malformed_tokens_scan_to_null(gql: GraphQLPost, http: httpx.AsyncClient) -> None:
    for token in (secrets.token_urlsafe(18), "", "not a token!", "'; MATCH (n) DETACH DELETE n //", "x" * 500):
        assert data_of(await gql(SCAN, {"token": token}))["scan"] is None
    assert (await http.get(f"/qr/{secrets.token_urlsafe(18)}.png")).status_code == 404
    page = await http.get(f"/q/{secrets.token_urlsafe(18)}")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]


async def test_scan_page_shows_the_household(gql: GraphQLPost, http: httpx.AsyncClient) -> None:
    household = data_of(
        await gql(
            "{ households(first: 1, filter: {registeredPoor: true}) { edges { node { headName village { name } qr { url } } } } }"
        )
    )["households"]["edges"][0]["node"]
    page = await http.get(httpx.URL(household["qr"]["url"]).path)
    assert page.status_code == 200
    assert household["headName"] in page.text and household["village"]["name"] in page.text


async def test_a_scan_shows_exactly_what_the_household_query_shows(gql: GraphQLPost) -> None:
    # The scan reads the whole card in one query; it must agree with the field-by-field reads.
    card = """id headName status size village { code name township { code name kind } } members { name relation birthDate health }
      industries { code name } drivenBy { mode since incomeGain enterprise { id name industry { code } } }
      policies { code name kind } measures { kind subKind year amount description } helpers { id name role unit }
      qr { token url }"""
    edges = data_of(
        await gql(
            "{ households(first: 8, filter: {registeredPoor: true, drivenByEnterprise: true}) { edges { node { id qr { token } } } } }"
        )
    )["households"]["edges"]
    for edge in edges:
        scanned = data_of(
            await gql(
                f"query($t: String!) {{ scan(token: $t) {{ ... on Household {{ {card} }} }} }}",
                {"t": edge["node"]["qr"]["token"]},
            )
        )
        direct = data_of(
            await gql(f"query($id: ID!) {{ household(id: $id) {{ {card} }} }}", {"id": edge["node"]["id"]})
        )
        assert scanned["scan"] == direct["household"]
        assert scanned["scan"]["members"] and scanned["scan"]["drivenBy"]
