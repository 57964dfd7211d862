"""The loaders of rollups and exit indicators: one query per stats component and year answers every place
a request asks about, whatever the number of places (keys are (level, code, year)).

The components derived from households come from the stored village stats (graph/aggregates.py) when the
year is materialized, one read for all of them; otherwise, and for projects and funds, each component
reads the graph."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass

from neo4j import AsyncManagedTransaction
from strawberry.dataloader import DataLoader

from graph import stats as g_stats
from graph.aggregates import village_stats
from graph.driver import CountingGraph
from graph.stats import COMPONENTS, HOUSEHOLD_COMPONENTS, PlaceLevel, PlaceScope, PlaceTallies, Tally

StatsKey = tuple[PlaceLevel, str, int]
StoredKey = tuple[int, PlaceScope]


def _component(
    graph: CountingGraph, name: str, stored: DataLoader[StoredKey, PlaceTallies | None]
) -> DataLoader[StatsKey, Tally]:
    component = COMPONENTS[name]

    async def tallies(year: int, scope: PlaceScope) -> PlaceTallies:
        if name in HOUSEHOLD_COMPONENTS:
            found = await stored.load((year, scope))
            if found is not None:
                return found
        return PlaceTallies(g_stats.rows_of_year(await graph.read(component, [year], scope), year))

    async def load(keys: list[StatsKey]) -> list[Tally]:
        by_year: dict[int, list[StatsKey]] = defaultdict(list)
        for key in keys:
            by_year[key[2]].append(key)
        years = sorted(by_year)
        found = await asyncio.gather(
            *(tallies(year, PlaceScope.of((k[0], k[1]) for k in by_year[year])) for year in years)
        )
        places = dict(zip(years, found, strict=True))
        return [places[year].of(level, code) for level, code, year in keys]

    return DataLoader(load_fn=load)


async def _latest(tx: AsyncManagedTransaction, keys: list[str]) -> list[int | None]:
    year = await g_stats.latest_year(tx)
    return [year for _ in keys]


@dataclass
class StatsLoaders:
    components: dict[str, DataLoader[StatsKey, Tally]]
    latest_year: DataLoader[str, int | None]
    income_lines: DataLoader[int, g_stats.IncomeLinesRecord | None]
    exit_indicators: DataLoader[tuple[str, int], tuple[bool, ...] | None]

    @classmethod
    def create(cls, graph: CountingGraph) -> StatsLoaders:
        async def latest(keys: list[str]) -> list[int | None]:
            return await graph.read(_latest, keys)

        async def stored(keys: list[StoredKey]) -> list[PlaceTallies | None]:
            return list(await asyncio.gather(*(graph.read(village_stats, year, scope) for year, scope in keys)))

        async def lines(years: list[int]) -> list[g_stats.IncomeLinesRecord | None]:
            found = await graph.read(g_stats.income_lines, list(years))
            return [found.get(year) for year in years]

        async def exits(keys: list[tuple[str, int]]) -> list[tuple[bool, ...] | None]:
            by_year: dict[int, list[str]] = defaultdict(list)
            for household, year in keys:
                by_year[year].append(household)
            years = sorted(by_year)
            found = await asyncio.gather(*(graph.read(g_stats.exit_indicators, y, by_year[y]) for y in years))
            answers = dict(zip(years, found, strict=True))
            return [answers[year].get(household) for household, year in keys]

        stored_stats: DataLoader[StoredKey, PlaceTallies | None] = DataLoader(load_fn=stored)
        return cls(
            components={name: _component(graph, name, stored_stats) for name in COMPONENTS},
            latest_year=DataLoader(load_fn=latest),
            income_lines=DataLoader(load_fn=lines),
            exit_indicators=DataLoader(load_fn=exits),
        )
