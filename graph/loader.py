"""The bulk writer: batches of plain rows, each written by one parameterised `UNWIND $rows` statement in
one managed write transaction. Nodes are created (not merged), so the loader expects an empty graph for
what it writes; callers check that first (see `seeds.seed_demo_county`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncDriver, AsyncManagedTransaction

Row = dict[str, Any]

COUNTY = """
UNWIND $rows AS row
CREATE (c:County) SET c = row.props
CREATE (:QrCode {token: row.token, createdAt: datetime()})-[:IDENTIFIES]->(c)"""

TOWNSHIPS = """
UNWIND $rows AS row
MATCH (c:County {code: row.county})
CREATE (t:Township) SET t = row.props
CREATE (t)-[:IN]->(c)
CREATE (:QrCode {token: row.token, createdAt: datetime()})-[:IDENTIFIES]->(t)"""

VILLAGES = """
UNWIND $rows AS row
MATCH (t:Township {code: row.township})
CREATE (v:Village) SET v = row.props
CREATE (v)-[:IN]->(t)
CREATE (:QrCode {token: row.token, createdAt: datetime()})-[:IDENTIFIES]->(v)"""

DEPARTMENTS = """
UNWIND $rows AS row
CREATE (d:Department) SET d = row.props"""

POVERTY_LINES = """
UNWIND $rows AS row
CREATE (p:PovertyLine) SET p = row.props"""

INDUSTRIES = """
UNWIND $rows AS row
CREATE (i:Industry) SET i = row.props"""

ENTERPRISES = """
UNWIND $rows AS row
MATCH (i:Industry {code: row.industry})
CREATE (e:Enterprise) SET e = row.props
CREATE (e)-[:IN_INDUSTRY]->(i)
WITH e, row
CALL (e, row) { MATCH (v:Village {code: row.place}) CREATE (e)-[:LOCATED_IN]->(v) }
CALL (e, row) { MATCH (t:Township {code: row.place}) CREATE (e)-[:LOCATED_IN]->(t) }"""

POLICIES = """
UNWIND $rows AS row
CREATE (p:Policy) SET p = row.props
WITH p, row
CALL (p, row) { MATCH (b:Policy {code: row.bundle}) CREATE (b)-[:BUNDLES]->(p) }"""

EXPERTS = """
UNWIND $rows AS row
CREATE (x:Expert) SET x = row.props
WITH x, row
CALL (x, row) { UNWIND row.industries AS code MATCH (i:Industry {code: code}) CREATE (x)-[:ADVISES]->(i) }"""

CADRES = """
UNWIND $rows AS row
CREATE (c:Cadre) SET c = row.props
WITH c, row
CALL (c, row) { MATCH (v:Village {code: row.serves}) CREATE (c)-[:SERVES {since: row.since}]->(v) }"""

# A household with everything only it owns: members, incomes, measures, monitoring episodes, its QR code.
HOUSEHOLDS = """
UNWIND $rows AS row
MATCH (v:Village {code: row.village})
CREATE (h:Household) SET h = row.props
CREATE (h)-[:IN]->(v)
CREATE (:QrCode {token: row.token, createdAt: datetime()})-[:IDENTIFIES]->(h)
FOREACH (m IN row.members |
  CREATE (p:Person) SET p = m.props
  CREATE (p)-[:MEMBER_OF {relation: m.relation}]->(h))
FOREACH (i IN row.incomes | CREATE (x:Income) SET x = i CREATE (h)-[:EARNED]->(x))
FOREACH (m IN row.measures | CREATE (x:Measure) SET x = m CREATE (h)-[:RECEIVED]->(x))
FOREACH (e IN row.episodes | CREATE (x:MonitoringEpisode) SET x = e CREATE (h)-[:MONITORED_IN]->(x))"""

COVERAGE = """
UNWIND $rows AS row
MATCH (h:Household {id: row.household})
MATCH (p:Policy {code: row.policy})
CREATE (h)-[:COVERED_BY {year: row.year, premiumFen: row.premiumFen}]->(p)"""

ENGAGEMENTS = """
UNWIND $rows AS row
MATCH (h:Household {id: row.household})
MATCH (i:Industry {code: row.industry})
CREATE (h)-[:ENGAGES_IN {scale: row.scale, unit: row.unit, incomeFen: row.incomeFen}]->(i)"""

DRIVES = """
UNWIND $rows AS row
MATCH (e:Enterprise {id: row.enterprise})
MATCH (h:Household {id: row.household})
CREATE (e)-[:DRIVES {mode: row.mode, since: row.since, incomeGainFen: row.incomeGainFen}]->(h)"""

HELPS = """
UNWIND $rows AS row
MATCH (c:Cadre {id: row.cadre})
MATCH (h:Household {id: row.household})
CREATE (c)-[r:HELPS]->(h) SET r = row.props"""

VISITS = """
UNWIND $rows AS row
MATCH (c:Cadre {id: row.cadre})
MATCH (h:Household {id: row.household})
CREATE (c)-[:MADE]->(v:Visit)-[:TO]->(h) SET v = row.props"""

CLAIMS = """
UNWIND $rows AS row
MATCH (h:Household {id: row.household})
MATCH (p:Policy {code: row.policy})
CREATE (c:Claim) SET c = row.props
CREATE (c)-[:FOR]->(h)
CREATE (c)-[:UNDER]->(p)"""

FUNDS = """
UNWIND $rows AS row
CREATE (f:Fund) SET f = row.props"""

PROJECTS = """
UNWIND $rows AS row
CREATE (p:Project) SET p = row.props
WITH p, row
CALL (p, row) { MATCH (v:Village {code: row.place}) CREATE (p)-[:LOCATED_IN]->(v) }
CALL (p, row) { MATCH (t:Township {code: row.place}) CREATE (p)-[:LOCATED_IN]->(t) }
CALL (p, row) { MATCH (v:Village {code: row.declarer}) CREATE (p)-[:DECLARED_BY]->(v) }
CALL (p, row) { MATCH (t:Township {code: row.declarer}) CREATE (p)-[:DECLARED_BY]->(t) }
CALL (p, row) { MATCH (d:Department {code: row.declarer}) CREATE (p)-[:DECLARED_BY]->(d) }
CALL (p, row) { MATCH (i:Industry {code: row.industry}) CREATE (p)-[:IN_INDUSTRY]->(i) }
CALL (p, row) { UNWIND row.beneficiaries AS id MATCH (h:Household {id: id}) CREATE (p)-[:BENEFITS]->(h) }
CALL (p, row) { UNWIND row.experts AS id MATCH (x:Expert {id: id}) CREATE (x)-[:ADVISES]->(p) }
CALL (p, row) {
  UNWIND row.allocations AS a
  MATCH (f:Fund {id: a.fund})
  CREATE (f)-[:ALLOCATED_TO {amountFen: a.amountFen}]->(p) }"""

STATEMENTS: Mapping[str, LiteralString] = {
    "county": COUNTY,
    "townships": TOWNSHIPS,
    "villages": VILLAGES,
    "departments": DEPARTMENTS,
    "poverty_lines": POVERTY_LINES,
    "industries": INDUSTRIES,
    "enterprises": ENTERPRISES,
    "policies": POLICIES,
    "experts": EXPERTS,
    "cadres": CADRES,
    "households": HOUSEHOLDS,
    "coverage": COVERAGE,
    "engagements": ENGAGEMENTS,
    "drives": DRIVES,
    "helps": HELPS,
    "visits": VISITS,
    "claims": CLAIMS,
    "funds": FUNDS,
    "projects": PROJECTS,
}

HAS_COUNTY = "MATCH (c:County) RETURN count(c) > 0 AS seeded"

# Everything but the schema version, relationships first (cheaper than DETACH), in batches so that
# memory stays flat on big graphs.
DELETE_RELATIONSHIPS = """
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 50000 ROWS"""

DELETE_NODES = """
MATCH (n) WHERE NOT n:Migration
CALL (n) { DELETE n } IN TRANSACTIONS OF 50000 ROWS"""


@dataclass(frozen=True)
class Batch:
    """Rows of one kind (a key of STATEMENTS), written together in one transaction."""

    kind: str
    rows: list[Row]
    households: int = 0  # how many households the batch completes, for progress reports


@dataclass
class LoadCounts:
    batches: int = 0
    nodes: int = 0
    relationships: int = 0
    properties: int = 0

    def add(self, other: LoadCounts) -> None:
        self.batches += other.batches
        self.nodes += other.nodes
        self.relationships += other.relationships
        self.properties += other.properties


async def _write_rows(tx: AsyncManagedTransaction, statement: LiteralString, rows: list[Row]) -> LoadCounts:
    result = await tx.run(statement, rows=rows)
    summary = await result.consume()
    c = summary.counters
    return LoadCounts(1, c.nodes_created, c.relationships_created, c.properties_set)


async def write_batch(driver: AsyncDriver, batch: Batch, database: str = "neo4j") -> LoadCounts:
    """Write one batch in one managed write transaction."""
    statement = STATEMENTS.get(batch.kind)
    if statement is None:
        raise ValueError(f"unknown batch kind {batch.kind!r}; expected one of {sorted(STATEMENTS)}")
    async with driver.session(database=database) as session:
        return await session.execute_write(_write_rows, statement, batch.rows)


async def load(
    driver: AsyncDriver,
    batches: Iterable[Batch] | AsyncIterator[Batch],
    database: str = "neo4j",
    progress: Callable[[int], object] | None = None,
) -> LoadCounts:
    """Write batches in order (later batches match nodes that earlier ones created)."""
    total = LoadCounts()
    if isinstance(batches, AsyncIterator):
        async for batch in batches:
            await _load_one(driver, batch, database, progress, total)
    else:
        for batch in batches:
            await _load_one(driver, batch, database, progress, total)
    return total


async def _load_one(
    driver: AsyncDriver, batch: Batch, database: str, progress: Callable[[int], object] | None, total: LoadCounts
) -> None:
    if batch.rows:
        total.add(await write_batch(driver, batch, database))
    if progress is not None and batch.households:
        progress(batch.households)


async def is_seeded(driver: AsyncDriver, database: str = "neo4j") -> bool:
    """True when the database already holds a county."""
    records, _, _ = await driver.execute_query(HAS_COUNTY, database_=database, routing_="r")
    return bool(records[0]["seeded"])


async def delete_all(driver: AsyncDriver, database: str = "neo4j") -> None:
    """Delete every node and relationship except the schema version record (constraints stay)."""
    async with driver.session(database=database) as session:
        await (await session.run(DELETE_RELATIONSHIPS)).consume()
        await (await session.run(DELETE_NODES)).consume()
