"""Helpers of the mutation tests: fresh ID numbers no seeded person holds, and the registerHousehold call."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from graph.id_numbers import check_char
from tests.conftest import GraphQLPost

# Beijing's Chaoyang district: a valid region, and never the demo county's (141130), so no seeded person
# holds these numbers.
REGION = "110105"
VILLAGE = "141130200200"

REGISTER = """
mutation($input: HouseholdInput!) {
  registerHousehold(input: $input) { id headName size status registeredPoor village { code } members { name idNumber } }
}"""


def fresh_id(male: bool = True, born: datetime.date | None = None) -> str:
    """A valid ID number unlikely to have been used by an earlier run: a random birth date and sequence."""
    birth = born or datetime.date(1950, 1, 1) + datetime.timedelta(days=secrets.randbelow(365 * 60))
    sequence = secrets.randbelow(500) * 2 + (1 if male else 0)
    body = f"{REGION}{birth:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


def member(name: str, relation: str, id_number: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "idNumber": id_number or fresh_id(), "relation": relation, **extra}


def household_input(*members: dict[str, Any], village: str = VILLAGE, **extra: Any) -> dict[str, Any]:
    return {"villageCode": village, "members": list(members) or [member("测试户主", "户主")], **extra}


async def register(gql: GraphQLPost, payload: dict[str, Any], **options: Any) -> dict[str, Any]:
    return await gql(REGISTER, {"input": payload}, **options)
