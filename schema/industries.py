"""Industries, enterprises, the households they drive, and coverage (the article's shares)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.access import View
from graph.industries import (
    CoverageRecord,
    DriveLinkRecord,
    Driver,
    EnterpriseRecord,
    IndustryRecord,
    count_enterprises,
    page_enterprises,
)
from graph.industries import EnterpriseFilter as EnterpriseFilterSpec
from graph.industries import EnterpriseOrder as EnterpriseOrderSpec
from graph.paging import PageRequest
from schema.context import Info
from schema.enums import EnterpriseOrder, IndustryTier, LinkMode
from schema.filters import check_nesting
from schema.households import Household
from schema.node import Node, NodeKind, typed_id
from schema.pagination import PageArgs, PageInfo, encode_cursor, page_info, page_request

if TYPE_CHECKING:
    from schema.tracing import LinkTotals

DRIVEN_ORDER = "ID"


@strawberry.type
class Quantity:
    amount: Decimal
    unit: str


@strawberry.type
class Coverage:
    households: int
    poor_households: int
    poor_share: float = strawberry.field(
        description="Share of the county's registered poor households that are driven."
    )
    villages: int
    village_share: float
    townships: int
    average_income_gain: Decimal | None = strawberry.field(
        description="Average yearly income gain per driven household."
    )

    @classmethod
    def from_record(cls, record: CoverageRecord) -> Coverage:
        return cls(
            households=record.households,
            poor_households=record.poor_households,
            poor_share=record.poor_share,
            villages=record.villages,
            village_share=record.village_share,
            townships=record.townships,
            average_income_gain=record.average_income_gain,
        )


@strawberry.type
class DrivenHouseholdEdge:
    cursor: str
    node: Household
    enterprise_id: strawberry.Private[str | None]
    mode: LinkMode | None
    income_gain: Decimal | None
    view: strawberry.Private[View] = View.FULL

    @strawberry.field
    async def enterprise(self, info: Info) -> Enterprise | None:
        return await load_enterprise(info, self.enterprise_id) if self.enterprise_id else None

    @strawberry.field(description="All the household's drive links, from every enterprise (it is listed once).")
    async def links(self, info: Info) -> list[DriveLink]:
        return [DriveLink.from_record(r) for r in await info.context.loaders.drive_links.load(str(self.node.id))]


@strawberry.type
class DrivenHouseholdConnection:
    """The page is read only when `edges` or `pageInfo` is selected, the count only for `totalCount`."""

    page_key: strawberry.Private[tuple[Driver, str, bool, PageRequest]]

    @strawberry.field
    async def edges(self, info: Info) -> list[DrivenHouseholdEdge]:
        page = await info.context.loaders.driven_pages.load(self.page_key)
        return [
            DrivenHouseholdEdge(
                cursor=encode_cursor(DRIVEN_ORDER, row.sort_key),
                node=Household.from_record(row.record.household),
                enterprise_id=row.record.enterprise_id,
                mode=LinkMode(row.record.mode) if row.record.mode else None,
                income_gain=row.record.income_gain,
                view=row.record.view,
            )
            for row in page.rows
        ]

    @strawberry.field
    async def page_info(self, info: Info) -> PageInfo:
        return page_info(DRIVEN_ORDER, await info.context.loaders.driven_pages.load(self.page_key))

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        driver, key, poor_only = self.page_key[:3]
        return await info.context.loaders.driven_counts.load((driver, key, poor_only))

    @classmethod
    async def load(
        cls, info: Info, driver: Driver, key: str, poor_only: bool, args: PageArgs
    ) -> DrivenHouseholdConnection:
        return cls(page_key=(driver, key, poor_only, page_request(DRIVEN_ORDER, args)))


@strawberry.type
class Industry(Node):
    code: strawberry.ID
    name: str
    tier: IndustryTier
    total_scale: Quantity | None = strawberry.field(
        description="Total scale of the industry in the county (sticks for fungi, mu for walnuts, head for pigs...)."
    )
    annual_output_value: Decimal | None
    products: list[str]

    @strawberry.field
    async def enterprises(self, info: Info) -> list[Enterprise]:
        return await load_enterprises(info, await info.context.loaders.enterprise_ids_by_industry.load(self.code))

    @strawberry.field
    async def coverage(self, info: Info) -> Coverage:
        return Coverage.from_record(await info.context.loaders.industry_coverage.load(self.code))

    @strawberry.field(description="Its driven households by link mode, with income gains (each household once).")
    async def trace(self, info: Info) -> Annotated[LinkTotals, strawberry.lazy("schema.tracing")]:
        from schema.tracing import industry_trace

        return await industry_trace(info, self.code)

    @strawberry.field(description="The households this industry drives, directly or through its enterprises.")
    async def driven_households(
        self,
        info: Info,
        poor_only: bool | None = False,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> DrivenHouseholdConnection:
        args = PageArgs(first, after, last, before)
        return await DrivenHouseholdConnection.load(info, Driver.INDUSTRY, self.code, bool(poor_only), args)

    @classmethod
    def from_record(cls, record: IndustryRecord) -> Industry:
        scale = None
        if record.scale_amount is not None and record.scale_unit:
            scale = Quantity(amount=record.scale_amount, unit=record.scale_unit)
        return cls(
            id=typed_id(NodeKind.INDUSTRY, record.code),
            code=strawberry.ID(record.code),
            name=record.name,
            tier=IndustryTier(record.tier),
            total_scale=scale,
            annual_output_value=record.output_value,
            products=list(record.products),
        )


@strawberry.type
class Enterprise(Node):
    name: str
    kind: str | None
    investment: Decimal | None
    stores: int | None
    description: str | None
    industry_code: strawberry.Private[str]

    @strawberry.field
    async def industry(self, info: Info) -> Industry:
        industry = await load_industry(info, self.industry_code)
        assert industry is not None, "every enterprise is in an industry"
        return industry

    @strawberry.field(description="Its driven households by link mode, with income gains.")
    async def trace(self, info: Info) -> Annotated[LinkTotals, strawberry.lazy("schema.tracing")]:
        from schema.tracing import enterprise_trace

        return await enterprise_trace(info, self.id)

    @strawberry.field(description="Where its driven households live.")
    async def reach(self, info: Info) -> Coverage:
        record = await info.context.loaders.enterprise_reach.load(self.id)
        assert record is not None, "reach is computed for every enterprise asked"
        return Coverage.from_record(record)

    @strawberry.field
    async def driven_households(
        self,
        info: Info,
        poor_only: bool | None = False,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> DrivenHouseholdConnection:
        args = PageArgs(first, after, last, before)
        return await DrivenHouseholdConnection.load(info, Driver.ENTERPRISE, self.id, bool(poor_only), args)

    @classmethod
    def from_record(cls, record: EnterpriseRecord) -> Enterprise:
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            kind=record.kind,
            investment=record.investment,
            stores=record.stores,
            description=record.description,
            industry_code=record.industry_code,
        )


@strawberry.type
class DriveLink:
    enterprise_id: strawberry.Private[str]
    mode: LinkMode
    since: int | None
    income_gain: Decimal | None
    view: strawberry.Private[View] = View.FULL

    @strawberry.field
    async def enterprise(self, info: Info) -> Enterprise:
        enterprise = await load_enterprise(info, self.enterprise_id)
        assert enterprise is not None, "a drive link starts at an enterprise"
        return enterprise

    @classmethod
    def from_record(cls, record: DriveLinkRecord) -> DriveLink:
        return cls(
            enterprise_id=record.enterprise_id,
            mode=LinkMode(record.mode),
            since=record.since,
            income_gain=record.income_gain,
            view=record.view,
        )


async def load_industry(info: Info, code: str) -> Industry | None:
    record = await info.context.loaders.industries.load(code)
    return Industry.from_record(record) if record else None


async def load_industries(info: Info, codes: list[str]) -> list[Industry]:
    records = await info.context.loaders.industries.load_many(codes)
    return [Industry.from_record(r) for r in records if r is not None]


async def load_enterprise(info: Info, enterprise_id: str) -> Enterprise | None:
    record = await info.context.loaders.enterprises.load(enterprise_id)
    return Enterprise.from_record(record) if record else None


async def load_enterprises(info: Info, ids: list[str]) -> list[Enterprise]:
    records = await info.context.loaders.enterprises.load_many(ids)
    return [Enterprise.from_record(r) for r in records if r is not None]


@strawberry.input(description="Conditions that all must hold; AND / OR / NOT combine nested filters.")
class EnterpriseFilter:
    industry_code: strawberry.ID | None = None
    name_contains: str | None = None
    kind: str | None = None
    drives_min: int | None = strawberry.field(default=None, description="Drives at least this many households.")
    and_: list[EnterpriseFilter] | None = strawberry.field(default=None, name="AND")
    or_: list[EnterpriseFilter] | None = strawberry.field(default=None, name="OR")
    not_: EnterpriseFilter | None = strawberry.field(default=None, name="NOT")

    def to_spec(self, depth: int = 1) -> EnterpriseFilterSpec:
        check_nesting(depth)
        return EnterpriseFilterSpec(
            industry_code=self.industry_code,
            name_contains=self.name_contains,
            kind=self.kind,
            drives_min=self.drives_min,
            all_of=tuple(f.to_spec(depth + 1) for f in self.and_ or ()),
            any_of=tuple(f.to_spec(depth + 1) for f in self.or_ or ()),
            none_of=self.not_.to_spec(depth + 1) if self.not_ else None,
        )


@strawberry.type
class EnterpriseEdge:
    cursor: str
    node: Enterprise


@strawberry.type
class EnterpriseConnection:
    edges: list[EnterpriseEdge]
    page_info: PageInfo
    enterprise_filter: strawberry.Private[EnterpriseFilterSpec]

    @strawberry.field(description="How many enterprises match, over all pages (computed only when selected).")
    async def total_count(self, info: Info) -> int:
        return await info.context.graph.read(count_enterprises, self.enterprise_filter)

    @classmethod
    async def load(
        cls, info: Info, enterprise_filter: EnterpriseFilter | None, order: EnterpriseOrder | None, args: PageArgs
    ) -> EnterpriseConnection:
        order_spec = EnterpriseOrderSpec(order.value) if order else EnterpriseOrderSpec.ID
        request = page_request(order_spec.value, args)
        spec = enterprise_filter.to_spec() if enterprise_filter else EnterpriseFilterSpec()
        page = await info.context.graph.read(page_enterprises, spec, order_spec, request)
        return cls(
            edges=[
                EnterpriseEdge(
                    cursor=encode_cursor(order_spec.value, row.sort_key), node=Enterprise.from_record(row.record)
                )
                for row in page.rows
            ],
            page_info=page_info(order_spec.value, page),
            enterprise_filter=spec,
        )
