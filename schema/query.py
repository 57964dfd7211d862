"""The root Query: entry points only; every nested field lives on its type."""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable

import strawberry

from graph.households import HouseholdScope
from graph.industries import coverage_of_industry_sets, list_enterprises, list_industries
from graph.places import get_county
from graph.policies import list_policies
from graph.projects import ProjectScope, get_pipeline
from graph.tracing import list_fund_flows
from schema.alerts import AlertConnection, AlertFilter
from schema.audit import AuditEventConnection, VillageDayScans, audited_scan, household_audit, scans_by_day
from schema.context import Info
from schema.enums import EnterpriseOrder, HouseholdOrder, ProjectOrder, VillageOrder
from schema.errors import BadUserInput
from schema.exit import IncomeLines, load_income_lines
from schema.households import Household, HouseholdConnection, HouseholdFilter, load_cadre, load_household, order_spec
from schema.industries import (
    Coverage,
    Enterprise,
    EnterpriseConnection,
    EnterpriseFilter,
    Industry,
    load_enterprise,
    load_industry,
)
from schema.node import Node, NodeKind, parse_global_id
from schema.pagination import PageArgs
from schema.places import (
    County,
    Township,
    Village,
    VillageConnection,
    VillageFilter,
    list_townships,
    load_township,
    load_village,
)
from schema.policies import Policy, load_claim, load_policy
from schema.projects import (
    Project,
    ProjectConnection,
    ProjectFilter,
    ProjectPipeline,
    load_project,
    project_order_spec,
)
from schema.qr import ScanTarget, scan
from schema.registry import household_by_id_number
from schema.search import SearchHit, search
from schema.stats import PlaceLevel, RollupConnection, StatsOrder, rollup
from schema.tracing import FundFlow, MultiplyDrivenConnection
from schema.viewer import Me, me

COUNTY_SCOPE = "county"

_NODE_LOADERS: dict[NodeKind, Callable[[Info, str], Awaitable[Node | None]]] = {
    NodeKind.TOWNSHIP: load_township,
    NodeKind.VILLAGE: load_village,
    NodeKind.HOUSEHOLD: load_household,
    NodeKind.ENTERPRISE: load_enterprise,
    NodeKind.CLAIM: load_claim,
    NodeKind.CADRE: load_cadre,
    NodeKind.INDUSTRY: load_industry,
    NodeKind.PROJECT: load_project,
    NodeKind.POLICY: load_policy,
}


@strawberry.type
class Query:
    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        parsed = parse_global_id(id)
        if parsed is None:
            return None
        kind, key = parsed
        node: Node | None = await _NODE_LOADERS[kind](info, key)
        return node

    @strawberry.field
    async def county(self, info: Info) -> County:
        record = await info.context.graph.read(get_county)
        if record is None:
            raise LookupError("the database holds no county: seed it or import one")
        return County.from_record(record)

    @strawberry.field
    async def townships(self, info: Info) -> list[Township]:
        return await list_townships(info)

    @strawberry.field
    async def township(self, info: Info, code: strawberry.ID) -> Township | None:
        return await load_township(info, code)

    @strawberry.field
    async def village(self, info: Info, code: strawberry.ID) -> Village | None:
        return await load_village(info, code)

    @strawberry.field(description="The county's villages, filtered and sorted (by code unless asked).")
    async def villages(
        self,
        info: Info,
        filter: VillageFilter | None = strawberry.UNSET,
        order_by: VillageOrder | None = strawberry.UNSET,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> VillageConnection:
        return await VillageConnection.load(info, filter, order_by, PageArgs(first, after, last, before))

    @strawberry.field
    async def household(self, info: Info, id: strawberry.ID) -> Household | None:
        return await load_household(info, id)

    @strawberry.field(
        description="The household one of whose members holds this ID number (either case of a final X). "
        "ADMIN and cadres in scope only."
    )
    async def household_by_id_number(self, info: Info, id_number: str) -> Household | None:
        return await household_by_id_number(info, id_number)

    @strawberry.field
    async def households(
        self,
        info: Info,
        filter: HouseholdFilter | None = strawberry.UNSET,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        order_by: HouseholdOrder | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> HouseholdConnection:
        args = PageArgs(first, after, last, before)
        return await HouseholdConnection.load(
            info, HouseholdScope.COUNTY, COUNTY_SCOPE, filter, order_spec(order_by), args
        )

    @strawberry.field
    async def industries(self, info: Info) -> list[Industry]:
        return [Industry.from_record(r) for r in await info.context.graph.read(list_industries)]

    @strawberry.field
    async def industry(self, info: Info, code: strawberry.ID) -> Industry | None:
        return await load_industry(info, code)

    @strawberry.field
    async def enterprises(self, info: Info) -> list[Enterprise]:
        return [Enterprise.from_record(r) for r in await info.context.graph.read(list_enterprises)]

    @strawberry.field(description="Enterprises as a connection, filtered and sorted (e.g. by reach).")
    async def enterprises_connection(
        self,
        info: Info,
        filter: EnterpriseFilter | None = strawberry.UNSET,
        order_by: EnterpriseOrder | None = strawberry.UNSET,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> EnterpriseConnection:
        return await EnterpriseConnection.load(info, filter, order_by, PageArgs(first, after, last, before))

    @strawberry.field
    async def enterprise(self, info: Info, id: strawberry.ID) -> Enterprise | None:
        return await load_enterprise(info, id)

    @strawberry.field
    async def projects(
        self,
        info: Info,
        filter: ProjectFilter | None = strawberry.UNSET,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        order_by: ProjectOrder | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> ProjectConnection:
        spec = filter.to_spec() if filter else ProjectFilter().to_spec()
        args = PageArgs(first, after, last, before)
        return await ProjectConnection.load(
            info, ProjectScope.COUNTY, COUNTY_SCOPE, spec, project_order_spec(order_by), args
        )

    @strawberry.field
    async def project(self, info: Info, code: strawberry.ID) -> Project | None:
        return await load_project(info, code)

    @strawberry.field
    async def project_pipeline(self, info: Info, year: int) -> ProjectPipeline:
        return ProjectPipeline.from_record(await info.context.graph.read(get_pipeline, year))

    @strawberry.field
    async def policies(self, info: Info) -> list[Policy]:
        return [Policy.from_record(r) for r in await info.context.graph.read(list_policies)]

    @strawberry.field
    async def policy(self, info: Info, code: strawberry.ID) -> Policy | None:
        return await load_policy(info, code)

    @strawberry.field(
        description="Which households a set of industries drives, each household counted once (the article's 87%)."
    )
    async def coverage(self, info: Info, industry_codes: list[strawberry.ID]) -> Coverage:
        if not industry_codes:
            raise BadUserInput("`industryCodes` must name at least one industry", argument="industryCodes")
        codes = sorted({str(code) for code in industry_codes})
        known = await info.context.loaders.industries.load_many(codes)
        unknown = [code for code, record in zip(codes, known, strict=True) if record is None]
        if unknown:
            raise BadUserInput(f"unknown industry code(s): {', '.join(unknown)}", argument="industryCodes")
        [record] = await info.context.graph.read(coverage_of_industry_sets, [codes])
        return Coverage.from_record(record)

    @strawberry.field(
        description="Households driven by several enterprises, each once with all its links; optionally only those "
        "with a link from one of the given industries' enterprises or from one of the given enterprises."
    )
    async def multiply_driven_households(
        self,
        info: Info,
        industry_codes: list[strawberry.ID] | None = strawberry.UNSET,
        enterprise_ids: list[strawberry.ID] | None = strawberry.UNSET,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> MultiplyDrivenConnection:
        codes = sorted({str(c) for c in industry_codes}) if industry_codes else None
        ids = sorted({str(e) for e in enterprise_ids}) if enterprise_ids else None
        return await MultiplyDrivenConnection.load(info, codes, ids, PageArgs(first, after, last, before))

    @strawberry.field(
        description="Funds (optionally of a year and a source): each one's allocations to projects and how each "
        "splits over the project's beneficiaries (the per-household shares are on `Project.beneficiaryShares`)."
    )
    async def fund_flow(
        self, info: Info, year: int | None = strawberry.UNSET, source: str | None = strawberry.UNSET
    ) -> list[FundFlow]:
        chosen_year = year if isinstance(year, int) else None
        chosen_source = source if isinstance(source, str) else None
        records = await info.context.graph.read(list_fund_flows, chosen_year, chosen_source)
        return [FundFlow.from_record(r) for r in records]

    @strawberry.field(
        description="Every place of a level, optionally within a parent place (a township's villages, or the "
        "county's), with its stats, sorted by any of them."
    )
    async def rollup(
        self,
        info: Info,
        level: PlaceLevel,
        parent_code: strawberry.ID | None = None,
        year: int | None = None,
        order_by: StatsOrder | None = StatsOrder.CODE,
        descending: bool | None = False,
        first: int | None = 100,
        after: str | None = None,
    ) -> RollupConnection:
        order = order_by or StatsOrder.CODE
        return await rollup(
            info, level, parent_code, year, order, bool(descending), 100 if first is None else first, after
        )

    @strawberry.field(description="The poverty and monitoring lines of a year; null when none is stored for it.")
    async def income_lines(self, info: Info, year: int) -> IncomeLines | None:
        return await load_income_lines(info, year)

    @strawberry.field(description="What a QR code resolves to. Null for an unknown, revoked or malformed token.")
    async def scan(self, info: Info, token: str) -> ScanTarget | None:
        return await audited_scan(info, token, scan)

    @strawberry.field(description="The caller as the server verified their token: role, sub and scope.")
    def me(self, info: Info) -> Me:
        return me(info)

    @strawberry.field(
        description="A household's audit records (scans of its code, reads of its personal data), "
        "newest first. Administrators only (FORBIDDEN otherwise)."
    )
    async def household_audit(
        self,
        info: Info,
        household_id: strawberry.ID,
        first: int | None = 20,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AuditEventConnection | None:
        return await household_audit(info, household_id, PageArgs(first, after, last, before))

    @strawberry.field(
        description="Scans of each village's codes per day (county time), from `since` to `until` "
        "inclusive (at most 366 days). Analysts and administrators (FORBIDDEN otherwise)."
    )
    async def scans_by_village_and_day(
        self, info: Info, since: datetime.date, until: datetime.date, village_codes: list[str] | None = None
    ) -> list[VillageDayScans] | None:
        return await scans_by_day(info, since, until, village_codes)

    @strawberry.field(
        description="Alerts raised by the early-warning rules, evaluated on the latest year with data, over all "
        "households, newest first."
    )
    async def alerts(
        self, info: Info, filter: AlertFilter | None = None, first: int | None = 20, after: str | None = None
    ) -> AlertConnection:
        return await AlertConnection.load(info, filter, PageArgs(first, after))

    @strawberry.field(
        description="Full-text search over names of places, households, enterprises, projects and policies."
    )
    async def search(self, info: Info, text: str, first: int | None = 20) -> list[SearchHit]:
        return await search(info, text, first)
