"""Builds the schema: the root Query, the money scalar, caches and error handling."""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, SchemaExtension, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.audit import PersonalDataReads
from schema.extensions import ErrorCodes, ReportingParserCache, RoundTrips
from schema.guards import CookieMutationsNeedCsrf
from schema.households import Household
from schema.limits import EnforceLimits, QueryLimits
from schema.masking import MaskedPaths
from schema.mutation import mutation_type
from schema.places import Township, Village
from schema.query import Query
from schema.scalars import DECIMAL


class Schema(strawberry.Schema):
    """Strawberry's schema, without its log line per error: a client's mistake is not the server's, and
    internal errors are already logged once, with their request id, by ErrorCodes."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        return None


def build_schema(limits: QueryLimits | None = None, *, production: bool = False) -> strawberry.Schema:
    """The schema with its query limits (the defaults when None). In production, introspection is off and
    errors suggest no field names."""
    # Classes or factories, not instances: extensions are built per request (instances are deprecated).
    # EnforceLimits runs after ValidationCache: it estimates the cost of a validated document only.
    extensions: list[Callable[[], SchemaExtension]] = [
        ReportingParserCache,
        ValidationCache,
        functools.partial(EnforceLimits, limits or QueryLimits()),
        CookieMutationsNeedCsrf,
        ErrorCodes,
        RoundTrips,
        MaskedPaths,
        PersonalDataReads,
    ]
    if production:
        extensions.append(DisableIntrospection)
    return Schema(
        query=Query,
        mutation=mutation_type(),
        types=[Township, Village, Household],
        extensions=extensions,
        config=StrawberryConfig(scalar_map={decimal.Decimal: DECIMAL}, disable_field_suggestions=production),
    )


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
