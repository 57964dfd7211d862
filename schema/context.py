"""The per-request context: who is asking, the request's graph handle and its loaders."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from graph.access import Viewer
from graph.driver import CountingGraph, Graph
from graph.masking import Access
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


Info = StrawberryInfo[Context, None]
