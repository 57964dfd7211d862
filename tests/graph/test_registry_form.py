"""The registration form read row by row (graph/registry_form.py): households grouped from their rows, and each
problem reported exactly, by row, column and message. No database."""

from __future__ import annotations

import pytest

from graph.registry_form import CAUSES, FormError, HouseholdRows, RowError, headers, read_households
from tests.registry_rows import PLACE, Row, family, form, household, person

ROUNDED = (
    "1.41130E+17 is a number a spreadsheet has rounded: the digits are lost. Format the column as text and type"
    " the number again"
)


def read(*households: list[Row]) -> list[HouseholdRows]:
    header, rows = form(*households)
    return list(read_households(list(header), enumerate(list(map(list, rows)), start=2)))


def errors_of(*households: list[Row]) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for h in read(*households) for e in h.errors]


def test_a_household_is_its_heads_row_and_the_rows_after_it() -> None:
    first, second = family("甲"), family("乙", {"贫困状态": "未脱贫", "脱贫年度": ""})
    one, two = read(first, second)
    assert (one.rows, two.rows) == ([2, 3, 4], [5, 6, 7])
    assert one.errors == two.errors == []
    assert [(m.relation, m.props["name"], m.id_number) for m in one.members] == [
        (r["与户主关系"], r["姓名"], r["证件号码"]) for r in first
    ]
    assert one.place is not None and one.place.village_code == PLACE["行政村代码"]
    assert one.props["headName"] == "甲" and one.props["status"] == "EXITED" and one.props["exitYear"] == 2018
    assert one.props["otherCauses"] == ["缺技术"] and one.props["waterSource"] == "TAP"
    assert two.props["status"] == "POOR" and two.props["exitYear"] is None
    assert one.incomes == {2018: {"wageFen": 1200000, "operatingFen": 300050, "propertyFen": 0, "transferFen": 150000}}
    assert one.members[1].props["sex"] == "FEMALE" and one.members[2].props["education"] == "高中"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"证件号码": "1.41130E+17"}, [(3, "证件号码", ROUNDED)], id="rounded-id"),
        pytest.param(
            {"证件号码": "141130198003150000"},
            [
                (
                    3,
                    "证件号码",
                    "the check character is 0 but the first 17 digits give 7: a typo?; or a spreadsheet has rounded"
                    " it (its last 3 digits are 000)",
                )
            ],
            id="zeroed-id",
        ),
        pytest.param({"证件号码": ""}, [(3, "证件号码", "an ID number is required")], id="no-id"),
        pytest.param({"姓名": ""}, [(3, "姓名", "a name is required")], id="no-name"),
        pytest.param({"性别": "男"}, [(3, "性别", "the ID number gives 女")], id="sex-against-id"),
        pytest.param({"出生日期": "1999-02-30"}, [(3, "出生日期", "'1999-02-30' is not a calendar date")], id="date"),
        pytest.param(
            {"健康状况": "很好"},
            [(3, "健康状况", "one of 健康、长期慢性病、患有大病、残疾; not '很好'")],
            id="coded",
        ),
        pytest.param({"参加大病保险": "有"}, [(3, "参加大病保险", "是 or 否, not '有'")], id="boolean"),
        pytest.param(
            {"行政村代码": "14113020221"}, [(3, "行政村代码", "a village code is 12 digits, not '14113020221'")]
        ),
        pytest.param({"行政村": "南坪村"}, [(3, "行政村", "differs from the head's row")], id="place-differs"),
        pytest.param(
            {"贫困状态": "未脱贫"},
            [(3, "贫困状态", "differs from the head's row: leave it blank on member rows")],
            id="household-column-on-member",
        ),
        pytest.param(
            {"2018年工资性收入": "1.00"}, [(3, "2018年工资性收入", "incomes belong on the head's row")], id="income-row"
        ),
    ],
)
def test_a_bad_member_row_is_reported_exactly(change: Row, expected: list[tuple[int, str, str]]) -> None:
    rows = family("甲")
    rows[1] = {**rows[1], **change}
    assert errors_of(rows) == expected


def test_a_bad_head_row_is_reported_exactly() -> None:
    bad = family(
        "甲",
        {
            "贫困状态": "穷",
            "脱贫年度": "2013",
            "其他致贫原因": "因病、缺钱",
            "2018年工资性收入": "12,000",
            "2018年转移性收入": "",
            "住房面积（平方米）": "80.5",
        },
    )
    assert errors_of(bad) == [
        (2, "贫困状态", "one of 非贫困户、未脱贫、已脱贫、监测户; not '穷'"),
        (2, "其他致贫原因", "'缺钱' is not a poverty cause; causes are " + "、".join(CAUSES)),
        (2, "住房面积（平方米）", "a whole number, not '80.5'"),
        (
            2,
            "2018年工资性收入",
            "an amount is up to 13 digits with at most two decimals, such as \"31767.18\", not '12,000'",
        ),
        (2, "2018年转移性收入", "give all four income components of 2018, or none"),
        (2, "脱贫年度", "before the year of identification (2014)"),
    ]


def test_file_wide_checks_name_the_earlier_row() -> None:
    first = family("甲")
    twin = household(person("乙", "户主", first[0]["证件号码"]), cells={"户编号": "H14113020221100007"})
    again = household(person("丙", "户主"), cells={"户编号": "H14113020221100007"})
    elsewhere = household(person("丁", "户主"), cells={"户编号": "H14113020221000001"})
    renamed = household(person("戊", "户主"), place={**PLACE, "行政村": "北坪新村"})
    orphan_first = [{**PLACE, **person("己", "配偶")}]
    assert errors_of(orphan_first, first, twin, again, elsewhere, renamed) == [
        (2, "与户主关系", "a household starts with its head (户主): this row has none before it"),
        (6, "证件号码", "the same ID number is on row 3"),
        (7, "户编号", "the same household number is on row 6"),
        (8, "户编号", "does not belong to the village in 行政村代码"),
        (9, "行政村", "the village 141130202211 is given differently on row 2"),
    ]


def test_a_wrong_header_reports_every_column_on_row_1() -> None:
    header = [h for h in headers([2018]) if h not in ("姓名", "2018年财产性收入")] + ["备注", "证件号码"]
    with pytest.raises(FormError) as caught:
        list(read_households(list(header), iter([])))
    assert caught.value.errors == [
        RowError(1, "备注", "not a column of the registration form (see docs/registry-template.md)"),
        RowError(1, "证件号码", "this column appears twice"),
        RowError(1, "姓名", "this required column is missing"),
        RowError(1, "2018年财产性收入", "the income of 2018 needs all four columns"),
    ]
