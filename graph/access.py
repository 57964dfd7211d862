"""Who is asking: the caller's role and scope, as every read and write in the graph layer sees it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.Enum):
    ANONYMOUS = "ANONYMOUS"
    CADRE = "CADRE"
    ANALYST = "ANALYST"
    ADMIN = "ADMIN"


@dataclass(frozen=True)
class Viewer:
    """A verified caller. `villages` and `townships` are the codes a cadre is scoped to."""

    role: Role
    sub: str | None = None
    villages: frozenset[str] = field(default_factory=frozenset)
    townships: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def anonymous(cls) -> Viewer:
        return cls(Role.ANONYMOUS)

    @classmethod
    def system(cls, sub: str) -> Viewer:
        """The server itself (the seeder, an import, the CLI): an administrator named by what it is doing."""
        return cls(Role.ADMIN, sub=sub)

    def in_scope(self, village_code: str, township_code: str) -> bool:
        """Whether this caller sees the full records of a household of that village."""
        if self.role is Role.ADMIN:
            return True
        if self.role is Role.CADRE:
            return village_code in self.villages or township_code in self.townships
        return False

    @property
    def by(self) -> str:
        """How audit records and change histories name this caller."""
        return self.sub or self.role.value.lower()
