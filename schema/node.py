"""Global object identification: every Node has an id that `node(id:)` resolves.

Ids that the contract defines as natural keys stay as they are (households `H…`, enterprises `E…`,
claims `CL…`, cadres `C…`); townships and villages are `T` / `V` plus their 12-digit code; the rest are
`Type:key` (`Industry:FUNGI`, `Project:P2018-0001`, `Policy:YBT`)."""

from __future__ import annotations

import re
from enum import Enum

import strawberry

TOWNSHIP_PREFIX = "T"
VILLAGE_PREFIX = "V"


class NodeKind(Enum):
    TOWNSHIP = "Township"
    VILLAGE = "Village"
    HOUSEHOLD = "Household"
    ENTERPRISE = "Enterprise"
    CLAIM = "Claim"
    CADRE = "Cadre"
    INDUSTRY = "Industry"
    PROJECT = "Project"
    POLICY = "Policy"


_NATURAL: tuple[tuple[re.Pattern[str], NodeKind], ...] = (
    (re.compile(r"^T(\d{12})$"), NodeKind.TOWNSHIP),
    (re.compile(r"^V(\d{12})$"), NodeKind.VILLAGE),
    (re.compile(r"^(H[0-9A-Za-z-]+)$"), NodeKind.HOUSEHOLD),
    (re.compile(r"^(CL[0-9A-Za-z-]+)$"), NodeKind.CLAIM),
    (re.compile(r"^(C[0-9A-Za-z-]+)$"), NodeKind.CADRE),
    (re.compile(r"^(E[0-9A-Za-z-]+)$"), NodeKind.ENTERPRISE),
)
_TYPED = {kind.value: kind for kind in (NodeKind.INDUSTRY, NodeKind.PROJECT, NodeKind.POLICY)}


def typed_id(kind: NodeKind, key: str) -> strawberry.ID:
    return strawberry.ID(f"{kind.value}:{key}")


def parse_global_id(global_id: str) -> tuple[NodeKind, str] | None:
    """The kind and natural key a global id names, or None when it cannot be one of ours."""
    type_name, colon, key = global_id.partition(":")
    if colon:
        kind = _TYPED.get(type_name)
        return (kind, key) if kind is not None and key else None
    for pattern, natural_kind in _NATURAL:
        match = pattern.match(global_id)
        if match:
            return natural_kind, match.group(1)
    return None


@strawberry.interface(description="An object with a globally unique id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID
