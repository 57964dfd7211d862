"""Door plates as a printable PDF: A4 pages of six plates (two across, three down, dashed lines to cut
along), each with a QR code and its quiet zone, the village, the household's number in the village and
its helping cadres' roles and units. Chinese text is set in a CJK font found on the machine (Noto Sans CJK
SC Regular, Debian's fonts-noto-cjk, or WenQuanYi Micro Hei first) and embedded, subset, in the file."""

from __future__ import annotations

import io
import logging
import subprocess
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF

from api.scan_page import ROLE_LABELS
from graph.plates import PlateRecord, VillagePlatesRecord
from schema.qr import scan_url
from schema.qr_images import render_png

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
QR_MM = 50.0  # the symbol with its four-module quiet zone (white, part of the image)
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
    png = render_png(scan_url(public_url, plate.token), box_size=10, border=4)
    pdf.image(io.BytesIO(png), x=x + (PLATE_W - QR_MM) / 2, y=y + 19, w=QR_MM, h=QR_MM)
    if plate.number is not None:
        _centered(pdf, f"第 {plate.number} 户", x + MARGIN, y + 70, width, 15)
    for line, helper in enumerate(plate.helpers[:2]):
        role = ROLE_LABELS.get(helper.role, helper.role)
        _centered(pdf, f"{role}：{helper.unit}" if helper.unit else role, x + MARGIN, y + 79 + 5 * line, width, 9)
    _centered(pdf, "扫码查看本户帮扶情况", x + MARGIN, y + PLATE_H - 8, width, 7)


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
