"""Village stats kept up to date on write: the household-derived rollup figures of every village in every
materialized year, so that a rollup reads one small node per village instead of every household.

`(:VillageStats {id: "<village code>-<year>", village, year, tally, perCapitaFen})` holds what the
household components of graph/stats.py (households, incomes, exits, industries, policies) say about the
village's households in that year: `tally` the additive figures as JSON, `perCapitaFen` the households'
per-capita net incomes sorted, so that medians and quartiles of any set of villages stay exact. They are
computed by the very queries that read the households directly, scoped to the village.

`(:DerivedState {name: "villageStats", version, years})` says which years are materialized: those with a
poverty line, an income or a policy coverage when they were last rebuilt. A year outside them, or a
database without the state (never built, or deleted with the county), is read from the households.

Every write that changes households' data calls `refresh_after_write` (graph/derived.py) in its own
transaction, and `refresh_village_stats` recomputes the villages of those households there: it first
locks the villages (a write on each Village node), so that of two writes to one village the later to
commit recomputes after the other's commit, and the stats never miss a committed change."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncDriver, AsyncManagedTransaction

from graph.stats import COMPONENTS, HOUSEHOLD_COMPONENTS, PlaceRow, PlaceScope, PlaceTallies, Tally

STATE_NAME = "villageStats"
# Raise when the stored form changes: a state of another version is not used, and is rebuilt at start.
VERSION = 1

MATERIALIZED_YEARS = """
CALL () {
  MATCH (line:PovertyLine) RETURN line.year AS year
  UNION
  MATCH (i:Income) RETURN DISTINCT i.year AS year
  UNION
  MATCH ()-[c:COVERED_BY]->() RETURN DISTINCT c.year AS year
}
WITH year WHERE year IS NOT NULL
RETURN year ORDER BY year"""

STATE = "MATCH (s:DerivedState {name: $name}) RETURN s.version AS version, s.years AS years"

SET_STATE = "MERGE (s:DerivedState {name: $name}) SET s.version = $version, s.years = $years"

# A write on each village (a property set and removed again) takes its lock until the transaction ends.
LOCK_VILLAGES = """
MATCH (v:Village) WHERE $all OR v.code IN $villages
SET v.statsLock = true
REMOVE v.statsLock"""

# Deregistered households (issue 7) still count as changed for the village they were in.
VILLAGES_OF_HOUSEHOLDS = """
UNWIND $ids AS id
CALL (id) {
  MATCH (:Household {id: id})-[:IN]->(v:Village) RETURN v
  UNION
  MATCH (:DeregisteredHousehold {id: id})-[:IN]->(v:Village) RETURN v
}
RETURN DISTINCT v.code AS village ORDER BY village"""

DELETE_ALL_STATS = "MATCH (s:VillageStats) DELETE s"

DELETE_STATS = "UNWIND $ids AS id MATCH (s:VillageStats {id: id}) DELETE s"

CREATE_STATS = "UNWIND $rows AS row CREATE (s:VillageStats) SET s = row"

READ_STATS = """
MATCH (v:Village)-[:IN]->(t:Township)
WHERE $all OR v.code IN $villages OR t.code IN $townships
MATCH (s:VillageStats {id: v.code + '-' + toString($year)})
RETURN t.code AS township, v.code AS village, s.tally AS tally, s.perCapitaFen AS perCapita"""


@dataclass(frozen=True)
class RebuildReport:
    villages: int
    years: tuple[int, ...]


async def rebuild_village_stats(tx: AsyncManagedTransaction) -> RebuildReport:
    """Recompute the stats of every village in every year with data (a unit of work: one transaction)."""
    await _run(tx, LOCK_VILLAGES, all=True, villages=[])
    years = await _materialized_years(tx)
    rows = await _village_rows(tx, years, PlaceScope(all=True))
    await _run(tx, DELETE_ALL_STATS)
    await _run(tx, CREATE_STATS, rows=rows)
    await _run(tx, SET_STATE, name=STATE_NAME, version=VERSION, years=years)
    return RebuildReport(villages=len({row["village"] for row in rows}), years=tuple(years))


async def rebuild_aggregates(driver: AsyncDriver, database: str = "neo4j") -> RebuildReport:
    """Rebuild every derived aggregate in one transaction (the seeder, `yimaqing aggregates rebuild`)."""
    async with driver.session(database=database) as session:
        return await session.execute_write(rebuild_village_stats)


async def ensure_aggregates(driver: AsyncDriver, database: str = "neo4j") -> RebuildReport | None:
    """Rebuild the aggregates when they are missing, of another version, or miss a year with data (a
    county loaded by a bulk import, or a new year's data); None when they were current."""
    async with driver.session(database=database) as session:
        current = await session.execute_read(_is_current)
    return None if current else await rebuild_aggregates(driver, database)


async def refresh_village_stats(tx: AsyncManagedTransaction, household_ids: Sequence[str]) -> None:
    """Recompute the stats of the villages of these households (a refresher of graph/derived.py)."""
    years = await _state_years(tx)
    if years is None or not household_ids:
        return
    result = await tx.run(VILLAGES_OF_HOUSEHOLDS, ids=list(household_ids))
    villages = [r["village"] async for r in result]
    if not villages:
        return
    await _run(tx, LOCK_VILLAGES, all=False, villages=villages)
    rows = await _village_rows(tx, years, PlaceScope(villages=tuple(villages)))
    await _run(tx, DELETE_STATS, ids=[_stats_id(v, y) for v in villages for y in years])
    await _run(tx, CREATE_STATS, rows=rows)


async def village_stats(tx: AsyncManagedTransaction, year: int, scope: PlaceScope) -> PlaceTallies | None:
    """The stored stats of the villages in scope in a year, by place; None when the year is not
    materialized (read the households instead). Projects and funds are not in them."""
    years = await _state_years(tx)
    if years is None or year not in years:
        return None
    result = await tx.run(READ_STATS, year=year, **scope.params)
    return PlaceTallies(
        [PlaceRow(year, r["township"], r["village"], decode_tally(r["tally"], r["perCapita"])) async for r in result]
    )


def encode_tally(tally: Tally) -> str:
    """The household-derived figures of a tally as canonical JSON (per-capita incomes are stored apart)."""
    return json.dumps(
        {
            "counts": dict(tally.counts),
            "byStatus": dict(tally.by_status),
            "causes": dict(tally.causes),
            "industries": sorted([code, poor, n] for (code, poor), n in tally.industries.items()),
            "policies": sorted([code, poor, n] for (code, poor), n in tally.policies.items()),
            "exits": sorted([list(met), n] for met, n in tally.exits.items()),
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def decode_tally(text: str, per_capita_fen: list[int]) -> Tally:
    stored = json.loads(text)
    tally = Tally(per_capita_fen=list(per_capita_fen))
    tally.counts.update(stored["counts"])
    tally.by_status.update(stored["byStatus"])
    tally.causes.update(stored["causes"])
    tally.industries.update({(code, poor): n for code, poor, n in stored["industries"]})
    tally.policies.update({(code, poor): n for code, poor, n in stored["policies"]})
    tally.exits.update({tuple(met): n for met, n in stored["exits"]})
    return tally


async def _village_rows(tx: AsyncManagedTransaction, years: list[int], scope: PlaceScope) -> list[dict[str, Any]]:
    """The VillageStats properties of the villages in scope, one map per village and year."""
    tallies: dict[tuple[str, int], Tally] = defaultdict(Tally)
    if not years:
        return []
    for name in HOUSEHOLD_COMPONENTS:
        for row in await COMPONENTS[name](tx, years, scope):
            assert row.village is not None, "household components are per village"
            for year in years if row.year is None else [row.year]:
                tallies[(row.village, year)].add(row.tally)
    return [
        {
            "id": _stats_id(village, year),
            "village": village,
            "year": year,
            "tally": encode_tally(tally),
            "perCapitaFen": sorted(tally.per_capita_fen),
        }
        for (village, year), tally in sorted(tallies.items())
    ]


async def _materialized_years(tx: AsyncManagedTransaction) -> list[int]:
    result = await tx.run(MATERIALIZED_YEARS)
    return [r["year"] async for r in result]


async def _state_years(tx: AsyncManagedTransaction) -> list[int] | None:
    record = await (await tx.run(STATE, name=STATE_NAME)).single()
    if record is None or record["version"] != VERSION:
        return None
    years: list[int] = record["years"]
    return years


async def _is_current(tx: AsyncManagedTransaction) -> bool:
    stored = await _state_years(tx)
    return stored is not None and stored == await _materialized_years(tx)


async def _run(tx: AsyncManagedTransaction, query: LiteralString, **params: Any) -> None:
    await (await tx.run(query, params)).consume()


def _stats_id(village: str, year: int) -> str:
    return f"{village}-{year}"
