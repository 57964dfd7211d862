"""Small helpers shared by the tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt

from graph.access import Role, Viewer
from graph.local_neo4j import free_port

ROOT = Path(__file__).resolve().parent.parent

# The secret the test server verifies tokens with (tests/conftest.py sets JWT_SECRET to it).
TEST_JWT_SECRET = "test-secret-for-the-yimaqing-suite-0123456789"


def data_of(body: dict[str, Any]) -> dict[str, Any]:
    """The data of a GraphQL response that must have no errors."""
    assert "errors" not in body, body.get("errors")
    data: dict[str, Any] = body["data"]
    return data


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def mint_token(
    role: Role,
    villages: Iterable[str] = (),
    townships: Iterable[str] = (),
    *,
    sub: str | None = None,
    ttl_s: float = 3600,
    secret: str = TEST_JWT_SECRET,
    claims: Mapping[str, Any] | None = None,
    drop: Iterable[str] = (),
) -> str:
    """An HS256 token minted with PyJWT directly (not with the code under test); `claims` add or override
    claims, `drop` removes some."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": sub or f"test-{role.value.lower()}",
        "role": role.value,
        "villages": list(villages),
        "townships": list(townships),
        "iat": now,
        "exp": now + ttl_s,
        **(claims or {}),
    }
    for name in drop:
        del payload[name]
    return jwt.encode(payload, secret, algorithm="HS256")


def token_for(viewer: Viewer, *, ttl_s: float = 3600) -> str:
    return mint_token(viewer.role, viewer.villages, viewer.townships, sub=viewer.sub, ttl_s=ttl_s)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def serve_app(neo4j_uri: str, workdir: Path, **settings: str) -> Iterator[str]:
    """Serves the real app (`yimaqing serve` in a child process) over `neo4j_uri`, in development, verifying
    tokens signed with TEST_JWT_SECRET, with `settings` as environment variables; yields its base URL.
    Leaving the block stops it with SIGTERM, a clean shutdown."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_uri,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": base_url,
        "SEED_DEMO": "false",
        "ENVIRONMENT": "development",
        "DATA_DIR": str(workdir / "data"),
        "JWT_SECRET": TEST_JWT_SECRET,
    }
    for unset in ("JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "JWT_LEEWAY_S"):
        env.pop(unset, None)
    env.update(settings)
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve"], env=env, cwd=ROOT, stdout=log, stderr=log
        )
    try:
        _wait_ready(base_url, process, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(base_url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server was not ready within {timeout_s} s:\n{log_path.read_text()[-3000:]}")
