"""Policies (the 一保通 bundle and its insurance types) and the claims paid under them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry

from graph.access import View
from graph.paging import PageRequest
from graph.policies import ClaimRecord, ClaimScope, PolicyRecord
from schema.context import Info
from schema.node import Node, NodeKind, typed_id
from schema.pagination import PageArgs, PageInfo, encode_cursor, page_info, page_request

CLAIM_ORDER = "DATE_DESC"


@strawberry.type
class Policy(Node):
    code: strawberry.ID
    name: str
    kind: str
    rate_cap: float | None
    min_sum_insured: Decimal | None
    description: str | None

    @strawberry.field(description="For a bundle such as 一保通: the insurance types it covers.")
    async def covers(self, info: Info) -> list[Policy]:
        return await load_policies(info, await info.context.loaders.covered_codes.load(self.code))

    @strawberry.field(
        description="Claims paid under this policy (a bundle's include its insurance types'), newest first."
    )
    async def claims(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> ClaimConnection:
        return ClaimConnection.create(ClaimScope.POLICY, self.code, PageArgs(first, after, last, before))

    @strawberry.field(description="The bundle this insurance type belongs to, if any.")
    async def bundle(self, info: Info) -> Policy | None:
        code = await info.context.loaders.bundles.load(self.code)
        return await load_policy(info, code) if code else None

    @strawberry.field(description="Households covered in a year.")
    async def covered_households(self, info: Info, year: int) -> int:
        record = await info.context.loaders.policy_years.load((self.code, year))
        return record.households if record else 0

    @strawberry.field(description="The premium per person in a year (total premium over persons covered).")
    async def premium_per_person(self, info: Info, year: int) -> Decimal | None:
        record = await info.context.loaders.policy_years.load((self.code, year))
        return record.premium_per_person if record else None

    @classmethod
    def from_record(cls, record: PolicyRecord) -> Policy:
        return cls(
            id=typed_id(NodeKind.POLICY, record.code),
            code=strawberry.ID(record.code),
            name=record.name,
            kind=record.kind,
            rate_cap=record.rate_cap,
            min_sum_insured=record.min_sum_insured,
            description=record.description,
        )


@strawberry.type
class Claim(Node):
    date: datetime.date
    kind: str
    cost: Decimal
    paid_by_medical_insurance: Decimal
    paid_by_insurer: Decimal
    paid_by_household: Decimal
    policy_code: strawberry.Private[str]

    @strawberry.field
    async def policy(self, info: Info) -> Policy:
        policy = await load_policy(info, self.policy_code)
        assert policy is not None, "every claim is under a policy"
        return policy

    @classmethod
    def from_record(cls, record: ClaimRecord) -> Claim:
        return cls(
            id=strawberry.ID(record.id),
            date=record.date,
            kind=record.kind,
            cost=record.cost,
            paid_by_medical_insurance=record.paid_by_medical_insurance,
            paid_by_insurer=record.paid_by_insurer,
            paid_by_household=record.paid_by_household,
            policy_code=record.policy_code,
        )


async def load_policy(info: Info, code: str) -> Policy | None:
    record = await info.context.loaders.policies.load(code)
    return Policy.from_record(record) if record else None


async def load_policies(info: Info, codes: list[str]) -> list[Policy]:
    records = await info.context.loaders.policies.load_many(codes)
    return [Policy.from_record(r) for r in records if r is not None]


async def load_claim(info: Info, claim_id: str) -> Claim | None:
    record = await info.context.loaders.claims_by_id.load(claim_id)
    return Claim.from_record(record) if record else None


@strawberry.type
class ClaimEdge:
    cursor: str
    node: Claim


@strawberry.type
class ClaimConnection:
    """The page is read only when `edges` or `pageInfo` is selected, the count only for `totalCount`."""

    page_key: strawberry.Private[tuple[ClaimScope, str, PageRequest]]
    # A household's claims are seen through the caller's view of it; a policy's through the caller's role.
    view: strawberry.Private[View | None] = None

    @strawberry.field
    async def edges(self, info: Info) -> list[ClaimEdge]:
        page = await info.context.loaders.claim_pages.load(self.page_key)
        return [
            ClaimEdge(cursor=encode_cursor(CLAIM_ORDER, row.sort_key), node=Claim.from_record(row.record))
            for row in page.rows
        ]

    @strawberry.field
    async def page_info(self, info: Info) -> PageInfo:
        return page_info(CLAIM_ORDER, await info.context.loaders.claim_pages.load(self.page_key))

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        return await info.context.loaders.claim_counts.load(self.page_key[:2])

    @classmethod
    def create(cls, scope: ClaimScope, key: str, args: PageArgs, view: View | None = None) -> ClaimConnection:
        return cls(page_key=(scope, key, page_request(CLAIM_ORDER, args)), view=view)
