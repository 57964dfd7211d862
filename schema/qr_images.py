"""QR code images: PNG for printing and downloads, SVG for inline use in HTML pages.

A token's URL never changes, so its image never does: both renderers keep recent results in an LRU cache.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from functools import lru_cache
from typing import Any

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

__all__ = ["render_png", "render_svg"]

# M recovers from about 15% damage: enough for a plate on a wall, still a small symbol for a short URL.
_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
_CACHE_SIZE = 2048


@lru_cache(maxsize=_CACHE_SIZE)
def render_png(data: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """A black-on-white PNG of `data` (UTF-8), `box_size` pixels per module, `border` modules of quiet zone."""
    if box_size < 1 or border < 0:
        raise ValueError(f"box_size must be at least 1 and border at least 0, not {box_size!r} and {border!r}")
    image = _make(data, box_size=box_size, border=border, image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@lru_cache(maxsize=_CACHE_SIZE)
def render_svg(data: str, *, size: str = "100%") -> str:
    """An `<svg>` element of `data` (UTF-8) for inline HTML: one path, a viewBox, no XML declaration.

    `size` sets the width and height attributes (any CSS length); the default fills the container.
    """
    root = _make(data, box_size=10, border=4, image_factory=SvgPathFillImage).get_image()
    root.set("width", size)
    root.set("height", size)
    root.set("shape-rendering", "crispEdges")
    root.set("role", "img")
    root.set("aria-label", "QR code")
    # The library gives the path a fixed id; several codes on one page would repeat it.
    for path in root.iter("path"):
        path.attrib.pop("id", None)
    # encoding="unicode" writes no XML declaration, which inline HTML would show as text.
    return ET.tostring(root, encoding="unicode")


def _make(data: str, *, box_size: int, border: int, image_factory: type[Any]) -> Any:
    qr = qrcode.QRCode(
        error_correction=_ERROR_CORRECTION, box_size=box_size, border=border, image_factory=image_factory
    )
    qr.add_data(data)  # str is encoded as UTF-8 in byte mode
    qr.make(fit=True)
    return qr.make_image()
