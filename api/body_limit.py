"""A pure-ASGI middleware that caps the request body, counted on the bytes received (chunked ones too)."""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("yimaqing.http")


class _BodyTooLarge(Exception):
    """Raised from `receive` inside the app; caught by the middleware, which answers 413."""


class BodyLimit:
    """Answers 413 with a GraphQL error body (`PAYLOAD_TOO_LARGE`) once a request body passes `max_bytes`.

    The rest of an oversized body is read and discarded, up to `drain_bytes` in all, before the answer: a
    client that is still sending then reads the 413 instead of a reset connection. A body declared
    (content-length) larger than `drain_bytes` is answered at once, and the connection closed. A limit of 0
    turns the middleware off."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, drain_bytes: int, path_limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.drain_bytes = max(drain_bytes, max_bytes)
        # Paths whose bodies have a limit of their own (a registry upload is larger than any query).
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.path_limits:
            limit = self.path_limits[scope["path"]]
            inner = BodyLimit(self.app, max_bytes=limit, drain_bytes=max(limit, self.drain_bytes))
            await inner(scope, receive, send)
            return
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(receive, send, received=0, more_body=declared > 0, declared=declared)
            return

        received = 0
        more_body = True
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, more_body
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                more_body = bool(message.get("more_body", False))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except _BodyTooLarge:
            if response_started:  # cannot happen with our apps (they read the body first); don't hide it
                raise
            await self._refuse(receive, send, received=received, more_body=more_body, declared=declared)

    async def _refuse(
        self, receive: Receive, send: Send, *, received: int, more_body: bool, declared: int | None
    ) -> None:
        close = declared is not None and declared > self.drain_bytes
        while more_body and not close:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nobody to answer
                return
            received += len(message.get("body", b""))
            more_body = bool(message.get("more_body", False))
            close = received > self.drain_bytes
        log.info("refused a request body over %d bytes (%d received)", self.max_bytes, received)
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": f"The request body is larger than {self.max_bytes} bytes",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE", "maxBytes": self.max_bytes},
                    }
                ]
            },
            separators=(",", ":"),
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if close:  # unread bytes remain on the connection: it cannot carry another request
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:  # the server (h11, httptools) rejects these before the app runs
                return None
    return None
