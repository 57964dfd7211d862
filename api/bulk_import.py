"""`yimaqing bulk-import FILE`: a first load of a county into an EMPTY local Neo4j with Neo4j's offline
importer (graph/bulk_import.py). Refused when NEO4J_URI names another Neo4j, or when the local one is
running or holds data; `yimaqing import` adds to a database that holds a county."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from api.database import local_neo4j
from api.imports import ImportCommandError
from api.registry_files import RegistryFileError, open_registry
from api.settings import Settings
from graph.bulk_import import BulkImportError, BulkReport, bulk_import, households_per_second


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "bulk-import",
        help="first load of a registration form into an empty local Neo4j with neo4j-admin's offline importer",
    )
    parser.add_argument("file", type=Path, help="the CSV (UTF-8 or GBK) or XLSX file")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--importer-heap-mb", type=int, default=1024, help="the importer's Java heap (default 1024)")


def run_bulk_import(settings: Settings, args: argparse.Namespace) -> int:
    """0 when the county was loaded, 1 when rows have problems (nothing written); errors of the command
    itself (not the local Neo4j, a non-empty store) raise ImportCommandError (exit status 2)."""
    path: Path = args.file
    if not path.is_file():
        raise ImportCommandError(f"no such file: {path}")
    if settings.neo4j_uri:
        raise ImportCommandError(
            f"NEO4J_URI is set ({settings.neo4j_uri}): a bulk import writes the store of the local Neo4j "
            "(DATA_DIR) only; use `yimaqing import` for another database"
        )
    try:
        report = asyncio.run(
            bulk_import(
                local_neo4j(settings),
                open_registry(path),
                file_name=path.name,
                database=settings.neo4j_database,
                importer_heap_mb=args.importer_heap_mb,
                log=lambda message: print(message, file=sys.stderr, flush=True),
            )
        )
    except (RegistryFileError, BulkImportError) as error:
        raise ImportCommandError(str(error)) from None
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if args.json else describe(report))
    return 0 if report.ok else 1


def describe(report: BulkReport) -> str:
    if not report.ok:
        lines = [f"{report.file}: {report.households} households in {report.rows} rows; nothing written"]
        return "\n".join(lines + [f"  row {e.row}, {e.column or 'row'}: {e.message}" for e in report.errors])
    timings = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in report.timings.items())
    loaded = (
        f"{report.file}: {report.households} households, {report.members} members, {report.incomes} incomes "
        f"loaded ({households_per_second(report):.0f} households/s; {timings})"
    )
    return "\n".join([loaded, *(f"  warning: {warning}" for warning in report.warnings)])
