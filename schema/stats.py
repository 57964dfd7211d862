"""Rollups: PlaceStats of the county, a township or a village in one year, and the sortable rollup list.

Each field reads one stats component through its loader, so a rollup of 100 villages runs one query per
component it selects, not one per village. Figures add up exactly: villages → township → county (projects
and funds located directly in a township count for the township and the county, not for a village)."""

from __future__ import annotations

import asyncio
import decimal
from collections import Counter
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, TypedDict

import strawberry

from graph.money import from_fen
from graph.paging import SortKey
from graph.stats import INDICATORS, Tally, rollup_places
from graph.stats import PlaceLevel as PlaceLevelSpec
from schema.context import Info
from schema.enums import HouseholdStatus, ProjectStage
from schema.errors import BadUserInput
from schema.pagination import MAX_PAGE, PageInfo, decode_cursor, encode_cursor

if TYPE_CHECKING:
    from schema.industries import Industry
    from schema.policies import Policy

LATEST = "latest"


@strawberry.enum
class PlaceLevel(Enum):
    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"
    VILLAGE = "VILLAGE"


@strawberry.enum
class StatsOrder(Enum):
    CODE = "CODE"
    HOUSEHOLDS = "HOUSEHOLDS"
    REGISTERED_POOR = "REGISTERED_POOR"
    POPULATION = "POPULATION"
    POVERTY_INCIDENCE = "POVERTY_INCIDENCE"
    MEDIAN_INCOME = "MEDIAN_INCOME"
    FUNDS = "FUNDS"
    EXIT_ALL = "EXIT_ALL"


@strawberry.type
class StatusCount:
    status: HouseholdStatus
    households: int


@strawberry.type
class CauseCount:
    cause: str
    households: int


@strawberry.type
class StageCount:
    stage: ProjectStage
    projects: int


@strawberry.type(
    description="Per-capita net income over households (each household once): the median and the quartiles "
    "by linear interpolation between ranks (Python's `statistics.quantiles(method='inclusive')`), "
    "computed exactly from fen and rounded half-even to the fen."
)
class IncomeDistribution:
    median: Decimal
    lower_quartile: Decimal
    upper_quartile: Decimal


@strawberry.type
class IncomeComposition:
    wage: Decimal
    operating: Decimal
    property: Decimal
    transfer: Decimal
    total: Decimal


@strawberry.type(
    description="Shares of the registered-poor households meeting each exit indicator (see ExitIndicators); "
    "0 where there are none."
)
class ExitShares:
    income_above_line: float
    food_and_clothing: float
    education: float
    medical_insurance: float
    safe_housing: float
    safe_water: float
    all: float = strawberry.field(description="Share meeting all of them.")


@strawberry.type(description="Households an industry drives (engaged in it or driven by its enterprises), each once.")
class IndustryShare:
    industry_code: strawberry.ID
    households: int
    registered_poor_households: int
    share: float = strawberry.field(description="Of the place's households.")
    poor_share: float = strawberry.field(description="Of the place's registered-poor households (带动率).")

    @strawberry.field
    async def industry(self, info: Info) -> Annotated[Industry, strawberry.lazy("schema.industries")] | None:
        from schema.industries import load_industry

        return await load_industry(info, self.industry_code)


@strawberry.type(description="Households covered by a policy in the year (a COVERED_BY of that year).")
class PolicyShare:
    policy_code: strawberry.ID
    households: int
    registered_poor_households: int
    share: float = strawberry.field(description="Of the place's households.")
    poor_share: float = strawberry.field(description="Of the place's registered-poor households.")

    @strawberry.field
    async def policy(self, info: Info) -> Annotated[Policy, strawberry.lazy("schema.policies")] | None:
        from schema.policies import load_policy

        return await load_policy(info, self.policy_code)


@strawberry.type(
    description="Aggregates over the households of one place in one year (omitted year: the latest year with "
    "data). Counts add up exactly: villages → township → county. Households, population, statuses and "
    "causes are the data year's snapshot; incomes, exits, projects, funds and policies are the year's."
)
class PlaceStats:
    year: int
    level: strawberry.Private[PlaceLevelSpec]
    code: strawberry.Private[str]

    async def _tally(self, info: Info, component: str) -> Tally:
        return await info.context.loaders.stats.components[component].load((self.level, self.code, self.year))

    @strawberry.field
    async def households(self, info: Info) -> int:
        return (await self._tally(info, "households")).counts["households"]

    @strawberry.field
    async def registered_poor_households(self, info: Info) -> int:
        return (await self._tally(info, "households")).counts["registeredPoor"]

    @strawberry.field
    async def population(self, info: Info) -> int:
        return (await self._tally(info, "households")).counts["population"]

    @strawberry.field
    async def by_status(self, info: Info) -> list[StatusCount]:
        tally = await self._tally(info, "households")
        return [StatusCount(status=s, households=tally.by_status[s.value]) for s in HouseholdStatus]

    @strawberry.field(
        description="Poor population not yet exited, divided by the population: members of registered-poor "
        "households identified by the year and not exited by its end (or relapsed by then)."
    )
    async def poverty_incidence(self, info: Info) -> float:
        return poverty_incidence(await self._tally(info, "households"))

    @strawberry.field(
        description="Whether the place meets the exit criterion on poverty incidence: below `maxIncidence` "
        "(3 % by default, the standard for central and western provinces; 2 % in the east)."
    )
    async def exit_criteria_met(self, info: Info, max_incidence: float = 0.03) -> bool:
        return poverty_incidence(await self._tally(info, "households")) < max_incidence

    @strawberry.field(description="Per-capita net income of the place's households; null when none has data.")
    async def income_per_capita(self, info: Info) -> IncomeDistribution | None:
        return distribution(await self._tally(info, "incomes"))

    @strawberry.field(description="Each income component summed over the place's households.")
    async def income(self, info: Info) -> IncomeComposition:
        counts = (await self._tally(info, "incomes")).counts
        parts = [counts[k] for k in ("wageFen", "operatingFen", "propertyFen", "transferFen")]
        wage, operating, prop, transfer, total = (_yuan(fen) for fen in (*parts, sum(parts)))
        return IncomeComposition(wage=wage, operating=operating, property=prop, transfer=transfer, total=total)

    @strawberry.field(description="Registered-poor households by primary cause, most frequent first.")
    async def poverty_causes(self, info: Info) -> list[CauseCount]:
        causes = (await self._tally(info, "households")).causes
        return [CauseCount(cause=c, households=n) for c, n in sorted(causes.items(), key=lambda x: (-x[1], x[0]))]

    @strawberry.field(description="Share of the registered-poor households meeting each exit indicator in that year.")
    async def exit(self, info: Info) -> ExitShares:
        return exit_shares(await self._tally(info, "exits"))

    @strawberry.field(description="Projects of the year located in this place or below it, by stage.")
    async def projects_by_stage(self, info: Info) -> list[StageCount]:
        stages = (await self._tally(info, "projects")).stages
        return [StageCount(stage=s, projects=stages[s.value]) for s in ProjectStage]

    @strawberry.field(
        description="Funds allocated in that year to projects located in this place or in places below it."
    )
    async def funds(self, info: Info) -> Decimal:
        return _yuan((await self._tally(info, "funds")).counts["fundsFen"])

    @strawberry.field(description="Per industry, the households it drives (industries driving none are left out).")
    async def industry_coverage(self, info: Info) -> list[IndustryShare]:
        households = await self._tally(info, "households")
        found = (await self._tally(info, "industries")).industries
        return [
            IndustryShare(industry_code=strawberry.ID(code), **_shares(found, code, households))
            for code in _codes(found)
        ]

    @strawberry.field(description="Per policy, the households it covered in the year.")
    async def policy_coverage(self, info: Info) -> list[PolicyShare]:
        households = await self._tally(info, "households")
        found = (await self._tally(info, "policies")).policies
        return [
            PolicyShare(policy_code=strawberry.ID(code), **_shares(found, code, households)) for code in _codes(found)
        ]

    @classmethod
    async def load(cls, info: Info, level: PlaceLevelSpec, code: str, year: int | None) -> PlaceStats:
        return cls(year=await resolve_year(info, year), level=level, code=code)


@strawberry.type
class RollupRow:
    code: strawberry.ID
    name: str
    level: PlaceLevel
    parent_code: strawberry.ID | None
    stats: PlaceStats


@strawberry.type
class RollupEdge:
    cursor: str
    node: RollupRow


@strawberry.type
class RollupConnection:
    edges: list[RollupEdge]
    page_info: PageInfo
    total_count: int


async def resolve_year(info: Info, year: int | None) -> int:
    """The year asked for, or the latest year with income data."""
    if year is not None:
        return year
    latest = await info.context.loaders.stats.latest_year.load(LATEST)
    if latest is None:
        raise LookupError("the database holds no incomes: seed it or import them")
    return latest


async def rollup(
    info: Info,
    level: PlaceLevel,
    parent_code: str | None,
    year: int | None,
    order_by: StatsOrder,
    descending: bool,
    first: int,
    after: str | None,
) -> RollupConnection:
    """Every place of a level (within a parent), with its stats, sorted in memory (places are few)."""
    if not 0 <= first <= MAX_PAGE:
        raise BadUserInput(f"`first` must be between 0 and {MAX_PAGE}, not {first}", argument="first")
    cursor_order = f"{order_by.value}:{'DESC' if descending else 'ASC'}"
    start = decode_cursor(cursor_order, after) if after else None
    spec = PlaceLevelSpec(level.value)
    resolved = await resolve_year(info, year)
    places = await info.context.graph.read(rollup_places, spec, parent_code)
    rows = [
        RollupRow(
            code=strawberry.ID(p.code),
            name=p.name,
            level=level,
            parent_code=strawberry.ID(p.parent_code) if p.parent_code else None,
            stats=PlaceStats(year=resolved, level=spec, code=p.code),
        )
        for p in places
    ]
    # Gathered, so that the loaders see every place in one tick: one query per component.
    keys = await asyncio.gather(*(_sort_key(info, order_by, row) for row in rows))
    keyed = list(zip(keys, rows, strict=True))
    # By value (either way), then by code ascending: ties keep their order under a reversed stable sort.
    keyed.sort(key=lambda pair: pair[0][1])
    keyed.sort(key=lambda pair: pair[0][0], reverse=descending)
    if start is not None:
        keyed = [pair for pair in keyed if _after(pair[0], start, descending)]
    page = keyed[:first]
    edges = [RollupEdge(cursor=encode_cursor(cursor_order, key), node=row) for key, row in page]
    return RollupConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(keyed) > first,
            has_previous_page=start is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(rows),
    )


async def _sort_key(info: Info, order: StatsOrder, row: RollupRow) -> SortKey:
    stats = row.stats
    value: int | float
    if order is StatsOrder.CODE:
        value = 0
    elif order is StatsOrder.MEDIAN_INCOME:
        found = distribution(await stats._tally(info, "incomes"))
        value = int(found.median * 100) if found else -1
    elif order is StatsOrder.FUNDS:
        value = (await stats._tally(info, "funds")).counts["fundsFen"]
    elif order is StatsOrder.EXIT_ALL:
        value = exit_shares(await stats._tally(info, "exits")).all
    else:
        tally = await stats._tally(info, "households")
        value = poverty_incidence(tally) if order is StatsOrder.POVERTY_INCIDENCE else tally.counts[_COUNT[order]]
    return (value, str(row.code))


def _after(key: SortKey, start: SortKey, descending: bool) -> bool:
    """Whether a row comes after the cursor's row: further in value order, or equal in value and later in code."""
    if key[0] == start[0]:
        return bool(key[1] > start[1])
    return bool(key[0] < start[0]) if descending else bool(key[0] > start[0])


_COUNT = {
    StatsOrder.HOUSEHOLDS: "households",
    StatsOrder.REGISTERED_POOR: "registeredPoor",
    StatsOrder.POPULATION: "population",
}


def poverty_incidence(tally: Tally) -> float:
    population = tally.counts["population"]
    return tally.counts["poorPopulation"] / population if population else 0.0


def exit_shares(tally: Tally) -> ExitShares:
    total = sum(tally.exits.values())

    def share(met: int) -> float:
        return met / total if total else 0.0

    per = [share(sum(n for combo, n in tally.exits.items() if combo[i])) for i in range(len(INDICATORS))]
    return ExitShares(
        income_above_line=per[0],
        food_and_clothing=per[1],
        education=per[2],
        medical_insurance=per[3],
        safe_housing=per[4],
        safe_water=per[5],
        all=share(sum(n for combo, n in tally.exits.items() if all(combo))),
    )


def distribution(tally: Tally) -> IncomeDistribution | None:
    values = sorted(tally.per_capita_fen)
    if not values:
        return None
    return IncomeDistribution(
        median=quantile(values, 2), lower_quartile=quantile(values, 1), upper_quartile=quantile(values, 3)
    )


def quantile(values: list[int], quarter: int) -> Decimal:
    """The `quarter`-th quartile of sorted fen values, interpolated as `statistics.quantiles(n=4,
    method='inclusive')` does, exactly, then rounded half-even to the fen (as yuan)."""
    if len(values) == 1:
        return _yuan(values[0])
    span = quarter * (len(values) - 1)
    j, delta = divmod(span, 4)
    quarters = values[j] * (4 - delta) + (values[j + 1] * delta if delta else 0)
    fen = (Decimal(quarters) / 4).quantize(Decimal(1), rounding=decimal.ROUND_HALF_EVEN)
    return _yuan(int(fen))


def _codes(found: Counter[tuple[str, bool]]) -> list[str]:
    return sorted({code for code, _ in found})


class _Shares(TypedDict):
    households: int
    registered_poor_households: int
    share: float
    poor_share: float


def _shares(found: Counter[tuple[str, bool]], code: str, households: Tally) -> _Shares:
    """Households, registered-poor households, and their shares of the place's."""
    poor = found[(code, True)]
    total = poor + found[(code, False)]
    all_households, all_poor = households.counts["households"], households.counts["registeredPoor"]
    return _Shares(
        households=total,
        registered_poor_households=poor,
        share=total / all_households if all_households else 0.0,
        poor_share=poor / all_poor if all_poor else 0.0,
    )


def _yuan(fen: int) -> Decimal:
    amount = from_fen(fen)
    assert amount is not None
    return amount
