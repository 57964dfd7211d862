"""One DataLoader per relationship, built per request: a level of a query costs one Cypher round trip,
however many objects it returns. Each load function runs one graph function and answers in key order."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from neo4j import AsyncManagedTransaction
from strawberry.dataloader import DataLoader

from graph import history as g_history
from graph import households as g_households
from graph import industries as g_industries
from graph import places as g_places
from graph import policies as g_policies
from graph import projects as g_projects
from graph import qr as g_qr
from graph import tracing as g_tracing
from graph.driver import CountingGraph
from graph.paging import Page, PageRequest
from schema.alert_loaders import AlertLoaders
from schema.stats_loaders import StatsLoaders

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

ByKey = Callable[[AsyncManagedTransaction, list[Any]], Awaitable[dict[Any, Any]]]


def _by_key(graph: CountingGraph, fetch: ByKey, missing: Callable[[], Any]) -> DataLoader[Any, Any]:
    async def load(keys: list[Any]) -> list[Any]:
        found = await graph.read(fetch, list(keys))
        return [found[key] if key in found else missing() for key in keys]

    return DataLoader(load_fn=load)


def _priming(
    graph: CountingGraph, fetch: ByKey, target: DataLoader[str, Any], key_of: Callable[[Any], str]
) -> DataLoader[str, list[str]]:
    """Keys of related objects per key; the records read along prime `target`, so that resolving them
    costs no further round trip."""

    async def load(keys: list[str]) -> list[list[str]]:
        found = await graph.read(fetch, list(keys))
        for records in found.values():
            for record in records:
                target.prime(key_of(record), record)
        return [[key_of(r) for r in found.get(key, [])] for key in keys]

    return DataLoader(load_fn=load)


def _drive_links(graph: CountingGraph, enterprises: DataLoader[str, Any]) -> DataLoader[str, list[Any]]:
    async def load(keys: list[str]) -> list[list[Any]]:
        found = await graph.read(g_industries.drive_links_by_household, list(keys))
        for links in found.values():
            for link in links:
                if link.enterprise is not None:
                    enterprises.prime(link.enterprise_id, link.enterprise)
        return [found.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


def _none() -> None:
    return None


def _zero() -> int:
    return 0


# Pages and counts are batched per group of keys that share everything but the scope key:
# (scope kind, scope key, filter, order, page request) → one query per (scope kind, filter, order, page).
PageKey = tuple[Any, str, Any, Any, PageRequest]
CountKey = tuple[Any, str, Any]


def _grouped(
    graph: CountingGraph, run: Callable[[AsyncManagedTransaction, Any, list[str]], Awaitable[dict[str, Any]]]
) -> DataLoader[Any, Any]:
    async def load(keys: list[tuple[Any, ...]]) -> list[Any]:
        groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
        for key in keys:
            groups[(key[0], *key[2:])].append(key[1])
        # Groups are independent queries: run them side by side.
        found = await asyncio.gather(*(graph.read(run, group, scope_keys) for group, scope_keys in groups.items()))
        answers: dict[tuple[Any, ...], Any] = {}
        for (group, scope_keys), by_scope in zip(groups.items(), found, strict=True):
            for scope_key in scope_keys:
                answers[(group[0], scope_key, *group[1:])] = by_scope[scope_key]
        return [answers[key] for key in keys]

    return DataLoader(load_fn=load)


async def _household_pages(tx: AsyncManagedTransaction, group: Any, keys: list[str]) -> dict[str, Page[Any]]:
    scope, household_filter, order, request = group
    return await g_households.page_households(tx, scope, keys, household_filter, order, request)


async def _household_counts(tx: AsyncManagedTransaction, group: Any, keys: list[str]) -> dict[str, int]:
    scope, household_filter = group
    return await g_households.count_households(tx, scope, keys, household_filter)


async def _project_pages(tx: AsyncManagedTransaction, group: Any, keys: list[str]) -> dict[str, Page[Any]]:
    scope, project_filter, order, request = group
    return await g_projects.page_projects(tx, scope, keys, project_filter, order, request)


async def _project_counts(tx: AsyncManagedTransaction, group: Any, keys: list[str]) -> dict[str, int]:
    scope, project_filter = group
    return await g_projects.count_projects(tx, scope, keys, project_filter)


async def _driven_pages(tx: AsyncManagedTransaction, group: Any, keys: list[str]) -> dict[str, Page[Any]]:
    driver, poor_only, request = group
    return await g_industries.page_driven_households(tx, driver, keys, poor_only, request)


async def _driven_counts(tx: AsyncManagedTransaction, group: Any, keys: list[str]) -> dict[str, int]:
    driver, poor_only = group
    return await g_industries.count_driven_households(tx, driver, keys, poor_only)


async def _claim_pages(tx: AsyncManagedTransaction, group: Any, keys: list[str]) -> dict[str, Page[Any]]:
    scope, request = group
    return await g_policies.page_claims(tx, scope, keys, request)


async def _claim_counts(tx: AsyncManagedTransaction, group: Any, keys: list[str]) -> dict[str, int]:
    (scope,) = group
    return await g_policies.count_claims(tx, scope, keys)


async def _measure_pages(tx: AsyncManagedTransaction, group: Any, keys: list[str]) -> dict[str, Page[Any]]:
    _, request = group
    return await g_households.page_measures(tx, keys, request)


async def _history_pages(tx: AsyncManagedTransaction, group: Any, keys: list[str]) -> dict[str, Page[Any]]:
    _, request = group
    return await g_history.history_pages(tx, keys, request)


async def _industry_coverage(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, Any]:
    found = await g_industries.coverage_of_industry_sets(tx, [[code] for code in codes])
    return dict(zip(codes, found, strict=True))


async def _policy_years(tx: AsyncManagedTransaction, keys: list[tuple[str, int]]) -> dict[Any, Any]:
    return await g_policies.coverage_by_policy_year(tx, keys)


def _tokens(kind: g_qr.QrTargetKind) -> ByKey:
    async def fetch(tx: AsyncManagedTransaction, keys: list[str]) -> dict[str, g_qr.QrTokenRecord]:
        return await g_qr.tokens_by_target(tx, kind, keys)

    return fetch


@dataclass
class Loaders:
    townships: DataLoader[str, g_places.TownshipRecord | None]
    villages: DataLoader[str, g_places.VillageRecord | None]
    villages_by_township: DataLoader[str, list[g_places.VillageRecord]]
    village_counts: DataLoader[str, g_places.HouseholdCounts | None]
    households: DataLoader[str, g_households.HouseholdRecord | None]
    members: DataLoader[str, list[g_households.PersonRecord]]
    measures: DataLoader[str, list[g_households.MeasureRecord]]
    helpers: DataLoader[str, list[g_households.CadreRecord]]
    incomes: DataLoader[str, list[g_households.IncomeRecord]]
    measure_pages: DataLoader[tuple[str, str, PageRequest], Page[g_households.MeasureRecord]]
    measure_counts: DataLoader[str, int]
    cadres: DataLoader[str, g_households.CadreRecord | None]
    claims_by_id: DataLoader[str, g_policies.ClaimRecord | None]
    household_pages: DataLoader[PageKey, Page[g_households.HouseholdRecord]]
    household_counts: DataLoader[CountKey, int]
    industries: DataLoader[str, g_industries.IndustryRecord | None]
    industry_codes_by_household: DataLoader[str, list[str]]
    enterprises: DataLoader[str, g_industries.EnterpriseRecord | None]
    enterprise_ids_by_industry: DataLoader[str, list[str]]
    drive_links: DataLoader[str, list[g_industries.DriveLinkRecord]]
    industry_coverage: DataLoader[str, g_industries.CoverageRecord]
    enterprise_reach: DataLoader[str, g_industries.CoverageRecord | None]
    driven_pages: DataLoader[tuple[Any, str, bool, PageRequest], Page[g_industries.DrivenHouseholdRecord]]
    driven_counts: DataLoader[tuple[Any, str, bool], int]
    projects: DataLoader[str, g_projects.ProjectRecord | None]
    funds: DataLoader[str, list[g_projects.FundAllocationRecord]]
    project_pages: DataLoader[PageKey, Page[g_projects.ProjectRecord]]
    project_counts: DataLoader[CountKey, int]
    policies: DataLoader[str, g_policies.PolicyRecord | None]
    covered_codes: DataLoader[str, list[str]]
    bundles: DataLoader[str, str | None]
    policy_years: DataLoader[tuple[str, int], g_policies.PolicyYearRecord | None]
    policy_codes_by_household: DataLoader[str, list[str]]
    claims: DataLoader[str, list[g_policies.ClaimRecord]]
    claim_pages: DataLoader[tuple[g_policies.ClaimScope, str, PageRequest], Page[g_policies.ClaimRecord]]
    claim_counts: DataLoader[tuple[g_policies.ClaimScope, str], int]
    history_pages: DataLoader[tuple[str, str, PageRequest], Page[g_history.ChangeRecord]]
    history_counts: DataLoader[str, int]
    stats: StatsLoaders
    alerts: AlertLoaders
    qr_tokens: dict[g_qr.QrTargetKind, DataLoader[str, g_qr.QrTokenRecord | None]]
    project_benefits: DataLoader[str, list[g_tracing.ProjectBenefitRecord]]
    project_flows: DataLoader[str, g_tracing.ProjectFlowRecord | None]
    policy_coverage: DataLoader[str, list[g_tracing.PolicyCoverageRecord]]
    helper_history: DataLoader[str, list[g_tracing.HelperPeriodRecord]]
    enterprise_link_totals: DataLoader[str, g_tracing.LinkTotalsRecord]
    industry_link_totals: DataLoader[str, g_tracing.LinkTotalsRecord]

    @classmethod
    def create(cls, graph: CountingGraph) -> Loaders:
        industries = _by_key(graph, g_industries.industries_by_code, _none)
        enterprises = _by_key(graph, g_industries.enterprises_by_id, _none)
        policies = _by_key(graph, g_policies.policies_by_code, _none)
        return cls(
            townships=_by_key(graph, g_places.townships_by_code, _none),
            villages=_by_key(graph, g_places.villages_by_code, _none),
            villages_by_township=_by_key(graph, g_places.villages_by_township, list),
            village_counts=_by_key(graph, g_places.household_counts_by_village, _none),
            households=_by_key(graph, g_households.households_by_id, _none),
            members=_by_key(graph, g_households.members_by_household, list),
            measures=_by_key(graph, g_households.measures_by_household, list),
            helpers=_by_key(graph, g_households.helpers_by_household, list),
            incomes=_by_key(graph, g_households.incomes_by_household, list),
            measure_pages=_grouped(graph, _measure_pages),
            measure_counts=_by_key(graph, g_households.count_measures, _zero),
            cadres=_by_key(graph, g_households.cadres_by_id, _none),
            claims_by_id=_by_key(graph, g_policies.claims_by_id, _none),
            household_pages=_grouped(graph, _household_pages),
            household_counts=_grouped(graph, _household_counts),
            industries=industries,
            industry_codes_by_household=_priming(
                graph, g_industries.industries_by_household, industries, lambda r: r.code
            ),
            enterprises=enterprises,
            enterprise_ids_by_industry=_by_key(graph, g_industries.enterprise_ids_by_industry, list),
            drive_links=_drive_links(graph, enterprises),
            industry_coverage=_by_key(graph, _industry_coverage, _none),
            enterprise_reach=_by_key(graph, g_industries.reach_of_enterprises, _none),
            driven_pages=_grouped(graph, _driven_pages),
            driven_counts=_grouped(graph, _driven_counts),
            projects=_by_key(graph, g_projects.projects_by_code, _none),
            funds=_by_key(graph, g_projects.funds_by_project, list),
            project_pages=_grouped(graph, _project_pages),
            project_counts=_grouped(graph, _project_counts),
            policies=policies,
            covered_codes=_by_key(graph, g_policies.covered_codes_by_policy, list),
            bundles=_by_key(graph, g_policies.bundle_by_policy, _none),
            policy_years=_by_key(graph, _policy_years, _none),
            policy_codes_by_household=_priming(graph, g_policies.policies_by_household, policies, lambda r: r.code),
            claims=_by_key(graph, g_policies.claims_by_household, list),
            claim_pages=_grouped(graph, _claim_pages),
            claim_counts=_grouped(graph, _claim_counts),
            history_pages=_grouped(graph, _history_pages),
            history_counts=_by_key(graph, g_history.history_counts, _zero),
            stats=StatsLoaders.create(graph),
            alerts=AlertLoaders.create(graph),
            qr_tokens={kind: _by_key(graph, _tokens(kind), _none) for kind in g_qr.QrTargetKind},
            project_benefits=_by_key(graph, g_tracing.project_benefits_by_household, list),
            project_flows=_by_key(graph, g_tracing.flows_by_project, _none),
            policy_coverage=_by_key(graph, g_tracing.coverage_by_household, list),
            helper_history=_by_key(graph, g_tracing.helper_history_by_household, list),
            enterprise_link_totals=_by_key(graph, g_tracing.enterprise_link_totals, _none),
            industry_link_totals=_by_key(graph, g_tracing.industry_link_totals, _none),
        )
