"""Corrections of what a household or a person says: a small whitelist of fields, each checked as the
registration form checks it (graph/registry_form.py's lists). Fields a correction may not touch have their
own writes: the members (graph/membership.py), the status and its years (graph/status_changes.py), incomes
(recordIncome); an ID number, and the sex and birth date read from it, are the person's key.

A given value replaces the stored one, null clears it (where it may be absent); fields not given stay.
Each correction locks the household, records a Change with each field before and after, and refreshes what
is derived (the alerts on housing, insurance and schooling; the village stats), in one transaction."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.access import Viewer
from graph.history import diff
from graph.registry import HEAD, check_id_number, check_name
from graph.registry_form import (
    ATTRIBUTE,
    BANK_ACCOUNT,
    CAUSES,
    EDUCATION,
    GRADES,
    HEALTH,
    LABOR,
    PHONE,
    SCHOOL,
    STRUCTURES,
    WATER,
)
from graph.write_errors import InvalidInput, Missing
from graph.writes import TEXT_CONTROLS, check_characters, check_year, finish, open_household

Check = Callable[[Any, str], Any]

MAX_HOUSING_AREA = 2_000


def _choice(allowed: Mapping[str, str] | tuple[str, ...]) -> Check:
    """One of the allowed values; for coded fields, the code or the form's word for it (拉水 is HAULED), as an
    import takes them."""
    by_word = {word: code for code, word in allowed.items()} if isinstance(allowed, Mapping) else {}

    def check(value: Any, field: str) -> Any:
        if value in by_word:
            return by_word[value]
        if value not in allowed:
            words = f" (or {'、'.join(by_word)})" if by_word else ""
            raise InvalidInput(f"{str(value)[:40]!r} is not one of {', '.join(allowed)}{words}", field)
        return value

    return check


def _text(limit: int) -> Check:
    def check(value: Any, field: str) -> Any:
        text = str(value).strip()
        if not text:
            raise InvalidInput("this text cannot be blank (give null to clear it)", field)
        if len(text) > limit:
            raise InvalidInput(f"at most {limit} characters, this has {len(text)}", field)
        return check_characters(text, field, TEXT_CONTROLS)

    return check


def _pattern(pattern: re.Pattern[str], what: str) -> Check:
    def check(value: Any, field: str) -> Any:
        text = str(value).strip()
        if not pattern.fullmatch(text):
            raise InvalidInput(f"{text[:40]!r} is not {what}", field)
        return text

    return check


def _whole(low: int, high: int) -> Check:
    def check(value: Any, field: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput(f"a whole number from {low} to {high}, not {value}", field)
        return value

    return check


def _year(ahead: int = 0) -> Check:
    def check(value: Any, field: str) -> Any:
        return check_year(value, field, ahead)

    return check


def _flag(value: Any, field: str) -> Any:
    if not isinstance(value, bool):
        raise InvalidInput("true or false", field)
    return value


def _causes(value: Any, field: str) -> Any:
    causes = list(dict.fromkeys(value))
    if len(causes) > 2:
        raise InvalidInput("at most two other causes", field)
    for index, cause in enumerate(causes):
        _choice(CAUSES)(cause, f"{field}.{index}")
    return causes


# The fields a correction may change, each with its check; absent from REQUIRED: null clears it.
HOUSEHOLD_FIELDS: dict[str, Check] = {
    "attribute": _choice(ATTRIBUTE),
    "primaryCause": _choice(CAUSES),
    "otherCauses": _causes,
    "identifiedYear": _year(),
    "plannedExitYear": _year(ahead=10),
    "housingArea": _whole(1, MAX_HOUSING_AREA),
    "housingStructure": _choice(STRUCTURES),
    "housingYearBuilt": _year(),
    "housingGrade": _choice(GRADES),
    "relocated": _flag,
    "waterSource": _choice(WATER),
    "waterQualityOk": _flag,
    "phone": _pattern(PHONE, "a mobile number (11 digits) or a landline with its area code"),
    "bankAccount": _pattern(BANK_ACCOUNT, "a bank account number (12 to 30 digits)"),
    "developmentPlan": _text(1_000),
}
PERSON_FIELDS: dict[str, Check] = {
    "name": lambda value, field: check_name(str(value), field),
    "ethnicity": _text(20),
    "education": _choice(EDUCATION),
    "health": _choice(HEALTH),
    "chronicDisease": _text(100),
    "disabilityCertificate": _text(40),
    "schoolStatus": _choice(SCHOOL),
    "dropoutReason": _text(100),
    "laborAbility": _choice(LABOR),
    "migrantWorkMonths": _whole(0, 12),
    "migrantWorkPlace": _text(100),
    "medicalInsured": _flag,
    "criticalIllnessInsured": _flag,
    "minimumAllowance": _flag,
    "pension": _flag,
}
REQUIRED = frozenset({"attribute", "name"})

HOUSEHOLD_FACTS = "MATCH (h:Household {id: $id}) RETURN h {.*} AS facts"
SET_HOUSEHOLD = "MATCH (h:Household {id: $id}) SET h += $props"

PERSON_FACTS = """
MATCH (p:Person {idNumber: $idNumber})-[m:MEMBER_OF]->(h:Household)
RETURN p {.*} AS facts, m.relation AS relation, h.id AS household"""
# The head's name is also the household's headName.
SET_PERSON = """
MATCH (p:Person {idNumber: $idNumber})-[m:MEMBER_OF]->(h:Household)
SET p += $props
WITH p, m, h WHERE m.relation = $head
SET h.headName = p.name"""


def check_fields(given: Mapping[str, Any], allowed: Mapping[str, Check], root: str = "input") -> dict[str, Any]:
    """The given fields as they will be stored (None clears one), or InvalidInput naming the first at fault
    (`input.housingGrade`: the fields are those of the mutation's `input` argument)."""
    if not given:
        raise InvalidInput("give at least one field to correct", root)
    checked: dict[str, Any] = {}
    for name, value in given.items():
        field = f"{root}.{name}"
        if name not in allowed:
            raise InvalidInput(f"{name} cannot be corrected here", field)
        if value is None:
            if name in REQUIRED:
                raise InvalidInput(f"{name} cannot be cleared", field)
            checked[name] = None
        else:
            checked[name] = allowed[name](value, field)
    return checked


async def correct_household(
    tx: AsyncManagedTransaction, household_id: str, given: Mapping[str, Any], viewer: Viewer
) -> None:
    props = check_fields(given, HOUSEHOLD_FIELDS)
    await open_household(tx, household_id, viewer)
    before = (await (await tx.run(HOUSEHOLD_FACTS, id=household_id)).single(strict=True))["facts"]
    primary = props.get("primaryCause", before.get("primaryCause"))
    if primary is not None and primary in (props.get("otherCauses") or []):
        raise InvalidInput(f"{primary} is the primary cause, not another one", "input.otherCauses")
    await (await tx.run(SET_HOUSEHOLD, id=household_id, props=props)).consume()
    await finish(tx, household_id, viewer.by, "correctHousehold", diff(before, props))


async def correct_person(tx: AsyncManagedTransaction, id_number: str, given: Mapping[str, Any], viewer: Viewer) -> str:
    """Corrects a member of a registered household; returns the household's id."""
    number = check_id_number(id_number, "idNumber")
    props = check_fields(given, PERSON_FIELDS)
    found = await (await tx.run(PERSON_FACTS, idNumber=number)).single()
    if found is None:
        raise Missing("no member of a registered household has this ID number", "idNumber")
    household_id: str = found["household"]
    await open_household(tx, household_id, viewer, "idNumber")
    await (await tx.run(SET_PERSON, idNumber=number, props=props, head=HEAD)).consume()
    fields = {f"person.{number}.{k}": v for k, v in diff(found["facts"], props).items()}
    renamed = fields.get(f"person.{number}.name")
    if renamed is not None and found["relation"] == HEAD:
        fields["headName"] = renamed
    await finish(tx, household_id, viewer.by, "correctPerson", fields)
    return household_id
