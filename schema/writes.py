"""Running a mutation: who may write at all, one write transaction, and graph/'s refusals turned into
client errors whose `extensions.field` is the path of the offending input (`input.members.1.idNumber`)."""

from __future__ import annotations

from typing import Any, ParamSpec, TypeVar

from graph.access import Role, Viewer
from graph.driver import Work
from graph.write_errors import WriteRefused
from schema.context import Info
from schema.errors import ClientError, Forbidden
from schema.loaders import Loaders

P = ParamSpec("P")
T = TypeVar("T")

WRITERS = frozenset({Role.ADMIN, Role.CADRE})


class Refused(ClientError):
    """A write graph/ refused, with its code (BAD_USER_INPUT, NOT_FOUND, CONFLICT, FORBIDDEN)."""

    def __init__(self, error: WriteRefused, prefix: str) -> None:
        self.code = error.code
        extensions: dict[str, Any] = {}
        if error.field is not None:
            extensions["field"] = f"{prefix}.{error.field}" if prefix else error.field
        super().__init__(error.message, **extensions)


def writer(info: Info) -> Viewer:
    """The caller, when it may write anything at all: an administrator or a cadre (scope is checked later)."""
    viewer = info.context.viewer
    if viewer.role not in WRITERS:
        raise Forbidden("only an administrator or a cadre may change the registry")
    return viewer


async def write(info: Info, prefix: str, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Runs one unit of work in one write transaction; `prefix` roots the field paths of its refusals
    (`input` for registerHousehold's fields, empty for mutations whose arguments are the fields)."""
    try:
        result = await info.context.graph.write(work, *args, **kwargs)
    except WriteRefused as error:
        raise Refused(error, prefix) from None
    renew_loaders(info)
    return result


def renew_loaders(info: Info) -> None:
    """Forgets what the request read before a write: what it resolves next is read as stored now."""
    info.context.loaders = Loaders.create(info.context.graph)


def refuse(error: WriteRefused, prefix: str = "") -> Refused:
    return Refused(error, prefix)
