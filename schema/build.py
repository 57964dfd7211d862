"""Builds the schema: the root Query, the money scalar, caches and error handling."""

from __future__ import annotations

import decimal

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from schema.extensions import ErrorCodes, RoundTrips
from schema.households import Household
from schema.places import Township, Village
from schema.query import Query
from schema.scalars import DECIMAL


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        types=[Township, Village, Household],
        # Classes, not instances: the caches are built per schema (instances are deprecated).
        extensions=[ParserCache, ValidationCache, ErrorCodes, RoundTrips],
        config=StrawberryConfig(scalar_map={decimal.Decimal: DECIMAL}),
    )


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
