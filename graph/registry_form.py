"""The county's registration form (建档立卡户登记表) as rows of text: its columns, and each household's rows
checked and turned into the properties the graph stores (docs/registry-template.md describes the form).

One row per person, grouped by household: a row whose 与户主关系 is 户主 starts a household, and the rows
after it, up to the next head, are its members. Place columns and 户编号 may repeat on every row; the
household's own columns are read from the head's row (a member row may leave them blank, or repeat them
exactly). Incomes are per year, in columns such as `2018年工资性收入`. A blank cell is an absent value.
Codes (`POOR`, `TAP`...) are accepted wherever the form's Chinese words are."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from graph.id_numbers import IdNumberError, birth_date, is_male, normalize_id_number
from graph.money import MoneyError, parse_money, to_fen

HEAD = "户主"
RELATIONS = ("户主", "配偶", "之子", "之女", "之儿媳", "之女婿", "之孙子", "之孙女", "之父", "之母", "其他")
CAUSES = (
    "因病",
    "因残",
    "因学",
    "缺技术",
    "缺劳力",
    "缺资金",
    "缺土地",
    "因灾",
    "交通条件落后",
    "自身发展动力不足",
)
EDUCATION = ("学龄前", "文盲或半文盲", "小学", "初中", "高中", "中专", "大专及以上")
STRUCTURES = ("砖混", "砖木", "土木", "窑洞", "其他")
GRADES = ("A", "B", "C", "D")

# Stored code -> the form's word, for every enumeration the form carries.
STATUS = {"NOT_POOR": "非贫困户", "POOR": "未脱贫", "EXITED": "已脱贫", "MONITORED": "监测户"}
ATTRIBUTE = {"ORDINARY": "一般户", "LOW_INCOME": "低保户", "FIVE_GUARANTEES": "五保户", "LOW_INCOME_POOR": "低保贫困户"}
SEX = {"MALE": "男", "FEMALE": "女"}
HEALTH = {"HEALTHY": "健康", "CHRONIC": "长期慢性病", "SERIOUS": "患有大病", "DISABLED": "残疾"}
SCHOOL = {"ENROLLED": "在校生", "DROPPED_OUT": "辍学", "EXEMPT": "送教上门或免学"}
LABOR = {"FULL": "普通劳动力", "PARTIAL": "弱劳动力或半劳动力", "NONE": "丧失劳动力", "CHILD": "无劳动力"}
WATER = {"TAP": "集中供水", "WELL": "水井", "SPRING": "山泉水", "CISTERN": "水窖", "HAULED": "拉水"}
YES, NO = "是", "否"
_BOOLEAN_WORDS = {"是": True, "否": False, "TRUE": True, "FALSE": False, "Y": True, "N": False, "1": True, "0": False}

INCOME_PARTS: tuple[tuple[str, str], ...] = (
    ("wageFen", "工资性收入"),
    ("operatingFen", "生产经营性收入"),
    ("propertyFen", "财产性收入"),
    ("transferFen", "转移性收入"),
)
INCOME_HEADER = re.compile(r"(\d{4})年(" + "|".join(label for _, label in INCOME_PARTS) + ")")
# What a spreadsheet makes of an 18-digit number it took for a quantity: 1.41130E+17, 1.4113E17...
ROUNDED_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?[eE][+]?[0-9]+")
ZEROED_NUMBER = re.compile(r"[0-9]{15}000")
VILLAGE_CODE = re.compile(r"[0-9]{12}")
HOUSEHOLD_ID = re.compile(r"H([0-9]{12})[0-9]{5}")
# The limits the mutations apply (graph/registry.py MAX_NAME, graph/corrections.py), as the form's checks:
# a name is indexed, and Neo4j refuses to index a very long value.
MAX_NAME = 50
TEXT_LIMITS = {
    "ethnicity": 20,
    "chronicDisease": 100,
    "disabilityCertificate": 40,
    "dropoutReason": 100,
    "migrantWorkPlace": 100,
    "relapseReason": 200,
    "developmentPlan": 1_000,
}
NAME_KEYS = ("name", "province", "city", "county", "township", "village")
PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")  # a mobile number, or a landline with its area code
BANK_ACCOUNT = re.compile(r"[0-9]{12,30}")
PATTERNS = {
    "phone": (PHONE, "a mobile number (11 digits) or a landline with its area code"),
    "bankAccount": (BANK_ACCOUNT, "a bank account number (12 to 30 digits)"),
}
# Control characters (C0 and DEL) no cell may hold: a workbook cannot store most of them. Only long free
# text keeps its line breaks.
# Control characters (Unicode category Cc: C0, DEL, C1), refused as the mutations refuse them; free text such
# as a development plan may hold line breaks and tabs.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_FREE_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MULTILINE_KEYS = ("developmentPlan",)
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")


class Level(Enum):
    PLACE = "place"  # every row; must agree within a household
    HOUSEHOLD = "household"  # read from the head's row
    PERSON = "person"  # each row's own


class Kind(Enum):
    TEXT = "text"
    YEAR = "year"
    COUNT = "count"
    BOOLEAN = "boolean"
    DATE = "date"
    ID_NUMBER = "id_number"
    CHOICE = "choice"  # one of a list of words
    CODED = "coded"  # a stored code or its word
    CAUSES = "causes"  # up to two causes, separated by 、 , ; or blanks


@dataclass(frozen=True)
class Column:
    header: str
    key: str  # the graph property (or the place/household field) it fills
    level: Level
    kind: Kind = Kind.TEXT
    choices: tuple[str, ...] | dict[str, str] = ()
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("省", "province", Level.PLACE),
    Column("市", "city", Level.PLACE),
    Column("县", "county", Level.PLACE),
    Column("乡镇", "township", Level.PLACE),
    Column("行政村", "village", Level.PLACE),
    Column("行政村代码", "villageCode", Level.PLACE, required=True),
    Column("户编号", "householdId", Level.PLACE),
    Column("姓名", "name", Level.PERSON, required=True),
    Column("证件号码", "idNumber", Level.PERSON, Kind.ID_NUMBER, required=True),
    Column("与户主关系", "relation", Level.PERSON, Kind.CHOICE, RELATIONS, required=True),
    Column("性别", "sex", Level.PERSON, Kind.CODED, SEX),
    Column("民族", "ethnicity", Level.PERSON),
    Column("出生日期", "birthDate", Level.PERSON, Kind.DATE),
    Column("健康状况", "health", Level.PERSON, Kind.CODED, HEALTH),
    Column("慢性病或大病名称", "chronicDisease", Level.PERSON),
    Column("残疾证号", "disabilityCertificate", Level.PERSON),
    Column("文化程度", "education", Level.PERSON, Kind.CHOICE, EDUCATION),
    Column("在校生状况", "schoolStatus", Level.PERSON, Kind.CODED, SCHOOL),
    Column("辍学原因", "dropoutReason", Level.PERSON),
    Column("劳动技能", "laborAbility", Level.PERSON, Kind.CODED, LABOR),
    Column("务工时间（月）", "migrantWorkMonths", Level.PERSON, Kind.COUNT),
    Column("务工地点", "migrantWorkPlace", Level.PERSON),
    Column("参加城乡居民基本医疗保险", "medicalInsured", Level.PERSON, Kind.BOOLEAN),
    Column("参加大病保险", "criticalIllnessInsured", Level.PERSON, Kind.BOOLEAN),
    Column("享受低保", "minimumAllowance", Level.PERSON, Kind.BOOLEAN),
    Column("参加养老保险", "pension", Level.PERSON, Kind.BOOLEAN),
    Column("户属性", "attribute", Level.HOUSEHOLD, Kind.CODED, ATTRIBUTE),
    Column("建档立卡户", "registeredPoor", Level.HOUSEHOLD, Kind.BOOLEAN),
    Column("贫困状态", "status", Level.HOUSEHOLD, Kind.CODED, STATUS),
    Column("识别年度", "identifiedYear", Level.HOUSEHOLD, Kind.YEAR),
    Column("计划脱贫年度", "plannedExitYear", Level.HOUSEHOLD, Kind.YEAR),
    Column("脱贫年度", "exitYear", Level.HOUSEHOLD, Kind.YEAR),
    Column("返贫年度", "relapseYear", Level.HOUSEHOLD, Kind.YEAR),
    Column("返贫原因", "relapseReason", Level.HOUSEHOLD),
    Column("主要致贫原因", "primaryCause", Level.HOUSEHOLD, Kind.CHOICE, CAUSES),
    Column("其他致贫原因", "otherCauses", Level.HOUSEHOLD, Kind.CAUSES, CAUSES),
    Column("住房面积（平方米）", "housingArea", Level.HOUSEHOLD, Kind.COUNT),
    Column("住房结构", "housingStructure", Level.HOUSEHOLD, Kind.CHOICE, STRUCTURES),
    Column("建房年份", "housingYearBuilt", Level.HOUSEHOLD, Kind.YEAR),
    Column("住房安全等级", "housingGrade", Level.HOUSEHOLD, Kind.CHOICE, GRADES),
    Column("易地扶贫搬迁", "relocated", Level.HOUSEHOLD, Kind.BOOLEAN),
    Column("饮水来源", "waterSource", Level.HOUSEHOLD, Kind.CODED, WATER),
    Column("饮水水质达标", "waterQualityOk", Level.HOUSEHOLD, Kind.BOOLEAN),
    Column("联系电话", "phone", Level.HOUSEHOLD),
    Column("银行账号", "bankAccount", Level.HOUSEHOLD),
    Column("发展规划", "developmentPlan", Level.HOUSEHOLD),
)
BY_HEADER = {c.header: c for c in COLUMNS}
PERSON_KEYS = tuple(c.key for c in COLUMNS if c.level is Level.PERSON and c.key != "relation")
HOUSEHOLD_KEYS = tuple(c.key for c in COLUMNS if c.level is Level.HOUSEHOLD)


def income_headers(year: int) -> list[str]:
    return [f"{year}年{label}" for _, label in INCOME_PARTS]


def headers(income_years: Iterable[int]) -> list[str]:
    """The form's header row, with income columns for these years."""
    return [c.header for c in COLUMNS] + [h for year in sorted(income_years) for h in income_headers(year)]


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str  # the header, or "" for the whole row
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class FormError(ValueError):
    """The header row itself is wrong: nothing below it can be read."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(f"{e.column}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Place:
    village_code: str
    village: str | None
    township: str | None
    county: str | None
    province: str | None
    city: str | None

    @property
    def township_code(self) -> str:
        return self.village_code[:9] + "000"

    @property
    def county_code(self) -> str:
        return self.village_code[:6]


@dataclass
class Member:
    row: int
    relation: str
    props: dict[str, Any]  # the person columns the file has; None when blank

    @property
    def id_number(self) -> str:
        value: str = self.props["idNumber"]
        return value


@dataclass
class HouseholdRows:
    """One household as the form gives it: the head's row first. `errors` empty means it can be written."""

    rows: list[int]
    place: Place | None = None
    household_id: str | None = None
    props: dict[str, Any] = field(default_factory=dict)  # the household columns the file has; None when blank
    members: list[Member] = field(default_factory=list)
    incomes: dict[int, dict[str, int]] = field(default_factory=dict)  # year -> part -> fen
    errors: list[RowError] = field(default_factory=list)

    @property
    def head(self) -> Member:
        return self.members[0]


@dataclass(frozen=True)
class Layout:
    """Which column of the file holds what."""

    columns: dict[int, Column]
    incomes: dict[int, tuple[int, str, str]]  # index -> (year, part, header)

    @classmethod
    def of(cls, header: list[str | None]) -> Layout:
        columns: dict[int, Column] = {}
        incomes: dict[int, tuple[int, str, str]] = {}
        errors: list[RowError] = []
        seen: set[str] = set()
        for index, cell in enumerate(header):
            text = (cell or "").strip()
            if not text:
                continue
            if text in seen:
                errors.append(RowError(1, text, "this column appears twice"))
                continue
            seen.add(text)
            if text in BY_HEADER:
                columns[index] = BY_HEADER[text]
            elif match := INCOME_HEADER.fullmatch(text):
                part = next(key for key, label in INCOME_PARTS if label == match.group(2))
                incomes[index] = (int(match.group(1)), part, text)
            else:
                errors.append(
                    RowError(1, text, "not a column of the registration form (see docs/registry-template.md)")
                )
        for column in COLUMNS:
            if column.required and column.header not in seen:
                errors.append(RowError(1, column.header, "this required column is missing"))
        years: dict[int, set[str]] = {}
        for year, part, _ in incomes.values():
            years.setdefault(year, set()).add(part)
        for year, parts in sorted(years.items()):
            if len(parts) != len(INCOME_PARTS):
                missing = [f"{year}年{label}" for key, label in INCOME_PARTS if key not in parts]
                errors.append(RowError(1, missing[0], f"the income of {year} needs all four columns"))
        if errors:
            raise FormError(errors)
        return cls(columns, incomes)


def read_households(header: list[str | None], rows: Iterable[tuple[int, list[str | None]]]) -> Iterator[HouseholdRows]:
    """Each household of the file, checked on its own and against the rows before it (an ID number twice,
    a village named two ways). Raises FormError when the header is wrong. Rows are (row number, cells)."""
    layout = Layout.of(header)
    checker = _FileChecks()
    current: HouseholdRows | None = None
    for number, cells in rows:
        if all(cell is None or not str(cell).strip() for cell in cells):
            continue
        values = {column.key: _cell(cells, index) for index, column in layout.columns.items()}
        relation = values.get("relation")
        if relation == HEAD or current is None:
            if current is not None:
                yield _finish(current, checker)
            current = HouseholdRows(rows=[number])
            if relation != HEAD:
                current.errors.append(
                    RowError(
                        number, "与户主关系", "a household starts with its head (户主): this row has none before it"
                    )
                )
        else:
            current.rows.append(number)
        _read_row(current, number, values, cells, layout, checker)
    if current is not None:
        yield _finish(current, checker)


def _cell(cells: list[str | None], index: int) -> str | None:
    if index >= len(cells) or cells[index] is None:
        return None
    text = str(cells[index]).strip()
    return text or None


@dataclass
class _FileChecks:
    """What one household's rows are checked against: the rows before them."""

    id_rows: dict[str, int] = field(default_factory=dict)
    household_rows: dict[str, int] = field(default_factory=dict)
    villages: dict[str, tuple[Place, int]] = field(default_factory=dict)


def _read_row(
    household: HouseholdRows,
    number: int,
    values: dict[str, str | None],
    cells: list[str | None],
    layout: Layout,
    checker: _FileChecks,
) -> None:
    errors = household.errors
    is_head = len(household.rows) == 1
    refused: set[str] = set()  # the cells refused as text, not reported again as what they should hold
    for column in layout.columns.values():
        problem = _text_problem(column, values.get(column.key))
        if problem is not None:
            errors.append(RowError(number, column.header, problem))
            refused.add(column.header)
    for index, (_, _, title) in layout.incomes.items():
        amount = _cell(cells, index)
        if amount is not None and CONTROL.search(amount):
            errors.append(RowError(number, title, _control_message(amount)))
            refused.add(title)
    reported = len(errors)
    place = _read_place(number, values, errors)
    household_id = values.get("householdId")
    if is_head:
        household.place = place
        household.household_id = household_id
    else:
        if place is not None and household.place is not None:
            header = _conflict(place, household.place)
            if header is not None:
                errors.append(RowError(number, header, "differs from the head's row"))
        if household_id is not None and household_id != household.household_id:
            errors.append(RowError(number, "户编号", f"differs from the head's row ({household.household_id or '空'})"))

    person: dict[str, Any] = {}
    for column in COLUMNS:
        if column.level is Level.PERSON and column.key in values:
            person[column.key] = _convert(column, values[column.key], number, errors)
    relation = person.pop("relation")
    if relation == HEAD and not is_head:
        errors.append(RowError(number, "与户主关系", "a second head in one household"))
    _check_person(person, number, errors)
    id_number = person.get("idNumber")
    if id_number is not None:
        earlier = checker.id_rows.setdefault(id_number, number)
        if earlier != number:
            errors.append(RowError(number, "证件号码", f"the same ID number is on row {earlier}"))
    if person.get("name") is None:
        errors.append(RowError(number, "姓名", "a name is required"))
    if id_number is not None and person.get("name") is not None and relation is not None:
        household.members.append(Member(number, relation, person))
    elif is_head:
        household.members.append(Member(number, relation or HEAD, person))

    for column in COLUMNS:
        if column.level is not Level.HOUSEHOLD or column.key not in values:
            continue
        value = _convert(column, values[column.key], number, errors)
        if is_head:
            household.props[column.key] = value
        elif value is not None and value != household.props.get(column.key):
            errors.append(RowError(number, column.header, "differs from the head's row: leave it blank on member rows"))
    _read_incomes(household, number, cells, layout, is_head, errors)
    if refused:
        errors[reported:] = [e for e in errors[reported:] if e.row != number or e.column not in refused]


def _text_problem(column: Column, text: str | None) -> str | None:
    """Why a cell's text is refused whatever its column's kind: a control character, or too long."""
    if text is None:
        return None
    control = CONTROL_IN_FREE_TEXT if column.key in MULTILINE_KEYS else CONTROL
    if control.search(text):
        return _control_message(text)
    if column.key in NAME_KEYS and len(text) > MAX_NAME:
        return f"a name has at most {MAX_NAME} characters, this one has {len(text)}"
    limit = TEXT_LIMITS.get(column.key)
    if limit is not None and len(text) > limit:
        return f"at most {limit} characters, this has {len(text)}"
    pattern = PATTERNS.get(column.key)
    if pattern is not None and not pattern[0].fullmatch(text):
        return f"{text[:40]!r} is not {pattern[1]}"
    return None


def _control_message(text: str) -> str:
    character = CONTROL.search(text)
    code = ord(character.group()) if character is not None else 0
    return f"holds the control character U+{code:04X}: type the text again without it"


def _read_place(number: int, values: dict[str, str | None], errors: list[RowError]) -> Place | None:
    code = values.get("villageCode")
    if code is None:
        errors.append(RowError(number, "行政村代码", "the village's 12-digit division code is required"))
        return None
    if ROUNDED_NUMBER.fullmatch(code):
        errors.append(RowError(number, "行政村代码", _rounded_message(code)))
        return None
    if not VILLAGE_CODE.fullmatch(code):
        errors.append(RowError(number, "行政村代码", f"a village code is 12 digits, not {code[:20]!r}"))
        return None
    return Place(
        village_code=code,
        village=values.get("village"),
        township=values.get("township"),
        county=values.get("county"),
        province=values.get("province"),
        city=values.get("city"),
    )


def _read_incomes(
    household: HouseholdRows,
    number: int,
    cells: list[str | None],
    layout: Layout,
    is_head: bool,
    errors: list[RowError],
) -> None:
    by_year: dict[int, dict[str, int | None]] = {}
    failed: set[tuple[int, str]] = set()  # reported already: not "missing" too
    for index, (year, part, header) in layout.incomes.items():
        text = _cell(cells, index)
        fen: int | None = None
        if text is not None:
            try:
                fen = to_fen(parse_money(text))
                if fen < 0:
                    raise MoneyError("an income component cannot be negative")
            except MoneyError as error:
                errors.append(RowError(number, header, str(error)))
                failed.add((year, part))
        by_year.setdefault(year, {})[part] = fen
    for year, parts in sorted(by_year.items()):
        given = {part: fen for part, fen in parts.items() if fen is not None}
        attempted = given.keys() | {part for y, part in failed if y == year}
        if not is_head:
            if attempted and given != household.incomes.get(year):
                errors.append(RowError(number, income_headers(year)[0], "incomes belong on the head's row"))
            continue
        if attempted and len(attempted) != len(INCOME_PARTS):
            missing = next(f"{year}年{label}" for key, label in INCOME_PARTS if key not in attempted)
            errors.append(RowError(number, missing, f"give all four income components of {year}, or none"))
        elif given and len(given) == len(INCOME_PARTS):
            household.incomes[year] = given


def _convert(column: Column, text: str | None, number: int, errors: list[RowError]) -> Any:
    if text is None:
        if column.required:
            return None  # reported once, by the caller that knows whether the row is complete
        return None
    try:
        return _parse(column, text)
    except ValueError as error:
        errors.append(RowError(number, column.header, str(error)))
        return None


def _parse(column: Column, text: str) -> Any:
    kind = column.kind
    if kind is Kind.TEXT:
        return text
    if kind is Kind.ID_NUMBER:
        if ROUNDED_NUMBER.fullmatch(text):
            raise ValueError(_rounded_message(text))
        try:
            return normalize_id_number(text)
        except IdNumberError as error:
            if ZEROED_NUMBER.fullmatch(text):  # a spreadsheet keeps 15 digits and writes zeros for the rest
                raise ValueError(f"{error}; or a spreadsheet has rounded it (its last 3 digits are 000)") from None
            raise ValueError(str(error)) from None
    if kind in (Kind.YEAR, Kind.COUNT):
        value = _whole_number(text)
        if kind is Kind.YEAR and not 1949 <= value <= 2100:
            raise ValueError(f"a year between 1949 and 2100, not {value}")
        if kind is Kind.COUNT and value < 0:
            raise ValueError(f"not negative, not {value}")
        return value
    if kind is Kind.BOOLEAN:
        flag = _BOOLEAN_WORDS.get(text.upper())
        if flag is None:
            raise ValueError(f"是 or 否, not {text[:20]!r}")
        return flag
    if kind is Kind.DATE:
        return _date(text)
    if kind is Kind.CHOICE:
        if text not in column.choices:
            raise ValueError(f"one of {'、'.join(column.choices)}; not {text[:20]!r}")
        return text
    if kind is Kind.CODED:
        assert isinstance(column.choices, dict)
        for code, word in column.choices.items():
            if text == word or text.upper() == code:
                return code
        raise ValueError(f"one of {'、'.join(column.choices.values())}; not {text[:20]!r}")
    causes = [part for part in re.split(r"[、,，;；\s]+", text) if part]
    unknown = [c for c in causes if c not in CAUSES]
    if unknown:
        raise ValueError(f"{unknown[0][:20]!r} is not a poverty cause; causes are {'、'.join(CAUSES)}")
    if len(causes) > 2 or len(set(causes)) != len(causes):
        raise ValueError("at most two other causes, each once")
    return causes


def _whole_number(text: str) -> int:
    # A spreadsheet may hand a whole number over as "2018.0".
    match = re.fullmatch(r"([0-9]+)(\.0+)?", text)
    if match is None:
        raise ValueError(f"a whole number, not {text[:20]!r}")
    return int(match.group(1))


def _date(text: str) -> date:
    match = _DATE.fullmatch(text.split(" ")[0])
    if match is None:
        raise ValueError(f"a date such as 1980-01-31, not {text[:20]!r}")
    parts = [int(g) for g in match.groups() if g is not None]
    try:
        return date(parts[0], parts[1], parts[2])
    except ValueError:
        raise ValueError(f"{text[:20]!r} is not a calendar date") from None


def _rounded_message(text: str) -> str:
    return (
        f"{text[:20]} is a number a spreadsheet has rounded: the digits are lost. Format the column as text and"
        " type the number again"
    )


def _check_person(person: dict[str, Any], number: int, errors: list[RowError]) -> None:
    id_number = person.get("idNumber")
    if id_number is None:
        if not any(e.row == number and e.column == "证件号码" for e in errors):
            errors.append(RowError(number, "证件号码", "an ID number is required"))
        return
    born = person.get("birthDate")
    if born is not None and born != birth_date(id_number):
        errors.append(RowError(number, "出生日期", f"the ID number gives {birth_date(id_number).isoformat()}"))
    sex = person.get("sex")
    if sex is not None and (sex == "MALE") != is_male(id_number):
        errors.append(
            RowError(number, "性别", f"the ID number gives {SEX['MALE' if is_male(id_number) else 'FEMALE']}")
        )


_PLACE_HEADERS = (("province", "省"), ("city", "市"), ("county", "县"), ("township", "乡镇"), ("village", "行政村"))


def _conflict(place: Place, other: Place) -> str | None:
    """The header of the first place column both give, differently (blanks agree with anything)."""
    if place.village_code != other.village_code:
        return "行政村代码"
    for key, header in _PLACE_HEADERS:
        mine, theirs = getattr(place, key), getattr(other, key)
        if mine is not None and theirs is not None and mine != theirs:
            return header
    return None


def _finish(household: HouseholdRows, checker: _FileChecks) -> HouseholdRows:
    """Checks of the household as a whole, once all its rows are read."""
    first = household.rows[0]
    errors = household.errors
    place = household.place
    if place is not None:
        earlier, earlier_row = checker.villages.setdefault(place.village_code, (place, first))
        header = _conflict(place, earlier)
        if header is None:
            # Names given once for a village stand for its later households too.
            household.place = Place(
                village_code=place.village_code,
                village=place.village or earlier.village,
                township=place.township or earlier.township,
                county=place.county or earlier.county,
                province=place.province or earlier.province,
                city=place.city or earlier.city,
            )
            place = household.place
        else:
            errors.append(
                RowError(first, header, f"the village {place.village_code} is given differently on row {earlier_row}")
            )
    hid = household.household_id
    if hid is not None:
        match = HOUSEHOLD_ID.fullmatch(hid)
        if match is None:
            errors.append(RowError(first, "户编号", "H followed by the 12-digit village code and 5 digits"))
        elif place is not None and match.group(1) != place.village_code:
            errors.append(RowError(first, "户编号", "does not belong to the village in 行政村代码"))
        else:
            earlier_row = checker.household_rows.setdefault(hid, first)
            if earlier_row != first:
                errors.append(RowError(first, "户编号", f"the same household number is on row {earlier_row}"))
    props = household.props
    cause, others = props.get("primaryCause"), props.get("otherCauses")
    if cause is not None and others is None and "otherCauses" in props:
        props["otherCauses"] = []
    if others and cause is None:
        errors.append(RowError(first, "其他致贫原因", "other causes need a primary cause"))
    elif others and cause in others:
        errors.append(RowError(first, "其他致贫原因", "repeats the primary cause"))
    identified, exited = props.get("identifiedYear"), props.get("exitYear")
    if identified is not None and exited is not None and exited < identified:
        errors.append(RowError(first, "脱贫年度", f"before the year of identification ({identified})"))
    if props.get("status") in ("POOR", "EXITED") and props.get("registeredPoor") is False:
        errors.append(
            RowError(first, "贫困状态", "only a registered poor household (建档立卡户: 是) is poor or exited")
        )
    if household.members:
        props["headName"] = household.head.props.get("name")
    return household
