"""Households and their members, measures, helpers; the household filter, order and connection."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.access import View
from graph.households import (
    CadreRecord,
    HouseholdRecord,
    HouseholdScope,
    IncomeRecord,
    MeasureRecord,
    PersonRecord,
)
from graph.households import HouseholdFilter as HouseholdFilterSpec
from graph.households import HouseholdOrder as HouseholdOrderSpec
from graph.paging import PageRequest
from graph.policies import ClaimScope
from graph.qr import QrTargetKind
from schema.context import Info
from schema.enums import HouseholdOrder, HouseholdStatus
from schema.filters import check_nesting, fen_bound
from schema.node import Node
from schema.pagination import PageArgs, PageInfo, encode_cursor, page_info, page_request

if TYPE_CHECKING:
    from schema.alerts import Alert, AlertState
    from schema.exit import ExitIndicators
    from schema.history import ChangeConnection
    from schema.industries import DriveLink, Industry
    from schema.monitoring import MonitoringEpisode
    from schema.places import Village
    from schema.policies import Claim, ClaimConnection, Policy
    from schema.qr import QrCode
    from schema.tracing import HelperPeriod, HouseholdTrace, PolicyCoverage, ProjectBenefit


@strawberry.type
class Person:
    name: str
    relation: str
    birth_date: datetime.date | None
    health: str | None
    sex: str | None
    education: str | None
    labor_ability: str | None
    school_status: str | None
    id_number: str | None = strawberry.field(description="Shown only to roles that may see personal data.")
    view: strawberry.Private[View] = View.FULL

    @classmethod
    def from_record(cls, record: PersonRecord) -> Person:
        return cls(
            id_number=record.id_number,
            name=record.name,
            relation=record.relation,
            birth_date=record.birth_date,
            health=record.health,
            sex=record.sex,
            education=record.education,
            labor_ability=record.labor_ability,
            school_status=record.school_status,
            view=record.view,
        )


@strawberry.type
class Measure:
    kind: str
    sub_kind: str | None
    year: int
    amount: Decimal | None
    description: str
    view: strawberry.Private[View] = View.FULL

    @classmethod
    def from_record(cls, record: MeasureRecord) -> Measure:
        return cls(
            kind=record.kind,
            sub_kind=record.sub_kind,
            year=record.year,
            amount=record.amount,
            description=record.description,
            view=record.view,
        )


MEASURE_ORDER = "YEAR_DESC"


@strawberry.type
class MeasureEdge:
    cursor: str
    node: Measure


@strawberry.type
class MeasureConnection:
    """The page is read only when `edges` or `pageInfo` is selected, the count only for `totalCount`."""

    page_key: strawberry.Private[tuple[str, str, PageRequest]]

    @strawberry.field
    async def edges(self, info: Info) -> list[MeasureEdge]:
        page = await info.context.loaders.measure_pages.load(self.page_key)
        return [
            MeasureEdge(cursor=encode_cursor(MEASURE_ORDER, row.sort_key), node=Measure.from_record(row.record))
            for row in page.rows
        ]

    @strawberry.field
    async def page_info(self, info: Info) -> PageInfo:
        return page_info(MEASURE_ORDER, await info.context.loaders.measure_pages.load(self.page_key))

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        return await info.context.loaders.measure_counts.load(self.page_key[1])


@strawberry.type(description="A household's net income of one year (yuan), by component.")
class Income:
    year: int
    wage: Decimal
    operating: Decimal
    property: Decimal
    transfer: Decimal
    total: Decimal
    per_capita: Decimal

    @classmethod
    def from_record(cls, record: IncomeRecord) -> Income:
        return cls(
            year=record.year,
            wage=record.wage,
            operating=record.operating,
            property=record.property_income,
            transfer=record.transfer,
            total=record.total,
            per_capita=record.net_per_capita,
        )


@strawberry.type
class Cadre(Node):
    name: str
    role: str
    unit: str | None
    level: str | None
    view: strawberry.Private[View] = View.FULL

    @classmethod
    def from_record(cls, record: CadreRecord) -> Cadre:
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            role=record.role,
            unit=record.unit,
            level=record.level,
            view=record.view,
        )


@strawberry.type
class Household(Node):
    head_name: str
    size: int
    registered_poor: bool
    status: HouseholdStatus
    development_plan: str | None = strawberry.field(
        description="Its development plan (发展规划), as recorded by its helping cadre."
    )
    identified_year: int | None
    exit_year: int | None
    primary_cause: str | None
    other_causes: list[str]
    village_code: strawberry.Private[str]
    # How the caller sees this household (graph/access.py); its fields and lists come masked accordingly.
    view: strawberry.Private[View] = View.FULL

    @strawberry.field
    async def village(self, info: Info) -> Annotated[Village, strawberry.lazy("schema.places")]:
        from schema.places import load_village

        village = await load_village(info, self.village_code)
        assert village is not None, "every household is in a village"
        return village

    @strawberry.field
    async def members(self, info: Info) -> list[Person]:
        return [Person.from_record(r) for r in await info.context.loaders.members.load(self.id)]

    @strawberry.field
    async def industries(self, info: Info) -> list[Annotated[Industry, strawberry.lazy("schema.industries")]]:
        from schema.industries import load_industries

        return await load_industries(info, await info.context.loaders.industry_codes_by_household.load(self.id))

    @strawberry.field(description="Enterprises that drive this household, with how and how much.")
    async def driven_by(self, info: Info) -> list[Annotated[DriveLink, strawberry.lazy("schema.industries")]]:
        from schema.industries import DriveLink

        return [DriveLink.from_record(r) for r in await info.context.loaders.drive_links.load(self.id)]

    @strawberry.field
    async def policies(self, info: Info) -> list[Annotated[Policy, strawberry.lazy("schema.policies")]]:
        from schema.policies import load_policies

        return await load_policies(info, await info.context.loaders.policy_codes_by_household.load(self.id))

    @strawberry.field
    async def claims(self, info: Info) -> list[Annotated[Claim, strawberry.lazy("schema.policies")]]:
        from schema.policies import Claim

        return [Claim.from_record(r) for r in await info.context.loaders.claims.load(self.id)]

    @strawberry.field(description="Its claims as a connection, newest first.")
    async def claims_connection(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> Annotated[ClaimConnection, strawberry.lazy("schema.policies")]:
        from schema.policies import ClaimConnection

        return ClaimConnection.create(ClaimScope.HOUSEHOLD, self.id, PageArgs(first, after, last, before), self.view)

    @strawberry.field(description="Assistance measures the household received (帮扶措施), newest first.")
    async def measures(self, info: Info) -> list[Measure]:
        return [Measure.from_record(r) for r in await info.context.loaders.measures.load(self.id)]

    @strawberry.field(description="Its measures as a connection, newest first.")
    async def measures_connection(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> MeasureConnection:
        request = page_request(MEASURE_ORDER, PageArgs(first, after, last, before))
        return MeasureConnection(page_key=("household", self.id, request))

    @strawberry.field(description="Net income by year, newest first.")
    async def incomes(self, info: Info) -> list[Income]:
        return [Income.from_record(r) for r in await info.context.loaders.incomes.load(self.id)]

    @strawberry.field(description="Per-capita net income of a year (default: the latest year with data).")
    async def income_per_capita(self, info: Info, year: int | None = strawberry.UNSET) -> Decimal | None:
        incomes = await info.context.loaders.incomes.load(self.id)
        chosen = [i for i in incomes if not year or i.year == year]
        return chosen[0].net_per_capita if chosen else None

    @strawberry.field(description="Its exit indicators in a year (default: the latest year with data).")
    async def exit_indicators(
        self, info: Info, year: int | None = None
    ) -> Annotated[ExitIndicators, strawberry.lazy("schema.exit")]:
        from schema.exit import ExitIndicators

        return await ExitIndicators.load(info, self.id, year)

    @strawberry.field(description="The cadres who help it now (帮扶责任人).")
    async def helpers(self, info: Info) -> list[Cadre]:
        return [Cadre.from_record(r) for r in await info.context.loaders.helpers.load(self.id)]

    @strawberry.field(description="Its cadres, current and past pairings with since and until, newest first.")
    async def helpers_history(self, info: Info) -> list[Annotated[HelperPeriod, strawberry.lazy("schema.tracing")]]:
        from schema.tracing import helper_history

        return await helper_history(info, self.id)

    @strawberry.field(description="Policies covering it, by year (newest first), with the household's premium.")
    async def coverage(self, info: Info) -> list[Annotated[PolicyCoverage, strawberry.lazy("schema.tracing")]]:
        from schema.tracing import policy_coverage

        return await policy_coverage(info, self.id)

    @strawberry.field(description="Projects that benefit the household, with the share of each fund attributed to it.")
    async def projects(self, info: Info) -> list[Annotated[ProjectBenefit, strawberry.lazy("schema.tracing")]]:
        from schema.tracing import project_benefits

        return await project_benefits(info, self.id)

    @strawberry.field(description="Everything that reached it: enterprises, projects and fund shares, policies, ...")
    def trace(self) -> Annotated[HouseholdTrace, strawberry.lazy("schema.tracing")]:
        from schema.tracing import HouseholdTrace

        return HouseholdTrace(household_id=self.id, view=self.view)

    @strawberry.field(
        description="Every change to this household and its members, newest first: each mutation records one. "
        "ADMIN and cadres in scope only."
    )
    async def history(
        self, info: Info, first: int | None = 20, after: str | None = strawberry.UNSET
    ) -> Annotated[ChangeConnection, strawberry.lazy("schema.history")]:
        from schema.history import history_connection

        return await history_connection(info, self.id, self.village_code, PageArgs(first, after))

    @strawberry.field(description="Its early-warning alerts (in one state, or all), newest first.")
    async def alerts(
        self, info: Info, state: Annotated[AlertState, strawberry.lazy("schema.alerts")] | None = None
    ) -> list[Annotated[Alert, strawberry.lazy("schema.alerts")]]:
        from schema.alerts import household_alerts

        return await household_alerts(info, self.id, state)

    @strawberry.field(description="Its relapse-monitoring episodes (防返贫), newest first.")
    async def monitoring_episodes(
        self, info: Info
    ) -> list[Annotated[MonitoringEpisode, strawberry.lazy("schema.monitoring")]]:
        from schema.monitoring import household_episodes

        return await household_episodes(info, self.id)

    @strawberry.field
    async def qr(self, info: Info) -> Annotated[QrCode, strawberry.lazy("schema.qr")]:
        from schema.qr import QrCode

        return await QrCode.load(info, QrTargetKind.HOUSEHOLD, self.id)

    @classmethod
    def from_record(cls, record: HouseholdRecord) -> Household:
        return cls(
            id=strawberry.ID(record.id),
            head_name=record.head_name,
            size=record.size,
            registered_poor=record.registered_poor,
            status=HouseholdStatus(record.status),
            development_plan=record.development_plan,
            identified_year=record.identified_year,
            exit_year=record.exit_year,
            primary_cause=record.primary_cause,
            other_causes=list(record.other_causes),
            village_code=record.village_code,
            view=record.view,
        )


@strawberry.input(description="Conditions that all must hold; AND / OR / NOT combine nested filters.")
class HouseholdFilter:
    registered_poor: bool | None = None
    status: HouseholdStatus | None = None
    status_in: list[HouseholdStatus] | None = None
    township_code: strawberry.ID | None = None
    village_code: strawberry.ID | None = None
    industry_code: strawberry.ID | None = strawberry.field(
        default=None, description="Driven by this industry, directly or through its enterprises."
    )
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description="Driven by this enterprise.")
    driven_by_enterprise: bool | None = strawberry.field(
        default=None, description="Driven by at least one enterprise (true) or by none (false)."
    )
    has_claims: bool | None = None
    head_name_contains: str | None = None
    income_per_capita_min: Decimal | None = strawberry.field(
        default=None, description="Per-capita net income of the latest year, at least this (yuan)."
    )
    income_per_capita_max: Decimal | None = None
    exit_year_min: int | None = None
    exit_year_max: int | None = None
    size_min: int | None = None
    size_max: int | None = None
    and_: list[HouseholdFilter] | None = strawberry.field(default=None, name="AND")
    or_: list[HouseholdFilter] | None = strawberry.field(default=None, name="OR")
    not_: HouseholdFilter | None = strawberry.field(default=None, name="NOT")

    def to_spec(self, depth: int = 1) -> HouseholdFilterSpec:
        check_nesting(depth)
        return HouseholdFilterSpec(
            registered_poor=self.registered_poor,
            status=self.status.value if self.status else None,
            status_in=tuple(s.value for s in self.status_in) if self.status_in is not None else None,
            township_code=self.township_code,
            village_code=self.village_code,
            industry_code=self.industry_code,
            enterprise_id=self.enterprise_id,
            driven_by_enterprise=self.driven_by_enterprise,
            has_claims=self.has_claims,
            head_name_contains=self.head_name_contains,
            income_per_capita_min_fen=fen_bound(self.income_per_capita_min),
            income_per_capita_max_fen=fen_bound(self.income_per_capita_max),
            exit_year_min=self.exit_year_min,
            exit_year_max=self.exit_year_max,
            size_min=self.size_min,
            size_max=self.size_max,
            all_of=tuple(f.to_spec(depth + 1) for f in self.and_ or ()),
            any_of=tuple(f.to_spec(depth + 1) for f in self.or_ or ()),
            none_of=self.not_.to_spec(depth + 1) if self.not_ else None,
        )


@strawberry.type
class HouseholdEdge:
    cursor: str
    node: Household


PageKey = tuple[HouseholdScope, str, HouseholdFilterSpec, HouseholdOrderSpec, PageRequest]


@strawberry.type
class HouseholdConnection:
    """The page is read only when `edges` or `pageInfo` is selected, the count only for `totalCount`."""

    page_key: strawberry.Private[PageKey]

    @strawberry.field
    async def edges(self, info: Info) -> list[HouseholdEdge]:
        page = await info.context.loaders.household_pages.load(self.page_key)
        order = self.page_key[3].value
        return [
            HouseholdEdge(cursor=encode_cursor(order, row.sort_key), node=Household.from_record(row.record))
            for row in page.rows
        ]

    @strawberry.field
    async def page_info(self, info: Info) -> PageInfo:
        return page_info(self.page_key[3].value, await info.context.loaders.household_pages.load(self.page_key))

    @strawberry.field(description="How many households match, over all pages (computed only when selected).")
    async def total_count(self, info: Info) -> int:
        scope, scope_key, spec = self.page_key[:3]
        return await info.context.loaders.household_counts.load((scope, scope_key, spec))

    @classmethod
    async def load(
        cls,
        info: Info,
        scope: HouseholdScope,
        scope_key: str,
        household_filter: HouseholdFilter | None,
        order: HouseholdOrderSpec,
        args: PageArgs,
    ) -> HouseholdConnection:
        request = page_request(order.value, args)
        spec = household_filter.to_spec() if household_filter else HouseholdFilterSpec()
        return cls(page_key=(scope, scope_key, spec, order, request))


def order_spec(order: HouseholdOrder | None) -> HouseholdOrderSpec:
    return HouseholdOrderSpec(order.value) if order else HouseholdOrderSpec.ID


async def load_household(info: Info, household_id: str) -> Household | None:
    record = await info.context.loaders.households.load(household_id)
    return Household.from_record(record) if record else None


async def load_cadre(info: Info, cadre_id: str) -> Cadre | None:
    record = await info.context.loaders.cadres.load(cadre_id)
    return Cadre.from_record(record) if record else None
