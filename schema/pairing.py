"""Helping cadres and their households: pairing, ending a pairing (the history kept), and visits."""

from __future__ import annotations

import datetime

import strawberry

from graph import pairing
from graph.monitoring_procedure import today
from graph.pairing import VisitRecord
from schema.context import Info
from schema.households import Cadre, Household, load_cadre, load_household
from schema.registry import reloaded
from schema.writes import write, writer


@strawberry.type(description="A cadre's visit to a household (走访).")
class Visit:
    id: strawberry.ID
    date: datetime.date
    notes: str
    household_id: strawberry.Private[str]
    cadre_id: strawberry.Private[str]

    @strawberry.field
    async def cadre(self, info: Info) -> Cadre | None:
        return await load_cadre(info, self.cadre_id)

    @strawberry.field
    async def household(self, info: Info) -> Household | None:
        return await load_household(info, self.household_id)

    @classmethod
    def from_record(cls, record: VisitRecord) -> Visit:
        return cls(
            id=strawberry.ID(record.id),
            date=record.date,
            notes=record.notes,
            household_id=record.household_id,
            cadre_id=record.cadre_id,
        )


@strawberry.type
class PairingMutations:
    @strawberry.mutation(
        description="Pairs a helping cadre with a household from a date (default: today); with replaceCurrent, "
        "its current pairings end that day (a change of helper). Pairings are never deleted: "
        "Household.helpersHistory keeps them. A cadre already helping the household is a CONFLICT."
    )
    async def pair_cadre(
        self,
        info: Info,
        household_id: strawberry.ID,
        cadre_id: strawberry.ID,
        since: datetime.date | None = None,
        replace_current: bool = False,
    ) -> Household:
        day = today()
        args = (str(household_id), str(cadre_id), since or day, replace_current, writer(info), day)
        await write(info, "", pairing.pair_cadre, *args)
        return await reloaded(info, str(household_id))

    @strawberry.mutation(
        description="Ends a cadre's current pairing with a household on a date (default: today); it stays in "
        "Household.helpersHistory. CONFLICT when the cadre does not help the household now."
    )
    async def unpair_cadre(
        self, info: Info, household_id: strawberry.ID, cadre_id: strawberry.ID, until: datetime.date | None = None
    ) -> Household:
        day = today()
        args = (str(household_id), str(cadre_id), until or day, writer(info), day)
        await write(info, "", pairing.unpair_cadre, *args)
        return await reloaded(info, str(household_id))

    @strawberry.mutation(
        description="Records a cadre's visit to a household, by a cadre who helps or helped it or serves its "
        "village, on a date (not in the future), with notes."
    )
    async def record_visit(
        self, info: Info, household_id: strawberry.ID, cadre_id: strawberry.ID, date: datetime.date, notes: str
    ) -> Visit:
        args = (str(household_id), str(cadre_id), date, notes, writer(info), today())
        return Visit.from_record(await write(info, "", pairing.record_visit, *args))
