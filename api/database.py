"""Opening the database for the app and the CLI: the configured Neo4j, or the local one started here;
the schema migrated, and the demo county seeded when the database is empty and seeding is on."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from neo4j import AsyncDriver
from tqdm import tqdm

from api.settings import Settings
from graph.aggregates import ensure_aggregates
from graph.constraints import migrate
from graph.driver import Graph, open_driver
from graph.local_neo4j import LocalNeo4j
from graph.places import county_exists
from seeds import seed_demo_county

log = logging.getLogger("yimaqing")


@dataclass
class Database:
    driver: AsyncDriver
    graph: Graph
    uri: str


def local_neo4j(settings: Settings) -> LocalNeo4j:
    return LocalNeo4j(
        data_dir=settings.data_dir,
        port=settings.local_neo4j_port,
        heap_mb=settings.local_neo4j_heap_mb,
        pagecache_mb=settings.local_neo4j_pagecache_mb,
    )


@asynccontextmanager
async def connect(settings: Settings) -> AsyncIterator[Database]:
    """A driver to NEO4J_URI or, when it is unset, to the local Neo4j of DATA_DIR: the one already running
    there (another shell's `make run`), else one started (and stopped) here."""
    local = None
    uri = settings.neo4j_uri
    if uri is None:
        local = local_neo4j(settings)
        running = local.running_uri()
        if running is not None:
            log.info("using the local Neo4j already running at %s (data in %s)", running, settings.data_dir)
            uri, local = running, None
        else:
            log.info("starting the local Neo4j (data in %s)", settings.data_dir)
            uri = await local.start()
    driver = open_driver(uri, settings.neo4j_user, settings.neo4j_password)
    try:
        await driver.verify_connectivity()
        graph = Graph(driver, settings.neo4j_database, read_timeout_s=settings.read_timeout_s or None)
        yield Database(driver=driver, graph=graph, uri=uri)
    finally:
        await driver.close()
        if local is not None:
            local.stop()


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """Connect, migrate, seed the demo county into an empty database when SEED_DEMO is on, and build the
    derived aggregates when they are missing or stale (a county loaded by a bulk import, a new year)."""
    async with connect(settings) as database:
        await migrate(database.driver, settings.neo4j_database)
        if settings.seed_demo:
            await seed_if_empty(database, settings)
        rebuilt = await ensure_aggregates(database.driver, settings.neo4j_database)
        if rebuilt is not None:
            log.info("rebuilt the village stats: %d villages, years %s", rebuilt.villages, list(rebuilt.years))
        yield database


async def seed_if_empty(database: Database, settings: Settings) -> None:
    if await database.graph.read(county_exists):
        return
    log.info("empty database: seeding the demo county (%d households)", settings.seed_households)
    await seed_with_progress(database, seed=settings.seed, households=settings.seed_households)


async def seed_with_progress(database: Database, *, seed: int, households: int, replace: bool = False) -> None:
    """Seed the demo county with a progress bar (households written) on standard error."""
    with tqdm(total=households, unit="households", desc="seeding", file=sys.stderr) as bar:
        await seed_demo_county(
            database.driver,
            seed=seed,
            households=households,
            database=database.graph.database,
            progress=bar.update,
            replace=replace,
        )
