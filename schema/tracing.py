"""Tracing linkages: totals by mode of who an enterprise or industry drives, households driven several
times, everything that reached a household, and fund flows down to each household's attributed share.
How a fund is attributed to households is defined in `graph/tracing.py`."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry

from graph.access import View
from graph.households import HouseholdFilter as HouseholdFilterSpec
from graph.households import HouseholdOrder as HouseholdOrderSpec
from graph.households import HouseholdScope
from graph.paging import PageRequest
from graph.tracing import (
    AllocationRecord,
    FundFlowRecord,
    FundShareRecord,
    HelperPeriodRecord,
    LinkTotalsRecord,
    ModeTotalRecord,
    PolicyCoverageRecord,
    ProjectBenefitRecord,
    count_multiply_driven,
    page_multiply_driven,
)
from schema.context import Info
from schema.enums import LinkMode
from schema.households import Cadre, Household, Measure, load_cadre
from schema.industries import DriveLink, Industry, load_industries
from schema.pagination import PageArgs, PageInfo, encode_cursor, page_info, page_request
from schema.policies import Claim, Policy, load_policy
from schema.projects import Project, load_project

MULTIPLY_DRIVEN_ORDER = "ID"
SHARES_ORDER = HouseholdOrderSpec.ID.value


@strawberry.type(description="The part of one fund's allocation to a project attributed to one household.")
class FundShare:
    fund_id: strawberry.ID
    source: str
    year: int
    amount: Decimal

    @classmethod
    def from_record(cls, record: FundShareRecord) -> FundShare:
        return cls(fund_id=strawberry.ID(record.fund_id), source=record.source, year=record.year, amount=record.amount)


@strawberry.type(
    description="A project benefiting a household, with the share of each of its funds attributed to the household: "
    "each allocation split equally among the project's beneficiaries to the fen, the remainder fen going one each "
    "to the first beneficiaries by household id, so the shares add up exactly to the allocation."
)
class ProjectBenefit:
    project_code: strawberry.Private[str]
    beneficiaries: int = strawberry.field(description="How many households the project benefits.")
    funds: list[FundShare]

    @strawberry.field(description="The household's attributed shares summed over the project's funds.")
    def total(self) -> Decimal:
        return sum((f.amount for f in self.funds), Decimal("0.00"))

    @strawberry.field
    async def project(self, info: Info) -> Project:
        project = await load_project(info, self.project_code)
        assert project is not None, "a benefit comes from a project"
        return project

    @classmethod
    def from_record(cls, record: ProjectBenefitRecord) -> ProjectBenefit:
        return cls(
            project_code=record.project_code,
            beneficiaries=record.beneficiaries,
            funds=[FundShare.from_record(f) for f in record.funds],
        )


@strawberry.type(description="A household's cover by a policy in one year, with the premium for the whole household.")
class PolicyCoverage:
    policy_code: strawberry.Private[str]
    year: int
    premium: Decimal | None

    @strawberry.field
    async def policy(self, info: Info) -> Policy:
        policy = await load_policy(info, self.policy_code)
        assert policy is not None, "a cover is by a policy"
        return policy

    @classmethod
    def from_record(cls, record: PolicyCoverageRecord) -> PolicyCoverage:
        return cls(policy_code=record.policy_code, year=record.year, premium=record.premium)


@strawberry.type(description="A cadre's pairing with a household (结对帮扶): current while `until` is null.")
class HelperPeriod:
    cadre_id: strawberry.Private[str]
    since: datetime.date | None
    until: datetime.date | None

    @strawberry.field
    def current(self) -> bool:
        return self.until is None

    @strawberry.field
    async def cadre(self, info: Info) -> Cadre:
        cadre = await load_cadre(info, self.cadre_id)
        assert cadre is not None, "a pairing is with a cadre"
        return cadre

    @classmethod
    def from_record(cls, record: HelperPeriodRecord) -> HelperPeriod:
        return cls(cadre_id=record.cadre_id, since=record.since, until=record.until)


async def project_benefits(info: Info, household_id: str) -> list[ProjectBenefit]:
    return [ProjectBenefit.from_record(r) for r in await info.context.loaders.project_benefits.load(household_id)]


async def policy_coverage(info: Info, household_id: str) -> list[PolicyCoverage]:
    return [PolicyCoverage.from_record(r) for r in await info.context.loaders.policy_coverage.load(household_id)]


async def helper_history(info: Info, household_id: str) -> list[HelperPeriod]:
    return [HelperPeriod.from_record(r) for r in await info.context.loaders.helper_history.load(household_id)]


@strawberry.type(description="Everything that reached a household: one object, each list read by one batched query.")
class HouseholdTrace:
    household_id: strawberry.Private[str]
    view: strawberry.Private[View] = View.FULL

    @strawberry.field(description="Enterprises that drive it, with mode, since and yearly income gain.")
    async def enterprises(self, info: Info) -> list[DriveLink]:
        return [DriveLink.from_record(r) for r in await info.context.loaders.drive_links.load(self.household_id)]

    @strawberry.field(description="The enterprises' yearly income gains summed.")
    async def enterprise_income_gain(self, info: Info) -> Decimal:
        links = await info.context.loaders.drive_links.load(self.household_id)
        return sum((link.income_gain or Decimal("0.00") for link in links), Decimal("0.00"))

    @strawberry.field
    async def industries(self, info: Info) -> list[Industry]:
        return await load_industries(
            info, await info.context.loaders.industry_codes_by_household.load(self.household_id)
        )

    @strawberry.field(description="Projects that benefit it, with each fund's share attributed to it.")
    async def projects(self, info: Info) -> list[ProjectBenefit]:
        return await project_benefits(info, self.household_id)

    @strawberry.field(description="All fund shares attributed to it, summed.")
    async def fund_total(self, info: Info) -> Decimal:
        benefits = await info.context.loaders.project_benefits.load(self.household_id)
        return sum((f.amount for b in benefits for f in b.funds), Decimal("0.00"))

    @strawberry.field(description="Policies covering it, by year (newest first) with premiums.")
    async def policies(self, info: Info) -> list[PolicyCoverage]:
        return await policy_coverage(info, self.household_id)

    @strawberry.field
    async def measures(self, info: Info) -> list[Measure]:
        return [Measure.from_record(r) for r in await info.context.loaders.measures.load(self.household_id)]

    @strawberry.field
    async def claims(self, info: Info) -> list[Claim]:
        return [Claim.from_record(r) for r in await info.context.loaders.claims.load(self.household_id)]

    @strawberry.field(description="Its cadres, current and past pairings, newest first.")
    async def cadres(self, info: Info) -> list[HelperPeriod]:
        return await helper_history(info, self.household_id)


@strawberry.type(description="Households linked in one mode (or, with mode null, working in the industry directly).")
class ModeTotal:
    mode: LinkMode | None
    households: int
    poor_households: int
    income_gain: Decimal = strawberry.field(description="Yearly income gain summed over the links.")
    average_income_gain: Decimal | None
    multiply_driven: int = strawberry.field(description="Of these households, those driven by several enterprises.")

    @classmethod
    def from_record(cls, record: ModeTotalRecord) -> ModeTotal:
        return cls(
            mode=LinkMode(record.mode) if record.mode else None,
            households=record.households,
            poor_households=record.poor_households,
            income_gain=record.income_gain,
            average_income_gain=record.average_income_gain,
            multiply_driven=record.multiply_driven,
        )


@strawberry.type(
    description="Totals over the households an enterprise or industry drives, each counted once, and by mode. "
    "An enterprise drives a household in one mode, so its modes add up to its totals; an industry may drive a "
    "household through several of its enterprises in different modes, which then counts in each of those modes."
)
class LinkTotals:
    households: int
    poor_households: int
    income_gain: Decimal
    average_income_gain: Decimal | None
    multiply_driven: int = strawberry.field(
        description="Households driven by several enterprises (any industry), counted once."
    )
    by_mode: list[ModeTotal]

    @classmethod
    def from_record(cls, record: LinkTotalsRecord) -> LinkTotals:
        total = record.total
        return cls(
            households=total.households,
            poor_households=total.poor_households,
            income_gain=total.income_gain,
            average_income_gain=total.average_income_gain,
            multiply_driven=total.multiply_driven,
            by_mode=[ModeTotal.from_record(m) for m in record.by_mode],
        )


@strawberry.type
class MultiplyDrivenEdge:
    cursor: str
    node: Household

    @strawberry.field(description="All its drive links, from every enterprise.")
    async def links(self, info: Info) -> list[DriveLink]:
        return [DriveLink.from_record(r) for r in await info.context.loaders.drive_links.load(str(self.node.id))]


@strawberry.type(description="Households driven by several enterprises, each listed once with all its links.")
class MultiplyDrivenConnection:
    edges: list[MultiplyDrivenEdge]
    page_info: PageInfo
    industry_codes: strawberry.Private[list[str] | None]
    enterprise_ids: strawberry.Private[list[str] | None]

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        return await info.context.graph.read(count_multiply_driven, self.industry_codes, self.enterprise_ids)

    @classmethod
    async def load(
        cls, info: Info, industry_codes: list[str] | None, enterprise_ids: list[str] | None, args: PageArgs
    ) -> MultiplyDrivenConnection:
        request = page_request(MULTIPLY_DRIVEN_ORDER, args)
        page = await info.context.graph.read(page_multiply_driven, industry_codes, enterprise_ids, request)
        return cls(
            edges=[
                MultiplyDrivenEdge(
                    cursor=encode_cursor(MULTIPLY_DRIVEN_ORDER, row.sort_key), node=Household.from_record(row.record)
                )
                for row in page.rows
            ],
            page_info=page_info(MULTIPLY_DRIVEN_ORDER, page),
            industry_codes=industry_codes,
            enterprise_ids=enterprise_ids,
        )


@strawberry.type(description="One fund's allocation to one project and how it splits over the beneficiaries.")
class Allocation:
    fund_id: strawberry.ID
    source: str
    year: int
    amount: Decimal
    beneficiaries: int
    share: Decimal | None = strawberry.field(
        description="Each beneficiary's equal share to the fen; the first `remainderHouseholds` by id get 0.01 more."
        " Null without beneficiaries."
    )
    remainder_households: int
    project_code: strawberry.Private[str]

    @strawberry.field(description="The amount attributed to households: all of it, or nothing without beneficiaries.")
    def attributed(self) -> Decimal:
        return self.amount if self.beneficiaries else Decimal("0.00")

    @strawberry.field
    async def project(self, info: Info) -> Project:
        project = await load_project(info, self.project_code)
        assert project is not None, "an allocation is to a project"
        return project

    @classmethod
    def from_record(cls, record: AllocationRecord) -> Allocation:
        return cls(
            fund_id=strawberry.ID(record.fund_id),
            source=record.source,
            year=record.year,
            amount=record.amount,
            beneficiaries=record.beneficiaries,
            share=record.share,
            remainder_households=record.remainder_households,
            project_code=record.project_code,
        )


@strawberry.type(description="A fund (a source's pool in one year): where it went, project by project.")
class FundFlow:
    id: strawberry.ID
    source: str
    year: int
    amount: Decimal = strawberry.field(description="The fund's total.")
    allocated: Decimal = strawberry.field(description="Its allocations summed.")
    attributed: Decimal = strawberry.field(description="The allocations to projects with beneficiaries, summed.")
    unattributed: Decimal
    households: int = strawberry.field(description="Distinct households it reaches through its projects.")
    allocations: list[Allocation]

    @classmethod
    def from_record(cls, record: FundFlowRecord) -> FundFlow:
        return cls(
            id=strawberry.ID(record.fund_id),
            source=record.source,
            year=record.year,
            amount=record.amount,
            allocated=record.allocated,
            attributed=record.attributed,
            unattributed=record.allocated - record.attributed,
            households=record.households,
            allocations=[Allocation.from_record(a) for a in record.allocations],
        )


@strawberry.type
class ProjectFundFlow:
    beneficiaries: int
    allocations: list[Allocation]


@strawberry.type
class BeneficiaryShareEdge:
    cursor: str
    node: Household
    project_code: strawberry.Private[str]

    @strawberry.field(description="The share of each of the project's funds attributed to this household.")
    async def funds(self, info: Info) -> list[FundShare]:
        benefits = await info.context.loaders.project_benefits.load(str(self.node.id))
        return [FundShare.from_record(f) for b in benefits if b.project_code == self.project_code for f in b.funds]

    @strawberry.field
    async def total(self, info: Info) -> Decimal:
        return sum((f.amount for f in await self.funds(info)), Decimal("0.00"))


@strawberry.type(description="A project's beneficiaries by id, each with its attributed fund shares.")
class BeneficiaryShareConnection:
    page_key: strawberry.Private[tuple[HouseholdScope, str, HouseholdFilterSpec, HouseholdOrderSpec, PageRequest]]

    @strawberry.field
    async def edges(self, info: Info) -> list[BeneficiaryShareEdge]:
        page = await info.context.loaders.household_pages.load(self.page_key)
        return [
            BeneficiaryShareEdge(
                cursor=encode_cursor(SHARES_ORDER, row.sort_key),
                node=Household.from_record(row.record),
                project_code=self.page_key[1],
            )
            for row in page.rows
        ]

    @strawberry.field
    async def page_info(self, info: Info) -> PageInfo:
        return page_info(SHARES_ORDER, await info.context.loaders.household_pages.load(self.page_key))

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        scope, scope_key, spec = self.page_key[:3]
        return await info.context.loaders.household_counts.load((scope, scope_key, spec))

    @classmethod
    def create(cls, project_code: str, args: PageArgs) -> BeneficiaryShareConnection:
        request = page_request(SHARES_ORDER, args)
        spec = HouseholdFilterSpec()
        return cls(page_key=(HouseholdScope.PROJECT, project_code, spec, HouseholdOrderSpec.ID, request))


async def project_fund_flow(info: Info, project_code: str) -> ProjectFundFlow:
    record = await info.context.loaders.project_flows.load(project_code)
    if record is None:
        return ProjectFundFlow(beneficiaries=0, allocations=[])
    return ProjectFundFlow(
        beneficiaries=record.beneficiaries, allocations=[Allocation.from_record(a) for a in record.allocations]
    )


async def enterprise_trace(info: Info, enterprise_id: str) -> LinkTotals:
    return LinkTotals.from_record(await info.context.loaders.enterprise_link_totals.load(enterprise_id))


async def industry_trace(info: Info, code: str) -> LinkTotals:
    return LinkTotals.from_record(await info.context.loaders.industry_link_totals.load(code))
