"""The `Idempotency-Key` header on GraphQL POSTs: a client that retries a request (a mutation whose answer
it never saw) with the same key gets the first response again instead of a second write. Kept in Neo4j
(graph/idempotency.py) per caller and key for `IDEMPOTENCY_TTL_S` (a day). A key reused for another body
is refused (422), and so is a retry while the first request still runs (409). Anonymous callers and
requests without the header pass through untouched."""

from __future__ import annotations

import hashlib
import json
import logging
import re

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import caller_of
from graph import idempotency
from graph.access import Role
from graph.driver import Graph

log = logging.getLogger("yimaqing.http")

HEADER = "idempotency-key"
REPLAYED_HEADER = b"idempotent-replayed"
# Printable ASCII, as in the IETF draft's examples (UUIDs, random strings); long enough for any of them.
KEY_SHAPE = re.compile(r"[\x21-\x7e]{1,200}")
# Responses larger than this are not kept (a retry then runs again): a mutation's answer is small.
MAX_STORED_BYTES = 1_048_576
INTERNAL = b'"INTERNAL_SERVER_ERROR"'


class IdempotencyKeys:
    """Wraps the GraphQL app; the database is the running app's (`app.state.yimaqing.graph`)."""

    def __init__(self, app: ASGIApp, *, ttl_s: int) -> None:
        self.app = app
        self.ttl_s = ttl_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        key = request.headers.get(HEADER)
        viewer = caller_of(request).viewer
        if request.method != "POST" or key is None or viewer.role is Role.ANONYMOUS or self.ttl_s <= 0:
            await self.app(scope, receive, send)
            return
        if not KEY_SHAPE.fullmatch(key):
            await _answer(send, 400, "BAD_REQUEST", "An Idempotency-Key is 1 to 200 printable ASCII characters")
            return
        body = await request.body()
        graph: Graph = scope["app"].state.yimaqing.graph
        fingerprint = hashlib.sha256(body).hexdigest()
        claim = await graph.write(idempotency.claim_key, viewer.by, key, fingerprint, self.ttl_s)
        if claim.outcome is idempotency.Outcome.MISMATCH:
            await _answer(send, 422, "BAD_REQUEST", "This Idempotency-Key was already used for a different request")
        elif claim.outcome is idempotency.Outcome.RUNNING:
            await _answer(send, 409, "CONFLICT", "A request with this Idempotency-Key is still running: retry later")
        elif claim.outcome is idempotency.Outcome.REPLAY:
            await _replay(send, claim)
        else:
            await self._run(scope, body, send, graph, claim)

    async def _run(self, scope: Scope, body: bytes, send: Send, graph: Graph, claim: idempotency.Claim) -> None:
        """Runs the request on its body (read already) and keeps its response before passing it on, so that
        a retry sent the moment the client has it finds it kept."""
        messages: list[Message] = []
        sent_body = False

        async def replay_body() -> Message:
            nonlocal sent_body
            if sent_body:
                return {"type": "http.disconnect"}
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def hold(message: Message) -> None:
            messages.append(message)

        try:
            await self.app(scope, replay_body, hold)
        except BaseException:
            await graph.write(idempotency.release, claim)
            raise
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        status = start["status"] if start else 500
        content_type = dict(start.get("headers", [])).get(b"content-type") if start else None
        response = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        if status < 500 and INTERNAL not in response and len(response) <= MAX_STORED_BYTES:
            kept_type = content_type.decode("latin-1") if content_type else None
            await graph.write(idempotency.complete, claim, status, kept_type, response.decode("utf-8"))
        else:
            await graph.write(idempotency.release, claim)
        for message in messages:
            await send(message)


async def _replay(send: Send, claim: idempotency.Claim) -> None:
    body = (claim.body or "").encode("utf-8")
    headers = [(b"content-length", str(len(body)).encode()), (REPLAYED_HEADER, b"true")]
    if claim.content_type:
        headers.append((b"content-type", claim.content_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": claim.status or 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _answer(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
