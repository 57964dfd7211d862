"""The served schema contains every name of the contract, and schema/schema.graphql is up to date."""

from __future__ import annotations

from pathlib import Path

import httpx
from graphql import GraphQLSchema, build_schema, get_introspection_query, print_type

from schema.build import print_sdl

ROOT = Path(__file__).resolve().parent.parent.parent
# The shared contracts beside the checkout when present (they are the source of truth), else our copy.
_SHARED = ROOT.parent / "shared"
_CONTRACT_DIR = _SHARED if (_SHARED / "CONTRACT.graphql").exists() else ROOT / "docs" / "contracts"
# Each contract with the ones it extends.
CONTRACTS = [
    [_CONTRACT_DIR / "CONTRACT.graphql"],
    [_CONTRACT_DIR / "CONTRACT.graphql", _CONTRACT_DIR / "CONTRACT-analysts.graphql"],
]
CHECKED_IN = ROOT / "schema" / "schema.graphql"


def _served() -> GraphQLSchema:
    return build_schema(print_sdl())


def test_checked_in_sdl_is_current() -> None:
    assert CHECKED_IN.read_text(encoding="utf-8") == print_sdl(), (
        "schema/schema.graphql is stale: run `yimaqing schema --output schema/schema.graphql`"
    )


def test_served_schema_has_everything_the_contract_names() -> None:
    served = _served()
    missing: list[str] = []
    for paths in CONTRACTS:
        contract = build_schema("\n".join(path.read_text(encoding="utf-8") for path in paths))
        for name, wanted in contract.type_map.items():
            if name.startswith("__"):
                continue
            have = served.type_map.get(name)
            if have is None or type(have) is not type(wanted):
                missing.append(f"type {name}")
                continue
            missing.extend(_missing_members(name, wanted, have))
    assert not missing, "the served schema lacks: " + "; ".join(missing)


def _missing_members(name: str, wanted: object, have: object) -> list[str]:
    missing: list[str] = []
    wanted_fields = getattr(wanted, "fields", None)
    if isinstance(wanted_fields, dict):
        have_fields = getattr(have, "fields", {})
        for field_name, field in wanted_fields.items():
            served_field = have_fields.get(field_name)
            if served_field is None or str(served_field.type) != str(field.type):
                missing.append(f"{name}.{field_name}: {field.type}")
                continue
            for arg_name, arg in getattr(field, "args", {}).items():
                served_arg = served_field.args.get(arg_name)
                if served_arg is None or str(served_arg.type) != str(arg.type):
                    missing.append(f"{name}.{field_name}({arg_name}: {arg.type})")
                elif arg.default_value != served_arg.default_value and arg.default_value is not None:
                    missing.append(f"{name}.{field_name}({arg_name} = {arg.default_value})")
    wanted_values = getattr(wanted, "values", None)
    if isinstance(wanted_values, dict):
        missing.extend(f"{name}.{value}" for value in wanted_values if value not in getattr(have, "values", {}))
    wanted_types = getattr(wanted, "types", None)
    if isinstance(wanted_types, list):
        have_names = {t.name for t in getattr(have, "types", [])}
        missing.extend(f"{name} member {t.name}" for t in wanted_types if t.name not in have_names)
    for interface in getattr(wanted, "interfaces", []):
        if interface.name not in {i.name for i in getattr(have, "interfaces", [])}:
            missing.append(f"{name} implements {interface.name}")
    return missing


def test_contract_check_catches_a_missing_field() -> None:
    contract = build_schema("type Query { a: Int b: String }")
    served = build_schema("type Query { a: Int }")
    assert _missing_members("Query", contract.type_map["Query"], served.type_map["Query"]) == ["Query.b: String"]
    assert "b" not in print_type(served.type_map["Query"])


async def test_introspection_over_http_matches_the_sdl(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": get_introspection_query()})
    assert response.status_code == 200
    types = {t["name"] for t in response.json()["data"]["__schema"]["types"]}
    assert set(_served().type_map) == types
