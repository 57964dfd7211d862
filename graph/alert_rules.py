"""The early-warning rules: over every household (exited, near-poor and never-poor alike) and every
implemented project, on the latest year with income data. Evidence is read in one query per kind of subject
(households, projects) and each rule is a plain function of it, so a full evaluation reads the county once
and a refresh reads only the households (and their projects) a write touched.

Definitions (Y is the latest year with income data; the lines are Y's `PovertyLine`, data, never constants):
- INCOME_BELOW_MONITORING_LINE: per-capita net income of Y below the monitoring line; CRITICAL when also
  below the poverty line, WARNING otherwise.
- INCOME_NEAR_POVERTY_LINE: per-capita net income of Y at or above the poverty line but below 1.5 times it; INFO.
- RIGID_SPENDING_OVER_INCOME: what the household bore itself of its claims dated in Y (each claim's cost less
  what medical insurance and the insurer paid: medical and accident costs, uninsured crop and livestock
  losses) is greater than its whole net income of Y - 1 (the four components summed); CRITICAL.
- MEMBER_UNINSURED: a member without basic medical insurance; WARNING.
- UNSAFE_HOUSING: housing grade C (WARNING) or D (CRITICAL, a dangerous house), unless relocated.
- CHILD_NOT_ENROLLED: a member aged 6-15 in Y neither enrolled nor exempt (dropped out, or no status); WARNING.
- PROJECT_OVERDUE: an implemented project not started (CRITICAL) or not completed (WARNING) by its deadline,
  as of the evaluation day.
- MONITORING_STEP_OVERDUE: an open monitoring episode whose county decision is not recorded within 15 days of
  its opening, as of the evaluation day (the facts list the missing steps); CRITICAL.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.time import Date

from graph.monitoring_procedure import PROCEDURE_MAX_DAYS, Step, due_date, missing_steps
from graph.stats import SCHOOL_AGE, SCHOOL_OK, IncomeLinesRecord


class AlertRule(Enum):
    INCOME_BELOW_MONITORING_LINE = "INCOME_BELOW_MONITORING_LINE"
    INCOME_NEAR_POVERTY_LINE = "INCOME_NEAR_POVERTY_LINE"
    RIGID_SPENDING_OVER_INCOME = "RIGID_SPENDING_OVER_INCOME"
    MEMBER_UNINSURED = "MEMBER_UNINSURED"
    UNSAFE_HOUSING = "UNSAFE_HOUSING"
    CHILD_NOT_ENROLLED = "CHILD_NOT_ENROLLED"
    PROJECT_OVERDUE = "PROJECT_OVERDUE"
    MONITORING_STEP_OVERDUE = "MONITORING_STEP_OVERDUE"


class Severity(Enum):
    INFO = "INFO"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


class SubjectKind(Enum):
    HOUSEHOLD = "Household"
    PROJECT = "Project"


# The rule's definition (the "1.5 times the poverty line"), not a line: the lines are data.
NEAR_POVERTY_FACTOR = Fraction(3, 2)
UNSAFE_GRADES = {"C": Severity.WARNING, "D": Severity.CRITICAL}
CENT = Decimal("0.01")

# Households by scope: every one, or those of `$ids` (deregistered households have lost the label: no match).
ALL_HOUSEHOLDS = "MATCH (h:Household)"
SOME_HOUSEHOLDS = "UNWIND $ids AS id MATCH (h:Household {id: id})"
# Each household rule keeps the households for which it holds, with its evidence (`WITH h, {...} AS evidence`);
# the rows come back in one record (the driver pays per record, not per byte). Over a few households, all the
# rules run as branches of one query and name themselves (`rule`).
_RULE_ROWS = """
MATCH (h)-[:IN]->(v:Village)-[:IN]->(t:Township)
RETURN collect({rule: rule, evidence: evidence, id: h.id, village: v.code, township: t.code}) AS rows"""

EVALUATION = """
CALL () { MATCH (i:Income) RETURN max(i.year) AS year }
OPTIONAL MATCH (line:PovertyLine {year: year})
RETURN year, line.amountFen AS povertyLineFen, line.monitoringLineFen AS monitoringLineFen"""

_INCOME = """
MATCH (h)-[:EARNED]->(income:Income {year: $year})
WITH h, income.netPerCapitaFen AS perCapitaFen"""

HOUSEHOLD_CONDITIONS: dict[str, str] = {
    "INCOME_BELOW_MONITORING_LINE": _INCOME
    + """
WHERE perCapitaFen < $monitoringLineFen
WITH h, {perCapitaFen: perCapitaFen} AS evidence""",
    # Exact: income < line * num / den, in integers.
    "INCOME_NEAR_POVERTY_LINE": _INCOME
    + """
WHERE $povertyLineFen <= perCapitaFen AND perCapitaFen * $nearDenominator < $povertyLineFen * $nearNumerator
WITH h, {perCapitaFen: perCapitaFen} AS evidence""",
    "RIGID_SPENDING_OVER_INCOME": """
MATCH (c:Claim)-[:FOR]->(h) WHERE c.date.year = $year
WITH h, count(c) AS claims, sum(CASE WHEN c.costFen - coalesce(c.paidByMedicalInsuranceFen, 0)
  - coalesce(c.paidByInsurerFen, 0) > 0 THEN c.costFen - coalesce(c.paidByMedicalInsuranceFen, 0)
  - coalesce(c.paidByInsurerFen, 0) ELSE 0 END) AS outOfPocketFen
MATCH (h)-[:EARNED]->(previous:Income {year: $year - 1})
WITH h, claims, outOfPocketFen,
     previous.wageFen + previous.operatingFen + previous.propertyFen + previous.transferFen AS previousIncomeFen
WHERE outOfPocketFen > previousIncomeFen
WITH h, {claims: claims, outOfPocketFen: outOfPocketFen, previousIncomeFen: previousIncomeFen} AS evidence""",
    "MEMBER_UNINSURED": """
WITH h, COUNT { (p:Person)-[:MEMBER_OF]->(h) WHERE NOT coalesce(p.medicalInsured, false) } AS uninsured
WHERE uninsured > 0
WITH h, {uninsured: uninsured, members: COUNT { (:Person)-[:MEMBER_OF]->(h) }} AS evidence""",
    "UNSAFE_HOUSING": """
WITH h WHERE h.housingGrade IN $unsafeGrades AND NOT coalesce(h.relocated, false)
WITH h, h {.housingGrade, .housingStructure, .housingYearBuilt} AS evidence""",
    "CHILD_NOT_ENROLLED": """
WITH h, COLLECT { MATCH (p:Person)-[:MEMBER_OF]->(h)
                  WHERE $schoolFrom <= $year - p.birthDate.year <= $schoolTo
                    AND NOT coalesce(p.schoolStatus IN $schoolOk, false)
                  RETURN coalesce(p.schoolStatus, 'UNRECORDED') } AS statuses
WHERE size(statuses) > 0
WITH h, {schoolStatus: statuses} AS evidence""",
    "MONITORING_STEP_OVERDUE": """
MATCH (h)-[:MONITORED_IN]->(e:MonitoringEpisode)
WHERE e.clearedDate IS NULL AND e.openedDate + duration({days: $procedureDays}) < $today
  AND any(step IN $steps WHERE e[step] IS NULL)
WITH h, e ORDER BY e.id
WITH h, {episode: head(collect(e {.*}))} AS evidence""",
}

ALL_PROJECTS = "MATCH (p:Project {stage: 'IMPLEMENTED'})"
SOME_PROJECTS = "UNWIND $codes AS code MATCH (p:Project {code: code, stage: 'IMPLEMENTED'})"
PROJECT_OVERDUE_ROWS = """
WITH p WHERE p.deadline < $today AND NOT (coalesce(p.started, false) AND coalesce(p.completed, false))
RETURN collect(p {.code, .deadline, started: coalesce(p.started, false), completed: coalesce(p.completed, false),
  village: head(COLLECT { MATCH (p)-[:LOCATED_IN]->(x:Village) RETURN x.code }),
  township: head(COLLECT { MATCH (p)-[:LOCATED_IN]->(:Village)-[:IN]->(y:Township) RETURN y.code
                           UNION MATCH (p)-[:LOCATED_IN]->(y:Township) RETURN y.code })}) AS rows"""


@dataclass(frozen=True)
class Triggered:
    """A rule that holds for a subject, with what made it hold."""

    rule: AlertRule
    severity: Severity
    subject_kind: SubjectKind
    subject: str
    village: str | None
    township: str | None
    facts: dict[str, Any]

    @property
    def key(self) -> str:
        """At most one unresolved alert per rule and subject has this key."""
        return f"{self.subject}:{self.rule.value}"


@dataclass(frozen=True)
class Evaluation:
    """What every rule compares with: the data year, its lines (None when not stored) and the day."""

    year: int
    lines: IncomeLinesRecord | None
    today: datetime.date


Evidence = dict[str, Any]
Finding = tuple[Severity, dict[str, Any]]
# Severity and facts of a subject the rule's condition kept (the condition itself is in its Cypher).
Describe = Callable[[Evidence, Evaluation], Finding]


def _money(fen: int | Fraction) -> str:
    exact = Fraction(fen) / 100
    return str((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(CENT))


def _lines(e: Evaluation) -> IncomeLinesRecord:
    assert e.lines is not None, "income rules run only when the year's lines are stored"
    return e.lines


def income_below_monitoring_line(h: Evidence, e: Evaluation) -> Finding:
    lines = _lines(e)
    severity = Severity.CRITICAL if h["perCapitaFen"] < lines.poverty_line_fen else Severity.WARNING
    return severity, {
        "year": e.year,
        "incomePerCapita": _money(h["perCapitaFen"]),
        "monitoringLine": _money(lines.monitoring_line_fen),
        "povertyLine": _money(lines.poverty_line_fen),
    }


def income_near_poverty_line(h: Evidence, e: Evaluation) -> Finding:
    lines = _lines(e)
    return Severity.INFO, {
        "year": e.year,
        "incomePerCapita": _money(h["perCapitaFen"]),
        "povertyLine": _money(lines.poverty_line_fen),
        "upperBound": _money(lines.poverty_line_fen * NEAR_POVERTY_FACTOR),
    }


def rigid_spending_over_income(h: Evidence, e: Evaluation) -> Finding:
    return Severity.CRITICAL, {
        "year": e.year,
        "outOfPocket": _money(h["outOfPocketFen"]),
        "claims": h["claims"],
        "previousYear": e.year - 1,
        "previousYearIncome": _money(h["previousIncomeFen"]),
    }


def member_uninsured(h: Evidence, e: Evaluation) -> Finding:
    return Severity.WARNING, {"uninsuredMembers": h["uninsured"], "members": h["members"]}


def unsafe_housing(h: Evidence, e: Evaluation) -> Finding:
    return UNSAFE_GRADES[h["housingGrade"]], {
        "housingGrade": h["housingGrade"],
        "housingStructure": h.get("housingStructure"),
        "housingYearBuilt": h.get("housingYearBuilt"),
    }


def child_not_enrolled(h: Evidence, e: Evaluation) -> Finding:
    statuses = sorted(h["schoolStatus"])
    return Severity.WARNING, {"year": e.year, "children": len(statuses), "schoolStatus": statuses}


def monitoring_step_overdue(h: Evidence, e: Evaluation) -> Finding:
    episode = h["episode"]
    opened = _date(episode["openedDate"])
    return Severity.CRITICAL, {
        "episode": episode["id"],
        "openedDate": opened.isoformat(),
        "dueDate": due_date(opened).isoformat(),
        "missingSteps": [step.name for step in missing_steps(episode)],
    }


def project_overdue(p: Evidence, e: Evaluation) -> Finding:
    severity = Severity.WARNING if p["started"] else Severity.CRITICAL
    return severity, {
        "deadline": _date(p["deadline"]).isoformat(),
        "started": p["started"],
        "completed": p["completed"],
    }


HOUSEHOLD_RULES: dict[AlertRule, Describe] = {
    AlertRule.INCOME_BELOW_MONITORING_LINE: income_below_monitoring_line,
    AlertRule.INCOME_NEAR_POVERTY_LINE: income_near_poverty_line,
    AlertRule.RIGID_SPENDING_OVER_INCOME: rigid_spending_over_income,
    AlertRule.MEMBER_UNINSURED: member_uninsured,
    AlertRule.UNSAFE_HOUSING: unsafe_housing,
    AlertRule.CHILD_NOT_ENROLLED: child_not_enrolled,
    AlertRule.MONITORING_STEP_OVERDUE: monitoring_step_overdue,
}
INCOME_RULES = {AlertRule.INCOME_BELOW_MONITORING_LINE, AlertRule.INCOME_NEAR_POVERTY_LINE}


async def evaluation_of(tx: AsyncManagedTransaction, today: datetime.date) -> Evaluation | None:
    """The year, lines and day the rules use; None while the graph holds no income data."""
    record = await (await tx.run(EVALUATION)).single(strict=True)
    if record["year"] is None:
        return None
    lines = None
    if record["povertyLineFen"] is not None and record["monitoringLineFen"] is not None:
        lines = IncomeLinesRecord(record["year"], record["povertyLineFen"], record["monitoringLineFen"])
    return Evaluation(record["year"], lines, today)


async def evaluate(
    tx: AsyncManagedTransaction,
    evaluation: Evaluation,
    household_ids: Sequence[str] | None = None,
    project_codes: Sequence[str] | None = None,
) -> list[Triggered]:
    """Every rule that holds: over the county when no households are given (one query per rule, each from
    its own starting point), else over those households (one query for all the rules) and those projects."""
    params = _params(evaluation, household_ids, project_codes)
    rules = [rule for rule in HOUSEHOLD_RULES if evaluation.lines is not None or rule not in INCOME_RULES]
    # Rule names are the enumeration's fixed values, never input.
    named = {rule: HOUSEHOLD_CONDITIONS[rule.value] + f"\nWITH h, evidence, '{rule.value}' AS rule" for rule in rules}
    if household_ids is None:
        queries = [ALL_HOUSEHOLDS + named[rule] + _RULE_ROWS for rule in rules]
    else:
        branches = "\n  UNION ALL\n".join(named[rule] + "\nRETURN rule, evidence" for rule in rules)
        queries = [SOME_HOUSEHOLDS + "\nCALL (h) {" + branches + "\n}" + _RULE_ROWS]
    found: list[Triggered] = []
    for query in queries:
        record = await (await tx.run(query, params)).single(strict=True)
        for h in record["rows"]:
            which = AlertRule(h["rule"])
            severity, facts = HOUSEHOLD_RULES[which](h["evidence"], evaluation)
            found.append(Triggered(which, severity, SubjectKind.HOUSEHOLD, h["id"], h["village"], h["township"], facts))
    prefix = ALL_PROJECTS if household_ids is None else SOME_PROJECTS
    record = await (await tx.run(prefix + PROJECT_OVERDUE_ROWS, params)).single(strict=True)
    for p in record["rows"]:
        severity, facts = project_overdue(p, evaluation)
        found.append(
            Triggered(
                AlertRule.PROJECT_OVERDUE, severity, SubjectKind.PROJECT, p["code"], p["village"], p["township"], facts
            )
        )
    return found


def _params(
    evaluation: Evaluation, household_ids: Sequence[str] | None, project_codes: Sequence[str] | None
) -> dict[str, Any]:
    lines = evaluation.lines
    return {
        "year": evaluation.year,
        "today": evaluation.today,
        "ids": list(household_ids or []),
        "codes": list(project_codes or []),
        "povertyLineFen": lines.poverty_line_fen if lines else None,
        "monitoringLineFen": lines.monitoring_line_fen if lines else None,
        "nearNumerator": NEAR_POVERTY_FACTOR.numerator,
        "nearDenominator": NEAR_POVERTY_FACTOR.denominator,
        "unsafeGrades": sorted(UNSAFE_GRADES),
        "schoolFrom": SCHOOL_AGE[0],
        "schoolTo": SCHOOL_AGE[1],
        "schoolOk": SCHOOL_OK,
        "procedureDays": PROCEDURE_MAX_DAYS,
        "steps": [step.value for step in Step],
    }


def _date(value: Date | datetime.date) -> datetime.date:
    return value.to_native() if isinstance(value, Date) else value
