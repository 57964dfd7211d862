"""Small helpers shared by the tests."""

from __future__ import annotations

from typing import Any


def data_of(body: dict[str, Any]) -> dict[str, Any]:
    """The data of a GraphQL response that must have no errors."""
    assert "errors" not in body, body.get("errors")
    data: dict[str, Any] = body["data"]
    return data


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
