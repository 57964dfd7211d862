"""The Starlette application: GraphQL, the scan page, QR images and health, over one Neo4j."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.websockets import WebSocket

from api.auth import Caller, JwtBackend, TokenVerifier, caller_of
from api.body_limit import BodyLimit
from api.database import Database, open_database
from api.errors import error_response, http_exception
from api.export import export_routes
from api.graphql_http import GraphQLApp
from api.idempotency import IdempotencyKeys
from api.imports import import_upload
from api.login import login, logout, stale_session_page
from api.plates import plates_endpoint
from api.rate_limit import Guards, open_guards, rate_limited_after, too_many_scans
from api.scan_page import SCAN_QUERY, ReplacedCode, render_scan_page, scan_found
from api.settings import Settings
from api.trusted_documents import TrustedDocuments
from graph.access import Role, Viewer
from graph.constraints import is_migrated
from graph.driver import Graph
from graph.qr import TokenStatus, token_subject
from schema.build import build_schema
from schema.context import Context
from schema.limits import QueryLimits
from schema.qr import TOKEN_SHAPE, scan_url
from schema.qr_images import render_png, render_svg

log = logging.getLogger("yimaqing")

# A scan page shows a household's data: keep it out of search engines and other sites' logs.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


@dataclass
class AppState:
    settings: Settings
    database: Database
    verifier: TokenVerifier
    guards: Guards

    @property
    def graph(self) -> Graph:
        return self.database.graph

    def context(self, request: Request | WebSocket | None = None, response: Response | None = None) -> Context:
        caller = caller_of(request) if request is not None else Caller(Viewer.anonymous())
        context = Context.create(
            self.graph, self.settings.public_url, request=request, response=response, viewer=caller.viewer
        )
        context.may_write = caller.may_write
        context.audit = self.guards.audit
        context.scan_limiter = self.guards.scan_limiter
        context.client = self.guards.client_of(request) if request is not None else None
        return context


def query_limits(settings: Settings) -> QueryLimits:
    """The query limits of the settings; 0 turns a limit off."""
    return QueryLimits(
        max_depth=settings.max_query_depth or None,
        max_aliases=settings.max_query_aliases or None,
        max_tokens=settings.max_query_tokens or None,
        max_cost=settings.max_query_cost or None,
    )


def create_app(settings: Settings | None = None) -> Starlette:
    """The app; with no settings it reads them from the environment (what `uvicorn --factory` does)."""
    settings = settings or Settings.from_env()
    verifier = TokenVerifier.from_settings(settings)  # production without a key: a SettingsError, no start
    schema = build_schema(query_limits(settings), production=not settings.development)
    graphql = GraphQLApp(
        schema,
        graphql_ide="graphiql" if settings.development else None,
        allow_queries_via_get=True,
        max_batch_operations=settings.max_batch_operations,
        documents=TrustedDocuments.public(anonymous_trusted_only=not settings.development),
    )
    keyed_graphql = IdempotencyKeys(graphql, ttl_s=settings.idempotency_ttl_s)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_database(settings) as database, open_guards(settings, database.graph) as guards:
            app.state.yimaqing = AppState(settings=settings, database=database, verifier=verifier, guards=guards)
            log.info("serving %s on %s", settings.environment, settings.public_url)
            yield

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        state: AppState = request.app.state.yimaqing
        try:
            await state.database.driver.verify_connectivity()
            migrated = await is_migrated(state.database.driver, settings.neo4j_database)
        except Exception:  # any failure to reach Neo4j means "not ready"; details go to the log
            log.warning("readiness check failed", exc_info=True)
            return JSONResponse({"status": "unavailable", "neo4j": False}, status_code=503)
        if not migrated:
            return JSONResponse({"status": "unavailable", "neo4j": True, "migrated": False}, status_code=503)
        return JSONResponse({"status": "ok", "neo4j": True, "migrated": True})

    async def scan_page(request: Request) -> Response:
        state: AppState = request.app.state.yimaqing
        token = request.path_params["token"]
        result = await schema.execute(
            SCAN_QUERY, variable_values={"token": token}, context_value=state.context(request)
        )
        if result.errors:
            retry_after = rate_limited_after(result.errors)
            if retry_after is not None:
                return too_many_scans(retry_after, PRIVATE_HEADERS)
            log.error("scan page query failed: %s", [e.message for e in result.errors])
            return HTMLResponse(render_scan_page(None, token=token), status_code=500, headers=PRIVATE_HEADERS)
        data: dict[str, Any] | None = result.data
        if scan_found(data):
            masked = bool((result.extensions or {}).get("masked"))
            page = render_scan_page(data, token=token, masked=masked)
            return HTMLResponse(page, status_code=200, headers=PRIVATE_HEADERS)
        # A retired code says whom to ask for the new plate (never the new token); an unknown one, that it is.
        subject = await state.graph.read(token_subject, token) if TOKEN_SHAPE.match(token) else None
        replaced = None
        if subject is not None and subject.status is TokenStatus.RETIRED:
            replaced = ReplacedCode(village=subject.village_name, township=subject.township_name)
        page = render_scan_page(data, token=token, replaced=replaced)
        return HTMLResponse(page, status_code=404, headers=PRIVATE_HEADERS)

    async def qr_image(request: Request) -> Response:
        state: AppState = request.app.state.yimaqing
        token = request.path_params["token"]
        image_format = request.path_params["format"].lower()
        if image_format not in ("png", "svg"):
            return error_response(404, "NOT_FOUND", "a QR image is .png or .svg")
        # Only those who may print the plate get its image (an ADMIN, a cadre in scope), and only of the
        # current code: an image URL is not a way around the rules, nor a way to tell a token is valid.
        viewer = caller_of(request).viewer
        if viewer.role is Role.ANONYMOUS:
            return error_response(401, "UNAUTHENTICATED", "sign in to get QR code images")
        subject = await state.graph.read(token_subject, token) if TOKEN_SHAPE.match(token) else None
        if subject is None or subject.status is not TokenStatus.CURRENT:
            return error_response(404, "NOT_FOUND", "unknown or retired QR code")
        if not subject.printable_by(viewer):
            return error_response(403, "FORBIDDEN", "this QR code is outside your scope")
        url = scan_url(settings.public_url, token)
        if image_format == "png":
            return Response(render_png(url), media_type="image/png", headers=PRIVATE_HEADERS)
        return Response(render_svg(url), media_type="image/svg+xml", headers=PRIVATE_HEADERS)

    return Starlette(
        debug=False,
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["GET", "POST"]),
            Route("/q/{token}", scan_page),
            Route("/qr/{token}.{format:str}", qr_image),
            Route("/plates/{village}.pdf", plates_endpoint),
            Route("/import", import_upload, methods=["POST"]),
            *export_routes(schema, lambda request: request.app.state.yimaqing.context(request)),
            Route("/graphql", keyed_graphql),  # all methods: the view answers 405 as a GraphQL error
            Mount("/graphql", keyed_graphql),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: http_exception},
        middleware=[
            Middleware(
                BodyLimit,
                max_bytes=settings.max_body_bytes,
                drain_bytes=settings.max_body_drain_bytes,
                path_limits={"/import": settings.max_import_bytes},
            ),
            Middleware(AuthenticationMiddleware, backend=JwtBackend(verifier), on_error=stale_session_page),
        ],
    )
