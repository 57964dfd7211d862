"""The project library: projects, their funds and beneficiaries, and the yearly pipeline."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.households import HouseholdOrder as HouseholdOrderSpec
from graph.households import HouseholdScope
from graph.paging import PageRequest
from graph.projects import FundAllocationRecord, PipelineRecord, ProjectRecord, ProjectScope
from graph.projects import ProjectFilter as ProjectFilterSpec
from graph.projects import ProjectOrder as ProjectOrderSpec
from schema.context import Info
from schema.enums import ProjectOrder, ProjectPurpose, ProjectStage
from schema.filters import check_nesting
from schema.households import HouseholdConnection, HouseholdFilter
from schema.industries import Industry, load_industry
from schema.node import Node, NodeKind, typed_id
from schema.pagination import PageArgs, PageInfo, encode_cursor, page_info, page_request
from schema.places import Township, Village, load_township, load_village

if TYPE_CHECKING:
    from schema.tracing import BeneficiaryShareConnection, ProjectFundFlow


@strawberry.type
class FundAllocation:
    source: str
    year: int
    amount: Decimal

    @classmethod
    def from_record(cls, record: FundAllocationRecord) -> FundAllocation:
        return cls(source=record.source, year=record.year, amount=record.amount)


@strawberry.type
class Project(Node):
    code: strawberry.ID
    name: str
    year: int
    purpose: ProjectPurpose
    stage: ProjectStage
    started: bool
    completed: bool
    performance_score: float | None
    budget: Decimal | None
    planned_beneficiaries: int | None
    responsible_unit: str | None
    record: strawberry.Private[ProjectRecord]

    @strawberry.field
    async def industry(self, info: Info) -> Industry | None:
        return await load_industry(info, self.record.industry_code) if self.record.industry_code else None

    @strawberry.field
    async def village(self, info: Info) -> Village | None:
        return await load_village(info, self.record.village_code) if self.record.village_code else None

    @strawberry.field
    async def township(self, info: Info) -> Township | None:
        return await load_township(info, self.record.township_code) if self.record.township_code else None

    @strawberry.field
    async def beneficiaries(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
        filter: HouseholdFilter | None = strawberry.UNSET,
    ) -> HouseholdConnection:
        args = PageArgs(first, after, last, before)
        return await HouseholdConnection.load(
            info, HouseholdScope.PROJECT, self.code, filter, HouseholdOrderSpec.ID, args
        )

    @strawberry.field
    async def funds(self, info: Info) -> list[FundAllocation]:
        return [FundAllocation.from_record(r) for r in await info.context.loaders.funds.load(self.code)]

    @strawberry.field(description="Its allocations, each with how it splits over the beneficiaries.")
    async def fund_flow(self, info: Info) -> Annotated[ProjectFundFlow, strawberry.lazy("schema.tracing")]:
        from schema.tracing import project_fund_flow

        return await project_fund_flow(info, self.code)

    @strawberry.field(description="Its beneficiaries by id, each with the share of each fund attributed to it.")
    def beneficiary_shares(
        self,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> Annotated[BeneficiaryShareConnection, strawberry.lazy("schema.tracing")]:
        from schema.tracing import BeneficiaryShareConnection

        return BeneficiaryShareConnection.create(self.code, PageArgs(first, after, last, before))

    @classmethod
    def from_record(cls, record: ProjectRecord) -> Project:
        return cls(
            id=typed_id(NodeKind.PROJECT, record.code),
            code=strawberry.ID(record.code),
            name=record.name,
            year=record.year,
            purpose=ProjectPurpose(record.purpose),
            stage=ProjectStage(record.stage),
            started=record.started,
            completed=record.completed,
            performance_score=record.performance_score,
            budget=record.budget,
            planned_beneficiaries=record.planned_beneficiaries,
            responsible_unit=record.responsible_unit,
            record=record,
        )


@strawberry.input(description="Conditions that all must hold; AND / OR / NOT combine nested filters.")
class ProjectFilter:
    year: int | None = None
    year_min: int | None = None
    year_max: int | None = None
    stage: ProjectStage | None = None
    stage_in: list[ProjectStage] | None = None
    purpose: ProjectPurpose | None = None
    township_code: strawberry.ID | None = None
    village_code: strawberry.ID | None = None
    industry_code: strawberry.ID | None = None
    performance_min: float | None = None
    performance_max: float | None = None
    name_contains: str | None = None
    started: bool | None = None
    completed: bool | None = None
    and_: list[ProjectFilter] | None = strawberry.field(default=None, name="AND")
    or_: list[ProjectFilter] | None = strawberry.field(default=None, name="OR")
    not_: ProjectFilter | None = strawberry.field(default=None, name="NOT")

    def to_spec(self, depth: int = 1) -> ProjectFilterSpec:
        check_nesting(depth)
        return ProjectFilterSpec(
            year=self.year,
            year_min=self.year_min,
            year_max=self.year_max,
            stage=self.stage.value if self.stage else None,
            stage_in=tuple(s.value for s in self.stage_in) if self.stage_in is not None else None,
            purpose=self.purpose.value if self.purpose else None,
            township_code=self.township_code,
            village_code=self.village_code,
            industry_code=self.industry_code,
            performance_min=self.performance_min,
            performance_max=self.performance_max,
            name_contains=self.name_contains,
            started=self.started,
            completed=self.completed,
            all_of=tuple(f.to_spec(depth + 1) for f in self.and_ or ()),
            any_of=tuple(f.to_spec(depth + 1) for f in self.or_ or ()),
            none_of=self.not_.to_spec(depth + 1) if self.not_ else None,
        )


@strawberry.type
class ProjectEdge:
    cursor: str
    node: Project


ProjectPageKey = tuple[ProjectScope, str, ProjectFilterSpec, ProjectOrderSpec, PageRequest]


@strawberry.type
class ProjectConnection:
    """The page is read only when `edges` or `pageInfo` is selected, the count only for `totalCount`."""

    page_key: strawberry.Private[ProjectPageKey]

    @strawberry.field
    async def edges(self, info: Info) -> list[ProjectEdge]:
        page = await info.context.loaders.project_pages.load(self.page_key)
        order = self.page_key[3].value
        return [
            ProjectEdge(cursor=encode_cursor(order, row.sort_key), node=Project.from_record(row.record))
            for row in page.rows
        ]

    @strawberry.field
    async def page_info(self, info: Info) -> PageInfo:
        return page_info(self.page_key[3].value, await info.context.loaders.project_pages.load(self.page_key))

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        scope, scope_key, spec = self.page_key[:3]
        return await info.context.loaders.project_counts.load((scope, scope_key, spec))

    @classmethod
    async def load(
        cls,
        info: Info,
        scope: ProjectScope,
        scope_key: str,
        spec: ProjectFilterSpec,
        order: ProjectOrderSpec,
        args: PageArgs,
    ) -> ProjectConnection:
        request = page_request(order.value, args)
        return cls(page_key=(scope, scope_key, spec, order, request))


@strawberry.type
class ProjectPipeline:
    year: int
    declared: int
    rejected: int
    reserve: int
    implemented: int
    started_share: float = strawberry.field(
        description="Of the implemented projects: share started, share completed, in that year."
    )
    completed_share: float

    @classmethod
    def from_record(cls, record: PipelineRecord) -> ProjectPipeline:
        implemented = record.implemented
        return cls(
            year=record.year,
            declared=record.declared,
            rejected=record.rejected,
            reserve=record.reserve,
            implemented=implemented,
            started_share=record.started / implemented if implemented else 0.0,
            completed_share=record.completed / implemented if implemented else 0.0,
        )


def project_order_spec(order: ProjectOrder | None) -> ProjectOrderSpec:
    return ProjectOrderSpec(order.value) if order else ProjectOrderSpec.CODE


async def load_project(info: Info, code: str) -> Project | None:
    record = await info.context.loaders.projects.load(code)
    return Project.from_record(record) if record else None
