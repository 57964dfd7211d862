"""Bad input gets a clear error with a code; nothing internal leaks."""

from __future__ import annotations

import json

import httpx

from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes


async def test_malformed_json_is_a_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", content=b'{"query": "{ county { name } ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_wrong_argument_type_is_bad_user_input(gql: GraphQLPost) -> None:
    body = await gql("query($y: Int!) { projectPipeline(year: $y) { declared } }", {"y": "twenty"})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_unknown_field_fails_validation(gql: GraphQLPost) -> None:
    body = await gql("{ county { nope } }")
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_page_size_over_100_is_refused(gql: GraphQLPost) -> None:
    body = await gql("{ households(first: 101) { edges { cursor } } }")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "first" in body["errors"][0]["message"]


async def test_forged_cursor_is_refused(gql: GraphQLPost) -> None:
    body = await gql('{ households(first: 1, after: "bm90IGEgY3Vyc29y") { edges { cursor } } }')
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_unknown_industry_in_coverage(gql: GraphQLPost) -> None:
    body = await gql('{ coverage(industryCodes: ["FUNGI", "NOPE"]) { households } }')
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "NOPE" in body["errors"][0]["message"]


async def test_unknown_ids_are_null(gql: GraphQLPost) -> None:
    data = data_of(
        await gql(
            '{ household(id: "H0") { id } village(code: "1") { code } project(code: "P") { code } node(id: "zz") { id } }'
        )
    )
    assert data == {"household": None, "village": None, "project": None, "node": None}


async def test_search_text_is_never_lucene_syntax(gql: GraphQLPost) -> None:
    body = await gql('{ search(text: "阳村堡 OR *:* AND \\"") { __typename } }')
    assert "errors" not in body


async def test_pagination_walks_every_household_of_a_village_once(gql: GraphQLPost) -> None:
    village = data_of(await gql('{ township(code: "141130200000") { villages { code } } }'))["township"]["villages"][0]
    seen: list[str] = []
    after = None
    total = None
    while True:
        data = data_of(
            await gql(
                """query($code: ID!, $after: String) { village(code: $code) { households(first: 37, after: $after) {
                  totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }""",
                {"code": village["code"], "after": after},
            )
        )
        connection = data["village"]["households"]
        total = connection["totalCount"]
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == total
    assert seen == sorted(seen)


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["migrated"] is True


async def test_a_filter_with_too_many_conditions_is_refused(gql: GraphQLPost) -> None:
    query = "query($f: HouseholdFilter) { households(first: 1, filter: $f) { edges { node { id } } } }"
    wide = {"OR": [{"headNameContains": f"x{i}"} for i in range(41)]}
    body = await gql(query, {"f": wide})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "at most 40 conditions" in body["errors"][0]["message"]
    within = {"OR": [{"headNameContains": f"x{i}"} for i in range(40)]}
    assert "errors" not in await gql(query, {"f": within})


async def test_lone_surrogates_are_bad_input_not_internal_errors(http: httpx.AsyncClient) -> None:
    for query, variables in (
        ("query($s: String!) { search(text: $s) { __typename } }", {"s": "\ud800"}),
        ("query($s: ID!) { household(id: $s) { id } }", {"s": "H\ud800"}),
        ("query($f: HouseholdFilter) { households(filter: $f) { totalCount } }", {"f": {"headNameContains": "\udfff"}}),
    ):
        # json.dumps escapes the surrogate as ASCII, as a client's JSON encoder would.
        content = json.dumps({"query": query, "variables": variables}).encode()
        body = (await http.post("/graphql", content=content, headers={"content-type": "application/json"})).json()
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert "\ud800" not in body["errors"][0]["message"]


async def test_money_must_be_plain_digits(gql: GraphQLPost) -> None:
    query = "query($f: HouseholdFilter) { households(first: 1, filter: $f) { totalCount } }"
    for bad in ("1e400", "NaN", "Infinity", "1_000", " 5000 ", "9" * 40, "1.234", "١٢"):
        body = await gql(query, {"f": {"incomePerCapitaMin": bad}})
        assert error_codes(body) == ["BAD_USER_INPUT"], bad


async def test_qr_images_are_png_or_svg_only(gql: GraphQLPost, http: httpx.AsyncClient) -> None:
    token = data_of(await gql("{ households(first: 1) { edges { node { qr { token } } } } }"))["households"]["edges"][
        0
    ]["node"]["qr"]["token"]
    assert (await http.get(f"/qr/{token}.PNG")).headers["content-type"] == "image/png"
    for extension in ("gif", "html", "jpg"):
        assert (await http.get(f"/qr/{token}.{extension}")).status_code == 404


async def test_media_types_are_case_insensitive(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", content=b'{"query": "{ county { name } }"}', headers={"content-type": "Application/JSON"}
    )
    assert response.status_code == 200 and response.json()["data"]["county"]["name"] == "交口县"
