"""Importing a registration form: `yimaqing import FILE [--partial] [--json]` and `POST /import` (ADMIN).

Both answer with the report of graph/registry_import.py: households and rows read, created, updated,
unchanged and skipped, and every problem by row, column and message."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tqdm import tqdm

from api.auth import caller_of
from api.database import connect
from api.errors import error_response
from api.registry_files import RegistryFileError, file_format, open_registry
from api.settings import Settings
from graph.access import Role, Viewer
from graph.constraints import migrate
from graph.registry_import import ImportReport, RowSource, import_registry

UPLOAD_CHUNK = 1 << 20


class ImportCommandError(Exception):
    """A problem with the command itself (no such file, not a registry file); exit status 2."""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "import", help="import a registration form (CSV or XLSX; see docs/registry-template.md)"
    )
    parser.add_argument("file", type=Path, help="the CSV (UTF-8 or GBK) or XLSX file")
    parser.add_argument("--partial", action="store_true", help="write the valid households, report the rest")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--new-places",
        action="store_true",
        help="create the villages (and townships) of the county the file names that the database lacks",
    )


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    """The `import` command: 0 when every row was imported, 1 when the report lists problems."""
    path: Path = args.file
    if not path.is_file():
        raise ImportCommandError(f"no such file: {path}")
    try:
        source = open_registry(path)
        report = asyncio.run(_import(settings, path, source, args))
    except RegistryFileError as error:
        raise ImportCommandError(str(error)) from None
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if args.json else describe(report))
    return 0 if report.ok else 1


async def _import(settings: Settings, path: Path, source: RowSource, args: argparse.Namespace) -> ImportReport:
    async with connect(settings) as database:
        await migrate(database.driver, settings.neo4j_database)
        with _ProgressBars() as progress:
            return await import_registry(
                database.graph,
                source,
                file_name=path.name,
                viewer=Viewer.system("import"),
                partial=args.partial,
                new_places=args.new_places,
                progress=progress,
            )


def describe(report: ImportReport) -> str:
    """The report as lines for a terminal: the totals, then each problem."""
    written = "nothing written" if not report.written and report.errors else "written"
    lines = [
        f"{report.file}: {report.households} households in {report.rows} rows; {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged, {report.skipped} skipped ({written})"
    ]
    lines += [f"  row {e.row}, {e.column or 'row'}: {e.message}" for e in report.errors]
    return "\n".join(lines)


class _ProgressBars:
    """One bar for the check, one for the writes, on standard error."""

    def __init__(self) -> None:
        self.bars: dict[str, tqdm[Any]] = {}

    def __enter__(self) -> Callable[[str, int], None]:
        return self.advance

    def advance(self, phase: str, households: int) -> None:
        if phase not in self.bars:
            total = self.bars["checked"].n if phase == "written" and "checked" in self.bars else None
            self.bars[phase] = tqdm(total=total, unit="households", desc=phase, file=sys.stderr)
        self.bars[phase].update(households)

    def __exit__(self, *exc: object) -> None:
        for bar in self.bars.values():
            bar.close()


async def import_upload(request: Request) -> Response:
    """`POST /import[?partial=true&newPlaces=true&name=FILE]`: the file as multipart form data (field `file`)
    or as the raw body. ADMIN only. 200 with the report when every row was imported, 422 with it otherwise."""
    caller = caller_of(request)
    if caller.viewer.role is Role.ANONYMOUS:
        return error_response(401, "UNAUTHENTICATED", "sign in as an administrator to import")
    if caller.viewer.role is not Role.ADMIN:
        return error_response(403, "FORBIDDEN", "only an administrator imports registry files")
    if not caller.may_write:
        return error_response(403, "FORBIDDEN", "a session cookie writes only with its X-CSRF-Token header")
    partial = request.query_params.get("partial", "false").lower() in ("1", "true", "yes")
    new_places = request.query_params.get("newPlaces", "false").lower() in ("1", "true", "yes")
    state = request.app.state.yimaqing
    with tempfile.TemporaryDirectory(prefix="yimaqing-import-") as folder:
        path = Path(folder) / "upload"
        name = await _save_upload(request, path)
        if name is not None:
            name = file_label(name)
        if name is None:
            return error_response(400, "BAD_REQUEST", "send the file as the body, or as multipart form data in `file`")
        # openpyxl opens a workbook only under an .xlsx name: the file is named by what its content is.
        path = path.rename(path.with_suffix("." + file_format(path)))
        try:
            report = await import_registry(
                state.graph,
                open_registry(path),
                file_name=name,
                viewer=caller.viewer,
                partial=partial,
                new_places=new_places,
            )
        except RegistryFileError as error:
            return error_response(400, "BAD_USER_INPUT", str(error))
    return JSONResponse(report.as_dict(), status_code=200 if report.ok else 422)


def file_label(name: str) -> str:
    """An uploaded file's name as the history keeps it: no control characters, at most 200 characters."""
    cleaned = re.sub(r"[\x00-\x1f\x7f-\x9f]", "", name).strip()[:200]
    return cleaned or "upload"


async def _save_upload(request: Request, path: Path) -> str | None:
    """Writes the uploaded file to `path`; returns its name (None when the request holds no file)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return None
            with path.open("wb") as out:
                while chunk := await upload.read(UPLOAD_CHUNK):
                    out.write(chunk)
            return Path(upload.filename or "upload").name
    size = 0
    with path.open("wb") as out:
        async for chunk in request.stream():
            out.write(chunk)
            size += len(chunk)
    if size == 0:
        return None
    return Path(request.query_params.get("name", "upload")).name
