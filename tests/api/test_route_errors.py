"""Starlette's own refusals (no route, a wrong method, a malformed upload) answer in the GraphQL error
shape, as every route of ours does."""

from __future__ import annotations

import httpx


def _code(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    code: str = error["extensions"]["code"]
    return code


async def test_no_route_is_a_json_404(anonymous_http: httpx.AsyncClient) -> None:
    for path in ("/nowhere", "/plates/141130100200.png", "/export"):
        response = await anonymous_http.get(path)
        assert response.status_code == 404 and _code(response) == "NOT_FOUND", path


async def test_a_wrong_method_is_a_json_405_with_allow(anonymous_http: httpx.AsyncClient) -> None:
    response = await anonymous_http.get("/import")
    assert response.status_code == 405 and _code(response) == "METHOD_NOT_ALLOWED"
    assert response.headers["allow"] == "POST"
    response = await anonymous_http.post("/export/households.csv")
    assert response.status_code == 405 and _code(response) == "METHOD_NOT_ALLOWED"


async def test_a_malformed_upload_is_a_json_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/import", content=b"--x\r\nnot a part", headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert response.status_code == 400 and _code(response) in {"BAD_REQUEST", "BAD_USER_INPUT"}
    response = await http.post("/import", content=b"abc", headers={"content-type": "multipart/form-data"})
    assert response.status_code == 400 and _code(response) in {"BAD_REQUEST", "BAD_USER_INPUT"}
