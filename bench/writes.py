"""Benchmark: registerHousehold and recordIncome through the API over loopback HTTP (one admin client, one
request at a time), and the same writes as graph/ functions called directly (one transaction each, no HTTP
or GraphQL), with the ratio. Every write records its Change and refreshes what is derived.

Prints figures; not a test. It writes new households into the county (in one village). Needs a seeded demo
county: `--uri bolt://...` (else TEST_NEO4J_URI, else a local Neo4j is started and seeded here).
Usage: python -m bench.writes [--uri URI] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import secrets
import statistics
import time
from decimal import Decimal

import jwt

from bench.common import ensure_seeded, neo4j, serving, summary, timed
from graph.access import Viewer
from graph.driver import Graph, open_driver
from graph.household_records import IncomeInput, record_income
from graph.id_numbers import check_char
from graph.registry import HouseholdInput, MemberInput, check_household, register_household

VILLAGE = "141130200201"
REGION = "110106"  # not the demo county's, so no seeded person holds these numbers

REGISTER = """
mutation($input: HouseholdInput!) { registerHousehold(input: $input) { id size } }"""
INCOME = """
mutation($id: ID!, $income: IncomeInput!) { recordIncome(householdId: $id, income: $income) { incomePerCapita } }"""


def fresh_id(male: bool) -> str:
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=secrets.randbelow(365 * 60))
    body = f"{REGION}{born:%Y%m%d}{secrets.randbelow(500) * 2 + int(male):03d}"
    return body + check_char(body)


def new_members() -> list[MemberInput]:
    """A household of three with ID numbers no earlier run used (random birth dates and sequences)."""
    return [
        MemberInput("测速户主", fresh_id(True), "户主"),
        MemberInput("测速配偶", fresh_id(False), "配偶"),
        MemberInput("测速子女", fresh_id(True), "之子"),
    ]


def household_payload() -> dict[str, object]:
    members = [{"name": m.name, "idNumber": m.id_number, "relation": m.relation} for m in new_members()]
    return {"villageCode": VILLAGE, "members": members}


def income(year: int) -> dict[str, str | int]:
    return {"year": year, "wage": "18000.00", "operating": "3200.50", "property": "0", "transfer": "1200.00"}


def over_http(uri: str, runs: int) -> tuple[list[float], list[float]]:
    secret = secrets.token_hex(32)
    os.environ["JWT_SECRET"] = secret  # the server started below verifies the bench's token with it
    now = int(time.time())
    token = jwt.encode(
        {"sub": "bench-writes", "role": "ADMIN", "iat": now, "exp": now + 3600}, secret, algorithm="HS256"
    )
    with serving(uri) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        ids: list[str] = []

        def register() -> None:
            body = client.post("/graphql", json={"query": REGISTER, "variables": {"input": household_payload()}}).json()
            assert "errors" not in body, body
            ids.append(body["data"]["registerHousehold"]["id"])

        def record() -> None:
            variables = {"id": ids[len(incomes) % len(ids)], "income": income(2019)}
            body = client.post("/graphql", json={"query": INCOME, "variables": variables}).json()
            assert "errors" not in body, body

        register()  # warm-up: the first request compiles the plans
        registrations = timed(register, runs)
        incomes: list[float] = []
        for _ in range(runs):
            incomes.extend(timed(record, 1))
        return registrations, incomes


async def direct(uri: str, runs: int) -> tuple[list[float], list[float]]:
    driver = open_driver(uri)
    graph = Graph(driver)
    admin = Viewer.system("bench-writes")
    registrations: list[float] = []
    incomes: list[float] = []
    ids: list[str] = []
    try:
        for _ in range(runs):
            household = check_household(HouseholdInput(VILLAGE, new_members()))
            started = time.perf_counter()
            ids.append((await register_household(graph, household, admin)).household_id)
            registrations.append((time.perf_counter() - started) * 1000)
        for household_id in ids:
            started = time.perf_counter()
            entry = IncomeInput(2019, Decimal("18000.00"), Decimal("3200.50"), Decimal(0), Decimal("1200.00"))
            await graph.write(record_income, household_id, entry, admin)
            incomes.append((time.perf_counter() - started) * 1000)
    finally:
        await driver.close()
    return registrations, incomes


def run(uri: str, runs: int) -> None:
    http_register, http_income = over_http(uri, runs)
    direct_register, direct_income = asyncio.run(direct(uri, runs))
    for name, api, graph in (
        ("registerHousehold (3 members)", http_register, direct_register),
        ("recordIncome", http_income, direct_income),
    ):
        print(f"{name}, {runs} runs")
        print(f"  API over HTTP   : {summary(api)}")
        print(f"  graph/ directly : {summary(graph)}")
        print(f"  ratio (p50)     : {statistics.median(api) / statistics.median(graph):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uri", default=os.environ.get("TEST_NEO4J_URI"))
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with neo4j(args.uri) as uri:
        asyncio.run(ensure_seeded(uri))
        run(uri, args.runs)


if __name__ == "__main__":
    main()
