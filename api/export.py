"""Exports: `GET /export/{name}.{csv|jsonl|xlsx}` (streaming) and `yimaqing export [NAME]`.

`registry` is the registration form (graph/export.py) of the households a HouseholdFilter keeps, as CSV
or XLSX, for an ADMIN: importing it into an empty database gives the same households back. Every other
name is a connection an analyst can query (api/connection_export.py), as CSV, JSON lines or XLSX, with
its GraphQL arguments as query parameters (`filter` as JSON) and the caller's role checks.
Downloads carry their Chinese file name (RFC 5987 `filename*=`) and an ASCII fallback."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import IO, Any, Literal
from urllib.parse import quote

from graphql import GraphQLError, GraphQLInputObjectType, coerce_input_value
from graphql.utilities import validate_input_value
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from strawberry import Schema
from strawberry.types.arguments import convert_argument

from api.auth import caller_of
from api.connection_export import (
    CONNECTIONS,
    ConnectionSpec,
    ExportError,
    bad_input,
    json_line,
    open_edges,
    row_of,
)
from api.connection_export import parse_arguments as connection_arguments
from api.database import connect
from api.errors import error_response
from api.registry_files import csv_line, write_template, write_xlsx
from api.settings import Settings
from graph.access import Role, Viewer
from graph.errors import FilterTooLarge
from graph.export import registry_rows
from graph.households import HouseholdFilter as HouseholdFilterSpec
from schema.build import build_schema
from schema.context import Context
from schema.errors import BadUserInput
from schema.households import HouseholdFilter

Format = Literal["csv", "jsonl", "xlsx"]
REGISTRY = "registry"
REGISTRY_TITLE = "建档立卡户登记表"
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Exports hold personal data or analyses: never cached or indexed on the way.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
CHUNK = 1 << 16
REGISTRY_FORMATS = ("csv", "xlsx")
# What a registry export reads of each household, as the audit names personal data (GraphQL fields).
REGISTRY_FIELDS = (
    "headName",
    "members",
    "phone",
    "bankAccount",
    "developmentPlan",
    "primaryCause",
    "otherCauses",
    "identifiedYear",
    "exitYear",
    "incomes",
)


def household_filter(schema: Schema, text: str | None) -> HouseholdFilterSpec:
    """A HouseholdFilter given as JSON, checked and converted exactly as the `households` query does."""
    if not text:
        return HouseholdFilterSpec()
    try:
        value = json.loads(text)
    except ValueError:
        raise bad_input(f"filter is not JSON: {text[:60]!r}", "filter") from None
    if value is None:
        return HouseholdFilterSpec()
    input_type = schema._schema.get_type("HouseholdFilter")
    assert isinstance(input_type, GraphQLInputObjectType)
    problems: list[str] = []

    def on_error(error: GraphQLError, path: Sequence[str | int]) -> None:
        at = "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path)
        problems.append(f"filter{at}: {error.message}")

    validate_input_value(value, input_type, on_error)
    if problems:
        raise bad_input("; ".join(problems), "filter")
    coerced = coerce_input_value(value, input_type)
    try:
        converted = convert_argument(coerced, HouseholdFilter, schema.schema_converter.scalar_registry, schema.config)
        assert isinstance(converted, HouseholdFilter)
        spec = converted.to_spec()
        spec.where()  # the size check
    except (BadUserInput, FilterTooLarge) as error:
        raise bad_input(f"filter: {error}", "filter") from None
    return spec


def content_disposition(title: str, ascii_name: str, file_format: str) -> str:
    """`attachment` with an ASCII fallback name and the UTF-8 name in RFC 5987 form."""
    return f"attachment; filename=\"{ascii_name}.{file_format}\"; filename*=UTF-8''{quote(f'{title}.{file_format}')}"


def export_routes(schema: Schema, context_of: Callable[[Request], Context]) -> list[Route]:
    async def export(request: Request) -> Response:
        name = request.path_params["name"]
        file_format = request.path_params["format"].lower()
        viewer = caller_of(request).viewer
        if viewer.role is Role.ANONYMOUS:
            return error_response(401, "UNAUTHENTICATED", "sign in to export")
        params = dict(request.query_params)
        state = request.app.state.yimaqing
        try:
            if name == REGISTRY:
                if viewer.role is not Role.ADMIN:
                    return error_response(
                        403, "FORBIDDEN", "only an administrator exports the registry (it holds personal data)"
                    )
                if file_format not in REGISTRY_FORMATS:
                    return error_response(404, "NOT_FOUND", "the registry exports as .csv or .xlsx")
                spec = household_filter(schema, params.pop("filter", None))
                if params:
                    raise bad_input(f"the registry export takes only `filter`, not {sorted(params)}", sorted(params)[0])
                audit = state.guards.audit

                def audited(household_id: str, village_code: str) -> None:
                    audit.record_read(viewer, household_id, REGISTRY_FIELDS, village_code)

                rows: AsyncIterator[Any] = registry_rows(state.graph, spec, on_household=audited)
                title, ascii_name = REGISTRY_TITLE, REGISTRY
            else:
                connection = CONNECTIONS.get(name)
                if connection is None or file_format not in MEDIA_TYPES:
                    known = ", ".join([REGISTRY, *CONNECTIONS])
                    return error_response(404, "NOT_FOUND", f"export one of {known} as .csv, .jsonl or .xlsx")
                variables = connection_arguments(connection, params)
                found = await open_edges(schema, lambda: context_of(request), connection, variables)
                rows = _connection_rows(connection, found, file_format)
                title, ascii_name = connection.title, connection.name
            rows = await primed(rows)  # the first rows are read now: errors are answered, not streamed
        except ExportError as error:
            return JSONResponse({"errors": error.errors}, status_code=error.status)
        headers = {**PRIVATE_HEADERS, "Content-Disposition": content_disposition(title, ascii_name, file_format)}
        if file_format == "xlsx":
            return StreamingResponse(_xlsx_bytes(rows), media_type=MEDIA_TYPES["xlsx"], headers=headers)
        return StreamingResponse(_encoded(rows, file_format), media_type=MEDIA_TYPES[file_format], headers=headers)

    return [Route("/export/{name}.{format}", export, methods=["GET"])]


async def _connection_rows(
    spec: ConnectionSpec, found: AsyncIterator[dict[str, Any]], file_format: str
) -> AsyncIterator[list[str] | dict[str, Any]]:
    """The header and the rows of a connection (or, for JSON lines, the edges themselves)."""
    if file_format != "jsonl":
        yield list(spec.columns)
    async for edge in found:
        yield edge if file_format == "jsonl" else row_of(spec, edge)


async def primed(rows: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The same rows, the first of them already read (so that its errors raise here)."""
    try:
        first = await anext(rows)
    except StopAsyncIteration:
        return _prepend((), rows)
    return _prepend((first,), rows)


async def _prepend(first: tuple[Any, ...], rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    for item in first:
        yield item
    async for item in rest:
        yield item


async def _encoded(rows: AsyncIterator[Any], file_format: str) -> AsyncIterator[bytes]:
    lines: list[str] = ["\ufeff"] if file_format == "csv" else []  # a BOM, so that Excel reads UTF-8
    async for row in rows:
        lines.append(json_line(row) if isinstance(row, dict) else csv_line(row))
        if len(lines) >= 200:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


async def _xlsx_bytes(rows: AsyncIterator[Any]) -> AsyncIterator[bytes]:
    """The rows written to a temporary workbook in write-only mode, then sent in chunks."""
    with tempfile.TemporaryDirectory(prefix="yimaqing-export-") as folder:
        path = Path(folder) / "export.xlsx"
        await write_xlsx(_cells(rows), path)
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                yield chunk


async def _cells(rows: AsyncIterator[Any]) -> AsyncIterator[list[str]]:
    async for row in rows:
        yield row if isinstance(row, list) else [json.dumps(row, ensure_ascii=False)]


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "export",
        help="export the registry (or a connection: " + ", ".join(CONNECTIONS) + ") as CSV, JSON lines or XLSX",
    )
    parser.add_argument("name", nargs="?", default=REGISTRY, help="registry (the default) or a connection")
    parser.add_argument("--template", action="store_true", help="write an empty registration form")
    parser.add_argument(
        "--format", choices=("csv", "jsonl", "xlsx"), default=None, help="default: from --output, or csv"
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="the file to write (CSV and JSON lines: default stdout)"
    )
    parser.add_argument("--filter", default=None, help="a filter as JSON, as the GraphQL query takes it")
    parser.add_argument("--arg", action="append", default=[], metavar="NAME=VALUE", help="another argument")
    parser.add_argument("--years", type=int, nargs="*", default=None, help="income years of an empty form")


class ExportCommandError(Exception):
    """A problem with the command's options; exit status 2."""


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    """The `export` command: an empty form (no database needed), the registry, or a connection."""
    file_format: str = args.format or (args.output.suffix.lstrip(".").lower() if args.output else "csv")
    if file_format not in MEDIA_TYPES:
        raise ExportCommandError(f"unknown format {file_format!r}: csv, jsonl or xlsx")
    if args.output is not None and not args.output.parent.is_dir():
        raise ExportCommandError(f"no such folder: {args.output.parent}")
    if args.template:
        if args.output is None or file_format not in REGISTRY_FORMATS:
            raise ExportCommandError("--template needs --output, a .csv or .xlsx file")
        write_template(args.output, "xlsx" if file_format == "xlsx" else "csv", args.years or [TEMPLATE_YEAR])
        print(f"wrote an empty registration form to {args.output}", file=sys.stderr)
        return 0
    if file_format == "xlsx" and args.output is None:
        raise ExportCommandError("an XLSX export needs --output")
    if args.name != REGISTRY and args.name not in CONNECTIONS:
        raise ExportCommandError(f"nothing called {args.name!r} to export: {', '.join([REGISTRY, *CONNECTIONS])}")
    if args.name == REGISTRY and file_format not in REGISTRY_FORMATS:
        raise ExportCommandError("the registry exports as CSV or XLSX (the registration form), not JSON lines")
    try:
        count = asyncio.run(_export(settings, args, file_format))
    except ExportError as error:
        raise ExportCommandError(str(error)) from None
    except BrokenPipeError:  # `yimaqing export ... | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    noun = "person rows" if args.name == REGISTRY else "rows"
    print(f"exported {count} {noun}", file=sys.stderr)
    return 0


async def _export(settings: Settings, args: argparse.Namespace, file_format: str) -> int:
    from api.app import query_limits  # api.app serves these exports: import it here, not at the top

    schema = build_schema(query_limits(settings), production=False)
    async with connect(settings) as database:
        if args.name == REGISTRY:
            if args.arg:
                raise bad_input("the registry export takes only --filter")
            rows: AsyncIterator[Any] = registry_rows(database.graph, household_filter(schema, args.filter))
        else:
            spec = CONNECTIONS[args.name]
            params = dict(item.partition("=")[::2] for item in args.arg)
            if args.filter is not None:
                params["filter"] = args.filter
            variables = connection_arguments(spec, params)

            def new_context() -> Context:
                return Context.create(database.graph, settings.public_url, viewer=Viewer.system("export"))

            found = await open_edges(schema, new_context, spec, variables)
            rows = _connection_rows(spec, found, file_format)
        rows = await primed(rows)  # errors before any file is written
        if file_format == "xlsx":
            return await write_xlsx(_cells(rows), args.output)
        if args.output is None:
            count = await _write_lines(rows, sys.stdout, file_format)
            sys.stdout.flush()
            return count
        with args.output.open("w", encoding="utf-8-sig" if file_format == "csv" else "utf-8", newline="") as out:
            return await _write_lines(rows, out, file_format)


async def _write_lines(rows: AsyncIterator[Any], out: IO[str], file_format: str) -> int:
    count = -1 if file_format == "csv" else 0  # the header is no data row
    async for row in rows:
        out.write(json_line(row) if isinstance(row, dict) else csv_line(row))
        count += 1
    return max(count, 0)


# The income year of an empty form unless --years says otherwise: the demo county's data year.
TEMPLATE_YEAR = 2018
