"""Corrections of a household's and a person's recorded facts (a whitelist of fields, each validated)."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry

from graph import corrections
from schema.context import Info
from schema.households import Household
from schema.registry import reloaded
from schema.writes import write, writer


def _given(values: object) -> dict[str, Any]:
    """The fields given (null included), by the names the graph stores (camelCase, as the API shows them)."""
    given = {}
    for field in dataclasses.fields(values):  # type: ignore[arg-type]
        value = getattr(values, field.name)
        if value is not strawberry.UNSET:
            head, *rest = field.name.split("_")
            given[head + "".join(part.title() for part in rest)] = value
    return given


@strawberry.input(
    description="The household fields a correction may change; those left out stay, null clears one (not "
    "attribute). attribute: ORDINARY, LOW_INCOME, FIVE_GUARANTEES, LOW_INCOME_POOR; causes: 因病, 因残, 因学, "
    "缺技术, 缺劳力, 缺资金, 缺土地, 因灾, 交通条件落后, 自身发展动力不足 (at most two others, not the primary one); "
    "housingStructure: 砖混, 砖木, 土木, 窑洞, 其他; housingGrade: A-D (C and D unsafe); waterSource: TAP, WELL, "
    "SPRING, CISTERN, HAULED; phone: a mobile number or a landline with its area code."
)
class HouseholdCorrectionInput:
    attribute: str | None = strawberry.UNSET
    primary_cause: str | None = strawberry.UNSET
    other_causes: list[str] | None = strawberry.UNSET
    identified_year: int | None = strawberry.UNSET
    planned_exit_year: int | None = strawberry.UNSET
    housing_area: int | None = strawberry.UNSET
    housing_structure: str | None = strawberry.UNSET
    housing_year_built: int | None = strawberry.UNSET
    housing_grade: str | None = strawberry.UNSET
    relocated: bool | None = strawberry.UNSET
    water_source: str | None = strawberry.UNSET
    water_quality_ok: bool | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    bank_account: str | None = strawberry.UNSET
    development_plan: str | None = strawberry.UNSET


@strawberry.input(
    description="The person fields a correction may change; those left out stay, null clears one (not name). "
    "education: 学龄前, 文盲或半文盲, 小学, 初中, 高中, 中专, 大专及以上; health: HEALTHY, CHRONIC, SERIOUS, "
    "DISABLED; schoolStatus: ENROLLED, DROPPED_OUT, EXEMPT; laborAbility: FULL, PARTIAL, NONE, CHILD; "
    "migrantWorkMonths: 0-12. The ID number (and the sex and birth date read from it) cannot be corrected."
)
class PersonCorrectionInput:
    name: str | None = strawberry.UNSET
    ethnicity: str | None = strawberry.UNSET
    education: str | None = strawberry.UNSET
    health: str | None = strawberry.UNSET
    chronic_disease: str | None = strawberry.UNSET
    disability_certificate: str | None = strawberry.UNSET
    school_status: str | None = strawberry.UNSET
    dropout_reason: str | None = strawberry.UNSET
    labor_ability: str | None = strawberry.UNSET
    migrant_work_months: int | None = strawberry.UNSET
    migrant_work_place: str | None = strawberry.UNSET
    medical_insured: bool | None = strawberry.UNSET
    critical_illness_insured: bool | None = strawberry.UNSET
    minimum_allowance: bool | None = strawberry.UNSET
    pension: bool | None = strawberry.UNSET


@strawberry.type
class CorrectionMutations:
    @strawberry.mutation(
        description="Corrects a household's recorded facts (housing, water, causes, attribute, contact...). "
        "Members, status and incomes have their own mutations."
    )
    async def correct_household(
        self, info: Info, household_id: strawberry.ID, input: HouseholdCorrectionInput
    ) -> Household:
        await write(info, "", corrections.correct_household, str(household_id), _given(input), writer(info))
        return await reloaded(info, str(household_id))

    @strawberry.mutation(
        description="Corrects a member's recorded facts (name, education, health, schooling, work, insurance...); "
        "returns their household. Correcting the head's name corrects the household's headName."
    )
    async def correct_person(self, info: Info, id_number: str, input: PersonCorrectionInput) -> Household:
        work = corrections.correct_person
        household_id = await write(info, "", work, id_number, _given(input), writer(info))
        return await reloaded(info, household_id)
