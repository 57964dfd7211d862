"""Who the server takes the caller to be: what a front end shows as "logged in as", and what tests check."""

from __future__ import annotations

import strawberry

from schema.context import Info


@strawberry.type(description="The caller, as the server verified them (ANONYMOUS without credentials).")
class Me:
    role: str
    sub: str | None
    villages: list[str]
    townships: list[str]


def me(info: Info) -> Me:
    viewer = info.context.viewer
    return Me(
        role=viewer.role.value,
        sub=viewer.sub,
        villages=sorted(viewer.villages),
        townships=sorted(viewer.townships),
    )
