"""Applies the rules of graph/access.py where records are read, so that no resolver can forget them.

Every read of a request runs through its CountingGraph, which makes the request's `Access` current for
the unit of work; the record mappings and read functions of graph/ ask it how to shape what they return.
A household's view is decided when its record is mapped (from its village) and remembered for the rest of
the request, so that its members, measures, claims... read later get the same view; a household not seen
yet gets the caller's role view, the narrower one. Reads outside a request (the seeder, the CLI) run as
the system, which sees everything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graph.access import (
    ENTRY_POINTS,
    FIELD_RULES,
    HIDDEN_TEXT,
    NAME_LOOKUP,
    Hidden,
    View,
    Viewer,
    mask_name,
    shown,
)
from graph.errors import AccessDenied
from graph.paging import Page, Row

R = TypeVar("R")

SYSTEM = Viewer.system("system")


@dataclass
class Access:
    """One request's caller and the views it got of the households read so far."""

    viewer: Viewer
    household_views: dict[str, View] = field(default_factory=dict)

    def household_view(self, household_id: str) -> View:
        return self.household_views.get(household_id, self.viewer.role_view)

    def remember(self, household_id: str, village_code: str) -> View:
        view = self.viewer.view_of_village(village_code)
        self.household_views[household_id] = view
        return view


_CURRENT: ContextVar[Access | None] = ContextVar("yimaqing_access", default=None)


@contextmanager
def reading_as(access: Access) -> Iterator[None]:
    """Makes `access` current for the reads inside the block."""
    token = _CURRENT.set(access)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> Access:
    access = _CURRENT.get()
    return access if access is not None else Access(SYSTEM)


def viewer() -> Viewer:
    return current().viewer


def role_view() -> View:
    return current().viewer.role_view


def mask(type_name: str, record: R, view: View) -> R:
    """The record as `view` sees it: each hidden field replaced by its hidden form, and `view` set (the
    schema reports the masked paths from it; a record's `view` defaults to FULL). Record attributes are
    the snake_case of the field names."""
    if view is View.FULL:
        return record  # records are full unless masked
    changes: dict[str, Any] = {"view": view} if _has(record, "view") else {}
    for name, rule in FIELD_RULES.get(type_name, {}).items():
        attribute = _snake(name)
        if view not in rule.shown_to and _has(record, attribute):
            changes[attribute] = _hidden_value(rule.hidden, getattr(record, attribute))
    return dataclasses.replace(record, **changes) if changes else record  # type: ignore[type-var]


def household(record: R, household_id: str, village_code: str) -> R:
    """A household's record as the caller sees it; its view is remembered for what is read of it later."""
    return mask("Household", record, current().remember(household_id, village_code))


def of_household(household_id: str, field_name: str, type_name: str | None, records: Sequence[R]) -> list[R]:
    """What a household's list field (`members`, `measures`...) shows: nothing when hidden from the caller's
    view of that household, else each item masked as `type_name`."""
    view = current().household_view(household_id)
    if not shown("Household", field_name, view):
        return []
    return [mask(type_name, r, view) for r in records] if type_name else list(records)


def page_of_household(household_id: str, field_name: str, type_name: str | None, page: Page[R]) -> Page[R]:
    """A page of a household's connection field, shaped as `of_household` shapes a list."""
    view = current().household_view(household_id)
    if not shown("Household", field_name, view):
        return Page.empty()
    if view is View.FULL or type_name is None:
        return page
    rows = [Row(mask(type_name, row.record, view), row.sort_key) for row in page.rows]
    return dataclasses.replace(page, rows=rows)


def may_enumerate(connection_type: str) -> bool:
    """Whether the caller may list the edges of such a connection (its count is always true)."""
    return shown(connection_type, "edges", role_view())


def check_entry(kind: str) -> None:
    """Raises AccessDenied when the caller may not look up a `kind` by its key."""
    if role_view() not in ENTRY_POINTS[kind]:
        raise AccessDenied(f"{viewer().role.value.lower()} callers may not look up a {kind} by its key")


def check_name_lookup() -> None:
    """Raises AccessDenied when the caller may not sort or filter households by name."""
    if role_view() not in NAME_LOOKUP:
        raise AccessDenied(f"{viewer().role.value.lower()} callers may not sort or search households by name")


def _hidden_value(hidden: Hidden, value: Any) -> Any:
    if hidden is Hidden.NAME:
        return mask_name(value) if isinstance(value, str) else None
    if hidden is Hidden.TEXT:
        return HIDDEN_TEXT
    if hidden is Hidden.EMPTY:
        return type(value)() if isinstance(value, list | tuple) else None
    return None


def _has(record: object, attribute: str) -> bool:
    return attribute in _attributes(type(record))


_ATTRIBUTES: dict[type, frozenset[str]] = {}


def _attributes(cls: type) -> frozenset[str]:
    found = _ATTRIBUTES.get(cls)
    if found is None:
        found = frozenset(f.name for f in dataclasses.fields(cls))
        _ATTRIBUTES[cls] = found
    return found


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)
