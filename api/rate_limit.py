"""The audit writer and the scan rate limiter as the app runs them: opened with the database, synced on
one background beat, and flushed when the app shuts down cleanly (no audit record is lost then)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from string import Template

from graphql import GraphQLError
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse

from api.auth import kept_secret
from api.settings import Settings
from graph.audit import AuditTrail
from graph.driver import Graph
from graph.rate_limits import ScanLimiter
from schema.audit import RateLimited

SALT_FILE = "audit-salt"


@dataclass(frozen=True)
class Guards:
    audit: AuditTrail
    scan_limiter: ScanLimiter | None

    def client_of(self, conn: HTTPConnection) -> str | None:
        """The client's address as the audit and the limiter know it: salted and hashed. Behind a proxy,
        uvicorn takes it from X-Forwarded-For when the proxy is trusted (FORWARDED_ALLOW_IPS)."""
        return self.audit.hash_client(conn.client.host if conn.client else None)


@asynccontextmanager
async def open_guards(settings: Settings, graph: Graph) -> AsyncIterator[Guards]:
    salt = settings.audit_salt or kept_secret(settings.data_dir / SALT_FILE)
    audit = AuditTrail(graph, client_salt=salt.encode(), interval_s=settings.audit_flush_s)
    limiter = (
        ScanLimiter(graph, limit=settings.scan_rate_limit, window_s=settings.scan_rate_window_s)
        if settings.scan_rate_limit
        else None
    )
    await audit.start(*([limiter.sync] if limiter is not None else []))
    try:
        yield Guards(audit, limiter)
    finally:
        await audit.close()


def rate_limited_after(errors: Sequence[GraphQLError]) -> int | None:
    """The seconds to wait when a result was refused by the rate limit (schema/audit.py), else None."""
    for error in errors:
        extensions = error.extensions or {}
        if extensions.get("code") == RateLimited.code:
            return int(extensions.get("retryAfter") or 1)
    return None


def too_many_scans(retry_after: int, headers: Mapping[str, str]) -> HTMLResponse:
    """The scan page's 429: a plain page that says when to try again."""
    page = TOO_MANY_SCANS.substitute(seconds=retry_after)
    return HTMLResponse(page, status_code=429, headers={**headers, "Retry-After": str(retry_after)})


TOO_MANY_SCANS = Template(
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>扫码过于频繁 · 一码清</title></head>'
    '<body style="font:16px/1.6 sans-serif;margin:24px"><h1 style="font-size:20px">扫码过于频繁</h1>'
    "<p>本设备扫码次数过多，请 $seconds 秒后再试。</p></body></html>"
)
