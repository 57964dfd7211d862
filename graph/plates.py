"""What a village's door plates print: for each household, its current QR code's token, its number in the
village and its current helping cadres' roles and units. Nothing personal (no names): only what an
anonymous scan shows anyway, so a plate on a door gives away nothing."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import AsyncManagedTransaction

# A household's number in its village is the sequence its id ends with (`H` + village code + 5 digits,
# the form the seeder, the registry and the import give), so it never changes when others join or leave;
# an id of another form prints no number rather than a wrong one.
VILLAGE_PLATES = """
MATCH (v:Village {code: $village})-[:IN]->(t:Township)-[:IN]->(c:County)
RETURN v.code AS code, v.name AS village, t.name AS township, c.name AS county,
       COLLECT {
         MATCH (h:Household)-[:IN]->(v)
         MATCH (q:QrCode)-[:IDENTIFIES]->(h) WHERE q.revokedAt IS NULL
         WITH h, q ORDER BY h.id
         RETURN {household: h.id, number: CASE WHEN h.id =~ ('H' + v.code + '[0-9]{5}')
                                                THEN toInteger(right(h.id, 5)) END, token: q.token,
                 helpers: COLLECT { MATCH (cadre:Cadre)-[r:HELPS]->(h) WHERE r.until IS NULL
                                    WITH cadre ORDER BY cadre.id
                                    RETURN {role: cadre.role, unit: cadre.unit} }}
       } AS plates,
       COUNT { MATCH (h:Household)-[:IN]->(v)
               WHERE NOT EXISTS { MATCH (q:QrCode)-[:IDENTIFIES]->(h) WHERE q.revokedAt IS NULL } } AS withoutCode"""


@dataclass(frozen=True)
class HelperOnPlate:
    role: str
    unit: str | None


@dataclass(frozen=True)
class PlateRecord:
    household_id: str
    number: int | None
    token: str
    helpers: tuple[HelperOnPlate, ...]


@dataclass(frozen=True)
class VillagePlatesRecord:
    code: str
    county: str
    township: str
    village: str
    plates: tuple[PlateRecord, ...]
    # Households with no current code (revoked and not reissued) get no plate.
    without_code: int


async def village_plates(tx: AsyncManagedTransaction, village_code: str) -> VillagePlatesRecord | None:
    """The plates of a village's households, by household id; None for an unknown village."""
    record = await (await tx.run(VILLAGE_PLATES, village=village_code)).single()
    if record is None:
        return None
    return VillagePlatesRecord(
        code=record["code"],
        county=record["county"],
        township=record["township"],
        village=record["village"],
        plates=tuple(
            PlateRecord(
                household_id=p["household"],
                number=p["number"],
                token=p["token"],
                helpers=tuple(HelperOnPlate(h["role"], h["unit"]) for h in p["helpers"]),
            )
            for p in record["plates"]
        ),
        without_code=record["withoutCode"],
    )
