from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from schema.qr_images import render_png, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def decode(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as image:
        return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize(
    "data",
    [
        "http://127.0.0.1:8000/q/3q2-7Zb_Jx0k9VmPq1sXyA",
        "https://一码清.交口县.cn/q/3q2-7Zb_Jx0k9VmPq1sXyA",
        "交口县回龙镇南故乡村 张三 建档立卡户",
    ],
)
def test_png_decodes_to_the_exact_text(data: str) -> None:
    png = render_png(data)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert decode(png) == [data]


def test_png_size_follows_box_size_and_border() -> None:
    small = render_png("http://127.0.0.1:8000/q/abc", box_size=2, border=1)
    large = render_png("http://127.0.0.1:8000/q/abc", box_size=8, border=4)

    with Image.open(io.BytesIO(small)) as a, Image.open(io.BytesIO(large)) as b:
        modules = a.width // 2 - 2
        assert a.width == a.height == (modules + 2) * 2
        assert b.width == (modules + 8) * 8
    assert decode(small) == decode(large) == ["http://127.0.0.1:8000/q/abc"]


def test_png_rejects_an_empty_box() -> None:
    with pytest.raises(ValueError, match="box_size"):
        render_png("x", box_size=0)


def test_svg_is_an_inline_element_with_a_viewbox_and_one_path() -> None:
    svg = render_svg("https://一码清.交口县.cn/q/3q2-7Zb_Jx0k9VmPq1sXyA")

    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    x, y, width, height = (float(part) for part in root.attrib["viewBox"].split())
    assert (x, y) == (0, 0) and width == height > 21
    assert root.attrib["width"] == root.attrib["height"] == "100%"
    paths = root.findall(f"{SVG}path")
    assert len(paths) == 1 and paths[0].attrib["d"]
    assert "id" not in paths[0].attrib  # several codes may share one page


def test_svg_size_is_settable_and_escaped() -> None:
    root = ET.fromstring(render_svg("abc", size='12em"><script>'))

    assert root.attrib["width"] == root.attrib["height"] == '12em"><script>'


def test_svg_draws_the_same_symbol_size_as_the_png() -> None:
    data = "https://一码清.交口县.cn/q/3q2-7Zb_Jx0k9VmPq1sXyA"
    root = ET.fromstring(render_svg(data))

    with Image.open(io.BytesIO(render_png(data, box_size=10, border=4))) as png:
        assert root.attrib["viewBox"] == f"0 0 {png.width // 10} {png.height // 10}"
