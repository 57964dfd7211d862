"""The per-request context: who is asking, the request's graph handle and its loaders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from graph.access import Viewer
from graph.audit import AuditTrail
from graph.driver import CountingGraph, Graph
from graph.masking import Access
from graph.rate_limits import ScanLimiter
from schema.loaders import Loaders


@dataclass
class Context:
    request: Request | WebSocket | None
    response: Response | None
    graph: CountingGraph
    loaders: Loaders
    public_url: str
    viewer: Viewer
    # False when the caller came with the session cookie but without its CSRF header: no mutations then.
    may_write: bool = True
    # The audit (None outside the app) and the scan rate limit (None: off); the client's hashed address.
    audit: AuditTrail | None = None
    scan_limiter: ScanLimiter | None = None
    client: str | None = None

    @classmethod
    def create(
        cls,
        graph: Graph,
        public_url: str,
        request: Request | WebSocket | None = None,
        response: Response | None = None,
        viewer: Viewer | None = None,
    ) -> Context:
        viewer = viewer or Viewer.anonymous()
        counting = CountingGraph(graph, access=Access(viewer))
        return cls(
            request=request,
            response=response,
            graph=counting,
            loaders=Loaders.create(counting),
            public_url=public_url,
            viewer=viewer,
        )

    def record_read(self, household_id: str, fields: Iterable[str], village_code: str | None = None) -> None:
        """Audits a read of a household's personal data (the GraphQL field names) by this request's caller."""
        if self.audit is not None:
            self.audit.record_read(self.viewer, household_id, fields, village_code)


Info = StrawberryInfo[Context, None]
