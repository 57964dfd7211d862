"""QR codes: what a token identifies, each node's valid token, and the token lifecycle (rotate, revoke).

A node has at most one valid (current) code; rotating or revoking retires it (`revokedAt`) and issues a
fresh one, so an old plate stops resolving while the node keeps a code to print. Only those who may print a
node's plate (an ADMIN, a cadre in scope) see its token or change it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction

from graph import masking
from graph.access import View, Viewer
from graph.errors import AccessDenied
from graph.households import (
    HOUSEHOLD_MAP,
    CadreRecord,
    HouseholdRecord,
    MeasureRecord,
    PersonRecord,
)
from graph.industries import ENTERPRISE_MAP, INDUSTRY_MAP, DriveLinkRecord, IndustryRecord, drive_link
from graph.places import TownshipRecord, VillageRecord
from graph.policies import POLICY_MAP, PolicyRecord


class QrTargetKind(Enum):
    HOUSEHOLD = "Household"
    VILLAGE = "Village"
    TOWNSHIP = "Township"


class TokenStatus(Enum):
    CURRENT = "CURRENT"
    RETIRED = "RETIRED"
    UNKNOWN = "UNKNOWN"


# A scan of a household shows its card, so the token query brings the whole card along (one round trip):
# each list in the order of the read it stands in for (graph/households.py, industries.py, policies.py).
RESOLVE_TOKEN = (
    """
MATCH (q:QrCode {token: $token})-[:IDENTIFIES]->(n)
WHERE q.revokedAt IS NULL
OPTIONAL MATCH (n:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)
WITH q, n AS h, v, t LIMIT 1
RETURN CASE WHEN h:Household THEN 'Household' WHEN h:Village THEN 'Village' ELSE 'Township' END AS kind,
       coalesce(h.id, h.code) AS key,
       CASE WHEN v IS NULL THEN null ELSE {
         household: """
    + HOUSEHOLD_MAP
    + """,
         village: v {.code, .name, townshipCode: t.code},
         township: t {.code, .name, .kind},
         token: q.token,
         members: COLLECT {
           MATCH (p:Person)-[m:MEMBER_OF]->(h)
           WITH p, m ORDER BY CASE m.relation WHEN '户主' THEN 0 ELSE 1 END, p.birthDate, p.idNumber
           RETURN p {.*, relation: m.relation} },
         measures: COLLECT { MATCH (h)-[:RECEIVED]->(m:Measure) WITH m ORDER BY m.year DESC, m.startDate DESC, m.id
                             RETURN m {.*} },
         helpers: COLLECT { MATCH (c:Cadre)-[r:HELPS]->(h) WHERE r.until IS NULL WITH c ORDER BY c.id RETURN c {.*} },
         industries: COLLECT {
           CALL (h) {
             MATCH (h)-[:ENGAGES_IN]->(i:Industry) RETURN i
             UNION
             MATCH (h)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(i:Industry) RETURN i
           }
           WITH i ORDER BY CASE i.tier WHEN 'LEADING' THEN 0 ELSE 1 END, i.code
           RETURN """
    + INDUSTRY_MAP
    + """ },
         links: COLLECT {
           MATCH (e:Enterprise)-[d:DRIVES]->(h) WITH e, d ORDER BY d.incomeGainFen DESC, e.id
           RETURN {enterprise: """
    + ENTERPRISE_MAP
    + """, mode: d.mode, since: d.since, incomeGainFen: d.incomeGainFen} },
         policies: COLLECT { MATCH (h)-[:COVERED_BY]->(p:Policy) WITH DISTINCT p ORDER BY p.code RETURN """
    + POLICY_MAP
    + """ }
       } END AS card"""
)

# What a token names, whether current or retired, and where its subject is (for the scan page and plates).
TOKEN_SUBJECT = """
MATCH (q:QrCode {token: $token})-[:IDENTIFIES]->(n)
OPTIONAL MATCH (n)-[:IN]->(v:Village)-[:IN]->(vt:Township)
OPTIONAL MATCH (n)-[:IN]->(nt:Township)
WITH q, n, v, coalesce(vt, nt, CASE WHEN n:Township THEN n END) AS t LIMIT 1
RETURN q.revokedAt IS NULL AS current,
       CASE WHEN n:Household THEN 'Household' WHEN n:Village THEN 'Village' ELSE 'Township' END AS kind,
       coalesce(n.id, n.code) AS key,
       CASE WHEN n:Village THEN n.code ELSE v.code END AS villageCode,
       CASE WHEN n:Village THEN n.name ELSE v.name END AS villageName,
       t.code AS townshipCode, t.name AS townshipName"""

# A node and where it is, to check who may change its code.
_SUBJECT_BY_KEY: dict[QrTargetKind, str] = {
    QrTargetKind.HOUSEHOLD: """
MATCH (n:Household {id: $key})-[:IN]->(v:Village)-[:IN]->(t:Township)
RETURN v.code AS villageCode, t.code AS townshipCode""",
    QrTargetKind.VILLAGE: """
MATCH (n:Village {code: $key})-[:IN]->(t:Township)
RETURN n.code AS villageCode, t.code AS townshipCode""",
    QrTargetKind.TOWNSHIP: """
MATCH (n:Township {code: $key})
RETURN null AS villageCode, n.code AS townshipCode""",
}

# Retires the node's current code (if any) and gives it a new one; with $retiring (a revoked plate), only
# while that token is still the current one. The write on n takes its lock before the current code is read,
# so concurrent rotations and revocations run one after the other and each retires the one before.
_ROTATE: dict[QrTargetKind, str] = {
    kind: f"""
MATCH (n:{kind.value} {{{key}: $key}})
SET n.qrLock = true
REMOVE n.qrLock
WITH n
OPTIONAL MATCH (old:QrCode)-[:IDENTIFIES]->(n) WHERE old.revokedAt IS NULL
WITH n, collect(old) AS current
WHERE $retiring IS NULL OR any(old IN current WHERE old.token = $retiring)
FOREACH (old IN current | SET old.revokedAt = datetime())
CREATE (q:QrCode {{token: $token, createdAt: datetime()}})-[:IDENTIFIES]->(n)
RETURN q.token AS token"""
    for kind, key in ((QrTargetKind.HOUSEHOLD, "id"), (QrTargetKind.VILLAGE, "code"), (QrTargetKind.TOWNSHIP, "code"))
}

_TOKENS_BY_TARGET: dict[QrTargetKind, str] = {
    QrTargetKind.HOUSEHOLD: """
UNWIND $keys AS key
MATCH (q:QrCode)-[:IDENTIFIES]->(:Household {id: key}) WHERE q.revokedAt IS NULL
RETURN key, q.token AS token""",
    QrTargetKind.VILLAGE: """
UNWIND $keys AS key
MATCH (q:QrCode)-[:IDENTIFIES]->(:Village {code: key}) WHERE q.revokedAt IS NULL
RETURN key, q.token AS token""",
    QrTargetKind.TOWNSHIP: """
UNWIND $keys AS key
MATCH (q:QrCode)-[:IDENTIFIES]->(:Township {code: key}) WHERE q.revokedAt IS NULL
RETURN key, q.token AS token""",
}


@dataclass(frozen=True)
class QrTokenRecord:
    """A node's current token, as the caller may see it (masked unless they may print the plate)."""

    token: str
    view: View = View.FULL


@dataclass(frozen=True)
class TokenSubject:
    """What a token names and where, whether it is current or retired."""

    status: TokenStatus
    kind: QrTargetKind
    key: str
    village_code: str | None
    village_name: str | None
    township_code: str | None
    township_name: str | None

    def printable_by(self, viewer: Viewer) -> bool:
        """Whether the viewer may print (see, rotate, revoke) this subject's plate."""
        return _view_of_subject(viewer, self.village_code, self.township_code) is View.FULL


@dataclass(frozen=True)
class HouseholdCard:
    """Everything a scan card of a household shows, read in one query."""

    household: HouseholdRecord
    village: VillageRecord
    township: TownshipRecord
    token: QrTokenRecord
    members: list[PersonRecord]
    measures: list[MeasureRecord]
    helpers: list[CadreRecord]
    industries: list[IndustryRecord]
    links: list[DriveLinkRecord]
    policies: list[PolicyRecord]

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> HouseholdCard:
        """The card as the caller may see it: the household's view decides each list (graph/masking.py)."""
        household = HouseholdRecord.from_map(m["household"])
        key = household.id
        return cls(
            household=household,
            village=VillageRecord.from_map(m["village"]),
            township=TownshipRecord.from_map(m["township"]),
            token=masking.mask("QrCode", QrTokenRecord(m["token"]), household.view),
            members=masking.of_household(key, "members", "Person", [PersonRecord.from_map(p) for p in m["members"]]),
            measures=masking.of_household(
                key, "measures", "Measure", [MeasureRecord.from_map(x) for x in m["measures"]]
            ),
            helpers=masking.of_household(key, "helpers", "Cadre", [CadreRecord.from_map(c) for c in m["helpers"]]),
            industries=[IndustryRecord.from_map(i) for i in m["industries"]],
            links=masking.of_household(key, "drivenBy", "DriveLink", [drive_link(link) for link in m["links"]]),
            policies=[PolicyRecord.from_map(p) for p in m["policies"]],
        )


@dataclass(frozen=True)
class QrTarget:
    kind: QrTargetKind
    key: str
    card: HouseholdCard | None = None


async def resolve_token(tx: AsyncManagedTransaction, token: str) -> QrTarget | None:
    """What a valid token identifies; None for an unknown or revoked one."""
    record = await (await tx.run(RESOLVE_TOKEN, token=token)).single()
    if record is None:
        return None
    card = record["card"]
    return QrTarget(
        kind=QrTargetKind(record["kind"]),
        key=record["key"],
        card=HouseholdCard.from_map(card) if card is not None else None,
    )


async def tokens_by_target(
    tx: AsyncManagedTransaction, kind: QrTargetKind, keys: list[str]
) -> dict[str, QrTokenRecord]:
    """Each node's current token, masked unless the caller may print the node's plate."""
    result = await tx.run(_TOKENS_BY_TARGET[kind], keys=keys)
    return {
        r["key"]: masking.mask("QrCode", QrTokenRecord(r["token"]), _token_view(kind, r["key"])) async for r in result
    }


async def token_subject(tx: AsyncManagedTransaction, token: str) -> TokenSubject | None:
    """What a token names, current or retired; None when no such token was ever issued."""
    r = await (await tx.run(TOKEN_SUBJECT, token=token)).single()
    if r is None:
        return None
    return TokenSubject(
        status=TokenStatus.CURRENT if r["current"] else TokenStatus.RETIRED,
        kind=QrTargetKind(r["kind"]),
        key=r["key"],
        village_code=r["villageCode"],
        village_name=r["villageName"],
        township_code=r["townshipCode"],
        township_name=r["townshipName"],
    )


class AlreadyRetired(Exception):
    """The token to revoke was retired meanwhile (another rotation or revocation came first)."""


async def rotate_token(
    tx: AsyncManagedTransaction, kind: QrTargetKind, key: str, token: str, retiring: str | None = None
) -> QrTokenRecord | None:
    """Retires the node's current code and issues `token` (from graph/qr_tokens.py) in its place; None for an
    unknown node. With `retiring`, only while that token is the current one (AlreadyRetired otherwise). The
    caller must be allowed to print the node's plate (AccessDenied otherwise)."""
    subject = await (await tx.run(_SUBJECT_BY_KEY[kind], key=key)).single()
    if subject is None:
        return None
    if _view_of_subject(masking.viewer(), subject["villageCode"], subject["townshipCode"]) is not View.FULL:
        raise AccessDenied("only an administrator or a cadre in scope may change this QR code")
    record = await (await tx.run(_ROTATE[kind], key=key, token=token, retiring=retiring)).single()
    if record is None:
        raise AlreadyRetired(retiring)
    return QrTokenRecord(record["token"])


def _token_view(kind: QrTargetKind, key: str) -> View:
    access = masking.current()
    if kind is QrTargetKind.HOUSEHOLD:
        return access.household_view(key)
    if kind is QrTargetKind.VILLAGE:
        return access.viewer.view_of_village(key)
    return access.viewer.view_of_township(key)


def _view_of_subject(viewer: Viewer, village_code: str | None, township_code: str | None) -> View:
    if village_code is not None:
        return viewer.view_of_village(village_code)
    return viewer.view_of_township(township_code or "")
