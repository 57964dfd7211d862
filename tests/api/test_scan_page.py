from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema, parse, validate

from api.scan_page import (
    MEASURE_LABELS,
    MODE_LABELS,
    PLACE_KIND_LABELS,
    SCAN_QUERY,
    STATUS_LABELS,
    render_scan_page,
    scan_found,
)

ROOT = Path(__file__).resolve().parents[2]
EVIL = '<script>alert("x")</script>'

HOUSEHOLD: dict[str, Any] = {
    "__typename": "Household",
    "id": "H14113010100100017",
    "headName": "张建国",
    "status": "EXITED",
    "registeredPoor": True,
    "size": 3,
    "village": {"name": "南故乡村", "township": {"name": "回龙镇"}},
    "members": [{"name": "张建国", "relation": "户主"}, {"name": "李秀英", "relation": "配偶"}],
    "industries": [{"name": "食用菌"}, {"name": "核桃"}],
    "drivenBy": [{"enterprise": {"name": "山西交口菌业有限公司"}, "mode": "EQUITY", "incomeGain": "3000.00"}],
    "policies": [{"name": "一保通"}],
    "measures": [{"kind": "INDUSTRY", "subKind": "食用菌大棚", "year": 2018, "description": "入股菌棚分红"}],
    "developmentPlan": "扩大香菇种植规模",
    "helpers": [{"name": "王志强", "role": "HELPER", "unit": "县农业农村局"}],
    "qr": {"url": "http://127.0.0.1:8000/q/tok"},
}


class Text(HTMLParser):
    """The page as a browser would read it: text, and the script elements it would run."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.scripts = 0
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            self.text.append(data)


def read(page: str) -> Text:
    parser = Text()
    parser.feed(page)
    parser.close()
    return parser


def test_query_is_valid_against_the_checked_in_schema() -> None:
    sdl = ROOT / "schema" / "schema.graphql"
    if not sdl.exists():
        pytest.skip("schema/schema.graphql is not checked in yet")
    errors = validate(build_schema(sdl.read_text(encoding="utf-8")), parse(SCAN_QUERY))

    assert errors == []


def test_household_page_shows_the_household_in_chinese() -> None:
    page = render_scan_page({"scan": HOUSEHOLD}, token="tok")
    text = "".join(read(page).text)

    assert page.startswith("<!doctype html>")
    assert '<html lang="zh-CN">' in page and '<meta charset="utf-8">' in page
    assert 'name="viewport"' in page
    for expected in ("张建国", "回龙镇", "南故乡村", "李秀英", "配偶", "食用菌", "核桃", "一保通", "扩大香菇种植规模"):
        assert expected in text
    assert "已脱贫" in text and "EXITED" not in text
    assert "股份合作" in text and "3,000.00" in text
    assert "产业帮扶" in text and "县农业农村局" in text and "帮扶责任人" in text
    assert "http://127.0.0.1:8000/q/tok" in text


@pytest.mark.parametrize(
    ("status", "label"), [("POOR", "未脱贫"), ("EXITED", "已脱贫"), ("MONITORED", "监测户"), ("NOT_POOR", "一般农户")]
)
def test_statuses_are_shown_in_chinese(status: str, label: str) -> None:
    assert label in render_scan_page({"scan": {**HOUSEHOLD, "status": status}}, token="tok")


@pytest.mark.parametrize(
    ("mode", "label"),
    [
        ("EQUITY", "股份合作"),
        ("CONTRACT", "承包经营"),
        ("TRUSTEESHIP", "生产托管"),
        ("WAGE_LABOUR", "劳动务工"),
        ("ORDER_PURCHASE", "订单收购"),
    ],
)
def test_link_modes_are_shown_in_chinese(mode: str, label: str) -> None:
    link = {"enterprise": {"name": "企业"}, "mode": mode, "incomeGain": None}
    page = render_scan_page({"scan": {**HOUSEHOLD, "drivenBy": [link]}}, token="tok")

    assert label in page and mode not in "".join(read(page).text)


def test_every_value_is_escaped() -> None:
    evil: dict[str, Any] = {
        **HOUSEHOLD,
        "headName": EVIL,
        "village": {"name": EVIL, "township": {"name": EVIL}},
        "members": [{"name": EVIL, "relation": EVIL}],
        "industries": [{"name": EVIL}],
        "drivenBy": [{"enterprise": {"name": EVIL}, "mode": EVIL, "incomeGain": EVIL}],
        "policies": [{"name": EVIL}],
        "measures": [{"kind": EVIL, "subKind": EVIL, "year": 2020, "description": EVIL}],
        "developmentPlan": EVIL,
        "helpers": [{"name": EVIL, "role": EVIL, "unit": EVIL}],
        "qr": {"url": f'"><{EVIL}'},
        "status": EVIL,
    }
    page = render_scan_page({"scan": evil}, token=EVIL)
    parsed = read(page)

    assert "<script" not in page
    assert parsed.scripts == 0
    assert "".join(parsed.text).count(EVIL) >= 15


@pytest.mark.parametrize(
    "target",
    [
        {"__typename": "Village", "code": "141130101001", "name": EVIL, "township": {"name": "回龙镇"}, "qr": None},
        {
            "__typename": "Township",
            "code": "141130101000",
            "name": EVIL,
            "kind": "TOWN",
            "villages": [{"code": "141130101001", "name": "南故乡村"}],
            "qr": {"url": "http://127.0.0.1:8000/q/t"},
        },
    ],
)
def test_place_pages_escape_their_names(target: dict[str, Any]) -> None:
    page = render_scan_page({"scan": target}, token="t")

    assert "<script" not in page and EVIL in "".join(read(page).text)


def test_village_and_township_pages() -> None:
    village = {
        "__typename": "Village",
        "code": "141130101001",
        "name": "南故乡村",
        "township": {"name": "回龙镇"},
        "qr": {"url": "http://127.0.0.1:8000/q/v"},
    }
    township = {
        "__typename": "Township",
        "code": "141130101000",
        "name": "回龙镇",
        "kind": "TOWN",
        "villages": [{"code": "141130101001", "name": "南故乡村"}, {"code": "141130101002", "name": "北故乡村"}],
        "qr": {"url": "http://127.0.0.1:8000/q/t"},
    }
    village_text = "".join(read(render_scan_page({"scan": village}, token="v")).text)
    township_text = "".join(read(render_scan_page({"scan": township}, token="t")).text)

    assert "南故乡村" in village_text and "回龙镇" in village_text and "141130101001" in village_text
    assert "行政村（2）" in township_text and "北故乡村" in township_text and "镇" in township_text


@pytest.mark.parametrize("data", [None, {"scan": None}, {}, {"scan": {"__typename": "Enterprise", "name": "x"}}])
def test_unknown_or_revoked_codes_get_the_not_found_page(data: dict[str, Any] | None) -> None:
    page = render_scan_page(data, token="revoked-token")
    text = "".join(read(page).text)

    assert "未找到此码" in text and "作废" in text and "revoked-token" in text
    assert '<html lang="zh-CN">' in page
    assert not scan_found(data)


def test_scan_found() -> None:
    assert scan_found({"scan": HOUSEHOLD})
    assert not scan_found({"scan": None})
    assert not scan_found(None)


def test_page_needs_nothing_from_the_network() -> None:
    page = render_scan_page({"scan": HOUSEHOLD}, token="tok")

    for external in ("<link", "<script", "<img", "@import", "url(", "src="):
        assert external not in page
    assert "Noto Sans CJK SC" in page and "PingFang SC" in page


def test_labels_cover_every_value_the_schema_and_the_seeds_use() -> None:
    enums = pytest.importorskip("schema.enums")
    reference = pytest.importorskip("seeds.reference")

    assert set(STATUS_LABELS) == {status.value for status in enums.HouseholdStatus}
    assert set(MODE_LABELS) == {mode.value for mode in enums.LinkMode}
    assert set(PLACE_KIND_LABELS) == {kind.value for kind in enums.PlaceKind}
    assert set(reference.MEASURE_KINDS) <= set(MEASURE_LABELS)
