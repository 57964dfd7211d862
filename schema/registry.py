"""The contract's mutations: registering and deregistering households, and recording what they earn,
receive and claim. Thin over graph/: validation and the writes live there, shared with imports."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from graph import household_records, registry, settlement
from graph.registry import find_household_by_id_number
from graph.write_errors import InvalidInput, Missing, WriteRefused
from schema.context import Info
from schema.enums import HouseholdStatus, LinkMode
from schema.errors import Forbidden
from schema.households import Household, Measure, load_household
from schema.industries import DriveLink
from schema.policies import Claim
from schema.writes import WRITERS, refuse, renew_loaders, write, writer

READERS_OF_ID_NUMBERS = "only an administrator or a cadre may look a household up by an ID number"


@strawberry.input
class MemberInput:
    name: str
    id_number: str = strawberry.field(
        description="18 characters, valid GB 11643 check character; a lowercase x is accepted and stored as X."
    )
    relation: str
    sex: str | None = None
    health: str | None = None

    def to_graph(self) -> registry.MemberInput:
        return registry.MemberInput(self.name, self.id_number, self.relation, self.sex, self.health)


@strawberry.input
class HouseholdInput:
    village_code: strawberry.ID
    members: list[MemberInput] = strawberry.field(description="The members, the head first (relation 户主).")
    registered_poor: bool | None = False
    status: HouseholdStatus | None = HouseholdStatus.NOT_POOR

    def to_graph(self) -> registry.HouseholdInput:
        return registry.HouseholdInput(
            village_code=str(self.village_code),
            members=[m.to_graph() for m in self.members],
            registered_poor=bool(self.registered_poor),
            status=(self.status or HouseholdStatus.NOT_POOR).value,
        )


@strawberry.input
class IncomeInput:
    year: int
    wage: Decimal
    operating: Decimal
    property: Decimal
    transfer: Decimal

    def to_graph(self) -> household_records.IncomeInput:
        return household_records.IncomeInput(self.year, self.wage, self.operating, self.property, self.transfer)


async def reloaded(info: Info, household_id: str) -> Household:
    """The household a write just changed (its loaders were renewed by the write)."""
    household = await load_household(info, household_id)
    if household is None:
        raise refuse(Missing(f"household {household_id} is not registered"))
    return household


@strawberry.type
class RegistryMutations:
    @strawberry.mutation(
        description="Registers a household; when the head's ID number is that of the head (户主) of a registered "
        "household, that household is returned unchanged. A member (the head included) who belongs to another "
        "household is a CONFLICT."
    )
    async def register_household(
        self, info: Info, input_: Annotated[HouseholdInput, strawberry.argument(name="input")]
    ) -> Household:
        viewer = writer(info)
        try:
            checked = registry.check_household(input_.to_graph())
            registration = await registry.register_household(info.context.graph, checked, viewer)
        except WriteRefused as error:
            raise refuse(error, "input") from None
        renew_loaders(info)
        return await reloaded(info, registration.household_id)

    @strawberry.mutation(
        description="Records (or replaces) one year's income of a household; per-capita income follows from its size."
    )
    async def record_income(self, info: Info, household_id: strawberry.ID, income: IncomeInput) -> Household:
        await write(info, "", household_records.record_income, household_id, income.to_graph(), writer(info))
        return await reloaded(info, household_id)

    @strawberry.mutation(
        description="Enrols a household in a policy for a year (for a bundle such as 一保通, in all it covers); "
        "the premium follows from the policy and the household's size."
    )
    async def enrol(self, info: Info, household_id: strawberry.ID, policy_code: strawberry.ID, year: int) -> Household:
        await write(info, "", settlement.enrol, household_id, policy_code, year, writer(info))
        return await reloaded(info, household_id)

    @strawberry.mutation(
        description="Records a medical claim and settles it: basic medical insurance pays up to its cap for that "
        "kind of cost (outpatient: 5,000.00 in the demo county), then the policy's insurer pays the rest, up to "
        "the policy's limit, when the household is enrolled in the policy in the claim's year; the household pays "
        "what remains. kind: outpatient, inpatient or critical-illness."
    )
    async def record_claim(
        self,
        info: Info,
        household_id: strawberry.ID,
        policy_code: strawberry.ID,
        date: datetime.date,
        kind: str,
        cost: Decimal,
    ) -> Claim:
        claim = settlement.ClaimInput(policy_code, date, kind, cost)
        record = await write(info, "", settlement.record_claim, household_id, claim, writer(info))
        return Claim.from_record(record)

    @strawberry.mutation(description="Records an assistance measure given to a household.")
    async def record_measure(
        self,
        info: Info,
        household_id: strawberry.ID,
        kind: str,
        year: int,
        description: str,
        sub_kind: str | None = None,
        amount: Decimal | None = None,
    ) -> Measure:
        measure = household_records.MeasureInput(kind, sub_kind, year, amount, description)
        record = await write(info, "", household_records.record_measure, household_id, measure, writer(info))
        return Measure.from_record(record)

    @strawberry.mutation(
        description="Links a household to an enterprise that drives it (or updates the link's mode, year and gain)."
    )
    async def link_enterprise(
        self,
        info: Info,
        household_id: strawberry.ID,
        enterprise_id: strawberry.ID,
        mode: LinkMode,
        since: int | None = None,
        income_gain: Decimal | None = None,
    ) -> DriveLink:
        link = household_records.link_enterprise
        args = (household_id, enterprise_id, mode.value, since, income_gain, writer(info))
        return DriveLink.from_record(await write(info, "", link, *args))

    @strawberry.mutation(
        description="Takes a household off the registry (moved away, died out, merged, wrongly identified): it "
        "keeps its history, retires its QR token, and no longer counts in any list, aggregate, coverage or alert."
    )
    async def deregister_household(self, info: Info, id: strawberry.ID, reason: str) -> Household:
        record = await write(info, "", registry.deregister_household, id, reason, writer(info))
        return Household.from_record(record)


async def household_by_id_number(info: Info, id_number: str) -> Household | None:
    """The registered household one of whose members holds this ID number (either case of a final X);
    null when there is none, or when it lies outside a cadre's villages."""
    viewer = info.context.viewer
    if viewer.role not in WRITERS:
        raise Forbidden(READERS_OF_ID_NUMBERS)
    try:
        number = registry.check_id_number(id_number, "idNumber")
    except InvalidInput as error:
        raise refuse(error) from None
    found = await info.context.graph.read(find_household_by_id_number, number)
    if found is None:
        return None
    household_id, place = found
    if not viewer.in_scope(place.village, place.township):
        return None
    return await load_household(info, household_id)
