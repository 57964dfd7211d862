"""Rollups and exit indicators: per-place tallies of one year, computed for many places at once.

Every component query returns rows keyed by (township code, village code) — the village code is null for
what sits in a township but in none of its villages (projects located in the township) — and a place's
figures are the sum of the rows below it, so villages add up to their township and townships to the
county exactly. One query per component answers every place a request asks about.

Definitions (years are per the `year` argument; the household snapshot — membership, status, registration,
housing, water, school status and insurance — is the data year's):
- registered-poor population not yet exited in a year: members of registered-poor households identified
  by then that had not exited by its end, or that relapsed by then;
- exit indicators of a household in a year (两不愁三保障 plus water and income), see `EXIT_INDICATORS`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction

# Evidence the exit indicators read; parameters of the queries (definitions, not data).
SCHOOL_AGE = (6, 15)
SCHOOL_OK = ["ENROLLED", "EXEMPT"]
SAFE_GRADES = ["A", "B"]
# Water at home from a piped, well, spring or cistern source of good quality; hauled water never counts.
SAFE_WATER_SOURCES = ["TAP", "WELL", "SPRING", "CISTERN"]
# 低保 and 五保 households have food and clothing guaranteed by social assistance (兜底保障).
ASSISTED_ATTRIBUTES = ["LOW_INCOME", "FIVE_GUARANTEES", "LOW_INCOME_POOR"]
INDICATORS = ("incomeAboveLine", "foodAndClothing", "education", "medicalInsurance", "safeHousing", "safeWater")

# The six indicators of a household `h` in `year`, given that year's `line` (a PovertyLine or null).
EXIT_INDICATORS = """
OPTIONAL MATCH (h)-[:EARNED]->(inc:Income {year: year})
WITH h, year, coalesce(inc.netPerCapitaFen >= line.amountFen, false) AS incomeAboveLine
WITH h, incomeAboveLine,
     incomeAboveLine OR coalesce(h.attribute IN $assisted, false) AS foodAndClothing,
     NOT EXISTS { MATCH (p:Person)-[:MEMBER_OF]->(h)
                  WHERE $schoolFrom <= year - p.birthDate.year <= $schoolTo
                    AND NOT coalesce(p.schoolStatus IN $schoolOk, false) } AS education,
     NOT EXISTS { MATCH (p:Person)-[:MEMBER_OF]->(h) WHERE NOT coalesce(p.medicalInsured, false) } AS medicalInsurance,
     coalesce(h.housingGrade IN $safeGrades, false) OR coalesce(h.relocated, false) AS safeHousing,
     coalesce(h.waterSource IN $safeSources, false) AND coalesce(h.waterQualityOk, false) AS safeWater"""

_PLACES = """
MATCH (v:Village)-[:IN]->(t:Township)
WHERE $all OR v.code IN $villages OR t.code IN $townships
MATCH (h:Household)-[:IN]->(v)"""

# Every component answers several years at once (`$years`), one row set per year.
HOUSEHOLD_TALLY = (
    _PLACES
    + """
WITH t.code AS township, v.code AS village, h, COUNT { (h)<-[:MEMBER_OF]-() } AS size,
     coalesce(h.registeredPoor, false) AS poor
UNWIND $years AS year
WITH year, township, village, size, poor, h.status AS status, CASE WHEN poor THEN h.primaryCause END AS cause,
     poor AND coalesce(h.identifiedYear, 0) <= year
       AND (h.exitYear IS NULL OR h.exitYear > year OR coalesce(h.relapseYear <= year, false)) AS notExited
RETURN year, township, village, status, poor, notExited, cause, count(*) AS households, sum(size) AS population"""
)

INCOME_TALLY = (
    _PLACES
    + """
MATCH (h)-[:EARNED]->(i:Income) WHERE i.year IN $years
RETURN i.year AS year, t.code AS township, v.code AS village, collect(i.netPerCapitaFen) AS perCapita,
       sum(i.wageFen) AS wage, sum(i.operatingFen) AS operating, sum(i.propertyFen) AS property,
       sum(i.transferFen) AS transfer"""
)

EXIT_TALLY = (
    """
UNWIND $years AS year
OPTIONAL MATCH (line:PovertyLine {year: year})
WITH collect([year, line]) AS lines
"""
    + _PLACES
    + """
WHERE h.registeredPoor
UNWIND lines AS yearLine
WITH yearLine[0] AS year, yearLine[1] AS line, t.code AS township, v.code AS village, h
CALL (h, line, year) {"""
    + EXIT_INDICATORS
    + """
  RETURN [incomeAboveLine, foodAndClothing, education, medicalInsurance, safeHousing, safeWater] AS met
}
RETURN year, township, village, met, count(*) AS households"""
)

# The drive links carry no year: the rows hold for every year (year null).
INDUSTRY_TALLY = """
MATCH (v:Village)-[:IN]->(t:Township)
WHERE $all OR v.code IN $villages OR t.code IN $townships
CALL (v) {
  MATCH (v)<-[:IN]-(h:Household)-[:ENGAGES_IN]->(i:Industry) RETURN h, i.code AS industry
  UNION
  MATCH (v)<-[:IN]-(h:Household)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(i:Industry) RETURN h, i.code AS industry
}
RETURN null AS year, t.code AS township, v.code AS village, industry, coalesce(h.registeredPoor, false) AS poor,
       count(*) AS households"""

POLICY_TALLY = (
    _PLACES
    + """
MATCH (h)-[c:COVERED_BY]->(p:Policy) WHERE c.year IN $years
RETURN c.year AS year, t.code AS township, v.code AS village, p.code AS policy,
       coalesce(h.registeredPoor, false) AS poor, count(DISTINCT h) AS households"""
)

# Projects and funds sit in a village or directly in a township.
_PROJECT_PLACE = """
MATCH (p)-[:LOCATED_IN]->(place)
OPTIONAL MATCH (place)-[:IN]->(pt:Township)
WITH year, p, a, CASE WHEN place:Village THEN place.code END AS village, coalesce(pt.code, place.code) AS township
WHERE $all OR village IN $villages OR township IN $townships"""

PROJECT_TALLY = (
    """
MATCH (p:Project) WHERE p.year IN $years
WITH p.year AS year, p, null AS a"""
    + _PROJECT_PLACE
    + """
RETURN year, township, village, p.stage AS stage, count(*) AS projects"""
)

FUND_TALLY = (
    """
MATCH (f:Fund)-[a:ALLOCATED_TO]->(p:Project) WHERE f.year IN $years
WITH f.year AS year, p, a"""
    + _PROJECT_PLACE
    + """
RETURN year, township, village, sum(a.amountFen) AS fundsFen"""
)

LATEST_YEAR = "MATCH (i:Income) RETURN max(i.year) AS year"

INCOME_LINES = """
UNWIND $years AS year
MATCH (line:PovertyLine {year: year})
RETURN year, line.amountFen AS povertyLineFen, line.monitoringLineFen AS monitoringLineFen"""

EXIT_BY_HOUSEHOLD = (
    """
UNWIND $ids AS id
MATCH (h:Household {id: id})
OPTIONAL MATCH (line:PovertyLine {year: $year})
WITH id, h, line, $year AS year
CALL (h, line, year) {"""
    + EXIT_INDICATORS
    + """
  RETURN [incomeAboveLine, foodAndClothing, education, medicalInsurance, safeHousing, safeWater] AS met
}
RETURN id, met"""
)

ROLLUP_PLACES: dict[str, str] = {
    "COUNTY": "MATCH (c:County) RETURN c.code AS code, c.name AS name, null AS parent ORDER BY code",
    "TOWNSHIP": """
MATCH (t:Township)-[:IN]->(c:County)
WHERE $parent IS NULL OR c.code = $parent
RETURN t.code AS code, t.name AS name, c.code AS parent ORDER BY code""",
    "VILLAGE": """
MATCH (v:Village)-[:IN]->(t:Township)-[:IN]->(c:County)
WHERE $parent IS NULL OR t.code = $parent OR c.code = $parent
RETURN v.code AS code, v.name AS name, t.code AS parent ORDER BY code""",
}


class PlaceLevel(Enum):
    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"
    VILLAGE = "VILLAGE"


@dataclass
class Tally:
    """Additive figures of a set of households (and of the projects and funds located with them)."""

    counts: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    causes: Counter[str] = field(default_factory=Counter)
    stages: Counter[str] = field(default_factory=Counter)
    industries: Counter[tuple[str, bool]] = field(default_factory=Counter)
    policies: Counter[tuple[str, bool]] = field(default_factory=Counter)
    exits: Counter[tuple[bool, ...]] = field(default_factory=Counter)
    per_capita_fen: list[int] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.by_status.update(other.by_status)
        self.causes.update(other.causes)
        self.stages.update(other.stages)
        self.industries.update(other.industries)
        self.policies.update(other.policies)
        self.exits.update(other.exits)
        self.per_capita_fen.extend(other.per_capita_fen)


@dataclass(frozen=True)
class PlaceRow:
    """Figures of a village (or of what sits directly in a township: village None) in a year; a row of
    year None holds for every year."""

    year: int | None
    township: str
    village: str | None
    tally: Tally


@dataclass(frozen=True)
class PlaceScope:
    """Which places a component query covers: all of them, or these villages and townships."""

    all: bool = False
    townships: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()

    @classmethod
    def of(cls, places: Iterable[tuple[PlaceLevel, str]]) -> PlaceScope:
        places = list(places)
        if any(level is PlaceLevel.COUNTY for level, _ in places):
            return cls(all=True)
        return cls(
            townships=tuple(sorted({c for level, c in places if level is PlaceLevel.TOWNSHIP})),
            villages=tuple(sorted({c for level, c in places if level is PlaceLevel.VILLAGE})),
        )

    @property
    def params(self) -> dict[str, Any]:
        return {"all": self.all, "townships": list(self.townships), "villages": list(self.villages)}


@dataclass(frozen=True)
class IncomeLinesRecord:
    year: int
    poverty_line_fen: int
    monitoring_line_fen: int


@dataclass(frozen=True)
class RollupPlace:
    code: str
    name: str
    parent_code: str | None


class PlaceTallies:
    """The rows of one year by place: a place's tally is the sum of the rows at or below it (the county
    holds every row), computed once per place and reading only that place's rows."""

    def __init__(self, rows: Iterable[PlaceRow]) -> None:
        self._rows: dict[tuple[PlaceLevel, str], list[PlaceRow]] = defaultdict(list)
        for row in rows:
            self._rows[(PlaceLevel.COUNTY, "")].append(row)
            self._rows[(PlaceLevel.TOWNSHIP, row.township)].append(row)
            if row.village is not None:
                self._rows[(PlaceLevel.VILLAGE, row.village)].append(row)
        self._sums: dict[tuple[PlaceLevel, str], Tally] = {}

    def of(self, level: PlaceLevel, code: str) -> Tally:
        key = (level, "" if level is PlaceLevel.COUNTY else code)
        if key not in self._sums:
            total = Tally()
            for row in self._rows.get(key, ()):
                total.add(row.tally)
            self._sums[key] = total
        return self._sums[key]


def rows_of_year(rows: Iterable[PlaceRow], year: int) -> list[PlaceRow]:
    """The rows that hold for `year`: its own and those of every year."""
    return [row for row in rows if row.year is None or row.year == year]


Component = Callable[[AsyncManagedTransaction, list[int], PlaceScope], Awaitable[list[PlaceRow]]]


async def tally_households(tx: AsyncManagedTransaction, years: list[int], scope: PlaceScope) -> list[PlaceRow]:
    result = await tx.run(HOUSEHOLD_TALLY, years=years, **scope.params)
    rows: list[PlaceRow] = []
    async for r in result:
        tally = Tally()
        households, population = r["households"], r["population"]
        tally.counts.update(households=households, population=population)
        if r["poor"]:
            tally.counts.update(registeredPoor=households)
        if r["notExited"]:
            tally.counts.update(poorPopulation=population)
        tally.by_status[r["status"]] += households
        if r["cause"] is not None:
            tally.causes[r["cause"]] += households
        rows.append(PlaceRow(r["year"], r["township"], r["village"], tally))
    return rows


async def tally_incomes(tx: AsyncManagedTransaction, years: list[int], scope: PlaceScope) -> list[PlaceRow]:
    result = await tx.run(INCOME_TALLY, years=years, **scope.params)
    rows: list[PlaceRow] = []
    async for r in result:
        tally = Tally(per_capita_fen=list(r["perCapita"]))
        tally.counts.update(
            wageFen=r["wage"], operatingFen=r["operating"], propertyFen=r["property"], transferFen=r["transfer"]
        )
        rows.append(PlaceRow(r["year"], r["township"], r["village"], tally))
    return rows


async def tally_exits(tx: AsyncManagedTransaction, years: list[int], scope: PlaceScope) -> list[PlaceRow]:
    result = await tx.run(EXIT_TALLY, years=years, **scope.params, **exit_params())
    rows: list[PlaceRow] = []
    async for r in result:
        tally = Tally()
        tally.exits[tuple(r["met"])] += r["households"]
        rows.append(PlaceRow(r["year"], r["township"], r["village"], tally))
    return rows


async def tally_industries(tx: AsyncManagedTransaction, years: list[int], scope: PlaceScope) -> list[PlaceRow]:
    """Households each industry drives (engaged in it, or driven by one of its enterprises), each once.
    The drive links carry no year, so the figures are the data year's whatever the year (rows of year None)."""
    result = await tx.run(INDUSTRY_TALLY, **scope.params)
    rows: list[PlaceRow] = []
    async for r in result:
        tally = Tally()
        tally.industries[(r["industry"], r["poor"])] += r["households"]
        rows.append(PlaceRow(r["year"], r["township"], r["village"], tally))
    return rows


async def tally_policies(tx: AsyncManagedTransaction, years: list[int], scope: PlaceScope) -> list[PlaceRow]:
    result = await tx.run(POLICY_TALLY, years=years, **scope.params)
    rows: list[PlaceRow] = []
    async for r in result:
        tally = Tally()
        tally.policies[(r["policy"], r["poor"])] += r["households"]
        rows.append(PlaceRow(r["year"], r["township"], r["village"], tally))
    return rows


async def tally_projects(tx: AsyncManagedTransaction, years: list[int], scope: PlaceScope) -> list[PlaceRow]:
    result = await tx.run(PROJECT_TALLY, years=years, **scope.params)
    rows: list[PlaceRow] = []
    async for r in result:
        tally = Tally()
        tally.stages[r["stage"]] += r["projects"]
        rows.append(PlaceRow(r["year"], r["township"], r["village"], tally))
    return rows


async def tally_funds(tx: AsyncManagedTransaction, years: list[int], scope: PlaceScope) -> list[PlaceRow]:
    result = await tx.run(FUND_TALLY, years=years, **scope.params)
    rows: list[PlaceRow] = []
    async for r in result:
        tally = Tally()
        tally.counts.update(fundsFen=r["fundsFen"])
        rows.append(PlaceRow(r["year"], r["township"], r["village"], tally))
    return rows


# The components by name. Those derived from households alone are kept per village and year by
# graph/aggregates.py; projects and funds are read from the graph every time.
COMPONENTS: dict[str, Component] = {
    "households": tally_households,
    "incomes": tally_incomes,
    "exits": tally_exits,
    "industries": tally_industries,
    "policies": tally_policies,
    "projects": tally_projects,
    "funds": tally_funds,
}
HOUSEHOLD_COMPONENTS = ("households", "incomes", "exits", "industries", "policies")


async def latest_year(tx: AsyncManagedTransaction) -> int | None:
    """The latest year with income data: what an omitted year means."""
    record = await (await tx.run(LATEST_YEAR)).single(strict=True)
    year: int | None = record["year"]
    return year


async def income_lines(tx: AsyncManagedTransaction, years: list[int]) -> dict[int, IncomeLinesRecord]:
    """The stored poverty and monitoring lines per year (years without both are absent)."""
    result = await tx.run(INCOME_LINES, years=years)
    return {
        r["year"]: IncomeLinesRecord(r["year"], r["povertyLineFen"], r["monitoringLineFen"])
        async for r in result
        if r["povertyLineFen"] is not None and r["monitoringLineFen"] is not None
    }


async def exit_indicators(tx: AsyncManagedTransaction, year: int, ids: list[str]) -> dict[str, tuple[bool, ...]]:
    """The six exit indicators (in `INDICATORS` order) of each household in a year."""
    result = await tx.run(EXIT_BY_HOUSEHOLD, year=year, ids=ids, **exit_params())
    return {r["id"]: tuple(r["met"]) async for r in result}


async def rollup_places(tx: AsyncManagedTransaction, level: PlaceLevel, parent: str | None) -> list[RollupPlace]:
    """The places of a level (within a parent: a township's villages, or the county's), by code."""
    result = await tx.run(ROLLUP_PLACES[level.value], parent=parent)
    return [RollupPlace(r["code"], r["name"], r["parent"]) async for r in result]


def exit_params() -> dict[str, Any]:
    """The definitions the exit-indicator queries take as parameters."""
    return {
        "assisted": ASSISTED_ATTRIBUTES,
        "schoolFrom": SCHOOL_AGE[0],
        "schoolTo": SCHOOL_AGE[1],
        "schoolOk": SCHOOL_OK,
        "safeGrades": SAFE_GRADES,
        "safeSources": SAFE_WATER_SOURCES,
    }
