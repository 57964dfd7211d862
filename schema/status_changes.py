"""A registered-poor household's exit from poverty and its relapse."""

from __future__ import annotations

import strawberry

from graph import status_changes
from graph.status_changes import IndicatorsUnmet
from graph.write_errors import WriteRefused
from schema.context import Info
from schema.errors import BadUserInput
from schema.households import Household
from schema.registry import reloaded
from schema.writes import refuse, renew_loaders, write, writer


@strawberry.type
class StatusMutations:
    @strawberry.mutation(
        description="Records a registered-poor household's exit from poverty in a year. Refused (BAD_USER_INPUT, "
        "field year, extensions.unmet naming them) unless all its exit indicators of that year are met "
        "(Household.exitIndicators); CONFLICT when it has already exited. The household becomes EXITED (a "
        "MONITORED one stays so until its episode closes)."
    )
    async def exit_poverty(self, info: Info, household_id: strawberry.ID, year: int) -> Household:
        try:
            await info.context.graph.write(status_changes.exit_poverty, str(household_id), year, writer(info))
        except IndicatorsUnmet as error:
            raise BadUserInput(error.message, field=error.field, unmet=list(error.unmet)) from None
        except WriteRefused as error:
            raise refuse(error) from None
        renew_loaders(info)
        return await reloaded(info, str(household_id))

    @strawberry.mutation(
        description="Records that an exited household fell back into poverty (返贫) in a year, not before its exit, "
        "and why: it is POOR again (a MONITORED one stays so) and counts as not exited from that year on."
    )
    async def relapse(self, info: Info, household_id: strawberry.ID, year: int, reason: str) -> Household:
        await write(info, "", status_changes.relapse, str(household_id), year, reason, writer(info))
        return await reloaded(info, str(household_id))
