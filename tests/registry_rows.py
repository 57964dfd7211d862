"""Registration forms for the import tests, built row by row: a household is its head's row and its
members' rows, each a dict from the form's header to the cell's text; `form` lays them out under a header."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from graph.id_numbers import birth_date, is_male, is_valid
from graph.registry_form import headers
from tests.api.writes import fresh_id

# 温泉乡's 北坪村: a village the other tests leave alone.
PLACE = {
    "省": "山西省",
    "市": "吕梁市",
    "县": "交口县",
    "乡镇": "温泉乡",
    "行政村": "北坪村",
    "行政村代码": "141130202211",
}
YEARS = (2018,)
Row = dict[str, str]


def person(name: str, relation: str, id_number: str | None = None, **cells: str) -> Row:
    """A member's own columns; sex and birth date agree with the ID number unless given."""
    number = id_number or fresh_id(male=relation in ("户主", "之子", "之父", "之孙子"))
    row = {
        "姓名": name,
        "证件号码": number,
        "与户主关系": relation,
        "民族": "汉族",
        "健康状况": "健康",
        "文化程度": "初中",
        "劳动技能": "普通劳动力",
        "务工时间（月）": "0",
        "参加城乡居民基本医疗保险": "是",
        "参加大病保险": "是",
        "享受低保": "否",
        "参加养老保险": "否",
    }
    if is_valid(number):
        row.update({"性别": "男" if is_male(number) else "女", "出生日期": birth_date(number).isoformat()})
    row.update(cells)
    return row


def household(
    *members: Row,
    cells: Row | None = None,
    incomes: dict[int, tuple[str, str, str, str]] | None = None,
    place: Row | None = None,
) -> list[Row]:
    """A household's rows: place columns on every row, its own columns and incomes on the head's row."""
    own = {
        "户属性": "一般户",
        "建档立卡户": "是",
        "贫困状态": "已脱贫",
        "识别年度": "2014",
        "计划脱贫年度": "2018",
        "脱贫年度": "2018",
        "主要致贫原因": "因病",
        "其他致贫原因": "缺技术",
        "住房面积（平方米）": "80",
        "住房结构": "砖混",
        "建房年份": "2016",
        "住房安全等级": "A",
        "易地扶贫搬迁": "否",
        "饮水来源": "集中供水",
        "饮水水质达标": "是",
        "联系电话": "13800000000",
    }
    for year, parts in (incomes if incomes is not None else {2018: ("12000.00", "3000.50", "0.00", "1500.00")}).items():
        own.update(
            zip(
                [f"{year}年{p}" for p in ("工资性收入", "生产经营性收入", "财产性收入", "转移性收入")],
                parts,
                strict=True,
            )
        )
    own.update(cells or {})
    rows = []
    for index, member in enumerate(members):
        rows.append({**(place or PLACE), **member, **(own if index == 0 else {})})
    return rows


def family(
    head_name: str, cells: Row | None = None, incomes: dict[int, tuple[str, str, str, str]] | None = None
) -> list[Row]:
    """A household of three, head, spouse and son, with fresh ID numbers."""
    head = person(head_name, "户主", fresh_id(True))
    spouse = person(head_name + "妻", "配偶", fresh_id(False))
    son = person(head_name + "子", "之子", fresh_id(True), 文化程度="高中")
    return household(head, spouse, son, cells=cells, incomes=incomes)


def form(*households: Sequence[Row], years: Sequence[int] = YEARS) -> tuple[list[str], list[list[str]]]:
    """The header row and every household's rows, as the form lays them out."""
    header = headers(years)
    rows = [[row.get(column, "") for column in header] for rows in households for row in rows]
    for rows_of in households:
        unknown = {key for row in rows_of for key in row} - set(header)
        assert not unknown, unknown
    return header, rows


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> Path:
    """An XLSX file whose cells hold what is given: text stays text, numbers become numeric cells."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    workbook.save(path)
    return path
