"""Uniqueness constraints and indexes. Idempotent: safe to run at every start."""

from __future__ import annotations

from typing import LiteralString

from neo4j import AsyncDriver

# (label, key) pairs: every node kind has a unique key.
UNIQUE_KEYS: tuple[tuple[LiteralString, LiteralString], ...] = (
    ("County", "code"),
    ("Township", "code"),
    ("Village", "code"),
    ("Department", "code"),
    ("Household", "id"),
    ("Person", "idNumber"),
    ("Income", "id"),
    ("PovertyLine", "year"),
    ("Industry", "code"),
    ("Enterprise", "id"),
    ("Project", "code"),
    ("Fund", "id"),
    ("Policy", "code"),
    ("Claim", "id"),
    ("Cadre", "id"),
    ("Measure", "id"),
    ("Visit", "id"),
    ("MonitoringEpisode", "id"),
    ("Expert", "id"),
    ("QrCode", "token"),
    ("Alert", "id"),
    # One unresolved alert per rule and subject (graph/alerts.py): the key is removed when it is resolved.
    ("Alert", "openKey"),
    ("LoginTicket", "id"),
    ("AuditEvent", "id"),
    ("RateWindow", "key"),
    ("DeregisteredHousehold", "id"),
    ("Sequence", "name"),
    ("Change", "id"),
    ("IdempotentRequest", "id"),
    # Derived: village stats per year and their state (graph/aggregates.py).
    ("VillageStats", "id"),
    ("DerivedState", "name"),
)

# Properties that filters and sort orders read.
INDEXES: tuple[tuple[LiteralString, LiteralString], ...] = (
    ("Household", "status"),
    ("Household", "registeredPoor"),
    ("Household", "headName"),
    ("Project", "year"),
    ("Project", "stage"),
    ("Income", "year"),
    ("Alert", "subject"),
    ("Alert", "heldKey"),
    ("AuditEvent", "household"),
    ("ScanEvent", "day"),
)

SCHEMA_VERSION = 2


def _statements() -> list[LiteralString]:
    statements: list[LiteralString] = []
    for label, key in UNIQUE_KEYS:
        name: LiteralString = "unique_" + label.lower() + "_" + key.lower()
        statements.append(
            "CREATE CONSTRAINT " + name + " IF NOT EXISTS FOR (n:" + label + ") REQUIRE n." + key + " IS UNIQUE"
        )
    for label, key in INDEXES:
        name = "index_" + label.lower() + "_" + key.lower()
        statements.append("CREATE INDEX " + name + " IF NOT EXISTS FOR (n:" + label + ") ON (n." + key + ")")
    statements.append(
        "CREATE FULLTEXT INDEX search_names IF NOT EXISTS "
        "FOR (n:Township|Village|Household|Enterprise|Project|Policy) ON EACH [n.name, n.headName]"
    )
    return statements


async def migrate(driver: AsyncDriver, database: str = "neo4j") -> None:
    """Create every constraint and index, wait until they are online, and record the schema version."""
    async with driver.session(database=database) as session:
        for statement in _statements():
            await (await session.run(statement)).consume()
        await (await session.run("CALL db.awaitIndexes(300)")).consume()
        await (
            await session.run("MERGE (m:Migration {name: 'schema'}) SET m.version = $version", version=SCHEMA_VERSION)
        ).consume()


async def is_migrated(driver: AsyncDriver, database: str = "neo4j") -> bool:
    """True when the schema version recorded in the database is the one this code expects."""
    records, _, _ = await driver.execute_query(
        "MATCH (m:Migration {name: 'schema'}) RETURN m.version AS version",
        database_=database,
        routing_="r",
    )
    return bool(records) and records[0]["version"] == SCHEMA_VERSION
