"""Who belongs to a household: a member joining (birth, marriage in, moving in) or leaving (death, marriage
out, moving out), and some members splitting off into a new household."""

from __future__ import annotations

import datetime
from enum import Enum

import strawberry

from graph import membership
from graph.membership import JoinReason, LeaveReason, SplitMember
from graph.monitoring_procedure import today
from schema.context import Info
from schema.households import Household
from schema.registry import MemberInput, reloaded
from schema.writes import write, writer


@strawberry.enum(description="Why a member joins a household.")
class MemberJoinReason(Enum):
    BIRTH = "BIRTH"
    MARRIAGE_IN = "MARRIAGE_IN"
    MOVED_IN = "MOVED_IN"


@strawberry.enum(description="Why a member leaves a household.")
class MemberLeaveReason(Enum):
    DEATH = "DEATH"
    MARRIAGE_OUT = "MARRIAGE_OUT"
    MOVED_OUT = "MOVED_OUT"


@strawberry.input(description="A member who moves to the new household, with their relation to its head.")
class SplitMemberInput:
    id_number: str
    relation: str


@strawberry.type(description="A split: the household split from, and the one its members formed.")
class HouseholdSplit:
    original: Household
    household: Household = strawberry.field(description="The new household, with its own QR code.")


@strawberry.type
class MembershipMutations:
    @strawberry.mutation(
        description="Adds a member to a household: a birth (dated on the ID number's birth date), a marriage in "
        "or a move in (date default: today). Not the head (relation 户主). A member of another registered "
        "household is a CONFLICT: they leave it first. Per-capita income of that year and later follows."
    )
    async def add_member(
        self,
        info: Info,
        household_id: strawberry.ID,
        member: MemberInput,
        reason: MemberJoinReason,
        date: datetime.date | None = None,
    ) -> Household:
        why = JoinReason(reason.value)
        args = (str(household_id), member.to_graph(), why, date, writer(info), today())
        await write(info, "", membership.add_member, *args)
        return await reloaded(info, str(household_id))

    @strawberry.mutation(
        description="Takes a member off a household (death, marriage out, moving out) on a date; the person's "
        "past membership is kept. Never the last member (deregister the household), never the head unless "
        "newHeadIdNumber names the member who heads it from now. Per-capita income of that year and later follows."
    )
    async def remove_member(
        self,
        info: Info,
        household_id: strawberry.ID,
        id_number: str,
        reason: MemberLeaveReason,
        date: datetime.date,
        new_head_id_number: str | None = None,
        note: str | None = None,
    ) -> Household:
        why = LeaveReason(reason.value)
        args = (str(household_id), id_number, why, date, new_head_id_number, note, writer(info), today())
        await write(info, "", membership.remove_member, *args)
        return await reloaded(info, str(household_id))

    @strawberry.mutation(
        description="Some members (the new head first, relation 户主) form a new household in the same village, "
        "with its own id and QR code; it inherits the registration as a poor household. The original keeps its "
        "head, incomes and records; its per-capita income of that year and later follows its new size."
    )
    async def split_household(
        self,
        info: Info,
        household_id: strawberry.ID,
        members: list[SplitMemberInput],
        date: datetime.date,
        reason: str,
    ) -> HouseholdSplit:
        moving = [SplitMember(m.id_number, m.relation) for m in members]
        args = (str(household_id), moving, date, reason, writer(info), today())
        split = await write(info, "", membership.split_household, *args)
        return HouseholdSplit(
            original=await reloaded(info, split.original_id), household=await reloaded(info, split.new_id)
        )
