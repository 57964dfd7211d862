from __future__ import annotations

import pickle
import random

import pytest

from graph.loader import STATEMENTS, Batch
from seeds import DEFAULT_HOUSEHOLDS, DEFAULT_SEED, generate
from seeds.plan import FUNGI, Targets, allocate, make_plan
from seeds.reference import RESERVED_NAMES


def test_same_seed_gives_identical_records(demo_batches: list[Batch]) -> None:
    again = list(generate(DEFAULT_SEED, DEFAULT_HOUSEHOLDS))
    assert pickle.dumps(again) == pickle.dumps(demo_batches)


def test_another_seed_gives_another_county() -> None:
    first = [b.rows for b in generate(1, 1_000) if b.kind == "households"]
    second = [b.rows for b in generate(2, 1_000) if b.kind == "households"]
    assert pickle.dumps(first) != pickle.dumps(second)


def test_every_batch_kind_has_a_statement(demo_batches: list[Batch]) -> None:
    assert {b.kind for b in demo_batches} <= set(STATEMENTS)


def test_default_targets_are_the_articles() -> None:
    t = Targets.for_households(27_000)
    assert (t.poor, t.fungi_poor, t.leading_poor, t.weihe, t.nanshan) == (8_000, 5_200, 6_960, 1_957, 1_360)


@pytest.mark.parametrize("households", [0, 999])
def test_absurdly_small_counties_are_refused(households: int) -> None:
    with pytest.raises(ValueError, match="at least 1000"):
        Targets.for_households(households)


@pytest.mark.parametrize("households", [1_000, 27_000, 100_000])
def test_plan_fits_at_every_scale(households: int) -> None:
    plan = make_plan(random.Random(DEFAULT_SEED), households)
    t = plan.targets
    poor = [h for h in range(households) if plan.poor[h]]
    fungi_poor = [h for h in poor if plan.leading[h] & FUNGI]
    assert len(poor) == t.poor and len(fungi_poor) == t.fungi_poor
    assert sum(1 for h in poor if plan.leading[h]) == t.leading_poor
    fungi_all = [h for h in range(households) if plan.leading[h] & FUNGI]
    assert len({plan.village_of(h).index for h in fungi_all}) == 60
    assert sum(plan.fungi_gain[h] for h in fungi_all) == 1_000_000 * len(fungi_all)
    assert len(plan.villages) == 100 and sum(v.count for v in plan.villages) == households


def test_allocate_respects_caps_and_minimums() -> None:
    assert allocate(10, [1, 1, 1], [2, 10, 10], [1, 1, 1]) == [2, 4, 4]
    assert sum(allocate(1_000, [0.3, 2.5, 1.1, 0.1], [1_000] * 4)) == 1_000
    with pytest.raises(ValueError):
        allocate(10, [1, 1], [3, 3])


def test_no_real_persons_name_is_invented(demo_batches: list[Batch]) -> None:
    names = [m["props"]["name"] for b in demo_batches if b.kind == "households" for r in b.rows for m in r["members"]]
    names += [r["props"]["name"] for b in demo_batches if b.kind in ("cadres", "experts") for r in b.rows]
    assert [n for n in names if n in RESERVED_NAMES] == ["邢云廷"]  # only in his public role


def test_claims_add_up(demo_batches: list[Batch]) -> None:
    claims = [r["props"] for b in demo_batches if b.kind == "claims" for r in b.rows]
    assert 150 <= len(claims) <= 900
    for c in claims:
        assert c["costFen"] >= c["paidByMedicalInsuranceFen"] + c["paidByInsurerFen"] >= 0
