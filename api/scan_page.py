"""The phone page a QR code opens: one GraphQL document, rendered to plain HTML with no external assets.

The route `/q/{token}` executes `SCAN_QUERY` with `{"token": token}` as the caller (anonymous on a phone,
or a cadre signed in with the session cookie) and hands `result.data` to `render_scan_page`. What the data
holds already depends on the caller (graph/access.py): `masked=True` (the response listed masked paths)
renders the public card, which leaves out what is hidden and says how a cadre sees more. A null `scan` means
an unknown or retired code, and the route answers 404 with the page; for a retired (replaced) code,
`replaced` says where to ask for the new one, which the page never shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from html import escape
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlencode

from graph.access import HIDDEN_TEXT

__all__ = ["SCAN_QUERY", "ReplacedCode", "render_scan_page", "scan_found"]

SCAN_QUERY = """
query Scan($token: String!) {
  scan(token: $token) {
    __typename
    ... on Household {
      id
      headName
      status
      registeredPoor
      size
      village { name township { name } }
      members { name relation }
      industries { name }
      drivenBy { enterprise { name } mode incomeGain }
      policies { name }
      measures { kind subKind year description }
      developmentPlan
      helpers { name role unit }
      qr { url }
    }
    ... on Village {
      code
      name
      township { name }
      qr { url }
    }
    ... on Township {
      code
      name
      kind
      villages { code name }
      qr { url }
    }
  }
}
"""

STATUS_LABELS = {"POOR": "未脱贫", "EXITED": "已脱贫", "MONITORED": "监测户", "NOT_POOR": "一般农户"}
MODE_LABELS = {
    "EQUITY": "股份合作",
    "CONTRACT": "承包经营",
    "TRUSTEESHIP": "生产托管",
    "WAGE_LABOUR": "劳动务工",
    "ORDER_PURCHASE": "订单收购",
}
PLACE_KIND_LABELS = {"TOWN": "镇", "TOWNSHIP": "乡"}
ROLE_LABELS = {"FIRST_SECRETARY": "驻村第一书记", "HELPER": "帮扶责任人", "VILLAGE_SECRETARY": "村党支部书记"}
# Measure kinds may be stored as codes or already in Chinese; unknown values are shown as they are.
MEASURE_LABELS = {
    "INDUSTRY": "产业帮扶",
    "EMPLOYMENT": "就业帮扶",
    "RELOCATION": "易地扶贫搬迁",
    "PUBLIC_WELFARE_JOB": "公益岗位",
    "PUBLIC_SERVICE_JOB": "公益岗位",
    "EDUCATION": "教育帮扶",
    "HEALTH": "健康帮扶",
    "HOUSING": "危房改造",
    "HOUSING_RENOVATION": "危房改造",
    "MICROCREDIT": "小额信贷",
    "INSURANCE": "保险保障",
    "INFRASTRUCTURE": "基础设施",
    "ALLOWANCE": "兜底保障",
    "ECOLOGICAL": "生态补偿",
    "ECOLOGICAL_COMPENSATION": "生态补偿",
}


@dataclass(frozen=True)
class ReplacedCode:
    """A retired code's subject: where its holder asks for the new plate."""

    village: str | None
    township: str | None


def scan_found(data: Mapping[str, Any] | None) -> bool:
    """Whether a GraphQL result's data resolved the token (the route answers 404 otherwise)."""
    return _target(data) is not None


def render_scan_page(
    data: Mapping[str, Any] | None, *, token: str, masked: bool = False, replaced: ReplacedCode | None = None
) -> str:
    """The HTML page for `data` (the GraphQL result's data for `SCAN_QUERY`); every value is escaped.
    `masked`: the caller sees the public card; `replaced`: the code was retired (rotated or revoked)."""
    target = _target(data)
    if target is None:
        return _replaced(replaced) if replaced is not None else _not_found(token)
    if target["__typename"] == "Household":
        return _household(target, masked, token)
    return _RENDERERS[target["__typename"]](target)


def _target(data: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The scanned object, if the result holds one this page knows how to show."""
    target = data.get("scan") if data is not None else None
    if isinstance(target, Mapping) and target.get("__typename") in _RENDERERS:
        return target
    return None


def _household(h: Mapping[str, Any], masked: bool = False, token: str = "") -> str:
    village = _map(h.get("village"))
    township = _map(village.get("township"))
    status = str(h.get("status") or "")
    badge = f'<span class="badge {_e(status)}">{_e(STATUS_LABELS.get(status, status))}</span>' if status else ""
    facts = _facts(
        [
            ("户号", h.get("id")),
            ("家庭人口", f"{h['size']} 人" if h.get("size") is not None else None),
            ("建档立卡", _yes_no(h.get("registeredPoor"))),
            ("状态", STATUS_LABELS.get(status, status) or None),
        ]
    )
    members = _list(
        h.get("members"),
        lambda m: f"{_e(m.get('name'))} <span class=sub>{_e(m.get('relation'))}</span>",
    )
    industries = _chips(i.get("name") for i in _maps(h.get("industries")))
    driven = _list(h.get("drivenBy"), _drive_link)
    policies = _chips(p.get("name") for p in _maps(h.get("policies")))
    measures = _list(h.get("measures"), _measure)
    plan = h.get("developmentPlan")
    plan_html = f'<p class="plan">{_e(plan)}</p>' if plan else '<p class="empty">暂无</p>'
    helpers = _list(h.get("helpers"), _helper)
    # The public card leaves out the sections its caller may not see, rather than show them empty.
    personal = "" if masked else _section("家庭成员", members)
    plan_section = "" if masked else _section("发展规划", plan_html)
    body = (
        _header(f"{_e(h.get('headName'))} 户 {badge}", _where(township.get("name"), village.get("name")))
        + "<main>"
        + (_public_notice(token) if masked else "")
        + _section("基本情况", facts)
        + personal
        + _section("产业", industries)
        + _section("带动企业", driven)
        + _section("享受政策", policies)
        + _section("帮扶措施", measures)
        + plan_section
        + _section("帮扶责任人", helpers)
        + "</main>"
        + _footer(h)
    )
    return _page(f"{h.get('headName') or ''}户", body)


def _village(v: Mapping[str, Any]) -> str:
    township = _map(v.get("township"))
    facts = _facts([("行政村", v.get("name")), ("所属乡镇", township.get("name")), ("区划代码", v.get("code"))])
    body = (
        _header(_e(v.get("name")), _where(township.get("name")))
        + "<main>"
        + _section("村情", facts)
        + "</main>"
        + _footer(v)
    )
    return _page(str(v.get("name") or "村"), body)


def _township(t: Mapping[str, Any]) -> str:
    kind = str(t.get("kind") or "")
    facts = _facts(
        [("名称", t.get("name")), ("类别", PLACE_KIND_LABELS.get(kind, kind) or None), ("区划代码", t.get("code"))]
    )
    villages = _list(
        t.get("villages"),
        lambda v: f"{_e(v.get('name'))} <span class=sub>{_e(v.get('code'))}</span>",
    )
    body = (
        _header(_e(t.get("name")), "")
        + "<main>"
        + _section("概况", facts)
        + _section(f"行政村（{len(_maps(t.get('villages')))}）", villages)
        + "</main>"
        + _footer(t)
    )
    return _page(str(t.get("name") or "乡镇"), body)


_RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "Household": _household,
    "Village": _village,
    "Township": _township,
}


def _public_notice(token: str) -> str:
    """The masked card's note; its login link comes back to this card once signed in."""
    login = "/login?" + urlencode({"next": f"/q/{token}"}) if token else "/login"
    return (
        '<section class="notice"><p>为保护个人信息，此页只显示公开信息。</p>'
        f'<p class=sub>帮扶干部请先<a href="{_e(login)}">登录</a>，再扫码查看本户完整信息。</p></section>'
    )


def _replaced(replaced: ReplacedCode) -> str:
    ask = "、".join(
        part
        for part in (
            f"{replaced.village}村委会" if replaced.village else "",
            f"{replaced.township}扶贫工作站" if replaced.township else "",
        )
        if part
    )
    body = (
        _header("此码已更换", "")
        + "<main><section>"
        + "<p>这个二维码已经更换（或已挂失作废），请使用新的门牌二维码。</p>"
        + f"<p class=sub>如需新码，请联系{_e(ask or '村委会或乡镇扶贫工作站')}。</p>"
        + "</section></main>"
    )
    return _page("此码已更换", body)


def _not_found(token: str) -> str:
    body = (
        _header("未找到此码", "")
        + "<main><section>"
        + "<p>这个二维码未登记或已作废（更换新码后旧码即失效）。</p>"
        + "<p class=sub>请核对门牌上的二维码，或联系村委会、乡镇扶贫工作站。</p>"
        + f"<p class=sub>码号：{_e(token)}</p>"
        + "</section></main>"
    )
    return _page("未找到此码", body)


def _drive_link(link: Mapping[str, Any]) -> str:
    mode = str(link.get("mode") or "")
    gain = _money(link.get("incomeGain"))
    detail = " · ".join(part for part in (MODE_LABELS.get(mode, mode), f"年增收 {gain} 元" if gain else "") if part)
    return f"{_e(_map(link.get('enterprise')).get('name'))}<br><span class=sub>{_e(detail)}</span>"


def _measure(m: Mapping[str, Any]) -> str:
    kind = str(m.get("kind") or "")
    title = " · ".join(str(part) for part in (m.get("year"), MEASURE_LABELS.get(kind, kind), m.get("subKind")) if part)
    description = m.get("description")
    if description in (None, "", HIDDEN_TEXT):
        return _e(title)
    return f"{_e(title)}<br><span class=sub>{_e(description)}</span>"


def _helper(c: Mapping[str, Any]) -> str:
    role = str(c.get("role") or "")
    detail = " · ".join(part for part in (ROLE_LABELS.get(role, role), str(c.get("unit") or "")) if part)
    return f"{_e(c.get('name'))}<br><span class=sub>{_e(detail)}</span>"


def _page(title: str, body: str) -> str:
    return _template().substitute(title=_e(title), body=body)


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template((Path(__file__).parent / "templates" / "scan.html").read_text(encoding="utf-8"))


def _header(title_html: str, where_html: str) -> str:
    where = f'<div class="where">{where_html}</div>' if where_html else ""
    return f'<header><div class="brand">一码清</div><h1>{title_html}</h1>{where}</header>'


def _where(*places: object) -> str:
    return " · ".join(_e(place) for place in places if place)


def _section(title: str, inner_html: str) -> str:
    return f"<section><h2>{_e(title)}</h2>{inner_html}</section>"


def _footer(target: Mapping[str, Any]) -> str:
    url = _map(target.get("qr")).get("url")
    return f"<footer>本码地址：{_e(url)}</footer>" if url and url != HIDDEN_TEXT else ""


def _facts(rows: Iterable[tuple[str, object]]) -> str:
    items = "".join(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in rows if value is not None)
    return f"<dl>{items}</dl>" if items else '<p class="empty">暂无</p>'


def _list(values: object, render: Callable[[Mapping[str, Any]], str]) -> str:
    items = "".join(f"<li>{render(value)}</li>" for value in _maps(values))
    return f"<ul>{items}</ul>" if items else '<p class="empty">暂无</p>'


def _chips(names: Iterable[object]) -> str:
    items = "".join(f"<li>{_e(name)}</li>" for name in names if name)
    return f'<ul class="chips">{items}</ul>' if items else '<p class="empty">暂无</p>'


def _yes_no(value: object) -> str | None:
    return None if value is None else ("是" if value else "否")


def _money(value: object) -> str:
    """A Decimal scalar ("3000.00") as "3,000.00"; anything unparsable is shown as it came."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _maps(values: object) -> list[Mapping[str, Any]]:
    if not isinstance(values, list):
        return []
    return [value for value in values if isinstance(value, Mapping)]


def _e(value: object) -> str:
    return "" if value is None else escape(str(value), quote=True)
