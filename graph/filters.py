"""Filters compiled to a Cypher WHERE clause from fixed fragments: user values only ever become parameters.

A filter is a frozen dataclass of optional conditions plus `all_of`, `any_of` and `none_of` (AND, OR,
NOT) over filters of its own kind; each condition's fragment names its value `$value`, which is renamed
to a parameter unique to its place in the tree."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from graph.errors import FilterTooLarge

COMBINATORS = ("all_of", "any_of", "none_of")

# Deeper nesting than this is refused by the schema before it reaches Cypher.
MAX_NESTING = 4
# More conditions than this (values of a set counting one each) make a query no index can help with.
MAX_CONDITIONS = 40


def compile_filter(spec: Any, fragments: dict[str, str], prefix: str = "f") -> tuple[str, dict[str, Any]]:
    if prefix == "f":
        total = conditions(spec)
        if total > MAX_CONDITIONS:
            raise FilterTooLarge(total, MAX_CONDITIONS)
    return _compile(spec, fragments, prefix)


def _compile(spec: Any, fragments: dict[str, str], prefix: str) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for field in fields(spec):
        if field.name in COMBINATORS:
            continue
        value = getattr(spec, field.name)
        if value is None:
            continue
        name = f"{prefix}_{field.name}"
        clauses.append(fragments[field.name].replace("$value", "$" + name))
        params[name] = list(value) if isinstance(value, tuple) else value
    for index, sub in enumerate(getattr(spec, "all_of", ())):
        clause, sub_params = _compile(sub, fragments, f"{prefix}a{index}")
        clauses.append(f"({clause})")
        params.update(sub_params)
    alternatives = []
    for index, sub in enumerate(getattr(spec, "any_of", ())):
        clause, sub_params = _compile(sub, fragments, f"{prefix}o{index}")
        alternatives.append(f"({clause})")
        params.update(sub_params)
    if alternatives:
        clauses.append("(" + " OR ".join(alternatives) + ")")
    negated = getattr(spec, "none_of", None)
    if negated is not None:
        clause, sub_params = _compile(negated, fragments, f"{prefix}n")
        clauses.append(f"NOT ({clause})")
        params.update(sub_params)
    return (" AND ".join(clauses) or "true"), params


def conditions(spec: Any) -> int:
    """How many conditions a filter tests, over all its nested filters."""
    total = 0
    for field in fields(spec):
        value = getattr(spec, field.name)
        if field.name in ("all_of", "any_of"):
            total += sum(conditions(sub) for sub in value)
        elif field.name == "none_of":
            total += conditions(value) if value is not None else 0
        elif value is not None:
            total += len(value) if isinstance(value, tuple) else 1
    return total


def nesting(spec: Any) -> int:
    """How deep AND/OR/NOT nest in a filter (a flat filter is 1)."""
    children = [*getattr(spec, "all_of", ()), *getattr(spec, "any_of", ())]
    negated = getattr(spec, "none_of", None)
    if negated is not None:
        children.append(negated)
    return 1 + max((nesting(child) for child in children), default=0)
