"""Global object identification: a Node's id is a one-letter type prefix plus its natural key."""

from __future__ import annotations

import strawberry

TOWNSHIP_PREFIX = "T"
VILLAGE_PREFIX = "V"
# Household ids already start with "H" (see docs/graph-model.md), so they are their own global id.
HOUSEHOLD_PREFIX = "H"


@strawberry.interface(description="An object with a globally unique id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID
