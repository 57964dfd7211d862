"""The 2018 project library (1,262 declared: 380 rejected, 503 in reserve, 379 carried out, 349 of them
completed within the year), the fund pools that paid for them, and a few 2019 declarations."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from graph.loader import Batch, Row
from seeds import reference as ref
from seeds.plan import Plan, VillagePlan

YEAR = 2018
REJECTED, RESERVE, IMPLEMENTED = 380, 503, 379
COMPLETED = 349  # 349 / 379 = 92.08 %, the article's "92%"
DECLARED_NEXT_YEAR = 12


def project_batches(rng: random.Random, plan: Plan) -> Iterator[Batch]:
    stages = ["REJECTED"] * REJECTED + ["RESERVE"] * RESERVE + ["IMPLEMENTED"] * IMPLEMENTED
    rng.shuffle(stages)
    implemented = [k for k, s in enumerate(stages) if s == "IMPLEMENTED"]
    completed = set(rng.sample(implemented, COMPLETED))
    experts = _experts_by_industry()
    fund_totals = {suffix: 0 for suffix, _, _ in ref.FUND_SOURCES}
    rows: list[Row] = []
    for k, stage in enumerate(stages):
        row = _project(rng, plan, f"P{YEAR}-{k + 1:04d}", YEAR, stage, k in completed, experts)
        for a in row["allocations"]:
            fund_totals[a["fund"].split("-", 1)[1]] += a["amountFen"]
        rows.append(row)
    # Urgency: the online ranking, best-evaluated first.
    order = sorted(range(len(rows)), key=lambda i: (-(rows[i]["props"]["performanceScore"] or 0), i))
    for rank, i in enumerate(order, start=1):
        rows[i]["props"]["urgencyRank"] = rank
    for k in range(DECLARED_NEXT_YEAR):
        rows.append(_project(rng, plan, f"P{YEAR + 1}-{k + 1:04d}", YEAR + 1, "DECLARED", False, experts))
    yield Batch(
        "funds",
        [
            {"props": {"id": f"F{YEAR}-{suffix}", "source": source, "year": YEAR, "amountFen": fund_totals[suffix]}}
            for suffix, source, _ in ref.FUND_SOURCES
        ],
    )
    for start in range(0, len(rows), 500):
        yield Batch("projects", rows[start : start + 500])


def _experts_by_industry() -> dict[str | None, list[str]]:
    out: dict[str | None, list[str]] = {}
    for k, (field_, industries) in enumerate(f for f in ref.EXPERT_FIELDS for _ in range(2)):
        for code in industries or (None,):
            if code is None and field_ != "项目绩效评价":
                continue
            out.setdefault(code, []).append(f"X{k + 1:03d}")
    return out


def _project(
    rng: random.Random,
    plan: Plan,
    code: str,
    year: int,
    stage: str,
    completed: bool,
    experts: dict[str | None, list[str]],
) -> Row:
    suffix, industry, department = rng.choice(ref.PROJECT_KINDS)
    village = rng.choice(plan.villages)
    township = village.township
    at_village = rng.random() < 0.85
    place_name = village.name if at_village else township.name
    place = village.code if at_village else township.code
    r = rng.random()
    if at_village and r < 0.55:
        declarer, unit = village.code, f"{village.name}村民委员会"
    elif r < 0.8:
        declarer, unit = township.code, f"{township.name}人民政府"
    else:
        declarer, unit = department, dict(ref.DEPARTMENTS)[department]
    if stage == "IMPLEMENTED":
        purpose = "EXIT"
    elif stage == "RESERVE":
        purpose = rng.choice(("CONSOLIDATION", "EXTENSION"))
    else:
        purpose = rng.choice(("EXIT", "CONSOLIDATION", "EXTENSION"))
    budget = rng.randint(3, 200) * 1_000_000
    props: Row = {
        "code": code,
        "name": f"{year}年{place_name}{suffix}",
        "year": year,
        "purpose": purpose,
        "stage": stage,
        "nature": "NEW" if rng.random() < 0.6 else "RENOVATION",
        "budgetFen": budget,
        "responsibleUnit": unit,
        "started": stage == "IMPLEMENTED",
        "completed": completed,
        "performanceScore": {
            "REJECTED": lambda: round(rng.uniform(35, 68), 1),
            "RESERVE": lambda: round(rng.uniform(60, 88), 1),
            "IMPLEMENTED": lambda: round(rng.uniform(72, 98), 1),
        }.get(stage, lambda: None)(),
    }
    beneficiaries: list[str] = []
    allocations: list[Row] = []
    if stage == "IMPLEMENTED":
        start = date(YEAR, 3, 1) + timedelta(days=rng.randint(0, 140))
        props["startDate"] = start
        if completed:
            props["completionDate"] = min(start + timedelta(days=rng.randint(50, 200)), date(YEAR, 12, 28))
            props["deadline"] = date(YEAR, 12, 31)
        else:
            props["deadline"] = date(YEAR + 1, rng.randint(3, 6), 30)
        pool = _poor_households(
            plan, [village] if at_village else [v for v in plan.villages if v.township.code == township.code]
        )
        beneficiaries = sorted(rng.sample(pool, min(len(pool), rng.randint(10, 60))))
        props["plannedBeneficiaries"] = len(beneficiaries) + rng.randint(0, 20)
        allocations = _allocations(rng, code, budget)
    else:
        props["deadline"] = date(year + 1, rng.randint(1, 12), 28)
        props["plannedBeneficiaries"] = rng.randint(10, 120)
    advisers: list[str] = []
    if stage in ("IMPLEMENTED", "RESERVE") and rng.random() < 0.3:
        advisers = [rng.choice(experts[industry])]
    return {
        "props": props,
        "place": place,
        "declarer": declarer,
        "industry": industry,
        "beneficiaries": beneficiaries,
        "experts": advisers,
        "allocations": allocations,
    }


def _poor_households(plan: Plan, villages: list[VillagePlan]) -> list[str]:
    return [v.household_id(h) for v in villages for h in range(v.start, v.start + v.count) if plan.poor[h]]


def _allocations(rng: random.Random, code: str, budget: int) -> list[Row]:
    """Split a budget over 1-3 fund pools, in whole yuan, summing exactly."""
    sources = [s for s, _, _ in ref.FUND_SOURCES]
    weights = [w for _, _, w in ref.FUND_SOURCES]
    chosen: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        s = rng.choices(sources, weights)[0]
        if s not in chosen:
            chosen.append(s)
    chosen.sort(key=sources.index)
    cuts = sorted(rng.randint(1, budget // 100 - 1) * 100 for _ in chosen[1:])
    bounds = [0, *cuts, budget]
    return [
        {"fund": f"F{YEAR}-{s}", "amountFen": bounds[i + 1] - bounds[i]}
        for i, s in enumerate(chosen)
        if bounds[i + 1] > bounds[i]
    ]
