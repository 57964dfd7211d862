"""Who is asking, and what each caller may see: the rules, written once as data (view x type x field).

A caller sees a household through one of four views: FULL (an ADMIN anywhere, a CADRE within scope),
OUT_OF_SCOPE (a CADRE elsewhere: the masked card), PSEUDONYMOUS (an ANALYST: links and figures, no
identities) or PUBLIC (an anonymous caller, who reaches a household only by scanning its code: the masked
card). Objects that belong to no household (a connection over the county, a claim looked up by id) are seen
through the caller's role view (`Viewer.role_view`).

`FIELD_RULES` says, per GraphQL type and field, which views see the value and what the others see instead;
graph/masking.py applies it where records are read, schema/masking.py lists the masked paths of a response.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.Enum):
    ANONYMOUS = "ANONYMOUS"
    CADRE = "CADRE"
    ANALYST = "ANALYST"
    ADMIN = "ADMIN"


class View(enum.Enum):
    FULL = "FULL"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    PSEUDONYMOUS = "PSEUDONYMOUS"
    PUBLIC = "PUBLIC"


class Hidden(enum.Enum):
    """How a hidden value looks, so that non-null fields stay valid and one hidden field breaks nothing."""

    NAME = "NAME"  # the surname and a mask: 张**
    TEXT = "TEXT"  # ***
    NULL = "NULL"
    EMPTY = "EMPTY"  # an empty list; a connection without edges (its totalCount stays true)


HIDDEN_TEXT = "***"
NAME_MASK = "**"


def mask_name(name: str) -> str:
    """The surname (first character; Chinese surnames of two characters are rare enough) and a mask."""
    return (name[:1] + NAME_MASK) if name else NAME_MASK


@dataclass(frozen=True)
class Rule:
    hidden: Hidden
    shown_to: frozenset[View]


FULL_ONLY = frozenset({View.FULL})
NOT_CARD = frozenset({View.FULL, View.PSEUDONYMOUS})
NOT_PUBLIC = frozenset({View.FULL, View.OUT_OF_SCOPE, View.PSEUDONYMOUS})


def _only_full(hidden: Hidden) -> Rule:
    return Rule(hidden, FULL_ONLY)


def _not_card(hidden: Hidden) -> Rule:
    return Rule(hidden, NOT_CARD)


def _not_public(hidden: Hidden) -> Rule:
    return Rule(hidden, NOT_PUBLIC)


# Fields not listed are shown to every view that reaches the object. The masked card (PUBLIC and
# OUT_OF_SCOPE) keeps: id, village, size, registeredPoor, status, industries, drivenBy (enterprise, mode),
# policies (names), measures (kind, subKind, year), helpers (role, unit; a cadre's name too, except to
# anonymous callers), exitIndicators (the public exit criteria).
FIELD_RULES: dict[str, dict[str, Rule]] = {
    "Household": {
        "headName": _only_full(Hidden.NAME),
        "members": _not_card(Hidden.EMPTY),
        "phone": _only_full(Hidden.NULL),
        "bankAccount": _only_full(Hidden.NULL),
        "developmentPlan": _only_full(Hidden.NULL),
        "primaryCause": _only_full(Hidden.NULL),  # 因病, 因残: health
        "otherCauses": _only_full(Hidden.EMPTY),
        "identifiedYear": _not_card(Hidden.NULL),
        "exitYear": _not_card(Hidden.NULL),
        "incomes": _not_card(Hidden.EMPTY),
        "incomePerCapita": _not_card(Hidden.NULL),
        "claims": _only_full(Hidden.EMPTY),
        "claimsConnection": _only_full(Hidden.EMPTY),
        "coverage": _not_card(Hidden.EMPTY),
        "projects": _not_card(Hidden.EMPTY),
        "helpersHistory": _not_card(Hidden.EMPTY),
        "history": _only_full(Hidden.EMPTY),
        "alerts": _not_card(Hidden.EMPTY),
        "monitoringEpisodes": _not_card(Hidden.EMPTY),
        "visits": _only_full(Hidden.EMPTY),
    },
    "HouseholdTrace": {
        "projects": _not_card(Hidden.EMPTY),
        "policies": _not_card(Hidden.EMPTY),
        "claims": _only_full(Hidden.EMPTY),
        "cadres": _not_card(Hidden.EMPTY),
    },
    "Person": {
        "name": _only_full(Hidden.NAME),
        "idNumber": _only_full(Hidden.NULL),
        "birthDate": _only_full(Hidden.NULL),
        "health": _only_full(Hidden.NULL),
        "chronicDisease": _only_full(Hidden.NULL),
        "disabilityCertificate": _only_full(Hidden.NULL),
        "phone": _only_full(Hidden.NULL),
    },
    "Measure": {
        "amount": _not_card(Hidden.NULL),
        "description": _not_card(Hidden.TEXT),
    },
    "Cadre": {
        "name": _not_public(Hidden.NAME),
    },
    "DriveLink": {
        "incomeGain": _not_card(Hidden.NULL),
    },
    "DrivenHouseholdEdge": {
        "incomeGain": _not_card(Hidden.NULL),
    },
    "QrCode": {
        # Only those who may print a plate see its token: an image URL is not a way around the rules.
        "token": _only_full(Hidden.TEXT),
        "url": _only_full(Hidden.TEXT),
        "svg": _only_full(Hidden.TEXT),
    },
    # Connections over many households, seen through the caller's role view.
    "HouseholdConnection": {"edges": _not_public(Hidden.EMPTY)},
    "DrivenHouseholdConnection": {"edges": _not_public(Hidden.EMPTY)},
    "MultiplyDrivenConnection": {"edges": _not_public(Hidden.EMPTY)},
    "BeneficiaryShareConnection": {"edges": _not_public(Hidden.EMPTY)},
    "AlertConnection": {"edges": _not_public(Hidden.EMPTY)},
    # Claims are health data: listed only in full (a household's in scope; a policy's to an ADMIN).
    "ClaimConnection": {"edges": _only_full(Hidden.EMPTY)},
}

# Nullable entry points that look one object up by its key: a view not listed gets FORBIDDEN.
ENTRY_POINTS: dict[str, frozenset[View]] = {
    "Household": NOT_PUBLIC,  # household(id), node(id): anonymous callers reach a household only by its code
    "Cadre": NOT_PUBLIC,
    "Claim": FULL_ONLY,
    "HouseholdByIdNumber": frozenset({View.FULL, View.OUT_OF_SCOPE}),  # a cadre: only within scope
}

# Finding households by who lives there (sorting or filtering by name, full-text search): not for
# analysts (pseudonymous) nor anonymous callers.
NAME_LOOKUP: frozenset[View] = frozenset({View.FULL, View.OUT_OF_SCOPE})


def shown(type_name: str, field_name: str, view: View) -> bool:
    rule = FIELD_RULES.get(type_name, {}).get(field_name)
    return rule is None or view in rule.shown_to


def township_of(village_code: str) -> str:
    """A village's township: its first 9 digits and 000 (administrative division codes nest so)."""
    return village_code[:9] + "000"


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
    def role_view(self) -> View:
        """The view of objects that belong to no household in particular, and of households out of scope."""
        return _ROLE_VIEWS[self.role]

    def view_of_village(self, village_code: str) -> View:
        """The view of a household of that village (or of the village's QR code)."""
        return View.FULL if self.in_scope(village_code, township_of(village_code)) else self.role_view

    def view_of_township(self, township_code: str) -> View:
        """The view of a township's QR code: full to an ADMIN and to a cadre of the whole township."""
        if self.role is Role.ADMIN or (self.role is Role.CADRE and township_code in self.townships):
            return View.FULL
        return self.role_view

    @property
    def by(self) -> str:
        """How audit records and change histories name this caller."""
        return self.sub or self.role.value.lower()


_ROLE_VIEWS = {
    Role.ADMIN: View.FULL,
    Role.CADRE: View.OUT_OF_SCOPE,
    Role.ANALYST: View.PSEUDONYMOUS,
    Role.ANONYMOUS: View.PUBLIC,
}
