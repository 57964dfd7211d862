"""Exit indicators of a household (两不愁三保障 plus safe water and income) and the income lines of a year."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from graph.money import from_fen
from graph.stats import IncomeLinesRecord
from schema.context import Info


@strawberry.type(
    description="两不愁三保障 plus safe water and income, for one household in one year, each derived from its "
    "evidence. incomeAboveLine: the year's per-capita net income is at least the year's poverty line "
    "(PovertyLine data; false without an income or a line). foodAndClothing (不愁吃穿): incomeAboveLine, or "
    "the household is 低保 / 五保 (attribute LOW_INCOME, FIVE_GUARANTEES or LOW_INCOME_POOR: basic living "
    "guaranteed by social assistance). education (义务教育): every member aged 6-15 in the year (year − birth "
    "year) is ENROLLED or EXEMPT. medicalInsurance (基本医疗): every member has basic medical insurance. "
    "safeHousing (住房安全): housing grade A or B, or relocated. safeWater (饮水安全): tap, well, spring or "
    "cistern water (not hauled) of good quality (waterQualityOk)."
)
class ExitIndicators:
    year: int
    income_above_line: bool
    food_and_clothing: bool
    education: bool
    medical_insurance: bool
    safe_housing: bool
    safe_water: bool
    met: bool = strawberry.field(description="All six are met.")

    @classmethod
    def of(cls, year: int, met: tuple[bool, ...]) -> ExitIndicators:
        income, food, education, medical, housing, water = met
        return cls(
            year=year,
            income_above_line=income,
            food_and_clothing=food,
            education=education,
            medical_insurance=medical,
            safe_housing=housing,
            safe_water=water,
            met=all(met),
        )

    @classmethod
    async def load(cls, info: Info, household_id: str, year: int | None) -> ExitIndicators:
        from schema.stats import resolve_year

        resolved = await resolve_year(info, year)
        met = await info.context.loaders.stats.exit_indicators.load((household_id, resolved))
        assert met is not None, "the household exists"
        return cls.of(resolved, met)


@strawberry.type(description="The income lines of a year, loaded as data with the county (never constants in code).")
class IncomeLines:
    year: int
    poverty_line: Decimal = strawberry.field(description="The national poverty line, per capita per year.")
    monitoring_line: Decimal = strawberry.field(
        description="The relapse-monitoring line (防止返贫监测线), per capita per year."
    )

    @classmethod
    def from_record(cls, record: IncomeLinesRecord) -> IncomeLines:
        poverty, monitoring = from_fen(record.poverty_line_fen), from_fen(record.monitoring_line_fen)
        assert poverty is not None and monitoring is not None
        return cls(year=record.year, poverty_line=poverty, monitoring_line=monitoring)


async def load_income_lines(info: Info, year: int) -> IncomeLines | None:
    record = await info.context.loaders.stats.income_lines.load(year)
    return IncomeLines.from_record(record) if record else None
