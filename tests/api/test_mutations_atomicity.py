"""One transaction per mutation: a failure injected half-way (after the household, its members, its QR code
and its Change were written, when derived data is refreshed) leaves the graph exactly as it was."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from neo4j import AsyncDriver, AsyncManagedTransaction

from graph import derived
from graph.access import Viewer
from graph.driver import Graph
from graph.household_records import IncomeInput, record_income
from graph.registry import HouseholdInput, MemberInput, check_household, deregister_household, register_household
from tests.api.writes import VILLAGE, fresh_id

pytestmark = pytest.mark.mutates

ADMIN = Viewer.system("atomicity-test")

# Everything a write may touch, counted by raw Cypher.
COUNTS = """
RETURN COUNT { (:Household) } AS households, COUNT { (:DeregisteredHousehold) } AS deregistered,
       COUNT { (:Person) } AS people, COUNT { ()-[:MEMBER_OF]->() } AS memberships,
       COUNT { (:QrCode) } AS codes, COUNT { (q:QrCode) WHERE q.revokedAt IS NOT NULL } AS retired,
       COUNT { (:Change) } AS changes, COUNT { (:Income) } AS incomes,
       COLLECT { MATCH (s:Sequence {name: 'household:' + $village}) RETURN s.last } AS sequence"""


class Injected(Exception):
    """The failure a test injects."""


@contextmanager
def failing_refresh() -> Iterator[None]:
    """While inside, every write fails at its last step: refreshing what is derived from its households."""

    async def fail(tx: AsyncManagedTransaction, household_ids: Sequence[str]) -> None:
        raise Injected(f"refreshing {list(household_ids)} failed")

    derived.REFRESHERS.append(fail)
    try:
        yield
    finally:
        derived.REFRESHERS.remove(fail)


async def counts(driver: AsyncDriver) -> dict[str, Any]:
    records, _, _ = await driver.execute_query(COUNTS, {"village": VILLAGE}, routing_="r")
    return dict(records[0])


def household() -> HouseholdInput:
    return HouseholdInput(
        VILLAGE, [MemberInput("原子甲", fresh_id(), "户主"), MemberInput("原子乙", fresh_id(), "之子")]
    )


async def test_a_registration_failing_half_way_leaves_nothing(demo_county: Graph, driver: AsyncDriver) -> None:
    before = await counts(driver)
    with failing_refresh(), pytest.raises(Injected):
        await register_household(demo_county, check_household(household()), ADMIN)
    assert await counts(driver) == before


async def test_income_and_deregistration_failing_half_way_leave_nothing(
    demo_county: Graph, driver: AsyncDriver
) -> None:
    registered = await register_household(demo_county, check_household(household()), ADMIN)
    hid = registered.household_id
    before = await counts(driver)
    income = IncomeInput(2019, Decimal("100.00"), Decimal(0), Decimal(0), Decimal(0))
    with failing_refresh():
        with pytest.raises(Injected):
            await demo_county.write(record_income, hid, income, ADMIN)
        with pytest.raises(Injected):
            await demo_county.write(deregister_household, hid, "迁出", ADMIN)
    assert await counts(driver) == before
