"""Full-text search over names: places, households, enterprises, projects and policies."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry

from graph.search import search_names
from schema.context import Info
from schema.errors import BadUserInput
from schema.households import Household, load_household
from schema.industries import Enterprise, load_enterprise
from schema.pagination import MAX_PAGE
from schema.places import Township, Village, load_township, load_village
from schema.policies import Policy, load_policy
from schema.projects import Project, load_project

SearchHit = Annotated[Township | Village | Household | Enterprise | Project | Policy, strawberry.union("SearchHit")]


async def search(
    info: Info, text: str, first: int | None
) -> list[Township | Village | Household | Enterprise | Project | Policy]:
    size = 20 if first is None else first
    if size < 0 or size > MAX_PAGE:
        raise BadUserInput(f"`first` must be between 0 and {MAX_PAGE}, not {size}", argument="first")
    if not text.strip():
        raise BadUserInput("`text` must not be empty", argument="text")
    if len(text) > 200:
        raise BadUserInput("`text` is longer than 200 characters", argument="text")
    hits = await info.context.graph.read(search_names, text, size)
    loaders = {
        "Township": load_township,
        "Village": load_village,
        "Household": load_household,
        "Enterprise": load_enterprise,
        "Project": load_project,
        "Policy": load_policy,
    }
    # Gathered, so that the loaders batch each kind into one round trip.
    found = await asyncio.gather(*(loaders[hit.kind](info, hit.key) for hit in hits))
    return [item for item in found if item is not None]
