"""The county plan: every decision the calibrated figures depend on, made once, globally, from the
seeded generator: village sizes, which households are registered poor, which industries and
enterprises drive which households, and the fungi gains whose sum is exact. Households are numbered
0..N-1 in village order; the plan keeps only integers per household, so a million households fit."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from seeds import reference as ref

# The demo county's calibration at 27,000 households (FIGURES.md; see seeds/README.md).
BASE_HOUSEHOLDS = 27_000
BASE_POOR = 8_000
FUNGI_POOR_SHARE = (65, 100)  # 5,200 / 8,000
LEADING_POOR_SHARE = (87, 100)  # 6,960 / 8,000
BASE_WEIHE = 1_957
BASE_NANSHAN = 1_360
FUNGI_GAIN_FEN = 1_000_000  # 10,000.00 yuan per driven household on average, exactly
MIN_HOUSEHOLDS = 1_000
MAX_HOUSEHOLDS_PER_VILLAGE = 99_999  # the household id has a 5-digit sequence

FUNGI, LIVESTOCK, WALNUT = 1, 2, 4  # bits of Plan.leading
LEADING_BITS = {"FUNGI": FUNGI, "LIVESTOCK": LIVESTOCK, "WALNUT": WALNUT}


@dataclass(frozen=True)
class VillagePlan:
    index: int
    code: str
    name: str
    township: ref.TownshipRef
    start: int  # first household number
    count: int
    fungi: bool
    weihe: bool

    def household_id(self, number: int) -> str:
        return f"H{self.code}{number - self.start + 1:05d}"


@dataclass
class Targets:
    households: int
    poor: int
    fungi_poor: int
    leading_poor: int
    weihe: int
    nanshan: int
    fungi_non_poor: int
    livestock_non_poor: int
    walnut_non_poor: int

    @classmethod
    def for_households(cls, n: int) -> Targets:
        if n < MIN_HOUSEHOLDS:
            raise ValueError(f"households must be at least {MIN_HOUSEHOLDS} for the figures to fit, got {n}")
        if n > MAX_HOUSEHOLDS_PER_VILLAGE * 50:
            raise ValueError(f"households must be at most {MAX_HOUSEHOLDS_PER_VILLAGE * 50:,}, got {n}")
        poor = _scale(n, BASE_POOR)
        return cls(
            households=n,
            poor=poor,
            fungi_poor=_share(poor, FUNGI_POOR_SHARE),
            leading_poor=_share(poor, LEADING_POOR_SHARE),
            weihe=_scale(n, BASE_WEIHE),
            nanshan=_scale(n, BASE_NANSHAN),
            fungi_non_poor=_scale(n, 450),
            livestock_non_poor=_scale(n, 700),
            walnut_non_poor=_scale(n, 900),
        )


@dataclass
class Plan:
    targets: Targets
    villages: list[VillagePlan]
    poor: bytearray
    leading: bytearray  # FUNGI | LIVESTOCK | WALNUT bits
    auxiliary: bytearray  # 0, or 1 + index into reference.AUXILIARY
    drivers: dict[int, list[tuple[str, str]]]  # household -> [(enterprise id, mode)], sorted
    fungi_gain: dict[int, int]  # household -> ENGAGES_IN FUNGI incomeFen
    worked_household: int
    weihe_villages: list[int] = field(default_factory=list)

    def village_of(self, number: int) -> VillagePlan:
        lo, hi = 0, len(self.villages) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.villages[mid].start <= number:
                lo = mid
            else:
                hi = mid - 1
        return self.villages[lo]


def make_plan(rng: random.Random, households: int) -> Plan:
    """All calibrated decisions for a county of `households` farm households."""
    t = Targets.for_households(households)
    villages = _villages(rng, t)
    n = households
    poor = bytearray(n)
    leading = bytearray(n)
    auxiliary = bytearray(n)
    drivers: dict[int, list[tuple[str, str]]] = {}

    # Registered poor households concentrate in the fungi villages (the mountain villages that the
    # fungi programme was aimed at), most of all in the Weihe park's 18.
    rate = [0.52 if v.weihe else 0.36 if v.fungi else 0.17 for v in villages]
    poor_counts = allocate(
        t.poor,
        [v.count * r * rng.uniform(0.85, 1.15) for v, r in zip(villages, rate, strict=True)],
        [v.count - 2 for v in villages],
        minimum=[2] * len(villages),
    )
    poor_by_village: list[list[int]] = []
    for v, k in zip(villages, poor_counts, strict=True):
        chosen = sorted(rng.sample(range(v.start, v.start + v.count), k))
        poor_by_village.append(chosen)
        for i in chosen:
            poor[i] = 1

    # Fungi: the Weihe park's households first, then the rest of the 5,200 over all 60 fungi villages.
    weihe_ix = [v.index for v in villages if v.weihe]
    fungi_ix = [v.index for v in villages if v.fungi]
    weihe_counts = allocate(
        t.weihe,
        [len(poor_by_village[i]) for i in weihe_ix],
        [len(poor_by_village[i]) for i in weihe_ix],
        minimum=[1] * len(weihe_ix),
    )
    weihe_by_village = dict(zip(weihe_ix, weihe_counts, strict=True))
    more = allocate(
        t.fungi_poor - t.weihe,
        [len(poor_by_village[i]) - weihe_by_village.get(i, 0) for i in fungi_ix],
        [len(poor_by_village[i]) - weihe_by_village.get(i, 0) for i in fungi_ix],
        minimum=[0 if i in weihe_by_village else 1 for i in fungi_ix],
    )
    fungi_poor: list[int] = []
    weihe_households: list[int] = []
    for i, extra in zip(fungi_ix, more, strict=True):
        k = weihe_by_village.get(i, 0)
        chosen = rng.sample(poor_by_village[i], k + extra)
        weihe_households.extend(chosen[:k])
        fungi_poor.extend(chosen)
    fungi_poor.sort()
    weihe_households.sort()

    # Non-poor fungi participants live only in the fungi villages.
    non_poor_by_village = {
        i: [h for h in range(villages[i].start, villages[i].start + villages[i].count) if not poor[h]] for i in fungi_ix
    }
    nf_counts = allocate(
        t.fungi_non_poor,
        [len(non_poor_by_village[i]) for i in fungi_ix],
        [len(non_poor_by_village[i]) // 2 for i in fungi_ix],
    )
    fungi_non_poor = sorted(
        h for i, k in zip(fungi_ix, nf_counts, strict=True) for h in rng.sample(non_poor_by_village[i], k)
    )
    for h in fungi_poor + fungi_non_poor:
        leading[h] |= FUNGI

    # The other leading households: poor households not in fungi, up to 6,960 in all.
    fungi_set = set(fungi_poor)
    others = [h for h in range(n) if poor[h] and h not in fungi_set]
    extra_leading = sorted(rng.sample(others, t.leading_poor - t.fungi_poor))
    nanshan_from_fungi = round(t.nanshan * 0.19)
    nanshan_from_extra = t.nanshan - nanshan_from_fungi
    if nanshan_from_extra > len(extra_leading):
        raise ValueError(f"{households} households leave too few poor households for Nanshan's share")
    shuffled_extra = extra_leading[:]
    rng.shuffle(shuffled_extra)
    nanshan = sorted(rng.sample(fungi_poor, nanshan_from_fungi) + shuffled_extra[:nanshan_from_extra])
    rest = shuffled_extra[nanshan_from_extra:]
    split = round(len(rest) * 0.45)
    livestock_poor = sorted(rest[:split])
    walnut_poor = sorted(
        rest[split:]
        + rng.sample(fungi_poor, round(len(fungi_poor) * 0.08))
        + rng.sample(shuffled_extra[:nanshan_from_extra], round(nanshan_from_extra * 0.1))
    )
    non_poor_all = [h for h in range(n) if not poor[h]]
    livestock_non_poor = sorted(rng.sample(non_poor_all, t.livestock_non_poor))
    walnut_non_poor = sorted(rng.sample(non_poor_all, t.walnut_non_poor))
    for h in nanshan + livestock_poor + livestock_non_poor:
        leading[h] |= LIVESTOCK
    for h in walnut_poor + walnut_non_poor:
        leading[h] |= WALNUT

    def drive(
        households_: Sequence[int], enterprises: Sequence[str], modes: Sequence[str], weights: Sequence[int]
    ) -> None:
        for h in households_:
            drivers.setdefault(h, []).append((rng.choice(enterprises), rng.choices(modes, weights)[0]))

    # Weihe: every mode in use (the first five households take one each), wage labour most common.
    for k, h in enumerate(weihe_households):
        mode = ref.MODES[k] if k < len(ref.MODES) else rng.choices(ref.MODES, (15, 25, 15, 35, 10))[0]
        drivers.setdefault(h, []).append((ref.WEIHE, mode))
    drive(nanshan, [ref.NANSHAN], ("WAGE_LABOUR", "ORDER_PURCHASE", "TRUSTEESHIP", "EQUITY"), (30, 35, 20, 15))
    weihe_set = set(weihe_households)
    coop_modes = ("EQUITY", "ORDER_PURCHASE", "WAGE_LABOUR", "TRUSTEESHIP")
    fungi_coops = ["E003", "E004", "E005", "E006"]
    drive([h for h in fungi_poor if h not in weihe_set and rng.random() < 0.45], fungi_coops, coop_modes, (3, 4, 2, 1))
    drive([h for h in fungi_non_poor if rng.random() < 0.3], fungi_coops, coop_modes, (3, 4, 2, 1))
    drive([h for h in livestock_poor if rng.random() < 0.35], ["E007", "E008"], coop_modes, (2, 4, 2, 2))
    drive([h for h in livestock_non_poor if rng.random() < 0.2], ["E007", "E008"], coop_modes, (2, 4, 2, 2))
    drive([h for h in walnut_poor if rng.random() < 0.5], ["E009", "E010", "E011"], coop_modes, (3, 4, 1, 2))
    drive([h for h in walnut_non_poor if rng.random() < 0.2], ["E009", "E010", "E011"], coop_modes, (3, 4, 1, 2))

    # Auxiliary ("N") industries: one per participating household; poor households outside the
    # leading three mostly get photovoltaic dividends.
    aux_enterprises: dict[str, list[str]] = {}
    for e in ref.ENTERPRISES:
        if e.industry in ref.AUXILIARY:
            aux_enterprises.setdefault(e.industry, []).append(e.id)
    for h in range(n):
        r = rng.random()
        if poor[h] and not leading[h]:
            if r >= 0.85:
                continue
            code = "PHOTOVOLTAIC" if rng.random() < 0.55 else rng.choice(ref.AUXILIARY)
        elif (poor[h] and r < 0.2) or (not poor[h] and r < 0.06):
            code = rng.choice(ref.AUXILIARY)
        else:
            continue
        auxiliary[h] = 1 + ref.AUXILIARY.index(code)
        share = 0.9 if code == "PHOTOVOLTAIC" and poor[h] else 0.4 if poor[h] else 0.1
        if rng.random() < share:
            mode = "EQUITY" if code == "PHOTOVOLTAIC" else rng.choice(coop_modes)
            drivers.setdefault(h, []).append((rng.choice(aux_enterprises[code]), mode))
    for h in drivers:
        drivers[h].sort()

    # Fungi gains: random around 10,000 yuan, then corrected so that the mean is exactly 10,000.00.
    fungi_all = sorted(fungi_poor + fungi_non_poor)
    gains = [rng.randint(600_000, 1_400_000) for _ in fungi_all]
    step, remainder = divmod(FUNGI_GAIN_FEN * len(fungi_all) - sum(gains), len(fungi_all))
    fungi_gain = {
        h: g + step + (1 if k < remainder else 0) for k, (h, g) in enumerate(zip(fungi_all, gains, strict=True))
    }

    worked_village = next(v for v in villages if v.name == ref.WORKED_CLAIM_VILLAGE)
    worked = rng.choice(poor_by_village[worked_village.index])
    return Plan(t, villages, poor, leading, auxiliary, drivers, fungi_gain, worked, weihe_ix)


def _villages(rng: random.Random, t: Targets) -> list[VillagePlan]:
    names = [(tw, name) for tw in ref.TOWNSHIPS for name in tw.villages]
    fungi: set[str] = set()
    weihe: set[str] = set()
    for tw in ref.TOWNSHIPS:
        # 阳村堡 and 尚家沟村 are always fungi villages: the article's examples grow mushrooms.
        pinned = [v for v in tw.villages if v in (ref.WORKED_CLAIM_VILLAGE, ref.SHANGJIAGOU)]
        chosen = pinned + rng.sample(
            [v for v in tw.villages if v not in pinned], ref.FUNGI_VILLAGES_PER_TOWNSHIP[tw.name] - len(pinned)
        )
        fungi.update(chosen)
        k = ref.WEIHE_VILLAGES_PER_TOWNSHIP.get(tw.name, 0)
        weihe.update(rng.sample(sorted(chosen), k))
    weights = [
        rng.uniform(1.5, 1.9) if name in weihe else rng.uniform(0.95, 1.35) if name in fungi else rng.uniform(0.6, 1.0)
        for _, name in names
    ]
    counts = allocate(t.households, weights, [MAX_HOUSEHOLDS_PER_VILLAGE] * len(names), minimum=[8] * len(names))
    villages: list[VillagePlan] = []
    start = 0
    per_township: dict[str, int] = {}
    for index, ((tw, name), count) in enumerate(zip(names, counts, strict=True)):
        number = per_township.get(tw.number, 0)
        per_township[tw.number] = number + 1
        code = ref.COUNTY["code"] + tw.number + f"{200 + number:03d}"
        villages.append(VillagePlan(index, code, name, tw, start, count, name in fungi, name in weihe))
        start += count
    return villages


def allocate(
    total: int, weights: Sequence[float], caps: Sequence[int], minimum: Sequence[int] | None = None
) -> list[int]:
    """Split `total` into integers roughly proportional to `weights`, each between its minimum and its
    cap; raises ValueError when that cannot be done."""
    alloc = list(minimum) if minimum is not None else [0] * len(weights)
    if any(a > c for a, c in zip(alloc, caps, strict=True)) or sum(alloc) > total:
        raise ValueError(f"cannot allocate {total}: the minimums do not fit")
    remaining = total - sum(alloc)
    while remaining > 0:
        open_ = [i for i in range(len(alloc)) if alloc[i] < caps[i] and weights[i] > 0]
        if not open_:
            raise ValueError(f"cannot allocate {total}: {remaining} left over once every share is full")
        wsum = sum(weights[i] for i in open_)
        shares = {i: remaining * weights[i] / wsum for i in open_}
        added = 0
        for i in open_:
            take = min(int(shares[i]), caps[i] - alloc[i])
            alloc[i] += take
            added += take
        if added == 0:
            for i in sorted(open_, key=lambda i: (-(shares[i] - int(shares[i])), i))[:remaining]:
                alloc[i] += 1
                added += 1
        remaining -= added
    return alloc


def _scale(n: int, base: int) -> int:
    return round(n * base / BASE_HOUSEHOLDS)


def _share(n: int, ratio: tuple[int, int]) -> int:
    return (n * ratio[0] + ratio[1] // 2) // ratio[1]
