"""The project library's steps (项目库管理): a project is declared, screened, ranked, put in reserve (入库),
put in the year's implementation plan, started and completed; it may be withdrawn (出库) from any step
before the last. And the funds allocated to it from the year's pools.

The step is not stored beside what says it: `stage` (DECLARED, RESERVE, IMPLEMENTED, WITHDRAWN, or the
seeds' REJECTED), `started`, `completed` and the dates `screenedDate` and `rankedDate` of a project still
DECLARED. Each step records its date (`declaredDate`, `screenedDate`, `rankedDate`, `reservedDate`,
`implementedDate`, `startDate`, `completionDate`, `withdrawnDate`), never before the step it follows nor after
today. A fund pool `Fund {id: F<year>-<source code>}` holds what its allocations add up to.

Each write checks the caller's scope (ADMIN, or a cadre of the project's village or township), records a
Change on the project, and refreshes what is derived from its beneficiaries (the project's overdue alert
among them), in one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.time import Date

from graph.access import Viewer
from graph.alerts import refresh_project_alerts
from graph.county_time import county_today
from graph.derived import refresh_after_write
from graph.history import change, diff, record_project_change
from graph.money import from_fen
from graph.write_errors import Clash, InvalidInput, Missing
from graph.writes import Place, check_amount, check_past_date, check_text, check_year, require_scope


class Step(Enum):
    DECLARE = "DECLARE"
    SCREEN = "SCREEN"
    RANK = "RANK"
    RESERVE = "RESERVE"
    IMPLEMENT = "IMPLEMENT"
    START = "START"
    COMPLETE = "COMPLETE"
    WITHDRAW = "WITHDRAW"


ORDER = (Step.DECLARE, Step.SCREEN, Step.RANK, Step.RESERVE, Step.IMPLEMENT, Step.START, Step.COMPLETE)
# The date each step records, and what else it sets.
DATE_OF: dict[Step, str] = {
    Step.DECLARE: "declaredDate",
    Step.SCREEN: "screenedDate",
    Step.RANK: "rankedDate",
    Step.RESERVE: "reservedDate",
    Step.IMPLEMENT: "implementedDate",
    Step.START: "startDate",
    Step.COMPLETE: "completionDate",
    Step.WITHDRAW: "withdrawnDate",
}
SETS: dict[Step, dict[str, Any]] = {
    Step.RESERVE: {"stage": "RESERVE"},
    Step.IMPLEMENT: {"stage": "IMPLEMENTED", "started": False, "completed": False},
    Step.START: {"started": True},
    Step.COMPLETE: {"completed": True},
    Step.WITHDRAW: {"stage": "WITHDRAWN"},
}
REJECTED = "REJECTED"  # a screening's refusal, as the seeds hold it: final
PURPOSES = frozenset({"EXIT", "CONSOLIDATION", "EXTENSION"})
NATURES = frozenset({"NEW", "RENOVATION"})
# The pools funds come from, by the source's name (as stored and shown) and the code in a pool's id.
FUND_SOURCES: dict[str, str] = {
    "中央财政专项扶贫资金": "CENTRAL",
    "省级财政专项扶贫资金": "PROVINCE",
    "市级财政专项扶贫资金": "CITY",
    "县级财政专项扶贫资金": "COUNTY",
    "统筹整合涉农资金": "INTEGRATED",
    "社会帮扶资金": "SOCIAL",
}
FUNDABLE = frozenset({Step.RESERVE, Step.IMPLEMENT, Step.START, Step.COMPLETE})
MAX_NAME = 100
MAX_TEXT = 200

PROJECT_FACTS = """
MATCH (p:Project {code: $code})
SET p.changedAt = datetime()
RETURN p {.*} AS facts,
  head(COLLECT { MATCH (p)-[:LOCATED_IN]->(v:Village)-[:IN]->(t:Township) RETURN [v.code, t.code] AS place
                 UNION MATCH (p)-[:LOCATED_IN]->(t:Township) RETURN ['', t.code] AS place }) AS place,
  COLLECT { MATCH (p)-[:BENEFITS]->(h:Household) RETURN h.id } AS beneficiaries,
  COLLECT { MATCH (:Fund)-[a:ALLOCATED_TO]->(p) RETURN a.amountFen } AS allocations"""

SET_PROJECT = "MATCH (p:Project {code: $code}) SET p += $props"

PLACE = """
OPTIONAL MATCH (v:Village {code: $code})-[:IN]->(vt:Township)
OPTIONAL MATCH (t:Township {code: $code})
RETURN CASE WHEN v IS NOT NULL THEN [v.code, vt.code] WHEN t IS NOT NULL THEN ['', t.code] END AS place"""

INDUSTRY = "MATCH (i:Industry {code: $code}) RETURN i.code AS code"

# Project codes number a year's projects (`P2026-0001`); the Sequence starts past the highest code there.
NEXT_PROJECT_CODE = """
WITH 'P' + toString($year) + '-' AS prefix
WITH prefix, COLLECT { MATCH (p:Project) WHERE p.code STARTS WITH prefix
                       RETURN max(toInteger(substring(p.code, size(prefix)))) }[0] AS highest
MERGE (s:Sequence {name: 'project:' + toString($year)})
SET s.last = CASE WHEN coalesce(s.last, 0) < coalesce(highest, 0) THEN highest ELSE coalesce(s.last, 0) END + 1
RETURN prefix + right('000' + toString(s.last), 4) AS code"""

CREATE_PROJECT = """
MATCH (place:Village|Township {code: $place})
CREATE (p:Project) SET p = $props
CREATE (p)-[:LOCATED_IN]->(place)
CREATE (p)-[:DECLARED_BY]->(place)
WITH p
CALL (p) { MATCH (i:Industry {code: $industry}) CREATE (p)-[:IN_INDUSTRY]->(i) }"""

# One allocation per pool and project (as the seeds hold them): allocating again adds to it.
ALLOCATE = """
MATCH (p:Project {code: $code})
MERGE (f:Fund {id: $fund})
ON CREATE SET f.source = $source, f.year = $year, f.amountFen = 0
SET f.amountFen = f.amountFen + $amount
MERGE (f)-[a:ALLOCATED_TO]->(p)
ON CREATE SET a.amountFen = 0
WITH f, a, a.amountFen AS before
SET a.amountFen = before + $amount
RETURN before, a.amountFen AS after"""


@dataclass(frozen=True)
class ProjectInput:
    name: str
    year: int
    purpose: str
    place_code: str
    budget: Decimal
    declared_date: datetime.date
    industry_code: str | None = None
    nature: str | None = None
    planned_beneficiaries: int | None = None
    responsible_unit: str | None = None
    deadline: datetime.date | None = None


@dataclass(frozen=True)
class Progress:
    """Where a project stands: its current step (None when it was rejected) and the dates recorded."""

    code: str
    step: Step | None
    dates: dict[Step, datetime.date]

    @property
    def final(self) -> bool:
        return self.step in (None, Step.COMPLETE, Step.WITHDRAW)

    @classmethod
    def of(cls, code: str, facts: Mapping[str, Any]) -> Progress:
        dates = {step: _date(facts[name]) for step, name in DATE_OF.items() if facts.get(name) is not None}
        return cls(code, current_step(facts), dates)


def current_step(facts: Mapping[str, Any]) -> Step | None:
    """The last step a stored project took (None: rejected at screening)."""
    stage = facts.get("stage")
    if stage == "WITHDRAWN":
        return Step.WITHDRAW
    if stage == REJECTED:
        return None
    if stage == "IMPLEMENTED":
        if facts.get("completed"):
            return Step.COMPLETE
        return Step.START if facts.get("started") else Step.IMPLEMENT
    if stage == "RESERVE":
        return Step.RESERVE
    if facts.get("rankedDate") is not None:
        return Step.RANK
    return Step.SCREEN if facts.get("screenedDate") is not None else Step.DECLARE


async def declare_project(tx: AsyncManagedTransaction, project: ProjectInput, viewer: Viewer) -> Progress:
    """Declares a project (入库申报) in a village or a township, with the next code of its year."""
    name = check_text(project.name, "input.name", MAX_NAME, multiline=False)
    year = check_year(project.year, "input.year", ahead=2)
    if project.purpose not in PURPOSES:
        raise InvalidInput(f"{project.purpose[:40]!r} is not one of {', '.join(sorted(PURPOSES))}", "input.purpose")
    if project.nature is not None and project.nature not in NATURES:
        raise InvalidInput(f"{project.nature[:40]!r} is not one of {', '.join(sorted(NATURES))}", "input.nature")
    budget = check_amount(project.budget, "input.budget")
    if project.planned_beneficiaries is not None and not 0 <= project.planned_beneficiaries <= 100_000:
        raise InvalidInput("from 0 to 100,000 households", "input.plannedBeneficiaries")
    unit = check_text(project.responsible_unit, "input.responsibleUnit", MAX_TEXT, required=False, multiline=False)
    declared = check_past_date(project.declared_date, "input.declaredDate", _today())
    if project.deadline is not None and project.deadline < declared:
        raise InvalidInput("the deadline cannot be before the declaration", "input.deadline")
    found = (await (await tx.run(PLACE, code=project.place_code)).single(strict=True))["place"]
    if found is None:
        raise InvalidInput(f"no village or township has the code {project.place_code[:40]!r}", "input.placeCode")
    require_scope(viewer, Place(found[0], found[1]), f"the projects of {project.place_code}")
    if (
        project.industry_code is not None
        and await (await tx.run(INDUSTRY, code=project.industry_code)).single() is None
    ):
        raise InvalidInput(f"no industry has the code {project.industry_code[:40]!r}", "input.industryCode")
    code = (await (await tx.run(NEXT_PROJECT_CODE, year=year)).single(strict=True))["code"]
    props: dict[str, Any] = {
        "code": code,
        "name": name,
        "year": year,
        "purpose": project.purpose,
        "stage": "DECLARED",
        "started": False,
        "completed": False,
        "budgetFen": budget,
        "declaredDate": declared,
    }
    optional = {
        "nature": project.nature,
        "plannedBeneficiaries": project.planned_beneficiaries,
        "responsibleUnit": unit,
        "deadline": project.deadline,
    }
    props |= {k: v for k, v in optional.items() if v is not None}
    await (
        await tx.run(CREATE_PROJECT, place=project.place_code, props=props, industry=project.industry_code)
    ).consume()
    fields = {**diff({}, props), "placeCode": change(None, project.place_code)}
    await record_project_change(tx, code, viewer.by, "declareProject", fields)
    return Progress.of(code, props)


async def advance_project(
    tx: AsyncManagedTransaction, code: str, step: Step, day: datetime.date, viewer: Viewer
) -> Progress:
    """Takes a project to its next step, or withdraws it; any other move is a CONFLICT naming what may follow."""
    facts, beneficiaries, _ = await _open_project(tx, code, viewer)
    progress = Progress.of(code, facts)
    allowed = next_steps(progress)
    if step not in allowed:
        now = progress.step.value if progress.step else REJECTED
        may = ", ".join(s.value for s in allowed) or "nothing (the project is closed)"
        raise Clash(f"project {code} is at {now}: {step.value} cannot follow, only {may}", "step")
    last = max(progress.dates.values(), default=None)
    check_past_date(day, "date", _today(), after=last)
    after: dict[str, Any] = {DATE_OF[step]: day, **SETS.get(step, {})}
    await (await tx.run(SET_PROJECT, code=code, props=after)).consume()
    fields = diff(facts, after)
    if progress.step is not None:
        fields["step"] = change(progress.step.value, step.value)
    await record_project_change(tx, code, viewer.by, "advanceProject", fields)
    await refresh_after_write(tx, beneficiaries)
    await refresh_project_alerts(tx, [code])
    return Progress.of(code, {**facts, **after})


async def allocate_funds(
    tx: AsyncManagedTransaction, code: str, source: str, amount: Decimal, year: int, viewer: Viewer
) -> tuple[int, int]:
    """Allocates an amount from the year's pool of a source to a project in reserve or being implemented;
    the allocations cannot exceed the project's budget. Returns the pool-and-project allocation before and
    after, in fen."""
    fen = check_amount(amount, "amount")
    if fen == 0:
        raise InvalidInput("the amount must be more than zero", "amount")
    pool = FUND_SOURCES.get(source.strip()) or (source.strip() if source.strip() in FUND_SOURCES.values() else None)
    if pool is None:
        raise InvalidInput(f"{source[:40]!r} is not one of {', '.join(FUND_SOURCES)}", "source")
    name = next(n for n, c in FUND_SOURCES.items() if c == pool)
    check_year(year, "year", ahead=1)
    facts, beneficiaries, allocations = await _open_project(tx, code, viewer, "projectCode")
    step = current_step(facts)
    if step not in FUNDABLE:
        now = step.value if step else REJECTED
        raise Clash(f"project {code} is at {now}: funds go to projects in reserve or being implemented", "projectCode")
    budget = facts.get("budgetFen")
    if budget is not None and sum(allocations) + fen > budget:
        room = from_fen(budget - sum(allocations))
        raise InvalidInput(f"the allocations would exceed the budget: at most {room} more", "amount")
    params = {"code": code, "fund": f"F{year}-{pool}", "source": name, "year": year, "amount": fen}
    record = await (await tx.run(ALLOCATE, params)).single(strict=True)
    fields = {f"funds.F{year}-{pool}": change(from_fen(record["before"] or None), from_fen(record["after"]))}
    await record_project_change(tx, code, viewer.by, "allocateFunds", fields)
    await refresh_after_write(tx, beneficiaries)
    return record["before"], record["after"]


def next_steps(progress: Progress) -> list[Step]:
    if progress.final or progress.step is None:
        return []
    following = ORDER[ORDER.index(progress.step) + 1]
    return [following, Step.WITHDRAW]


async def _open_project(
    tx: AsyncManagedTransaction, code: str, viewer: Viewer, field: str = "code"
) -> tuple[dict[str, Any], list[str], list[int]]:
    """The project's facts, beneficiaries and allocations, locked; NOT_FOUND or FORBIDDEN otherwise."""
    record = await (await tx.run(PROJECT_FACTS, code=code)).single()
    if record is None:
        raise Missing(f"no project has the code {code[:40]!r}", field)
    place = record["place"] or ["", ""]
    require_scope(viewer, Place(place[0], place[1]), f"project {code}")
    return record["facts"], record["beneficiaries"], record["allocations"]


def _today() -> datetime.date:
    return county_today()


def _date(value: Date | datetime.date) -> datetime.date:
    return value.to_native() if isinstance(value, Date) else value
