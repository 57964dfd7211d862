"""County, Township and Village."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.households import HouseholdScope
from graph.places import CountyRecord, TownshipRecord, VillageRecord, count_villages, page_villages
from graph.places import VillageFilter as VillageFilterSpec
from graph.places import VillageOrder as VillageOrderSpec
from graph.places import list_townships as read_townships
from graph.projects import ProjectFilter as ProjectFilterSpec
from graph.projects import ProjectOrder as ProjectOrderSpec
from graph.projects import ProjectScope
from graph.qr import QrTargetKind
from graph.stats import PlaceLevel
from schema.context import Info
from schema.enums import PlaceKind, VillageOrder
from schema.filters import check_nesting
from schema.node import TOWNSHIP_PREFIX, VILLAGE_PREFIX, Node
from schema.pagination import PageArgs, PageInfo, encode_cursor, page_info, page_request

if TYPE_CHECKING:
    from schema.enums import HouseholdOrder
    from schema.households import HouseholdConnection, HouseholdFilter
    from schema.projects import ProjectConnection
    from schema.qr import QrCode
    from schema.stats import PlaceStats


@strawberry.type
class County:
    code: strawberry.ID
    name: str
    households: int
    registered_poor_households: int

    @strawberry.field
    async def townships(self, info: Info) -> list[Township]:
        return await list_townships(info)

    @strawberry.field(description="Aggregates over its households in a year (default: the latest year with data).")
    async def stats(
        self, info: Info, year: int | None = None
    ) -> Annotated[PlaceStats, strawberry.lazy("schema.stats")]:
        from schema.stats import PlaceStats

        return await PlaceStats.load(info, PlaceLevel.COUNTY, self.code, year)

    @classmethod
    def from_record(cls, record: CountyRecord) -> County:
        return cls(
            code=strawberry.ID(record.code),
            name=record.name,
            households=record.households,
            registered_poor_households=record.registered_poor,
        )


@strawberry.type
class Township(Node):
    code: strawberry.ID
    name: str
    kind: PlaceKind

    @strawberry.field
    async def villages(self, info: Info) -> list[Village]:
        records = await info.context.loaders.villages_by_township.load(self.code)
        return [Village.from_record(r) for r in records]

    @strawberry.field
    async def households(
        self,
        info: Info,
        filter: Annotated[HouseholdFilter, strawberry.lazy("schema.households")] | None = strawberry.UNSET,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
        order_by: Annotated[HouseholdOrder, strawberry.lazy("schema.enums")] | None = strawberry.UNSET,
    ) -> Annotated[HouseholdConnection, strawberry.lazy("schema.households")]:
        from schema.households import HouseholdConnection, order_spec

        args = PageArgs(first, after, last, before)
        return await HouseholdConnection.load(
            info, HouseholdScope.TOWNSHIP, self.code, filter, order_spec(order_by), args
        )

    @strawberry.field
    async def qr(self, info: Info) -> Annotated[QrCode, strawberry.lazy("schema.qr")]:
        from schema.qr import QrCode

        return await QrCode.load(info, QrTargetKind.TOWNSHIP, self.code)

    @strawberry.field(description="Aggregates over its households in a year (default: the latest year with data).")
    async def stats(
        self, info: Info, year: int | None = None
    ) -> Annotated[PlaceStats, strawberry.lazy("schema.stats")]:
        from schema.stats import PlaceStats

        return await PlaceStats.load(info, PlaceLevel.TOWNSHIP, self.code, year)

    @classmethod
    def from_record(cls, record: TownshipRecord) -> Township:
        return cls(
            id=strawberry.ID(TOWNSHIP_PREFIX + record.code),
            code=strawberry.ID(record.code),
            name=record.name,
            kind=PlaceKind(record.kind),
        )


@strawberry.type
class Village(Node):
    code: strawberry.ID
    name: str
    township_code: strawberry.Private[str]

    @strawberry.field(description="How many households live in the village (a count, for dashboards).")
    async def household_count(self, info: Info) -> int:
        counts = await info.context.loaders.village_counts.load(self.code)
        return counts.households if counts else 0

    @strawberry.field(description="How many of them are registered poor (建档立卡).")
    async def registered_poor_households(self, info: Info) -> int:
        counts = await info.context.loaders.village_counts.load(self.code)
        return counts.registered_poor if counts else 0

    @strawberry.field
    async def township(self, info: Info) -> Township:
        record = await info.context.loaders.townships.load(self.township_code)
        assert record is not None, "every village is in a township"
        return Township.from_record(record)

    @strawberry.field
    async def households(
        self,
        info: Info,
        filter: Annotated[HouseholdFilter, strawberry.lazy("schema.households")] | None = strawberry.UNSET,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
        order_by: Annotated[HouseholdOrder, strawberry.lazy("schema.enums")] | None = strawberry.UNSET,
    ) -> Annotated[HouseholdConnection, strawberry.lazy("schema.households")]:
        from schema.households import HouseholdConnection, order_spec

        args = PageArgs(first, after, last, before)
        return await HouseholdConnection.load(
            info, HouseholdScope.VILLAGE, self.code, filter, order_spec(order_by), args
        )

    @strawberry.field
    async def projects(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> Annotated[ProjectConnection, strawberry.lazy("schema.projects")]:
        from schema.projects import ProjectConnection

        args = PageArgs(first, after, last, before)
        return await ProjectConnection.load(
            info, ProjectScope.VILLAGE, self.code, ProjectFilterSpec(), ProjectOrderSpec.CODE, args
        )

    @strawberry.field
    async def qr(self, info: Info) -> Annotated[QrCode, strawberry.lazy("schema.qr")]:
        from schema.qr import QrCode

        return await QrCode.load(info, QrTargetKind.VILLAGE, self.code)

    @strawberry.field(description="Aggregates over its households in a year (default: the latest year with data).")
    async def stats(
        self, info: Info, year: int | None = None
    ) -> Annotated[PlaceStats, strawberry.lazy("schema.stats")]:
        from schema.stats import PlaceStats

        return await PlaceStats.load(info, PlaceLevel.VILLAGE, self.code, year)

    @classmethod
    def from_record(cls, record: VillageRecord) -> Village:
        return cls(
            id=strawberry.ID(VILLAGE_PREFIX + record.code),
            code=strawberry.ID(record.code),
            name=record.name,
            township_code=record.township_code,
        )


async def list_townships(info: Info) -> list[Township]:
    return [Township.from_record(r) for r in await info.context.graph.read(read_townships)]


async def load_township(info: Info, code: str) -> Township | None:
    record = await info.context.loaders.townships.load(code)
    return Township.from_record(record) if record else None


async def load_village(info: Info, code: str) -> Village | None:
    record = await info.context.loaders.villages.load(code)
    return Village.from_record(record) if record else None


@strawberry.input(description="Conditions that all must hold; AND / OR / NOT combine nested filters.")
class VillageFilter:
    township_code: strawberry.ID | None = None
    name_contains: str | None = None
    poor_households_min: int | None = strawberry.field(
        default=None, description="At least this many registered-poor households."
    )
    and_: list[VillageFilter] | None = strawberry.field(default=None, name="AND")
    or_: list[VillageFilter] | None = strawberry.field(default=None, name="OR")
    not_: VillageFilter | None = strawberry.field(default=None, name="NOT")

    def to_spec(self, depth: int = 1) -> VillageFilterSpec:
        check_nesting(depth)
        return VillageFilterSpec(
            township_code=self.township_code,
            name_contains=self.name_contains,
            poor_households_min=self.poor_households_min,
            all_of=tuple(f.to_spec(depth + 1) for f in self.and_ or ()),
            any_of=tuple(f.to_spec(depth + 1) for f in self.or_ or ()),
            none_of=self.not_.to_spec(depth + 1) if self.not_ else None,
        )


@strawberry.type
class VillageEdge:
    cursor: str
    node: Village


@strawberry.type
class VillageConnection:
    edges: list[VillageEdge]
    page_info: PageInfo
    village_filter: strawberry.Private[VillageFilterSpec]

    @strawberry.field(description="How many villages match, over all pages (computed only when selected).")
    async def total_count(self, info: Info) -> int:
        return await info.context.graph.read(count_villages, self.village_filter)

    @classmethod
    async def load(
        cls, info: Info, village_filter: VillageFilter | None, order: VillageOrder | None, args: PageArgs
    ) -> VillageConnection:
        order_spec = VillageOrderSpec(order.value) if order else VillageOrderSpec.CODE
        request = page_request(order_spec.value, args)
        spec = village_filter.to_spec() if village_filter else VillageFilterSpec()
        page = await info.context.graph.read(page_villages, spec, order_spec, request)
        return cls(
            edges=[
                VillageEdge(cursor=encode_cursor(order_spec.value, row.sort_key), node=Village.from_record(row.record))
                for row in page.rows
            ],
            page_info=page_info(order_spec.value, page),
            village_filter=spec,
        )
