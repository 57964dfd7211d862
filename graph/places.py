"""The county, its townships and villages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neo4j import AsyncManagedTransaction

COUNTY = """
MATCH (c:County)
RETURN c.code AS code, c.name AS name,
       COUNT { (h:Household) } AS households,
       COUNT { (h:Household) WHERE h.registeredPoor } AS registeredPoor
LIMIT 1"""

COUNTY_EXISTS = "RETURN EXISTS { MATCH (:County) } AS exists"

TOWNSHIPS = """
MATCH (t:Township)
RETURN t {.code, .name, .kind} AS township
ORDER BY t.code"""

TOWNSHIPS_BY_CODE = """
UNWIND $codes AS code
MATCH (t:Township {code: code})
RETURN t {.code, .name, .kind} AS township"""

VILLAGES_BY_CODE = """
UNWIND $codes AS code
MATCH (v:Village {code: code})-[:IN]->(t:Township)
RETURN v {.code, .name, townshipCode: t.code} AS village"""

VILLAGES_BY_TOWNSHIP = """
UNWIND $codes AS code
MATCH (v:Village)-[:IN]->(:Township {code: code})
WITH code, v ORDER BY v.code
RETURN code, collect(v {.code, .name, townshipCode: code}) AS villages"""


@dataclass(frozen=True)
class CountyRecord:
    code: str
    name: str
    households: int
    registered_poor: int


@dataclass(frozen=True)
class TownshipRecord:
    code: str
    name: str
    kind: str

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> TownshipRecord:
        return cls(code=m["code"], name=m["name"], kind=m["kind"])


@dataclass(frozen=True)
class VillageRecord:
    code: str
    name: str
    township_code: str

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> VillageRecord:
        return cls(code=m["code"], name=m["name"], township_code=m["townshipCode"])


async def get_county(tx: AsyncManagedTransaction) -> CountyRecord | None:
    record = await (await tx.run(COUNTY)).single()
    if record is None:
        return None
    return CountyRecord(
        code=record["code"],
        name=record["name"],
        households=record["households"],
        registered_poor=record["registeredPoor"],
    )


async def county_exists(tx: AsyncManagedTransaction) -> bool:
    """Whether a county has been loaded (the demo one or a real one)."""
    record = await (await tx.run(COUNTY_EXISTS)).single(strict=True)
    return bool(record["exists"])


async def list_townships(tx: AsyncManagedTransaction) -> list[TownshipRecord]:
    result = await tx.run(TOWNSHIPS)
    return [TownshipRecord.from_map(r["township"]) async for r in result]


async def townships_by_code(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, TownshipRecord]:
    result = await tx.run(TOWNSHIPS_BY_CODE, codes=codes)
    return {r["township"]["code"]: TownshipRecord.from_map(r["township"]) async for r in result}


async def villages_by_code(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, VillageRecord]:
    result = await tx.run(VILLAGES_BY_CODE, codes=codes)
    return {r["village"]["code"]: VillageRecord.from_map(r["village"]) async for r in result}


async def villages_by_township(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, list[VillageRecord]]:
    result = await tx.run(VILLAGES_BY_TOWNSHIP, codes=codes)
    return {r["code"]: [VillageRecord.from_map(v) for v in r["villages"]] async for r in result}
