"""Every row of FIGURES.md, answered by the API over HTTP from the seeded demo county."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import GraphQLPost
from tests.helpers import data_of

LEADING = ["FUNGI", "LIVESTOCK", "WALNUT"]


async def test_places(gql: GraphQLPost) -> None:
    data = data_of(
        await gql(
            "{ county { code name households registeredPoorHouseholds townships { code name kind villages { name } } } }"
        )
    )
    county = data["county"]
    assert (county["code"], county["name"]) == ("141130", "交口县")
    assert county["households"] == 27000
    townships = {t["name"]: t for t in county["townships"]}
    assert set(townships) == {"水头镇", "康城镇", "双池镇", "桃红坡镇", "石口乡", "回龙乡", "温泉乡"}
    assert {n for n, t in townships.items() if t["kind"] == "TOWN"} == {"水头镇", "康城镇", "双池镇", "桃红坡镇"}
    assert "阳村堡" in {v["name"] for v in townships["石口乡"]["villages"]}
    assert "尚家沟村" in {v["name"] for v in townships["康城镇"]["villages"]}
    assert sum(len(t["villages"]) for t in county["townships"]) == 100


async def test_edible_fungi(gql: GraphQLPost) -> None:
    data = data_of(
        await gql(
            """{ industry(code: "FUNGI") { name tier totalScale { amount unit } annualOutputValue products
                 coverage { poorShare villageShare villages townships averageIncomeGain } } }"""
        )
    )
    fungi = data["industry"]
    assert fungi["name"] == "食用菌" and fungi["tier"] == "LEADING"
    assert fungi["totalScale"] == {"amount": "30000000.00", "unit": "棒"}
    assert fungi["annualOutputValue"] == "300000000.00"
    assert {"香菇", "黑木耳", "茯苓", "羊肚菌", "天麻"} <= set(fungi["products"])
    coverage = fungi["coverage"]
    assert coverage["poorShare"] == 0.65
    assert coverage["villageShare"] == 0.6
    assert coverage["townships"] == 7
    assert coverage["averageIncomeGain"] == "10000.00"


async def test_walnut_area(gql: GraphQLPost) -> None:
    data = data_of(await gql('{ industry(code: "WALNUT") { name totalScale { amount unit } } }'))
    assert data["industry"]["totalScale"] == {"amount": "200000.00", "unit": "亩"}


async def test_three_leading_industries_drive_87_percent_counted_once(gql: GraphQLPost) -> None:
    data = data_of(
        await gql(
            "query($codes: [ID!]!) { coverage(industryCodes: $codes) { poorShare poorHouseholds } "
            "county { registeredPoorHouseholds } }",
            {"codes": LEADING},
        )
    )
    coverage = data["coverage"]
    assert coverage["poorShare"] == 0.87
    assert coverage["poorHouseholds"] == round(0.87 * data["county"]["registeredPoorHouseholds"])
    # Counted once: the union is smaller than the sum of the parts when households overlap.
    parts = data_of(await gql("{ industries { code coverage { poorHouseholds } } }"))["industries"]
    total = sum(i["coverage"]["poorHouseholds"] for i in parts if i["code"] in LEADING)
    assert total > coverage["poorHouseholds"]


async def test_weihe_park(gql: GraphQLPost) -> None:
    data = data_of(
        await gql(
            """{ enterprises { id name investment industry { code }
                 reach { households poorHouseholds villages townships }
                 drivenHouseholds(first: 1) { totalCount } } }"""
        )
    )
    weihe = next(e for e in data["enterprises"] if e["name"] == "韦禾现代食用菌示范园区")
    assert weihe["investment"] == "200000000.00"
    assert weihe["industry"]["code"] == "FUNGI"
    assert weihe["reach"]["poorHouseholds"] == 1957
    assert weihe["reach"]["villages"] == 18
    assert weihe["reach"]["townships"] == 3
    assert weihe["drivenHouseholds"]["totalCount"] == weihe["reach"]["households"]


async def test_weihe_uses_all_five_modes(gql: GraphQLPost) -> None:
    modes: set[str] = set()
    after = None
    while True:
        data = data_of(
            await gql(
                """query($after: String) { enterprise(id: "E001") { drivenHouseholds(first: 100, after: $after) {
                     pageInfo { hasNextPage endCursor } edges { mode } } } }""",
                {"after": after},
            )
        )
        page = data["enterprise"]["drivenHouseholds"]
        modes |= {edge["mode"] for edge in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert modes == {"EQUITY", "CONTRACT", "TRUSTEESHIP", "WAGE_LABOUR", "ORDER_PURCHASE"}


async def test_nanshan(gql: GraphQLPost) -> None:
    data = data_of(await gql("{ enterprises { name stores industry { code } reach { poorHouseholds } } }"))
    nanshan = next(e for e in data["enterprises"] if e["name"] == "南山百世食安农牧业有限公司")
    assert nanshan["reach"]["poorHouseholds"] == 1360
    assert nanshan["stores"] >= 110
    assert nanshan["industry"]["code"] == "LIVESTOCK"


async def test_yibaotong_bundle(gql: GraphQLPost) -> None:
    data = data_of(
        await gql(
            """{ policies { code name kind covers { code kind } coveredHouseholds(year: 2018)
                 premiumPerPerson(year: 2018) } county { households } }"""
        )
    )
    ybt = next(p for p in data["policies"] if p["name"] == "一保通")
    assert len(ybt["covers"]) == 19
    assert all(p["kind"] == "INSURANCE" for p in ybt["covers"])
    assert ybt["coveredHouseholds"] == 27000 == data["county"]["households"]
    assert ybt["premiumPerPerson"] == "16.00"


async def test_worked_claim_in_yangcunbao(gql: GraphQLPost) -> None:
    townships = data_of(await gql("{ townships { name villages { code name } } }"))["townships"]
    village = next(v for t in townships if t["name"] == "石口乡" for v in t["villages"] if v["name"] == "阳村堡")
    data = data_of(
        await gql(
            """query($village: ID!) { households(filter: {villageCode: $village, hasClaims: true}, first: 100) {
                 edges { node { registeredPoor village { name township { name } }
                   claims { cost paidByMedicalInsurance paidByInsurer paidByHousehold policy { name } } } } } }""",
            {"village": village["code"]},
        )
    )
    claims = [
        (edge["node"], claim)
        for edge in data["households"]["edges"]
        for claim in edge["node"]["claims"]
        if claim["cost"] == "36767.18"
    ]
    assert len(claims) == 1
    household, claim = claims[0]
    assert household["registeredPoor"] is True
    assert household["village"]["township"]["name"] == "石口乡"
    assert claim["paidByMedicalInsurance"] == "5000.00"
    assert claim["paidByInsurer"] == "31767.18"
    assert claim["paidByHousehold"] == "0.00"
    assert Decimal(claim["cost"]) == Decimal(claim["paidByMedicalInsurance"]) + Decimal(claim["paidByInsurer"])


async def test_project_pipeline_2018(gql: GraphQLPost) -> None:
    data = data_of(
        await gql(
            """{ projectPipeline(year: 2018) { declared rejected reserve implemented startedShare completedShare }
                 reserve: projects(filter: {year: 2018, stage: RESERVE}, first: 100) { totalCount edges { node { purpose } } }
                 done: projects(filter: {year: 2018, stage: IMPLEMENTED}, first: 100) { totalCount edges { node { purpose } } } }"""
        )
    )
    pipeline = data["projectPipeline"]
    assert pipeline["declared"] == 1262
    assert pipeline["rejected"] == 380
    assert pipeline["reserve"] == 503
    assert pipeline["implemented"] == 379
    assert pipeline["declared"] == pipeline["rejected"] + pipeline["reserve"] + pipeline["implemented"]
    assert pipeline["startedShare"] == 1.0
    assert round(pipeline["completedShare"], 2) == 0.92
    assert data["reserve"]["totalCount"] == 503
    assert {e["node"]["purpose"] for e in data["reserve"]["edges"]} <= {"CONSOLIDATION", "EXTENSION"}
    assert {e["node"]["purpose"] for e in data["done"]["edges"]} == {"EXIT"}


async def test_named_villages_are_found_by_search(gql: GraphQLPost) -> None:
    data = data_of(
        await gql('{ search(text: "尚家沟村") { __typename ... on Village { code name township { name } } } }')
    )
    villages = [hit for hit in data["search"] if hit["__typename"] == "Village" and hit["name"] == "尚家沟村"]
    assert len(villages) == 1
    assert villages[0]["township"]["name"] == "康城镇"
