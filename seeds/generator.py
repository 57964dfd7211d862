"""The demo county as a stream of batches: a pure function of (seed, households). One
`random.Random(seed)` is passed down, iteration is always in a fixed order and no clock is read, so
the same arguments give the same rows (QR tokens aside: they come from `graph.qr_tokens`)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from graph.loader import Batch, Row
from seeds import reference as ref
from seeds.identity import IdAllocator
from seeds.plan import FUNGI, LIVESTOCK, WALNUT, Plan, VillagePlan, make_plan
from seeds.projects import project_batches

DEFAULT_SEED = 20190904
DEFAULT_HOUSEHOLDS = 27_000
CHUNK_HOUSEHOLDS = 3_000  # households generated (and held in memory) at a time
BATCH_ROWS = 10_000

TokenSource = Callable[[], str]

MONTHLY_WAGE_FEN = (280_000, 400_000)
PENSION_FEN = 130_000  # basic rural pension, about 108 yuan a month
ENTERPRISE_INDUSTRY = {e.id: e.industry for e in ref.ENTERPRISES}
RELATIONS_CHILD = {"MALE": "之子", "FEMALE": "之女"}
RELATIONS_GRANDCHILD = {"MALE": "之孙子", "FEMALE": "之孙女"}


@dataclass
class Counter:
    claims: int = 0
    worked_claim_id: str = ""


@dataclass
class Context:
    rng: random.Random
    plan: Plan
    ids: IdAllocator
    token: TokenSource
    counter: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Part:
    """Batches to write in order. Parts with `independent` set (one per chunk of villages) may be
    written concurrently with each other; any other part waits for everything before it."""

    batches: list[Batch]
    independent: bool = False


def generate(
    seed: int = DEFAULT_SEED, households: int = DEFAULT_HOUSEHOLDS, token: TokenSource | None = None
) -> Iterator[Batch]:
    """Every batch of the demo county, in an order the loader can write one after another."""
    for part in generate_parts(seed, households, token):
        yield from part.batches


def generate_parts(
    seed: int = DEFAULT_SEED, households: int = DEFAULT_HOUSEHOLDS, token: TokenSource | None = None
) -> Iterator[Part]:
    """The demo county in parts: reference data, one part per chunk of villages, then the projects."""
    rng = random.Random(seed)
    plan = make_plan(rng, households)
    ctx = Context(rng, plan, IdAllocator(), token or _no_token)
    yield Part(list(reference_batches(ctx)))
    chunk: list[VillagePlan] = []
    for village in plan.villages:
        chunk.append(village)
        if sum(v.count for v in chunk) >= CHUNK_HOUSEHOLDS:
            yield Part(list(chunk_batches(ctx, chunk)), independent=True)
            chunk = []
    if chunk:
        yield Part(list(chunk_batches(ctx, chunk)), independent=True)
    yield Part(list(project_batches(rng, plan)))


def _no_token() -> str:
    return ""


def _split(kind: str, rows: list[Row], households: int = 0, size: int = BATCH_ROWS) -> Iterator[Batch]:
    for start in range(0, len(rows), size):
        last = start + size >= len(rows)
        yield Batch(kind, rows[start : start + size], households if last else 0)


def reference_batches(ctx: Context) -> Iterator[Batch]:
    rng, plan = ctx.rng, ctx.plan
    yield Batch("county", [{"props": dict(ref.COUNTY), "token": ctx.token()}])
    yield Batch(
        "townships",
        [
            {
                "props": {"code": t.code, "name": t.name, "kind": t.kind},
                "county": ref.COUNTY["code"],
                "token": ctx.token(),
            }
            for t in ref.TOWNSHIPS
        ],
    )
    yield Batch(
        "villages",
        [
            {"props": {"code": v.code, "name": v.name}, "township": v.township.code, "token": ctx.token()}
            for v in plan.villages
        ],
    )
    yield Batch("departments", [{"props": {"code": c, "name": n}} for c, n in ref.DEPARTMENTS])
    yield Batch(
        "poverty_lines",
        [
            {"props": {"year": y, "amountFen": a * 100, "monitoringLineFen": ref.MONITORING_LINES_FEN[y]}}
            for y, a in sorted(ref.POVERTY_LINES_YUAN.items())
        ],
    )
    yield Batch(
        "industries",
        [
            {
                "props": {
                    "code": i.code,
                    "name": i.name,
                    "tier": i.tier,
                    "scaleAmount": i.scale_amount,
                    "scaleUnit": i.scale_unit,
                    "outputValueFen": None if i.output_value_yuan is None else i.output_value_yuan * 100,
                    "products": list(i.products),
                }
            }
            for i in ref.INDUSTRIES
        ],
    )
    by_township = {t.name: [v for v in plan.villages if v.township.name == t.name] for t in ref.TOWNSHIPS}
    enterprises: list[Row] = []
    for e in ref.ENTERPRISES:
        if e.id == ref.WEIHE:
            place = plan.villages[plan.weihe_villages[0]].code
        elif e.kind == "COOPERATIVE":
            place = rng.choice(by_township[e.township]).code
        else:
            place = next(t.code for t in ref.TOWNSHIPS if t.name == e.township)
        enterprises.append(
            {
                "props": {
                    "id": e.id,
                    "name": e.name,
                    "kind": e.kind,
                    "investmentFen": None if e.investment_yuan is None else e.investment_yuan * 100,
                    "stores": e.stores,
                    "description": e.description or f"{e.name}，带动农户发展{_industry_name(e.industry)}产业",
                },
                "industry": e.industry,
                "place": place,
            }
        )
    yield Batch("enterprises", enterprises)
    policies: list[Row] = [{"props": _policy_props(ref.YBT_POLICY), "bundle": None}]
    policies += [{"props": _policy_props(p), "bundle": ref.YBT} for p in ref.YBT_TYPES]
    policies += [{"props": _policy_props(p), "bundle": None} for p in ref.OTHER_POLICIES]
    yield Batch("policies", policies)
    experts: list[Row] = []
    for k, (fieldname, industries) in enumerate(f for f in ref.EXPERT_FIELDS for _ in range(2)):
        experts.append(
            {
                "props": {"id": f"X{k + 1:03d}", "name": person_name(rng, rng.random() < 0.7), "field": fieldname},
                "industries": list(industries),
            }
        )
    yield Batch("experts", experts)


def _industry_name(code: str) -> str:
    return next(i.name for i in ref.INDUSTRIES if i.code == code)


def _policy_props(p: ref.PolicyRef) -> Row:
    return {
        "code": p.code,
        "name": p.name,
        "kind": p.kind,
        "description": p.description,
        "category": p.category,
        "rateCap": p.rate_cap,
        "minSumInsuredFen": None if p.min_sum_insured_yuan is None else p.min_sum_insured_yuan * 100,
    }


def person_name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    """An invented name; never one of the real people the article names."""
    chars = ref.MALE_CHARS if male else ref.FEMALE_CHARS
    while True:
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
        name = (surname or rng.choice(ref.SURNAMES)) + given
        if name not in ref.RESERVED_NAMES:
            return name


def random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


# -- one chunk of villages -------------------------------------------------------------------------


def chunk_batches(ctx: Context, villages: list[VillagePlan]) -> Iterator[Batch]:
    cadres: list[Row] = []
    households: list[Row] = []
    coverage: list[Row] = []
    engagements: list[Row] = []
    drives: list[Row] = []
    helps: list[Row] = []
    visits: list[Row] = []
    claims: list[Row] = []
    for v in villages:
        village_cadres = _village_cadres(ctx, v)
        cadres += village_cadres
        helpers = [c["props"]["id"] for c in village_cadres if c["props"]["role"] == "HELPER"]
        first_secretary = village_cadres[0]["props"]["id"]
        poor = [h for h in range(v.start, v.start + v.count) if ctx.plan.poor[h]]
        assignment = [k % len(helpers) for k in range(len(poor))]
        ctx.rng.shuffle(assignment)
        helper_of = dict(zip(poor, assignment, strict=True))
        for h in range(v.start, v.start + v.count):
            row, extra = household(ctx, v, h)
            households.append(row)
            hid = row["props"]["id"]
            coverage += [{"household": hid, **c} for c in row.pop("coverage")]
            engagements += [{"household": hid, **g} for g in row.pop("engages")]
            drives += [{"household": hid, **d} for d in row.pop("drivers")]
            claims += extra
            if h in helper_of:
                hid = row["props"]["id"]
                current = helpers[helper_of[h]]
                helps_rows = _pairings(ctx.rng, hid, current, helpers)
                helps += helps_rows
                for n in range(ctx.rng.randint(1, 3)):
                    cadre = current if ctx.rng.random() < 0.8 else first_secretary
                    visits.append(
                        {
                            "cadre": cadre,
                            "household": hid,
                            "props": {
                                "id": f"{hid}-V{n + 1}",
                                "date": random_date(ctx.rng, date(2018, 1, 5), date(2018, 12, 25)),
                                "notes": ctx.rng.choice(ref.VISIT_NOTES),
                            },
                        }
                    )
    yield from _split("cadres", cadres)
    yield from _split("households", households, sum(v.count for v in villages), size=1_000)
    yield from _split("coverage", coverage)
    yield from _split("engagements", engagements)
    yield from _split("drives", drives)
    yield from _split("helps", helps)
    yield from _split("visits", visits)
    yield from _split("claims", claims)


def _village_cadres(ctx: Context, v: VillagePlan) -> list[Row]:
    rng = ctx.rng
    if v.name == ref.SHANGJIAGOU:
        # The article names him in this public role; his unit is not public, so none is invented.
        fs: Row = {"id": f"C{v.code}-FS", "name": ref.FIRST_SECRETARY_OF_SHANGJIAGOU, "role": "FIRST_SECRETARY"}
    else:
        unit, level = rng.choice(ref.FIRST_SECRETARY_UNITS)
        fs = {
            "id": f"C{v.code}-FS",
            "name": person_name(rng, rng.random() < 0.8),
            "role": "FIRST_SECRETARY",
            "unit": unit,
            "level": level,
        }
    rows: list[Row] = [
        {"props": fs, "serves": v.code, "since": random_date(rng, date(2015, 8, 1), date(2018, 3, 31))},
        {
            "props": {
                "id": f"C{v.code}-VS",
                "name": person_name(rng, rng.random() < 0.9),
                "role": "VILLAGE_SECRETARY",
                "unit": f"{v.name}党支部",
                "level": "VILLAGE",
            },
            "serves": v.code,
            "since": random_date(rng, date(2011, 1, 1), date(2017, 12, 31)),
        },
    ]
    poor_count = sum(ctx.plan.poor[v.start : v.start + v.count])
    for k in range(max(1, math.ceil(poor_count / 7))):
        if rng.random() < 0.15:
            unit, level = f"{v.township.name}人民政府", "TOWNSHIP"
        else:
            unit, level = rng.choice(ref.HELPER_UNITS)
        rows.append(
            {
                "props": {
                    "id": f"C{v.code}-{k + 1:03d}",
                    "name": person_name(rng, rng.random() < 0.7),
                    "role": "HELPER",
                    "unit": unit,
                    "level": level,
                },
                "serves": None,
                "since": None,
            }
        )
    return rows


def _pairings(rng: random.Random, hid: str, current: str, helpers: list[str]) -> list[Row]:
    if len(helpers) > 1 and rng.random() < 0.15:
        earlier = rng.choice([c for c in helpers if c != current])
        since = random_date(rng, date(2015, 6, 1), date(2016, 6, 30))
        changed = random_date(rng, date(2016, 9, 1), date(2018, 6, 30))
        return [
            {"cadre": earlier, "household": hid, "props": {"since": since, "until": changed}},
            {"cadre": current, "household": hid, "props": {"since": changed, "until": None}},
        ]
    since = random_date(rng, date(2015, 6, 1), date(2017, 6, 30))
    return [{"cadre": current, "household": hid, "props": {"since": since, "until": None}}]


# -- one household ---------------------------------------------------------------------------------


@dataclass
class Member:
    name: str
    relation: str
    sex: str
    age: int
    health: str = "HEALTHY"
    props: Row = field(default_factory=dict)


def household(ctx: Context, v: VillagePlan, h: int) -> tuple[Row, list[Row]]:
    """One household's row (with its members, incomes, measures, coverage, industries and drivers) and
    its claims."""
    rng, plan = ctx.rng, ctx.plan
    hid = v.household_id(h)
    poor = bool(plan.poor[h])
    worked = h == plan.worked_household
    props: Row = {"id": hid, "registeredPoor": poor}

    # Status and registration history.
    episodes: list[Row] = []
    if poor:
        props["identifiedYear"] = rng.choices((2014, 2015, 2016), (80, 12, 8))[0]
        r = rng.random()
        if worked:
            status, exit_year = "POOR", None
        elif r < 0.02:
            status, exit_year = "MONITORED", rng.choice((2016, 2017, 2018))
        elif r < 0.14:
            status, exit_year = "POOR", None
        else:
            status, exit_year = "EXITED", rng.choices((2016, 2017, 2018), (35, 35, 30))[0]
        exit_year = max(exit_year, props["identifiedYear"]) if exit_year else None
        props["plannedExitYear"] = exit_year or 2019
        if status == "POOR" and not worked and rng.random() < 0.03:
            exit_year = 2016
            props["relapseYear"] = rng.choice((2017, 2018))
        props["exitYear"] = exit_year
        cause = rng.choices([c for c, _ in ref.POVERTY_CAUSES], [w for _, w in ref.POVERTY_CAUSES])[0]
        if worked:
            cause = "因病"
    else:
        r = rng.random()
        status = "MONITORED" if r < 0.004 else "NOT_POOR"
        cause = None
    props["status"] = status

    # Members.
    size = _size(rng, poor)
    members = _members(rng, size, poor, worked)
    if cause == "因学" and not any(6 <= m.age <= 22 for m in members):
        cause = "缺技术"
    _health(rng, members, poor, cause, worked)
    props["primaryCause"] = cause
    if cause is not None:
        others = [c for c, _ in ref.POVERTY_CAUSES if c != cause]
        props["otherCauses"] = rng.sample(others, rng.choices((0, 1, 2), (40, 45, 15))[0])
    if "relapseYear" in props:
        props["relapseReason"] = cause
    head = members[0]
    if poor:
        attribute = rng.choices(("ORDINARY", "LOW_INCOME_POOR"), (80, 20))[0]
        if size == 1 and head.age >= 60 and rng.random() < 0.3:
            attribute = "FIVE_GUARANTEES"
    else:
        attribute = "LOW_INCOME" if rng.random() < 0.03 else "ORDINARY"
    props["attribute"] = attribute
    props["headName"] = head.name

    # Housing, water, contact.
    relocated = poor and rng.random() < 0.06
    renovated = poor and not relocated and rng.random() < 0.2
    props["relocated"] = relocated
    if relocated:
        props.update(
            housingStructure="砖混",
            housingYearBuilt=rng.choice((2017, 2018)),
            housingGrade="A",
            housingArea=min(25 * size, 125),
        )
    else:
        props["housingStructure"] = _weighted(rng, ref.HOUSING_STRUCTURES)
        props["housingYearBuilt"] = rng.randint(2016, 2018) if renovated else rng.randint(1965, 2016)
        unsafe = 0.003 if poor else 0.012
        props["housingGrade"] = (
            rng.choice("CD") if rng.random() < unsafe else "A" if renovated or rng.random() < 0.4 else "B"
        )
        props["housingArea"] = rng.randint(40, 160)
    water = _weighted(rng, ref.WATER_SOURCES)
    props["waterSource"] = water
    props["waterQualityOk"] = rng.random() < (0.6 if water == "HAULED" else 0.995)
    props["phone"] = "1" + rng.choice("3578") + "".join(rng.choices("0123456789", k=9))
    props["bankAccount"] = "6230" + "".join(rng.choices("0123456789", k=15))

    member_rows = _member_rows(ctx, members, attribute, worked)

    # Industries, enterprises and income.
    industries = _industries(rng, plan, h, poor)
    drivers = []
    for enterprise, mode in plan.drivers.get(h, []):
        industry = ENTERPRISE_INDUSTRY[enterprise]
        gain = industries[industry]["incomeFen"]
        drivers.append(
            {
                "enterprise": enterprise,
                "mode": mode,
                "since": random_date(rng, date(2016, 3, 1), date(2018, 6, 30)),
                "incomeGainFen": gain if rng.random() < 0.5 else gain * rng.randint(50, 99) // 100,
            }
        )
    incomes = _incomes(rng, hid, members, industries, attribute, status)

    # Measures, coverage and the things only registered poor households get.
    coverage: list[Row] = [
        {"policy": ref.YBT, "year": ref.DATA_YEAR, "premiumFen": ref.YBT_PREMIUM_PER_PERSON_FEN * size}
    ]
    measures: list[Row] = []
    if poor:
        measures, extra_policies = _measures(rng, hid, members, industries, relocated, renovated, attribute)
        coverage += [{"policy": p, "year": ref.DATA_YEAR, "premiumFen": None} for p in extra_policies]
        props["developmentPlan"] = _plan_text(rng, industries, members)
    elif attribute == "LOW_INCOME":
        coverage.append({"policy": "ALW-01", "year": ref.DATA_YEAR, "premiumFen": None})
    if status == "MONITORED":
        episodes.append(_episode(rng, hid, poor, cause, cleared=False))
    elif rng.random() < 0.002:
        episodes.append(_episode(rng, hid, poor, cause, cleared=True))

    claims = _claims(ctx, hid, members, industries, worked)
    row: Row = {
        "props": props,
        "village": v.code,
        "token": ctx.token(),
        "members": member_rows,
        "incomes": incomes,
        "measures": measures,
        "episodes": episodes,
        "coverage": coverage,
        "engages": [{"industry": k, **g} for k, g in sorted(industries.items())],
        "drivers": drivers,
    }
    return row, claims


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def _size(rng: random.Random, poor: bool) -> int:
    weights = (22, 30, 18, 17, 9, 4) if poor else (14, 29, 22, 21, 10, 4)
    return rng.choices((1, 2, 3, 4, 5, 6), weights)[0]


def _members(rng: random.Random, size: int, poor: bool, worked: bool) -> list[Member]:
    if worked:
        head_age, head_male = 62, False
    elif size == 1:
        head_age, head_male = int(rng.triangular(45, 90, 72)), rng.random() < 0.6
    else:
        head_age, head_male = int(rng.triangular(26, 86, 56)), rng.random() < 0.85
    family = rng.choice(ref.SURNAMES)
    head_sex = "MALE" if head_male else "FEMALE"
    members = [Member(person_name(rng, head_male, family if head_male else None), "户主", head_sex, head_age)]
    if size >= 2 and (worked or rng.random() < 0.88):
        age = max(20, min(95, head_age + rng.randint(-6, 4) * (1 if head_male else -1)))
        sex = "FEMALE" if head_male else "MALE"
        members.append(Member(person_name(rng, not head_male, family if not head_male else None), "配偶", sex, age))
    if len(members) < size and head_age < 48 and rng.random() < 0.35:
        male = rng.random() < 0.4
        members.append(
            Member(
                person_name(rng, male, family if male else None),
                "之父" if male else "之母",
                "MALE" if male else "FEMALE",
                min(95, head_age + rng.randint(22, 32)),
            )
        )
    n_children = min(size - len(members), rng.choice((1, 2, 2, 3)))
    sons: list[Member] = []
    for k in range(n_children):
        male = rng.random() < 0.52
        age = head_age - rng.randint(22, 34) - 3 * k
        if age < 0:
            age = rng.randint(0, max(0, head_age - 20))
        child = Member(
            person_name(rng, male, family),
            RELATIONS_CHILD["MALE" if male else "FEMALE"],
            "MALE" if male else "FEMALE",
            age,
        )
        members.append(child)
        if male and age >= 24:
            sons.append(child)
    if sons and len(members) < size:
        son = sons[0]
        members.append(Member(person_name(rng, False), "之儿媳", "FEMALE", max(20, son.age + rng.randint(-4, 2))))
    while len(members) < size:
        if sons:
            male = rng.random() < 0.52
            age = (
                max(0, sons[0].age - rng.randint(22, 30))
                if sons[0].age >= 40
                else rng.randint(0, max(0, sons[0].age - 21))
            )
            members.append(
                Member(
                    person_name(rng, male, family),
                    RELATIONS_GRANDCHILD["MALE" if male else "FEMALE"],
                    "MALE" if male else "FEMALE",
                    age,
                )
            )
        else:
            male = rng.random() < 0.52
            age = max(0, head_age - rng.randint(24, 38))
            members.append(
                Member(
                    person_name(rng, male, family),
                    RELATIONS_CHILD["MALE" if male else "FEMALE"],
                    "MALE" if male else "FEMALE",
                    age,
                )
            )
    return members


def _health(rng: random.Random, members: list[Member], poor: bool, cause: str | None, worked: bool) -> None:
    factor = 1.6 if poor else 1.0
    for m in members:
        p_chronic = (0.02 if m.age < 40 else 0.10 if m.age < 60 else 0.22) * factor
        r = rng.random()
        if r < 0.02 * factor:
            m.health = "DISABLED"
        elif r < 0.02 * factor + 0.005 * factor and m.age >= 18:
            m.health = "SERIOUS"
        elif r < 0.025 * factor + p_chronic and m.age >= 18:
            m.health = "CHRONIC"
    adults = [m for m in members if m.age >= 18] or members
    if cause == "因病" and not any(m.health in ("CHRONIC", "SERIOUS") for m in members):
        max(adults, key=lambda m: m.age).health = "CHRONIC" if rng.random() < 0.85 else "SERIOUS"
    if cause == "因残" and not any(m.health == "DISABLED" for m in members):
        rng.choice(members).health = "DISABLED"
    if worked:
        members[0].health = "CHRONIC"


def _education(rng: random.Random, age: int) -> str:
    if age < 6:
        return "学龄前"
    if age <= 11:
        return "小学"
    if age <= 15:
        return "初中"
    if age <= 18:
        return rng.choices(("初中", "高中", "中专"), (20, 55, 25))[0]
    if age >= 60:
        return rng.choices(("文盲或半文盲", "小学", "初中"), (35, 45, 20))[0]
    if age >= 40:
        return rng.choices(("小学", "初中", "高中", "中专"), (30, 55, 12, 3))[0]
    return rng.choices(("初中", "高中", "中专", "大专及以上"), (45, 20, 15, 20))[0]


def _member_rows(ctx: Context, members: list[Member], attribute: str, worked: bool) -> list[Row]:
    rng = ctx.rng
    rows: list[Row] = []
    on_allowance = attribute in ("LOW_INCOME", "LOW_INCOME_POOR")
    for k, m in enumerate(members):
        born = date(ref.SNAPSHOT.year - m.age, 1, 1) + timedelta(days=rng.randint(0, 364))
        id_number = ctx.ids.allocate(born, m.sex == "MALE")
        if m.age < 16:
            labor = "CHILD"
        elif m.health in ("SERIOUS",) or m.age >= 70 or (m.health == "DISABLED" and rng.random() < 0.6):
            labor = "NONE"
        elif m.health in ("CHRONIC", "DISABLED") or m.age >= 60:
            labor = "PARTIAL"
        else:
            labor = "FULL"
        props: Row = {
            "idNumber": id_number,
            "name": m.name,
            "sex": m.sex,
            "ethnicity": "汉族" if rng.random() < 0.997 else rng.choice(ref.ETHNICITIES_RARE),
            "birthDate": born,
            "health": m.health,
            "education": _education(rng, m.age),
            "laborAbility": labor,
        }
        if m.health == "CHRONIC":
            props["chronicDisease"] = (
                ref.WORKED_CLAIM_DISEASE if worked and k == 0 else rng.choice(ref.CHRONIC_DISEASES)
            )
        elif m.health == "SERIOUS":
            props["chronicDisease"] = rng.choice(ref.SERIOUS_DISEASES)
        elif m.health == "DISABLED":
            props["disabilityCertificate"] = f"{id_number}{rng.randint(1, 7)}{rng.randint(1, 4)}"
        if 6 <= m.age <= 15:
            if m.health == "DISABLED" and labor == "NONE":
                props["schoolStatus"] = "EXEMPT"
            elif rng.random() < 0.004:
                props["schoolStatus"] = "DROPPED_OUT"
                props["dropoutReason"] = rng.choice(ref.DROPOUT_REASONS)
            else:
                props["schoolStatus"] = "ENROLLED"
        months = rng.randint(3, 12) if labor == "FULL" and 18 <= m.age <= 55 and rng.random() < 0.4 else 0
        props["migrantWorkMonths"] = months
        if months:
            props["migrantWorkPlace"] = rng.choice(ref.MIGRANT_PLACES)
        insured = rng.random() < 0.997 or worked
        props["medicalInsured"] = insured
        props["criticalIllnessInsured"] = insured
        props["minimumAllowance"] = on_allowance
        props["pension"] = m.age >= 60 and rng.random() < 0.98
        m.props.update(props)
        rows.append({"relation": m.relation, "props": props})
    return rows


def _industries(rng: random.Random, plan: Plan, h: int, poor: bool) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    bits = plan.leading[h]
    if bits & FUNGI:
        out["FUNGI"] = {"scale": rng.randint(20, 80) * 100, "unit": "棒", "incomeFen": plan.fungi_gain[h]}
    if bits & LIVESTOCK:
        out["LIVESTOCK"] = {"scale": rng.randint(3, 30), "unit": "头", "incomeFen": rng.randint(300_000, 900_000)}
    if bits & WALNUT:
        out["WALNUT"] = {"scale": rng.randint(3, 30), "unit": "亩", "incomeFen": rng.randint(150_000, 500_000)}
    if plan.auxiliary[h]:
        code = ref.AUXILIARY[plan.auxiliary[h] - 1]
        scale = rng.randint(3, 10) if code == "PHOTOVOLTAIC" else rng.randint(2, 30)
        income = rng.randint(200_000, 300_000) if code == "PHOTOVOLTAIC" else rng.randint(80_000, 400_000)
        out[code] = {"scale": scale, "unit": ref.INDUSTRY_UNITS[code], "incomeFen": income}
    return out


def _incomes(
    rng: random.Random,
    hid: str,
    members: list[Member],
    industries: dict[str, dict[str, Any]],
    attribute: str,
    status: str,
) -> list[Row]:
    size = len(members)
    operating = sum(g["incomeFen"] for k, g in industries.items() if k != "PHOTOVOLTAIC")
    prop = industries.get("PHOTOVOLTAIC", {}).get("incomeFen", 0) + rng.choice((0, 0, 20_000, 50_000))
    wage = 0
    transfer = 0
    for m in members:
        labor = m.props["laborAbility"]
        operating += (
            rng.randint(100_000, 400_000)
            if labor == "FULL"
            else rng.randint(40_000, 150_000)
            if labor == "PARTIAL"
            else 0
        )
        wage += m.props["migrantWorkMonths"] * rng.randint(*MONTHLY_WAGE_FEN)
        if m.props["pension"]:
            transfer += PENSION_FEN
        if m.props["minimumAllowance"]:
            transfer += rng.randint(150_000, 300_000)
    if attribute == "FIVE_GUARANTEES":
        transfer += 500_000
    line = ref.POVERTY_LINES_YUAN[ref.DATA_YEAR] * 100
    total = operating + prop + wage + transfer
    # Households that have exited, or were never poor, are above the line bar a few (the early-warning
    # rule's cases); remittances from children living elsewhere count as transfer income.
    if status in ("EXITED", "NOT_POOR") and total < line * size * 105 // 100 and rng.random() < 0.985:
        transfer += line * size * rng.randint(110, 180) // 100 - total
    rows: list[Row] = []
    for year in ref.INCOME_YEARS:
        parts: tuple[int, ...] = (wage, operating, prop, transfer)
        if year != ref.DATA_YEAR:
            parts = tuple(x * rng.randint(80, 95) // 100 for x in (wage, operating, prop, transfer))
        rows.append(
            {
                "id": f"{hid}-{year}",
                "year": year,
                "wageFen": parts[0],
                "operatingFen": parts[1],
                "propertyFen": parts[2],
                "transferFen": parts[3],
                "netPerCapitaFen": sum(parts) // size,
            }
        )
    return rows


def _measures(
    rng: random.Random,
    hid: str,
    members: list[Member],
    industries: dict[str, dict[str, Any]],
    relocated: bool,
    renovated: bool,
    attribute: str,
) -> tuple[list[Row], list[str]]:
    candidates: list[str] = []
    policies = ["MED-01", "MED-02"]
    if industries:
        candidates.append("INDUSTRY")
        policies.append("SUB-01")
    if any(m.props["migrantWorkMonths"] for m in members):
        candidates.append("EMPLOYMENT")
        policies.append("EMP-02")
    if relocated:
        candidates.append("RELOCATION")
        policies.append("REL-01")
    if renovated:
        candidates.append("HOUSING_RENOVATION")
        policies.append("HOU-01")
    if any(m.props.get("schoolStatus") == "ENROLLED" for m in members):
        candidates.append("EDUCATION")
        policies.append("EDU-02")
    if any(16 <= m.age <= 22 and m.props["education"] in ("高中", "中专") for m in members):
        policies.append("EDU-01")
    if any(m.health in ("CHRONIC", "SERIOUS") for m in members):
        candidates.append("HEALTH")
    if attribute in ("LOW_INCOME_POOR", "FIVE_GUARANTEES"):
        candidates.append("ALLOWANCE")
        policies.append("ALW-01" if attribute == "LOW_INCOME_POOR" else "ALW-02")
    if any(m.props["laborAbility"] in ("FULL", "PARTIAL") for m in members) and rng.random() < 0.12:
        candidates.append("PUBLIC_SERVICE_JOB")
        policies.append("EMP-01")
    if rng.random() < 0.25:
        candidates.append("MICROCREDIT")
        policies.append("CRD-01")
    if rng.random() < 0.2:
        candidates.append("ECOLOGICAL_COMPENSATION")
        policies.append("SUB-02")
    rng.shuffle(candidates)
    chosen = candidates[: rng.randint(2, 4)]
    for filler in ("INSURANCE", "INFRASTRUCTURE"):
        if len(chosen) < 2:
            chosen.append(filler)
    rows: list[Row] = []
    for n, kind in enumerate(chosen):
        year = rng.choice((2016, 2017, 2018))
        start = random_date(rng, date(year, 1, 1), date(year, 10, 31))
        amount = {"MICROCREDIT": 5_000_000, "RELOCATION": 2_500_000}.get(kind, rng.randint(5, 50) * 10_000)
        gain = sum(g["incomeFen"] for g in industries.values()) if kind == "INDUSTRY" else rng.randint(5, 60) * 10_000
        rows.append(
            {
                "id": f"{hid}-M{n + 1}",
                "kind": kind,
                "subKind": rng.choice(ref.MEASURE_KINDS[kind]),
                "year": year,
                "amountFen": None if kind in ("INFRASTRUCTURE", "INSURANCE") else amount,
                "startDate": start,
                "endDate": date(year, 12, 31) if kind != "MICROCREDIT" else date(year + 3, start.month, 1),
                "expectedGainFen": gain,
                "description": f"{ref.MEASURE_KINDS[kind][0]}等帮扶措施",
                "confirmedDate": start + timedelta(days=rng.randint(3, 40)),
            }
        )
    return rows, sorted(set(policies))


def _plan_text(rng: random.Random, industries: dict[str, dict[str, Any]], members: list[Member]) -> str:
    parts: list[str] = []
    if "FUNGI" in industries:
        parts.append(f"继续种植香菇{industries['FUNGI']['scale']}棒，争取扩大规模")
    if "LIVESTOCK" in industries:
        parts.append("扩大生猪养殖规模，参加南山百世订单收购")
    if "WALNUT" in industries:
        parts.append("管护好核桃林，参加提质增效培训")
    if any(m.props["laborAbility"] == "FULL" and m.props["migrantWorkMonths"] == 0 and m.age <= 50 for m in members):
        parts.append("家中青壮劳力参加技能培训后外出务工")
    if any(m.props.get("schoolStatus") == "ENROLLED" for m in members):
        parts.append("保障子女完成义务教育，落实教育资助")
    if any(m.health in ("CHRONIC", "SERIOUS") for m in members):
        parts.append("按时复诊，落实慢性病门诊和一保通报销")
    if not parts:
        parts.append(rng.choice(("参加光伏收益分配，申请公益岗位", "发展庭院经济，种植绿色谷子")))
    return "；".join(parts) + "。"


def _episode(rng: random.Random, hid: str, poor: bool, cause: str | None, cleared: bool) -> Row:
    category = "UNSTABLE_EXITED" if poor else rng.choice(("NEAR_POOR", "NEAR_POOR", "SUDDEN_HARDSHIP"))
    opened = random_date(rng, date(2018, 1, 10), date(2018, 11, 30))
    risks = sorted({cause or "因病", rng.choice(("因病", "因灾", "因意外事故", "因务工就业不稳", "因产业经营失败"))})
    return {
        "id": f"{hid}-E1",
        "category": category,
        "riskTypes": risks,
        "foundBy": rng.choice(("SELF_REPORT", "CADRE_VISIT", "DATA_ALERT", "HOTLINE")),
        "openedDate": opened,
        "clearedDate": opened + timedelta(days=rng.randint(30, 120)) if cleared else None,
    }


def _claims(
    ctx: Context, hid: str, members: list[Member], industries: dict[str, dict[str, Any]], worked: bool
) -> list[Row]:
    rng = ctx.rng
    out: list[Row] = []

    def claim(kind: str, policy: str, when: date, cost: int, medical: int, insurer: int) -> None:
        ctx.counter.claims += 1
        out.append(
            {
                "household": hid,
                "policy": policy,
                "props": {
                    "id": f"CL{when.year}-{ctx.counter.claims:06d}",
                    "date": when,
                    "kind": kind,
                    "costFen": cost,
                    "paidByMedicalInsuranceFen": medical,
                    "paidByInsurerFen": insurer,
                },
            }
        )

    if worked:
        # The article's case: half a year of outpatient care, 5,000 yuan from medical insurance (its cap),
        # the remaining 31,767.18 yuan from the insurer; the household pays nothing.
        claim("慢性病门诊", ref.CHRONIC_TYPE, date(2018, 7, 6), 3_676_718, 500_000, 3_176_718)
        ctx.counter.worked_claim_id = out[-1]["props"]["id"]
        return out
    when = random_date(rng, date(2018, 1, 15), date(2018, 12, 20))
    ill = any(m.health in ("CHRONIC", "SERIOUS") for m in members)
    if ill and rng.random() < 0.02:
        if rng.random() < 0.5:
            cost = rng.randint(200_000, 1_500_000)
            medical = min(cost * 7 // 10, 500_000)
            claim("慢性病门诊", ref.CHRONIC_TYPE, when, cost, medical, cost - medical)
        else:
            cost = rng.randint(800_000, 8_000_000)
            medical = cost * rng.randint(55, 80) // 100
            insurer = (cost - medical) * rng.randint(60, 100) // 100
            claim("住院医疗", "YBT-02", when, cost, medical, insurer)
    elif rng.random() < 0.004:
        cost = rng.randint(100_000, 3_000_000)
        medical = cost * rng.randint(0, 50) // 100
        claim("意外伤害", "YBT-05", when, cost, medical, (cost - medical) * rng.randint(80, 100) // 100)
    elif "FUNGI" in industries and rng.random() < 0.006:
        cost = rng.randint(200, 1500) * 300
        claim("菌棒高温损失", "YBT-14", when, cost, 0, cost * rng.randint(70, 90) // 100)
    elif "LIVESTOCK" in industries and rng.random() < 0.008:
        cost = rng.randint(1, 5) * rng.randint(60_000, 120_000)
        claim("育肥猪病死", "YBT-12", when, cost, 0, cost * rng.randint(70, 100) // 100)
    elif rng.random() < 0.003:
        cost = rng.randint(3, 20) * 40_000
        claim("玉米旱灾减产", "YBT-06", when, cost, 0, cost * rng.randint(60, 90) // 100)
    return out
