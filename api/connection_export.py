"""Exporting any connection an analyst can query, page by page through the GraphQL schema itself.

An export runs the connection's own query (its filter, order and arguments as GraphQL variables) with the
caller's context, 100 edges at a time after the previous page's cursor: the same filters, the same role
checks and masking, keyset pages (graph/paging.py), and never more than one page in memory. Each
connection has a fixed list of columns, dotted paths into an edge (`node.village.name`, `mode`), from
which the query's selection is built; CSV headers are those paths, and a JSON line is the edge as
GraphQL returns it (without its cursor)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from strawberry import Schema

from schema.context import Context

PAGE_SIZE = 100

_HOUSEHOLD = (
    "node.id",
    "node.headName",
    "node.village.code",
    "node.village.name",
    "node.size",
    "node.registeredPoor",
    "node.status",
    "node.identifiedYear",
    "node.exitYear",
    "node.primaryCause",
    "node.otherCauses",
    "node.incomePerCapita",
)
_STATS = (
    "node.stats.year",
    "node.stats.households",
    "node.stats.registeredPoorHouseholds",
    "node.stats.population",
    "node.stats.povertyIncidence",
    "node.stats.incomePerCapita.median",
    "node.stats.incomePerCapita.lowerQuartile",
    "node.stats.incomePerCapita.upperQuartile",
    "node.stats.income.wage",
    "node.stats.income.operating",
    "node.stats.income.property",
    "node.stats.income.transfer",
    "node.stats.income.total",
    "node.stats.exit.all",
    "node.stats.funds",
)


@dataclass(frozen=True)
class ConnectionSpec:
    """A connection that can be exported: where it is (a root field, or a field of one object found by
    `parent_args`), its arguments by GraphQL type, its columns, and a Chinese title for file names."""

    name: str
    title: str
    path: tuple[str, ...]
    args: Mapping[str, str]
    columns: tuple[str, ...]
    parent_args: Mapping[str, str] = field(default_factory=dict)

    def document(self, given: Mapping[str, Any]) -> str:
        """The query of one page: `$after` plus the arguments that were given."""
        declared = {**self.parent_args, **self.args}
        variables = ", ".join(["$after: String", *(f"${name}: {declared[name]}" for name in sorted(given))])
        connection_args = ", ".join(
            [
                f"first: {PAGE_SIZE}",
                "after: $after",
                *(f"{name}: ${name}" for name in sorted(given) if name in self.args),
            ]
        )
        selection = _selection(self.columns)
        body = f"{self.path[-1]}({connection_args}) {{ edges {{ {selection} }} pageInfo {{ hasNextPage endCursor }} }}"
        if len(self.path) == 2:
            parent = ", ".join(f"{name}: ${name}" for name in sorted(given) if name in self.parent_args)
            body = f"{self.path[0]}({parent}) {{ {body} }}"
        return f"query Export({variables}) {{ {body} }}"


CONNECTIONS: dict[str, ConnectionSpec] = {
    spec.name: spec
    for spec in (
        ConnectionSpec(
            "households",
            "农户",
            ("households",),
            {"filter": "HouseholdFilter", "orderBy": "HouseholdOrder"},
            _HOUSEHOLD,
        ),
        ConnectionSpec(
            "villages",
            "行政村",
            ("villages",),
            {"filter": "VillageFilter", "orderBy": "VillageOrder"},
            (
                "node.code",
                "node.name",
                "node.township.code",
                "node.township.name",
                "node.householdCount",
                "node.registeredPoorHouseholds",
            ),
        ),
        ConnectionSpec(
            "projects",
            "项目库",
            ("projects",),
            {"filter": "ProjectFilter", "orderBy": "ProjectOrder"},
            (
                "node.code",
                "node.name",
                "node.year",
                "node.purpose",
                "node.stage",
                "node.started",
                "node.completed",
                "node.performanceScore",
                "node.budget",
                "node.plannedBeneficiaries",
                "node.responsibleUnit",
                "node.industry.code",
                "node.village.code",
                "node.township.code",
            ),
        ),
        ConnectionSpec(
            "enterprises",
            "企业",
            ("enterprisesConnection",),
            {"filter": "EnterpriseFilter", "orderBy": "EnterpriseOrder"},
            (
                "node.id",
                "node.name",
                "node.kind",
                "node.investment",
                "node.stores",
                "node.industry.code",
                "node.reach.households",
                "node.reach.poorHouseholds",
                "node.reach.villages",
            ),
        ),
        ConnectionSpec(
            "industry-driven-households",
            "产业带动农户",
            ("industry", "drivenHouseholds"),
            {"poorOnly": "Boolean"},
            ("node.id", "node.headName", "node.village.code", "node.status", "mode", "incomeGain", "enterprise.id"),
            parent_args={"code": "ID!"},
        ),
        ConnectionSpec(
            "enterprise-driven-households",
            "企业带动农户",
            ("enterprise", "drivenHouseholds"),
            {"poorOnly": "Boolean"},
            ("node.id", "node.headName", "node.village.code", "node.status", "mode", "incomeGain"),
            parent_args={"id": "ID!"},
        ),
        ConnectionSpec(
            "multiply-driven-households",
            "多重带动农户",
            ("multiplyDrivenHouseholds",),
            {"industryCodes": "[ID!]", "enterpriseIds": "[ID!]"},
            (
                "node.id",
                "node.headName",
                "node.village.code",
                "links.enterprise.id",
                "links.mode",
                "links.incomeGain",
            ),
        ),
        ConnectionSpec(
            "rollup",
            "汇总",
            ("rollup",),
            {
                "level": "PlaceLevel!",
                "parentCode": "ID",
                "year": "Int",
                "orderBy": "StatsOrder",
                "descending": "Boolean",
            },
            ("node.code", "node.name", "node.level", "node.parentCode", *_STATS),
        ),
        ConnectionSpec(
            "alerts",
            "预警",
            ("alerts",),
            {"filter": "AlertFilter"},
            ("node.id", "node.rule", "node.severity", "node.state", "node.raisedAt", "node.facts"),
        ),
    )
}


class ExportError(ValueError):
    """The export cannot run: an unknown argument, or the query's own errors (as GraphQL reported them)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(e.get("message")) for e in errors))
        self.errors = errors

    @property
    def status(self) -> int:
        """The HTTP status of the first error's code (a bad argument when it has none)."""
        code = (self.errors[0].get("extensions") or {}).get("code") if self.errors else None
        return _STATUS.get(code or "BAD_USER_INPUT", 500)


_STATUS = {
    "BAD_USER_INPUT": 400,
    "GRAPHQL_VALIDATION_FAILED": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "RATE_LIMITED": 429,
}


def bad_input(message: str, argument: str | None = None) -> ExportError:
    extensions: dict[str, Any] = {"code": "BAD_USER_INPUT"}
    if argument is not None:
        extensions["argument"] = argument
    return ExportError([{"message": message, "extensions": extensions}])


def parse_arguments(spec: ConnectionSpec, params: Mapping[str, str]) -> dict[str, Any]:
    """Query parameters as GraphQL variables: JSON for inputs and lists, numbers and booleans by type, the
    rest as text (GraphQL then checks each against its type)."""
    declared = {**spec.parent_args, **spec.args}
    variables: dict[str, Any] = {}
    for name, text in params.items():
        kind = declared.get(name)
        if kind is None:
            known = ", ".join(sorted(declared)) or "none"
            raise bad_input(f"{spec.name} takes no argument {name!r} (it takes: {known})", name)
        base = kind.rstrip("!")
        try:
            if base.endswith("Filter") or base.startswith("["):
                variables[name] = json.loads(text)
            elif base == "Int":
                variables[name] = int(text)
            elif base == "Boolean":
                variables[name] = {"true": True, "false": False}[text.lower()]
            else:
                variables[name] = text
        except (ValueError, KeyError):
            raise bad_input(f"{name} is not a valid {base}: {text[:60]!r}", name) from None
    for name, kind in declared.items():
        if kind.endswith("!") and name not in variables:
            raise bad_input(f"{spec.name} needs the argument {name!r} ({kind.rstrip('!')})", name)
    return variables


async def open_edges(
    schema: Schema, new_context: Callable[[], Context], spec: ConnectionSpec, variables: dict[str, Any]
) -> AsyncIterator[dict[str, Any]]:
    """Every edge of the connection, page after page, each page with a fresh context (no loader cache grows
    with the export). The first page runs here, before anything is sent: an invalid filter or a refused
    role raises ExportError now, to be answered as an error rather than as a broken download."""
    document = spec.document(variables)
    first = await _page(schema, new_context(), spec, document, {**variables, "after": None})
    return _edges(schema, new_context, spec, document, variables, first)


async def _edges(
    schema: Schema,
    new_context: Callable[[], Context],
    spec: ConnectionSpec,
    document: str,
    variables: dict[str, Any],
    page: tuple[list[dict[str, Any]], str | None],
) -> AsyncIterator[dict[str, Any]]:
    while True:
        found, after = page
        for edge in found:
            yield edge
        if after is None:
            return
        page = await _page(schema, new_context(), spec, document, {**variables, "after": after})


async def _page(
    schema: Schema, context: Context, spec: ConnectionSpec, document: str, variables: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """One page's edges (without cursors), and the cursor after it (None on the last page)."""
    result = await schema.execute(document, variable_values=variables, context_value=context)
    if result.errors:
        raise ExportError([_for_caller(dict(e.formatted)) for e in result.errors])
    connection: Any = result.data
    for key in spec.path:
        connection = connection[key] if connection is not None else None
    if connection is None:
        raise ExportError([{"message": f"no such {spec.path[0]}", "extensions": {"code": "NOT_FOUND"}}])
    found: list[dict[str, Any]] = connection["edges"]
    for edge in found:
        edge.pop("cursor", None)
    more = connection["pageInfo"]["hasNextPage"]
    return found, connection["pageInfo"]["endCursor"] if more else None


def _for_caller(error: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL error as the caller of an export sees it: without locations in a document they never
    wrote, and a bad variable (a failed validation of our document, to GraphQL) as the BAD_USER_INPUT of
    the argument it came from."""
    error.pop("locations", None)
    match = _VARIABLE.match(str(error.get("message", "")))
    if match is not None:
        error["extensions"] = {**(error.get("extensions") or {}), "code": "BAD_USER_INPUT", "argument": match.group(1)}
    return error


_VARIABLE = re.compile(r"Variable '\$(\w+)'")


def row_of(spec: ConnectionSpec, edge: dict[str, Any]) -> list[str]:
    """An edge as CSV cells, one per column; a list gives its items joined by 、 (or, for a path through a
    list of objects, each object's value)."""
    return [_text(_at(edge, column.split("."))) for column in spec.columns]


def json_line(edge: dict[str, Any]) -> str:
    return json.dumps(edge, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"


def _at(value: Any, path: list[str]) -> Any:
    for index, key in enumerate(path):
        if value is None:
            return None
        if isinstance(value, list):
            return [_at(item, path[index:]) for item in value]
        value = value.get(key)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _selection(columns: tuple[str, ...]) -> str:
    tree: dict[str, Any] = {}
    for column in columns:
        node = tree
        for key in column.split("."):
            node = node.setdefault(key, {})
    return _render(tree)


def _render(tree: dict[str, Any]) -> str:
    return " ".join(f"{key} {{ {_render(sub)} }}" if sub else key for key, sub in tree.items())
