"""Printable door plates of a village: `GET /plates/{villageCode}.pdf` for an ADMIN, and `yimaqing plates`.

The download is named in Chinese (`南故乡村一码清门牌.pdf`) through RFC 5987's `filename*=`, with an ASCII
`filename=` for clients that do not read it."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import caller_of
from api.plate_pdf import render_plates
from graph.access import Role
from graph.driver import Graph
from graph.plates import village_plates

VILLAGE_CODE = re.compile(r"[0-9]{12}")

# A plate sheet holds every household's QR token: not for caches or other sites' logs.
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class PlatesPdf:
    filename: str
    ascii_filename: str
    content: bytes
    plates: int
    without_code: int

    @property
    def content_disposition(self) -> str:
        return f"attachment; filename=\"{self.ascii_filename}\"; filename*=UTF-8''{quote(self.filename, safe='')}"


async def village_plates_pdf(graph: Graph, village_code: str, public_url: str) -> PlatesPdf | None:
    """The plates PDF of a village (rendered off the event loop); None for an unknown village."""
    sheet = await graph.read(village_plates, village_code)
    if sheet is None:
        return None
    content = await asyncio.to_thread(render_plates, sheet, public_url)
    return PlatesPdf(
        filename=f"{sheet.village}一码清门牌.pdf",
        ascii_filename=f"plates-{sheet.code}.pdf",
        content=content,
        plates=len(sheet.plates),
        without_code=sheet.without_code,
    )


async def plates_endpoint(request: Request) -> Response:
    """`GET /plates/{village}.pdf`: ADMIN only (401 without credentials, 403 for other roles)."""
    viewer = caller_of(request).viewer
    if viewer.role is Role.ANONYMOUS:
        return JSONResponse({"error": "sign in to print plates", "code": "UNAUTHENTICATED"}, status_code=401)
    if viewer.role is not Role.ADMIN:
        return JSONResponse({"error": "only an administrator prints plates", "code": "FORBIDDEN"}, status_code=403)
    code = request.path_params["village"]
    state = request.app.state.yimaqing
    found = None
    if VILLAGE_CODE.fullmatch(code):
        found = await village_plates_pdf(state.graph, code, state.settings.public_url)
    if found is None:
        return JSONResponse({"error": "no such village", "code": "NOT_FOUND"}, status_code=404)
    headers = {**NO_STORE, "Content-Disposition": found.content_disposition}
    return Response(found.content, media_type="application/pdf", headers=headers)
