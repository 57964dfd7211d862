"""Households as rows of the registration form (graph/registry_form.py), for any household filter, read in
keyset pages so that memory stays flat whatever the county's size. Importing the rows into an empty
database gives back the same households, members, incomes and places."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.time import Date

from graph.driver import Graph
from graph.households import HouseholdFilter
from graph.paging import PagedList, PageRequest, SortKey
from graph.registry_form import COLUMNS, INCOME_PARTS, Column, Kind, Level, headers

PAGE_HOUSEHOLDS = 500

_REGISTRY = PagedList(
    match="MATCH (h:Household)-[:IN]->(v:Village)",
    carry="h, v",
    key="h.id",
    projection="""{
  props: h {.*},
  village: v {.code, .name},
  township: COLLECT { MATCH (v)-[:IN]->(t:Township) RETURN t.name }[0],
  county: COLLECT { MATCH (v)-[:IN]->(:Township)-[:IN]->(c:County) RETURN c {.name, .province, .city} }[0],
  members: COLLECT {
    MATCH (p:Person)-[m:MEMBER_OF]->(h)
    RETURN p {.*, relation: m.relation}
    ORDER BY CASE m.relation WHEN '户主' THEN 0 ELSE 1 END, p.birthDate, p.idNumber
  },
  incomes: COLLECT { MATCH (h)-[:EARNED]->(i:Income) RETURN i {.*} }
}""",
    item="household",
)

INCOME_YEARS = """
MATCH (h:Household)-[:IN]->(v:Village)
WHERE {where}
MATCH (h)-[:EARNED]->(i:Income)
RETURN DISTINCT i.year AS year ORDER BY year"""


async def income_years(tx: AsyncManagedTransaction, household_filter: HouseholdFilter) -> list[int]:
    """The years of income the filtered households hold: the export has income columns for each."""
    where, params = household_filter.where()
    result = await tx.run(INCOME_YEARS.replace("{where}", where), **params)
    return [r["year"] async for r in result]


async def registry_page(
    tx: AsyncManagedTransaction, household_filter: HouseholdFilter, after: SortKey | None, size: int
) -> tuple[list[dict[str, Any]], bool]:
    """One page of households in id order, each with its place, members and incomes; and whether more follow."""
    where, params = household_filter.where()
    request = PageRequest(first=size, after=after)
    pages = await _REGISTRY.pages(tx, ["county"], request, _parse, "h.id", True, where, params)
    page = pages["county"]
    return [row.record for row in page.rows], page.has_next


def _parse(row: dict[str, Any]) -> tuple[dict[str, Any], str]:
    household: dict[str, Any] = row["household"]
    return household, household["props"]["id"]


async def registry_rows(
    graph: Graph,
    household_filter: HouseholdFilter,
    page_households: int = PAGE_HOUSEHOLDS,
    on_household: Callable[[str, str], object] | None = None,
) -> AsyncIterator[list[str]]:
    """The header row, then one row per person of every household the filter keeps, the head first.
    `on_household(id, village code)` is told of each household as it is read (the audit of who read it)."""
    years = await graph.read(income_years, household_filter)
    yield headers(years)
    after: SortKey | None = None
    more = True
    while more:
        households, more = await graph.read(registry_page, household_filter, after, page_households)
        for household in households:
            if on_household is not None:
                on_household(household["props"]["id"], household["village"]["code"])
            for row in household_rows(household, years):
                yield row
        if households:
            last = households[-1]["props"]["id"]
            after = (last, last)


def household_rows(household: dict[str, Any], years: list[int]) -> list[list[str]]:
    """A household's rows: places and its number on every row, its own columns and incomes on the head's."""
    props = household["props"]
    county = household["county"] or {}
    place = {
        "province": county.get("province"),
        "city": county.get("city"),
        "county": county.get("name"),
        "township": household["township"],
        "village": household["village"]["name"],
        "villageCode": household["village"]["code"],
        "householdId": props["id"],
    }
    incomes = {i["year"]: i for i in household["incomes"]}
    rows = []
    for index, member in enumerate(household["members"]):
        cells = []
        for column in COLUMNS:
            if column.level is Level.PLACE:
                value = place[column.key]
            elif column.level is Level.PERSON:
                value = member.get(column.key)
            else:
                value = props.get(column.key) if index == 0 else None
            cells.append(cell_text(column, value))
        for year in years:
            income = incomes.get(year) if index == 0 else None
            cells += [_money(income.get(part)) if income else "" for part, _ in INCOME_PARTS]
        rows.append(cells)
    return rows


def cell_text(column: Column, value: Any) -> str:
    """A stored value as the form writes it: words for codes, 是/否, ISO dates, causes joined by 、."""
    if value is None:
        return ""
    if column.kind is Kind.BOOLEAN:
        return "是" if value else "否"
    if column.kind is Kind.CODED and isinstance(column.choices, dict):
        return column.choices.get(value, str(value))
    if column.kind is Kind.CAUSES:
        return "、".join(value)
    if isinstance(value, Date):
        return str(value.iso_format())
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _money(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"
