"""Door plates as a printable PDF: A4 pages of six plates (two across, three down, dashed lines to cut
along), each with a QR code (vector rectangles) and its quiet zone, the village, the household's number in
the village and its helping cadres' roles and units. Chinese text is set in a CJK font found on the machine
(Noto Sans CJK SC Regular, Debian's fonts-noto-cjk, or WenQuanYi Micro Hei first) and embedded, subset."""

from __future__ import annotations

import logging
import subprocess
from functools import lru_cache
from pathlib import Path

import qrcode
import qrcode.constants
from fpdf import FPDF
from fpdf.enums import RenderStyle

from api.scan_page import ROLE_LABELS
from graph.plates import PlateRecord, VillagePlatesRecord
from schema.qr import scan_url

# fontTools logs every table it subsets at INFO: noise in the CLI and the server log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = "plate"
# Fonts tried before asking fontconfig: (file, face index in the collection). Debian's Noto collection
# holds JP, KR, SC, TC, HK in that order; fontconfig is asked when it is laid out otherwise.
KNOWN_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2, "Noto Sans CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "WenQuanYi Micro Hei"),
)

COLUMNS, ROWS = 2, 3
PLATE_W, PLATE_H = 105.0, 99.0  # mm: an A4 page cut in six
MARGIN = 6.0
QR_MM = 50.0  # the symbol with its four-module quiet zone
QUIET_ZONE = 4  # modules of white around the symbol, as the standard asks
SEAM = 0.02  # mm
FILL = RenderStyle.F  # the enum itself: fpdf2 would parse "F" again for each of some 40,000 rectangles
MIN_POINTS = 5.0  # the smallest text, still legible on paper


class PlateFontMissing(RuntimeError):
    """No font on this machine can set Chinese text."""


@lru_cache(maxsize=1)
def cjk_font() -> tuple[Path, int]:
    """The font file and face index Chinese text is set in."""
    listed = _fc_list()
    for file, index, family in KNOWN_FONTS:
        if Path(file).is_file() and (not listed or f"{file}|{index}|{family}|" in listed):
            return Path(file), index
    # Sans-serif SC faces first, then other Chinese faces; Regular before the other weights.
    faces: list[tuple[int, int, str, str, int]] = []
    for line in listed.splitlines():
        path, face_index, family, spacing, style = line.split("|", 4)
        if spacing or "Mono" in family:  # monospaced faces: fine for code, poor on a plate
            continue
        preference = 0 if family.endswith(" SC") and "Sans" in family else 1
        faces.append((preference, 0 if style == "Regular" else 1, family, path, int(face_index or 0)))
    if not faces:
        raise PlateFontMissing(
            "no font for Chinese text was found: install one (Debian: apt-get install fonts-noto-cjk)"
        )
    *_, path, face = min(faces)
    return Path(path), face


def _fc_list() -> str:
    """fontconfig's Chinese faces, one a line: file|index|family|spacing|style (empty without fontconfig)."""
    try:
        return subprocess.run(
            ["fc-list", ":lang=zh-cn", "-f", "%{file}|%{index}|%{family[0]}|%{spacing}|%{style[0]}\n"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def render_plates(sheet: VillagePlatesRecord, public_url: str) -> bytes:
    """The PDF of a village's plates, in household order; a page saying so when there are none."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_title(f"{sheet.county}{sheet.township}{sheet.village} 一码清门牌")
    pdf.set_creator("Yimaqing")
    file, index = cjk_font()
    pdf.add_font(FONT, fname=str(file), collection_font_number=index)
    if not sheet.plates:
        pdf.add_page()
        _centered(pdf, f"{sheet.village}：没有可打印的门牌", 0, 40, 210, 16)
    for i, plate in enumerate(sheet.plates):
        slot = i % (COLUMNS * ROWS)
        if slot == 0:
            pdf.add_page()
            _cut_lines(pdf)
        _plate(pdf, (slot % COLUMNS) * PLATE_W, (slot // COLUMNS) * PLATE_H, sheet, plate, public_url)
    return bytes(pdf.output())


def _plate(pdf: FPDF, x: float, y: float, sheet: VillagePlatesRecord, plate: PlateRecord, public_url: str) -> None:
    width = PLATE_W - 2 * MARGIN
    _centered(pdf, f"一码清 · {sheet.county}{sheet.township}", x + MARGIN, y + 5, width, 11)
    _centered(pdf, sheet.village, x + MARGIN, y + 11, width, 16)
    _qr_symbol(pdf, scan_url(public_url, plate.token), x + (PLATE_W - QR_MM) / 2, y + 19, QR_MM)
    if plate.number is not None:
        _centered(pdf, f"第 {plate.number} 户", x + MARGIN, y + 70, width, 15)
    for line, helper in enumerate(plate.helpers[:2]):
        role = ROLE_LABELS.get(helper.role, helper.role)
        _centered(pdf, f"{role}：{helper.unit}" if helper.unit else role, x + MARGIN, y + 79 + 5 * line, width, 9)
    _centered(pdf, "扫码查看本户帮扶情况", x + MARGIN, y + PLATE_H - 8, width, 7)


def qr_modules(data: str) -> list[list[bool]]:
    """The symbol's dark modules, row by row, with its four-module quiet zone (the level of schema/qr_images)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    qr.add_data(data)  # str is encoded as UTF-8 in byte mode
    qr.make(fit=True)
    matrix: list[list[bool]] = qr.get_matrix()
    return matrix


def _qr_symbol(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles, sharp at any printer's resolution and lighter than an image: a run
    of dark modules in a row is one rectangle, and runs repeated in the rows below grow it downwards. The
    quiet zone is the plate's own white paper, kept clear by the layout."""
    modules = qr_modules(data)
    module = size / len(modules)
    pdf.set_fill_color(0)
    open_runs: dict[tuple[int, int], int] = {}  # (first, last column) -> the row it began in

    def close(run: tuple[int, int], top: int, bottom: int) -> None:
        first, last = run
        # A hair of overlap, so that anti-aliased screens show no seams where rectangles meet.
        pdf.rect(
            x + first * module, y + top * module, (last - first) * module + SEAM, (bottom - top) * module + SEAM, FILL
        )

    for row_index, row in enumerate([*modules, []]):
        runs = set(_runs(row))
        for run in [run for run in open_runs if run not in runs]:
            close(run, open_runs.pop(run), row_index)
        for run in runs:
            open_runs.setdefault(run, row_index)


def _runs(row: list[bool]) -> list[tuple[int, int]]:
    """The runs of dark modules in a row, as (first column, column after the last)."""
    runs: list[tuple[int, int]] = []
    start = None
    for column, dark in enumerate([*row, False]):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            runs.append((start, column))
            start = None
    return runs


def _centered(pdf: FPDF, text: str, x: float, y: float, width: float, size: float) -> None:
    """One line centred in `width`, its size shrunk until it fits; cut short (…) if even the smallest does
    not, so that it never runs into the next plate."""
    pdf.set_font(FONT, size=size)
    while size > MIN_POINTS and pdf.get_string_width(text) > width:
        size -= 0.5
        pdf.set_font(FONT, size=size)
    if pdf.get_string_width(text) > width:
        while text and pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        text += "…"
    pdf.set_xy(x, y)
    pdf.cell(w=width, h=size * 0.45, text=text, align="C")


def _cut_lines(pdf: FPDF) -> None:
    pdf.set_draw_color(170)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=2)
    for column in range(1, COLUMNS):
        pdf.line(column * PLATE_W, 0, column * PLATE_W, ROWS * PLATE_H)
    for row in range(1, ROWS):
        pdf.line(0, row * PLATE_H, COLUMNS * PLATE_W, row * PLATE_H)
    pdf.set_dash_pattern()
