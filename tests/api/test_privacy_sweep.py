"""A sweep for leaks (issue 6): as an anonymous caller and as an ANALYST, every path of the schema to a
household or a person (hand-written below, with variables taken from the database; a test checks that the
list misses none the schema has) and a generated set of queries over the whole schema. No response may
hold any head's or member's name or given name, ID number, phone, bank account or birth date stored in the
database.

Responses are compared decoded (a JSON encoder may escape Chinese as \\uXXXX), string by string, each string
placed at its GraphQL type and field by walking the response with the query (`__typename` is added to
every selection set so that unions and interfaces resolve; aliases are followed):
- a name or a given name: a string equal to one, or holding a full name of three or more characters;
- an ID number, phone or bank account number: a run of 11 to 19 digits (and X) equal to one;
- a birth date: a string equal to one, except in fields typed Date or DateTime other than Person.birthDate
  (a claim's date, a pairing's `since`... are public dates that any birth date may coincide with).
Cadres' names (Cadre.name) are public to analysts and often coincide with a villager's: they are skipped.
Error messages and extensions are checked too, once the values the request itself sent are taken out."""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    get_named_type,
    parse,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries
from neo4j import AsyncDriver

from graph.access import Role, Viewer
from schema.build import print_sdl
from tests.api.writes import fresh_id, household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import bearer, data_of, mint_token

SDL = print_sdl()
SCHEMA: GraphQLSchema = build_schema(SDL)
DIGITS = re.compile(r"[0-9Xx]{11,19}")
DATE_SCALARS = frozenset({"Date", "DateTime"})
PUBLIC_NAMES = frozenset({("Cadre", "name")})
# Dates an alert's facts may state: an episode's opening and due dates, a project's deadline.
PUBLIC_JSON_DATES = frozenset({"Alert.facts.dueDate", "Alert.facts.openedDate", "Alert.facts.deadline"})

PEOPLE = """
MATCH (p:Person)
RETURN collect(DISTINCT p.name) AS names, collect(DISTINCT p.idNumber) AS idNumbers,
       collect(DISTINCT p.phone) AS phones, collect(DISTINCT toString(p.birthDate)) AS birthDates"""
HOUSEHOLDS = """
MATCH (h:Household)
RETURN collect(DISTINCT h.headName) AS heads, collect(DISTINCT h.phone) AS phones,
       collect(DISTINCT h.bankAccount) AS accounts"""

# Households with as much as possible to show: claims, measures, alerts, a monitoring episode, visits, a
# current helper, drive links; then plain ones of other villages. Each with its code and its members.
RICH = """
MATCH (q:QrCode)-[:IDENTIFIES]->(h:Household)
WHERE q.revokedAt IS NULL AND EXISTS { (:Claim)-[:FOR]->(h) } AND EXISTS { (:Alert)-[:ABOUT]->(h) }
  AND EXISTS { (h)-[:MONITORED_IN]->(:MonitoringEpisode) } AND EXISTS { (:Visit)-[:TO]->(h) }
  AND EXISTS { (h)-[:RECEIVED]->(:Measure) } AND EXISTS { (:Enterprise)-[:DRIVES]->(h) }
WITH h, q ORDER BY h.id LIMIT 3
RETURN h.id AS id, q.token AS token, h.headName AS head,
       COLLECT { MATCH (p:Person)-[:MEMBER_OF]->(h) RETURN p.idNumber ORDER BY p.idNumber } AS idNumbers,
       COLLECT { MATCH (p:Person)-[:MEMBER_OF]->(h) RETURN p.name ORDER BY p.idNumber } AS names"""
PLAIN = """
MATCH (q:QrCode)-[:IDENTIFIES]->(h:Household)-[:IN]->(v:Village)
WITH v, min(h.id) AS id ORDER BY v.code LIMIT 3
MATCH (q:QrCode)-[:IDENTIFIES]->(h:Household {id: id}) WHERE q.revokedAt IS NULL
RETURN h.id AS id, q.token AS token, h.headName AS head,
       COLLECT { MATCH (p:Person)-[:MEMBER_OF]->(h) RETURN p.idNumber ORDER BY p.idNumber } AS idNumbers,
       COLLECT { MATCH (p:Person)-[:MEMBER_OF]->(h) RETURN p.name ORDER BY p.idNumber } AS names"""
PLACES = """
MATCH (q:QrCode)-[:IDENTIFIES]->(place) WHERE q.revokedAt IS NULL AND (place:Village OR place:Township)
WITH place, q ORDER BY place.code LIMIT 2
RETURN collect(q.token) AS tokens
UNION ALL
MATCH (q:QrCode)-[:IDENTIFIES]->(place:Township) WHERE q.revokedAt IS NULL
WITH q ORDER BY q.token LIMIT 1
RETURN collect(q.token) AS tokens"""
OTHERS = """
RETURN head(COLLECT { MATCH (c:Claim) RETURN c.id ORDER BY c.id }) AS claim,
       head(COLLECT { MATCH (c:Cadre) RETURN c.id ORDER BY c.id }) AS cadre,
       head(COLLECT { MATCH (v:Village) RETURN v.code ORDER BY v.code }) AS village,
       COLLECT { MATCH (t:Township) RETURN t.code ORDER BY t.code LIMIT 2 }
       + COLLECT { MATCH (e:Enterprise) RETURN e.id ORDER BY COUNT { (e)-[:DRIVES]->() } DESC, e.id LIMIT 2 }
       + COLLECT { MATCH (p:Project) RETURN p.code ORDER BY COUNT { (p)-[:BENEFITS]->() } DESC, p.code LIMIT 2 }
       + ['FUNGI', 'YBT'] AS keys"""


@dataclass(frozen=True)
class Secrets:
    names: frozenset[str]
    given_names: frozenset[str]
    long_names: frozenset[str]
    numbers: frozenset[str]
    birth_dates: frozenset[str]

    @classmethod
    def of(cls, names: set[str], numbers: set[str], birth_dates: set[str]) -> Secrets:
        return cls(
            names=frozenset(names),
            given_names=frozenset(name[1:] for name in names if len(name) > 1),
            long_names=frozenset(name for name in names if len(name) >= 3),
            numbers=frozenset(n.upper() for n in numbers),
            birth_dates=frozenset(birth_dates),
        )

    def with_person(self, name: str, id_number: str, birth_date: str) -> Secrets:
        return Secrets.of(
            set(self.names) | {name}, set(self.numbers) | {id_number}, set(self.birth_dates) | {birth_date}
        )

    def leaks(self, document: DocumentNode, data: Any) -> list[str]:
        """Every forbidden value in a decoded response to `document` (sent as `with_typenames` made it)."""
        found = []
        for type_name, field_name, value in typed_strings(document, data):
            name_shown = (type_name, field_name) in PUBLIC_NAMES
            date_shown = _public_date(type_name, field_name)
            where = f"{type_name}.{field_name}={value!r}"
            found += [f"{where}: {what}" for _, what in self._check(value, name_shown, date_shown)]
        return found

    def error_leaks(self, errors: list[dict[str, Any]], sent: str) -> list[str]:
        """Every forbidden value in error messages and extensions, but those the request itself sent."""
        return [
            f"errors: {value!r}: {what}"
            for _, value in _strings(errors)
            for token, what in self._check(value, False, False)
            if token not in sent
        ]

    def _check(self, value: str, name_shown: bool, date_shown: bool) -> list[tuple[str, str]]:
        """(what matched, what it is) for each forbidden value in a string."""
        found = []
        if not name_shown:
            if value in self.names or value in self.given_names:
                found.append((value, "a name"))
            for size in (3, 4):
                found += [
                    (value[i : i + size], "holds a name")
                    for i in range(len(value) - size + 1)
                    if value[i : i + size] in self.long_names
                ]
        if value in self.birth_dates and not date_shown:
            found.append((value, "a birth date"))
        found += [(n, "an ID, phone or account number") for n in DIGITS.findall(value) if n.upper() in self.numbers]
        return found


def _public_date(type_name: str, field_name: str) -> bool:
    if (type_name, field_name) == ("Person", "birthDate"):
        return False
    if "." in field_name:  # a key of a JSON scalar
        return f"{type_name}.{field_name}" in PUBLIC_JSON_DATES
    parent = SCHEMA.get_type(type_name)
    assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
    return get_named_type(parent.fields[field_name].type).name in DATE_SCALARS


# -- Walking a response with its query --------------------------------------------------------------------


class _AddTypenames(Visitor):
    def leave_selection_set(self, node: SelectionSetNode, *_: Any) -> SelectionSetNode:
        typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
        return SelectionSetNode(selections=(*node.selections, typename))


def with_typenames(query: str) -> DocumentNode:
    """The query with `__typename` in every selection set, so that each object in the response names its
    type (unions and interfaces included)."""
    document: DocumentNode = visit(parse(query), _AddTypenames())
    return document


def typed_strings(document: DocumentNode, data: Any) -> Iterator[tuple[str, str, str]]:
    """(type, field, string) for every string of a response; in a JSON scalar, the field is followed by
    the key the string sits under (`facts.dueDate`)."""
    if data is None:
        return
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = SCHEMA.mutation_type if operation.operation.value == "mutation" else SCHEMA.query_type
    assert root is not None
    yield from _object(root, [operation.selection_set], data, fragments)


def _object(
    type_: Any, selection_sets: list[SelectionSetNode], data: dict[str, Any], fragments: dict[str, Any]
) -> Iterator[tuple[str, str, str]]:
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        type_ = SCHEMA.get_type(data["__typename"])
    assert isinstance(type_, GraphQLObjectType)
    fields: dict[str, list[FieldNode]] = {}
    for selection_set in selection_sets:
        _collect(type_, selection_set, fragments, fields)
    for key, nodes in fields.items():
        name = nodes[0].name.value
        if name == "__typename" or key not in data:
            continue
        named = get_named_type(type_.fields[name].type)
        subsets = [n.selection_set for n in nodes if n.selection_set is not None]
        yield from _value(type_.name, name, named, subsets, data[key], fragments)


def _value(
    type_name: str, field_name: str, named: Any, subsets: list[SelectionSetNode], value: Any, fragments: Any
) -> Iterator[tuple[str, str, str]]:
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            yield from _value(type_name, field_name, named, subsets, item, fragments)
    elif subsets:
        yield from _object(named, subsets, value, fragments)
    else:
        yield from ((type_name, f"{field_name}.{key}" if key else field_name, s) for key, s in _strings(value))


def _collect(
    type_: GraphQLObjectType, selection_set: SelectionSetNode, fragments: Any, into: dict[str, list[FieldNode]]
) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            into.setdefault((selection.alias or selection.name).value, []).append(selection)
            continue
        if isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
        else:
            assert isinstance(selection, InlineFragmentNode)
            fragment = selection
        condition = fragment.type_condition
        applies = condition is None or condition.name.value == type_.name
        if condition is not None and not applies:
            abstract = SCHEMA.get_type(condition.name.value)
            applies = isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType) and SCHEMA.is_sub_type(
                abstract, type_
            )
        if applies:
            _collect(type_, fragment.selection_set, fragments, into)


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Each string of a value with the key it sits under in a JSON object ("" outside one)."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield "", k
            yield from _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)


def selected_coordinates(query: str) -> set[str]:
    """Every `Type.field` a query selects."""
    found: set[str] = set()
    type_info = TypeInfo(SCHEMA)

    class Coordinates(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = type_info.get_parent_type()
            if parent is not None and not node.name.value.startswith("__"):
                found.add(f"{parent.name}.{node.name.value}")

    visit(parse(query), TypeInfoVisitor(type_info, Coordinates()))
    return found


# -- The paths --------------------------------------------------------------------------------------------

# Every field of a household and of what hangs from it (a test checks that none is left out).
HOUSEHOLD = """fragment H on Household {
  id headName size registeredPoor status developmentPlan identifiedYear exitYear primaryCause otherCauses
  village { code name }
  members { name relation birthDate health sex education laborAbility schoolStatus idNumber }
  industries { code name }
  drivenBy { mode since incomeGain enterprise { id name } }
  policies { code name }
  claims { id date kind cost paidByMedicalInsurance paidByInsurer paidByHousehold policy { code } }
  claimsConnection(first: 5) { totalCount pageInfo { endCursor } edges { cursor node { id date kind cost } } }
  measures { kind subKind year amount description }
  measuresConnection(first: 5) { totalCount edges { node { kind year amount description } } }
  incomes { year wage operating property transfer total perCapita }
  incomePerCapita
  exitIndicators { year incomeAboveLine foodAndClothing education medicalInsurance safeHousing safeWater met }
  helpers { id name role unit level }
  helpersHistory { since until current cadre { id name role } }
  coverage { year premium policy { code } }
  projects { beneficiaries total funds { fundId source year amount } project { code name } }
  trace {
    enterprises { mode since incomeGain enterprise { name } } enterpriseIncomeGain industries { code }
    projects { total project { code } } fundTotal policies { year premium policy { code } }
    measures { kind year amount description } claims { id date kind cost }
    cadres { since until current cadre { name } }
  }
  history(first: 5) { totalCount pageInfo { endCursor } edges { cursor node { at by action fields file row } } }
  alerts {
    id rule severity state facts raisedAt history { state at note by }
    subject { ... on Household { id headName members { name idNumber birthDate } } ... on Project { code } }
  }
  monitoringEpisodes {
    id category riskTypes foundBy openedDate dueDate missingSteps clearedDate clearedNote open
    steps { consent noticeFrom noticeTo townshipReview countyDecision }
    alert { id facts subject { ... on Household { id headName } } }
  }
  qr { token url svg }
}"""

PATHS: dict[str, str] = {
    "county households": """{ households(first: 12) { totalCount pageInfo { endCursor }
        edges { cursor node { ...H } } } }""",
    "county households, last page": "{ households(last: 5) { edges { node { id headName members { name } } } } }",
    "households by name": """{ households(first: 5, orderBy: HEAD_NAME, filter: {headNameContains: "王"}) {
        totalCount edges { node { id headName } } } }""",
    "village households": """{ villages(first: 2) { edges { node { householdCount
        households(first: 5) { totalCount edges { node { ...H } } } } } } }""",
    "village by code": """query($village: ID!) { village(code: $village) {
        households(first: 5, orderBy: INCOME_ASC) { edges { node { id headName members { name } } } } } }""",
    "township households": """{ townships { code households(first: 1) { totalCount edges { node { ...H } } } } }""",
    "county": "{ county { households townships { code households(first: 2) { edges { node { headName } } } } } }",
    "industry driven": """{ industries { code trace { households byMode { mode households incomeGain } }
        drivenHouseholds(first: 1) { edges { node { id headName members { name idNumber } } } } }
      industry(code: "FUNGI") { drivenHouseholds(first: 5) { totalCount edges { cursor mode incomeGain enterprise { name }
          links { mode since incomeGain enterprise { name } } node { ...H } } } } }""",
    "enterprise driven": """{ enterprises { id trace { households incomeGain byMode { mode households } }
        reach { households }
        drivenHouseholds(first: 2) { totalCount edges { mode incomeGain node { id headName members { name } } } } } }""",
    "enterprise by reach": """{ enterprisesConnection(first: 1, orderBy: REACH_DESC) { edges { node {
        drivenHouseholds(first: 5, poorOnly: true) { edges { links { incomeGain } node { ...H } } } } } } }""",
    "project beneficiaries": """{ projects(first: 1, orderBy: BENEFICIARIES_DESC) { edges { node { code
        village { code households(first: 2) { edges { node { headName } } } }
        beneficiaries(first: 5) { totalCount edges { node { ...H } } }
        beneficiaryShares(first: 5) { totalCount edges { total funds { amount } node { ...H } } }
        fundFlow { allocations { share } } } } } }""",
    "multiply driven": """{ multiplyDrivenHouseholds(first: 10) { totalCount
        edges { links { incomeGain enterprise { name } } node { ...H } } } }""",
    "policy claims": """{ policies { code claims(first: 5) { totalCount edges { node { id date kind cost } } }
        bundle { code } covers { code } } }""",
    "alerts": """{ alerts(first: 10) { totalCount edges { node { id rule facts raisedAt
        history { state at note by }
        subject { ... on Household { ...H } ... on Project { code beneficiaries(first: 3) { edges { node { headName } } } } } } } } }""",
    "alerts of a rule": """{ alerts(first: 10, filter: {rule: MEMBER_UNINSURED}) { edges { node { facts
        subject { ... on Household { id headName members { name idNumber birthDate } } } } } } }""",
    "rollups": """{ c: rollup(level: COUNTY) { edges { node { code name stats { households population
          povertyCauses { cause households } incomePerCapita { median } } } } }
        t: rollup(level: TOWNSHIP) { edges { node { code stats { households } } } }
        v: rollup(level: VILLAGE, first: 5, orderBy: MEDIAN_INCOME) { edges { node { code stats { funds } } } } }""",
    "by id": """query($id: ID!) { household(id: $id) { ...H }
        node(id: $id) { id ... on Household { ...H } } }""",
    "by ID number": """query($idNumber: String!) { householdByIdNumber(idNumber: $idNumber) { ...H } }""",
    "audit": """query($id: ID!) { householdAudit(householdId: $id) { totalCount edges { node { householdId fields } } } }""",
    "by code": """query($token: String!) { scan(token: $token) {
        ... on Household { ...H }
        ... on Village { code name households(first: 5) { edges { node { ...H } } } }
        ... on Township { code name households(first: 5) { edges { node { ...H } } } } } }""",
    "search": """query($text: String!) { search(text: $text, first: 10) {
        ... on Household { ...H } ... on Village { households(first: 2) { edges { node { headName } } } } } }""",
    "other nodes": """query($claim: ID!, $cadre: ID!) { claim: node(id: $claim) { ... on Claim { id date cost } }
        cadre: node(id: $cadre) { ... on Cadre { id name } } me { role sub }
        scansByVillageAndDay(since: "2026-01-01", until: "2026-12-31") { villageCode scans } }""",
}


@dataclass(frozen=True, eq=False)  # hashed by identity: the generated queries are cached per fixture
class Subjects:
    """Variables for the paths that look something up: household ids, codes, ID numbers, names."""

    ids: list[str]
    tokens: list[str]
    id_numbers: list[str]
    texts: list[str]
    village: str
    claim: str
    cadre: str
    keys: list[str]  # codes and ids of places, enterprises, projects, industries, policies

    def arguments(self) -> dict[str, Any]:
        """Strategies for the generated queries' ID and String arguments: half of them a value that finds
        something (a household's id, ID number, code or member's name...), half of them any text."""
        ids = [*self.ids, self.village, self.claim, self.cadre, *self.keys]
        texts = [*self.tokens, *self.texts, *self.id_numbers]
        return {
            "ID": st.one_of(st.sampled_from(ids), st.text(max_size=8)).map(lambda v: StringValueNode(value=v)),
            "String": st.one_of(st.sampled_from(texts), st.text(max_size=8)).map(lambda v: StringValueNode(value=v)),
        }

    def variable_sets(self, query: str) -> list[dict[str, Any]]:
        if "$idNumber" in query:
            return [{"idNumber": n} for n in self.id_numbers]
        if "$id" in query:
            return [{"id": i} for i in self.ids]
        if "$token" in query:
            return [{"token": t} for t in self.tokens]
        if "$text" in query:
            return [{"text": t} for t in self.texts]
        if "$claim" in query:
            return [{"claim": self.claim, "cadre": self.cadre}]
        if "$village" in query:
            return [{"village": self.village}]
        return [{}]


@pytest.fixture(scope="module")
async def secrets(driver: AsyncDriver, demo_county: object) -> Secrets:
    [people], _, _ = await driver.execute_query(PEOPLE, routing_="r")
    [households], _, _ = await driver.execute_query(HOUSEHOLDS, routing_="r")
    return Secrets.of(
        names=set(people["names"]) | set(households["heads"]),
        numbers=set(people["idNumbers"])
        | set(people["phones"])
        | set(households["phones"])
        | set(households["accounts"]),
        birth_dates=set(people["birthDates"]),
    )


@pytest.fixture(scope="module")
async def subjects(driver: AsyncDriver, demo_county: object) -> Subjects:
    rich, _, _ = await driver.execute_query(RICH, routing_="r")
    plain, _, _ = await driver.execute_query(PLAIN, routing_="r")
    places, _, _ = await driver.execute_query(PLACES, routing_="r")
    [others], _, _ = await driver.execute_query(OTHERS, routing_="r")
    households = [*rich, *plain]
    assert len(rich) == 3 and len(plain) == 3
    return Subjects(
        ids=[h["id"] for h in households],
        tokens=[h["token"] for h in households] + [t for p in places for t in p["tokens"]],
        id_numbers=[h["idNumbers"][0] for h in households[:3]],
        texts=[h["head"] for h in households[:3]]
        + [h["names"][-1] for h in households[:3]]
        + [h["idNumbers"][0] for h in households[:1]],
        village=others["village"],
        claim=others["claim"],
        cadre=others["cadre"],
        keys=others["keys"],
    )


def _document(query: str) -> str:
    return query + "\n" + HOUSEHOLD if "...H" in query else query


async def _sweep(
    gql: GraphQLPost, secrets: Secrets, subjects: Subjects, viewer: Viewer, paths: dict[str, str] = PATHS
) -> int:
    """Runs the paths as `viewer`; fails on a leak. Returns how many responses held data."""
    leaks: dict[str, list[str]] = {}
    answered = 0
    for name, query in paths.items():
        document = with_typenames(_document(query))
        for variables in subjects.variable_sets(query):
            body = await gql(print_ast(document), variables, as_viewer=viewer)
            assert "data" in body, (name, body)
            codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
            assert codes <= {"FORBIDDEN"}, (name, body["errors"])
            answered += any(value is not None for value in (body["data"] or {}).values())
            found = secrets.leaks(document, body["data"]) + secrets.error_leaks(
                body.get("errors", []), json.dumps(variables, ensure_ascii=False)
            )
            if found:
                leaks.setdefault(name, []).extend(found[:5])
    assert not leaks, leaks
    return answered


async def test_no_personal_data_reaches_anonymous_callers(
    gql: GraphQLPost, secrets: Secrets, subjects: Subjects
) -> None:
    assert await _sweep(gql, secrets, subjects, Viewer.anonymous()) >= len(PATHS) // 2


async def test_no_personal_data_reaches_analysts(gql: GraphQLPost, secrets: Secrets, subjects: Subjects) -> None:
    assert await _sweep(gql, secrets, subjects, Viewer(Role.ANALYST, "sweep")) >= len(PATHS) - 3


async def test_the_sweep_finds_what_an_administrator_sees(
    gql: GraphQLPost, secrets: Secrets, subjects: Subjects
) -> None:
    """The detector itself: the same paths as an ADMIN show names, given names, ID numbers, phones... and
    birth dates, each in its field; a claim's date is never taken for a birth date."""
    document = with_typenames(_document(PATHS["by id"]))
    body = await gql(print_ast(document), {"id": subjects.ids[0]})
    found = secrets.leaks(document, data_of(body))
    for expected in ("Household.headName=", "Person.name=", "Person.idNumber=", "Person.birthDate="):
        assert any(f.startswith(expected) for f in found), (expected, found[:10])
    assert not any(f.startswith(("Claim.date", "HelperPeriod.since", "AlertEvent.at")) for f in found)


PERSONAL_TYPES = ("Household", "Person", "HouseholdTrace", "Alert", "MonitoringEpisode", "Change", "Claim")


def test_the_sweep_selects_every_field_of_a_household() -> None:
    selected = selected_coordinates(HOUSEHOLD)
    for type_name in PERSONAL_TYPES:
        type_ = SCHEMA.get_type(type_name)
        assert isinstance(type_, GraphQLObjectType)
        missing = {f"{type_name}.{f}" for f in type_.fields} - selected
        assert not missing, f"add {sorted(missing)} to the sweep's fragment H"


def _readable_types() -> list[Any]:
    """The types a query can reach (a mutation's payloads aside), Query first."""
    assert SCHEMA.query_type is not None
    found: dict[str, Any] = {}
    todo: list[Any] = [SCHEMA.query_type]
    while todo:
        type_ = todo.pop()
        if type_.name in found or type_.name.startswith("__"):
            continue
        found[type_.name] = type_
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            todo += [get_named_type(f.type) for f in type_.fields.values()]
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            todo += list(SCHEMA.get_possible_types(type_))
    return list(found.values())


def _paths_to_people() -> set[str]:
    """Every `Type.field` of the schema (mutations aside) that yields a household or a person, directly, as
    a union or interface member, through an object that holds one (an edge, an alert), or as a connection
    of such objects."""
    household = SCHEMA.get_type("Household")
    assert isinstance(household, GraphQLObjectType)
    targets: set[str] = {"Household", "Person"}
    for type_ in SCHEMA.type_map.values():
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType) and SCHEMA.is_sub_type(type_, household):
            targets.add(type_.name)
    objects = [t for t in _readable_types() if isinstance(t, GraphQLObjectType)]
    carriers = {t.name for t in objects if any(get_named_type(f.type).name in targets for f in t.fields.values())}
    carriers -= {"Query", "Mutation"}
    targets |= carriers
    targets |= {
        t.name
        for t in objects
        if t.name.endswith("Connection") and any(get_named_type(f.type).name in targets for f in t.fields.values())
    }
    return {
        f"{t.name}.{name}"
        for t in objects
        for name, field in t.fields.items()
        if get_named_type(field.type).name in targets
    }


def test_the_sweep_covers_every_path_to_a_household_or_a_person() -> None:
    selected = set().union(*(selected_coordinates(_document(q)) for q in PATHS.values()))
    paths = _paths_to_people()
    assert {"Query.household", "Village.households", "Alert.subject", "Household.members"} <= paths
    assert not paths - selected, f"no sweep path selects {sorted(paths - selected)}"


@pytest.mark.mutates
async def test_a_registered_household_and_its_history_stay_hidden(
    gql: GraphQLPost, secrets: Secrets, subjects: Subjects
) -> None:
    """A household registered now (its change history holds the names and ID numbers written) and read
    back by every path, as an anonymous caller and as an analyst."""
    head = member("欧阳漏测", "户主")
    spouse = member("司马查漏", "配偶", fresh_id(male=False))
    registered = data_of(await register(gql, household_input(head, spouse)))["registerHousehold"]
    income = """mutation($id: ID!) { recordIncome(householdId: $id, income: {year: 2018, wage: "100.00",
        operating: "0", property: "0", transfer: "0"}) { id } }"""
    data_of(await gql(income, {"id": registered["id"]}))
    token = data_of(await gql("query($id: ID!) { household(id: $id) { qr { token } } }", {"id": registered["id"]}))
    forbidden = secrets
    for person in (head, spouse):
        number = person["idNumber"]
        forbidden = forbidden.with_person(person["name"], number, f"{number[6:10]}-{number[10:12]}-{number[12:14]}")
    admin_view = with_typenames(_document(PATHS["by id"]))
    shown = forbidden.leaks(admin_view, data_of(await gql(print_ast(admin_view), {"id": registered["id"]})))
    assert any(f.startswith("Person.name='欧阳漏测'") for f in shown), shown
    assert any(f.startswith("Change.fields") and "欧阳漏测" in f for f in shown), shown
    fresh = Subjects(
        ids=[registered["id"]],
        tokens=[token["household"]["qr"]["token"]],
        id_numbers=[head["idNumber"]],
        texts=[head["name"], spouse["name"]],
        village=registered["village"]["code"],
        claim=subjects.claim,
        cadre=subjects.cadre,
        keys=subjects.keys,
    )
    lookups = {name: query for name, query in PATHS.items() if "$" in query}
    for viewer in (Viewer.anonymous(), Viewer(Role.ANALYST, "sweep")):
        await _sweep(gql, forbidden, fresh, viewer, lookups)


# -- Generated queries ------------------------------------------------------------------------------------

SCALARS: dict[str, Any] = {
    "Decimal": st.decimals(min_value=0, max_value=100000, places=2).map(lambda d: StringValueNode(value=str(d))),
    "Date": st.dates().map(lambda d: StringValueNode(value=d.isoformat())),
}
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "80"))


@pytest.fixture(scope="module", params=[Role.ANONYMOUS, Role.ANALYST], ids=["anonymous", "analyst"])
def client(server: str, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    role: Role = request.param
    headers = {} if role is Role.ANONYMOUS else bearer(mint_token(role, sub="sweep", ttl_s=3600))
    with httpx.Client(base_url=server, timeout=60, headers=headers) as http:
        yield http


@functools.cache
def _queries(arguments: Subjects) -> st.SearchStrategy[str]:
    return queries(SDL, custom_scalars={**SCALARS, **arguments.arguments()}, allow_x00=False)


def test_generated_queries_show_no_personal_data(client: httpx.Client, secrets: Secrets, subjects: Subjects) -> None:
    """Queries over the whole schema, their ID and String arguments often real (see Subjects.arguments).
    Leaks are collected rather than raised, so that Hypothesis neither shrinks nor replays (each example is
    a round trip to the server) and every leaking query is reported."""
    leaks: list[tuple[str, list[str]]] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=os.environ.get("PROPERTY_EXAMPLES") is None,
    )
    @given(query=_queries(subjects))
    def sweep(query: str) -> None:
        document = with_typenames(query)
        body = client.post("/graphql", json={"query": print_ast(document)}).json()
        found = secrets.leaks(document, body.get("data")) + secrets.error_leaks(body.get("errors", []), query)
        if found:
            leaks.append((query, found[:5]))

    sweep()
    assert not leaks, leaks[:3]
