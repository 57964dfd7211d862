"""Why a write was refused: each error names the input field at fault (a dotted path such as
`members.1.idNumber`, relative to the write's input) and carries the code a client sees."""

from __future__ import annotations

from typing import ClassVar

from graph.errors import GraphError


class WriteRefused(GraphError):
    """A write that was not done; nothing of it was stored."""

    code: ClassVar[str] = "BAD_USER_INPUT"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(WriteRefused):
    """A value that cannot be right: a malformed ID number, an unknown village, a negative cost..."""

    code = "BAD_USER_INPUT"


class Missing(WriteRefused):
    """The object the write is about does not exist (or no longer: a deregistered household)."""

    code = "NOT_FOUND"


class Clash(WriteRefused):
    """The write contradicts what is stored: a member already in another household, a stage out of turn."""

    code = "CONFLICT"


class NotAllowed(WriteRefused):
    """The caller may not write there."""

    code = "FORBIDDEN"
