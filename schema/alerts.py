"""Early warnings: alerts with their subject, facts and history; the paged list; acknowledge and resolve."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from graph import alert_rules as g_rules
from graph import alerts as g_alerts
from graph.alerts import AlertRecord
from schema.context import Info
from schema.households import Household
from schema.pagination import PageArgs, PageInfo, encode_cursor, page_info, page_request
from schema.projects import Project, load_project
from schema.writes import write, writer


@strawberry.enum(description="What an early-warning rule checks (definitions in graph/alert_rules.py).")
class AlertRule(Enum):
    INCOME_BELOW_MONITORING_LINE = "INCOME_BELOW_MONITORING_LINE"
    INCOME_NEAR_POVERTY_LINE = strawberry.enum_value(
        "INCOME_NEAR_POVERTY_LINE", description="Per-capita income at or above the poverty line but below 1.5 times it."
    )
    RIGID_SPENDING_OVER_INCOME = strawberry.enum_value(
        "RIGID_SPENDING_OVER_INCOME",
        description="What the household bore of its claims this year is more than its net income of last year.",
    )
    MEMBER_UNINSURED = "MEMBER_UNINSURED"
    UNSAFE_HOUSING = "UNSAFE_HOUSING"
    CHILD_NOT_ENROLLED = "CHILD_NOT_ENROLLED"
    PROJECT_OVERDUE = "PROJECT_OVERDUE"
    MONITORING_STEP_OVERDUE = strawberry.enum_value(
        "MONITORING_STEP_OVERDUE", description="A monitoring episode without a county decision 15 days after opening."
    )


@strawberry.enum
class AlertSeverity(Enum):
    INFO = "INFO"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


@strawberry.enum
class AlertState(Enum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


ALERT_ORDER = "RAISED_DESC"

AlertSubject = Annotated[Household | Project, strawberry.union("AlertSubject", description="What an alert is about.")]


@strawberry.type(description="A step in an alert's history: who moved it to which state, when, and why.")
class AlertEvent:
    state: AlertState
    at: datetime.datetime
    note: str | None
    by: str = strawberry.field(description="The caller's subject, or the early-warning rules themselves.")


@strawberry.type(description="A rule that holds (or held) for a household or a project.")
class Alert:
    id: strawberry.ID
    rule: AlertRule
    severity: AlertSeverity
    state: AlertState
    facts: JSON = strawberry.field(
        description="The facts that triggered it, by name (for example the income and the line it fell below)."
    )
    raised_at: datetime.datetime
    history: list[AlertEvent] = strawberry.field(description="Every change of state, oldest first.")
    subject_kind: strawberry.Private[g_rules.SubjectKind]
    subject_key: strawberry.Private[str]

    @strawberry.field
    async def subject(self, info: Info) -> AlertSubject:
        if self.subject_kind is g_rules.SubjectKind.PROJECT:
            project = await load_project(info, self.subject_key)
            assert project is not None, "listed alerts are about projects that exist"
            return project
        record = await info.context.loaders.households.load(self.subject_key)
        assert record is not None, "listed alerts are about registered households"
        return Household.from_record(record)

    @classmethod
    def from_record(cls, record: AlertRecord) -> Alert:
        return cls(
            id=strawberry.ID(record.id),
            rule=AlertRule(record.rule.value),
            severity=AlertSeverity(record.severity.value),
            state=AlertState(record.state.value),
            facts=JSON(record.facts),
            raised_at=record.raised_at,
            history=[
                AlertEvent(state=AlertState(e.state.value), at=e.at, note=e.note, by=e.by) for e in record.history
            ],
            subject_kind=record.subject_kind,
            subject_key=record.subject,
        )


@strawberry.input(description="Conditions that all must hold.")
class AlertFilter:
    rule: AlertRule | None = None
    state: AlertState | None = None
    severity: AlertSeverity | None = None
    township_code: strawberry.ID | None = strawberry.field(
        default=None, description="Alerts about households or projects of this township."
    )
    village_code: strawberry.ID | None = None

    def to_spec(self) -> g_alerts.AlertFilter:
        return g_alerts.AlertFilter(
            rule=g_rules.AlertRule(self.rule.value) if self.rule else None,
            state=g_alerts.AlertState(self.state.value) if self.state else None,
            severity=g_rules.Severity(self.severity.value) if self.severity else None,
            township_code=self.township_code,
            village_code=self.village_code,
        )


@strawberry.type
class AlertEdge:
    cursor: str
    node: Alert


@strawberry.type(description="Alerts, newest first.")
class AlertConnection:
    edges: list[AlertEdge]
    page_info: PageInfo
    spec: strawberry.Private[g_alerts.AlertFilter]

    @strawberry.field(description="How many alerts match, over all pages (computed only when selected).")
    async def total_count(self, info: Info) -> int:
        return await info.context.graph.read(g_alerts.count_alerts, self.spec)

    @classmethod
    async def load(cls, info: Info, alert_filter: AlertFilter | None, args: PageArgs) -> AlertConnection:
        request = page_request(ALERT_ORDER, args)
        spec = alert_filter.to_spec() if alert_filter else g_alerts.AlertFilter()
        page = await info.context.graph.read(g_alerts.page_alerts, spec, request)
        return cls(
            edges=[
                AlertEdge(cursor=encode_cursor(ALERT_ORDER, row.sort_key), node=Alert.from_record(row.record))
                for row in page.rows
            ],
            page_info=page_info(ALERT_ORDER, page),
            spec=spec,
        )


async def household_alerts(info: Info, household_id: str, state: AlertState | None) -> list[Alert]:
    records = await info.context.loaders.alerts.by_household.load((household_id, state.value if state else None))
    return [Alert.from_record(r) for r in records]


@strawberry.type
class AlertMutations:
    @strawberry.mutation(
        description="Acknowledges an alert (it stays acknowledged while its rule holds); a resolved alert cannot "
        "be. ADMIN anywhere, a cadre within the alert's village or township."
    )
    async def acknowledge_alert(self, info: Info, id: strawberry.ID, note: str | None = None) -> Alert:
        record = await write(info, "", g_alerts.acknowledge, str(id), writer(info), note)
        return Alert.from_record(record)

    @strawberry.mutation(
        description="Resolves an alert; the same facts do not raise it again, new ones do. ADMIN anywhere, a cadre "
        "within the alert's village or township."
    )
    async def resolve_alert(self, info: Info, id: strawberry.ID, note: str | None = None) -> Alert:
        record = await write(info, "", g_alerts.resolve, str(id), writer(info), note)
        return Alert.from_record(record)
