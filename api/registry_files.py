"""Registration-form files: reading CSV (UTF-8 with or without a BOM, or GBK/GB18030, detected; also the
tab-separated UTF-16 text Excel saves as "Unicode text") and XLSX
into rows of text, and writing rows as CSV (UTF-8 with a BOM, which Excel opens as Chinese) or XLSX.

Spreadsheet cells become the text a person would type: dates as ISO dates, booleans as 是/否, whole
numbers without ".0". A number of 16 digits or more cannot have survived a spreadsheet (it keeps 15), so
it is handed over as Excel shows it (`1.41130E+17`), which the form refuses as a rounded ID number."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from collections.abc import AsyncIterable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from graph.registry_form import headers
from graph.registry_import import Cells, RowSource

FileFormat = Literal["csv", "xlsx"]
XLSX_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 1 << 20
SHEET_TITLE = "建档立卡户登记表"
# The largest number a spreadsheet holds exactly enough to be an identifier.
EXACT_DIGITS = 10**15


class RegistryFileError(ValueError):
    """The file cannot be read at all (not CSV or XLSX, or text in no encoding we know)."""


def file_format(path: Path) -> FileFormat:
    with path.open("rb") as stream:
        return "xlsx" if stream.read(4) == XLSX_MAGIC else "csv"


def open_registry(path: Path) -> RowSource:
    """A row source for a CSV or XLSX file (told apart by content, not by name), which may be read twice."""
    if file_format(path) == "xlsx":
        return lambda: _xlsx_rows(path)
    encoding = detect_encoding(path)
    return lambda: _csv_rows(path, encoding)


def detect_encoding(path: Path) -> str:
    """`utf-8-sig` for UTF-8 (a BOM or none: the codec drops one if present), `utf-16` after a UTF-16 BOM,
    else `gb18030` (a superset of GBK and GB2312) when the start of the file is valid GB18030 and not UTF-8."""
    with path.open("rb") as stream:
        start = stream.read(SNIFF_BYTES)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text": tab-separated, read as such below
    try:
        codecs.getincrementaldecoder("utf-8")().decode(start, final=len(start) < SNIFF_BYTES)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(start, final=False)
    except UnicodeDecodeError:
        raise RegistryFileError("the file is neither CSV in UTF-8 or GBK/GB18030, nor an XLSX workbook") from None
    return "gb18030"


def _csv_rows(path: Path, encoding: str) -> tuple[Cells, Iterator[tuple[int, Cells]]]:
    # The header is read on its own, and the rows open the file again when first asked for: a file
    # whose header is refused is never left open.
    with path.open(encoding=encoding, newline="") as stream:
        try:
            first = stream.readline()
        except UnicodeDecodeError:
            raise RegistryFileError(f"the file is not valid {encoding} text") from None
    delimiter = "\t" if "\t" in first and "," not in first else ","
    header: Cells = list(next(csv.reader([first], delimiter=delimiter), []))

    def rows() -> Iterator[tuple[int, Cells]]:
        with path.open(encoding=encoding, newline="") as stream:
            try:
                stream.readline()
                for number, record in enumerate(csv.reader(stream, delimiter=delimiter), start=2):
                    yield number, list(record)
            except UnicodeDecodeError:
                raise RegistryFileError(f"the file is not valid {encoding} text throughout") from None

    return header, rows()


def _xlsx_rows(path: Path) -> tuple[Cells, Iterator[tuple[int, Cells]]]:
    workbook = _open_workbook(path)
    try:
        header = [cell_text(v) for v in next(workbook.worksheets[0].iter_rows(values_only=True), ())]
    finally:
        workbook.close()

    def rows() -> Iterator[tuple[int, Cells]]:
        workbook = _open_workbook(path)
        try:
            values = workbook.worksheets[0].iter_rows(min_row=2, values_only=True)
            for number, record in enumerate(values, start=2):
                yield number, [cell_text(v) for v in record]
        finally:
            workbook.close()

    return header, rows()


def _open_workbook(path: Path) -> Any:
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign zip
        raise RegistryFileError(f"the XLSX workbook cannot be read: {type(error).__name__}") from None


def cell_text(value: object) -> str | None:
    """A spreadsheet cell as the text the form reads."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float):
        if abs(value) >= EXACT_DIGITS:
            return f"{value:.5E}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def write_template(path: Path, file_format: FileFormat, income_years: Iterable[int]) -> None:
    """An empty form: the header row only (in XLSX every column formatted as text, so that ID numbers
    typed in stay text)."""
    header = headers(income_years)
    if file_format == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            csv.writer(stream).writerow(header)
        return
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.append(header)
    for index, title in enumerate(header, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = max(10, 2 * len(title) + 2)
    sheet.freeze_panes = "A2"
    workbook.save(path)


def csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


async def write_csv(rows: AsyncIterable[list[str]], stream: IO[str]) -> int:
    """Writes rows to a text stream (opened as utf-8-sig for Excel); returns how many data rows."""
    writer = csv.writer(stream)
    count = -1
    async for row in rows:
        writer.writerow(row)
        count += 1
    return max(count, 0)


def xlsx_text(cell: str) -> str:
    """The cell with the control characters a workbook cannot hold shown as U+FFFD: the form and the
    mutations refuse them, but a value stored before they did must not break an export."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", cell) if isinstance(cell, str) else cell


async def write_xlsx(rows: AsyncIterable[list[str]], path: Path) -> int:
    """Writes rows to an XLSX file in openpyxl's write-only mode (rows go to disk as they come); every
    cell is text, so ID numbers and money stay exact. Returns how many data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    count = -1
    async for row in rows:
        sheet.append([xlsx_text(cell) for cell in row])
        count += 1
    workbook.save(path)
    return max(count, 0)
