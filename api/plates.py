"""Printable door plates of a village: `GET /plates/{villageCode}.pdf`, and `yimaqing plates`.

Plates carry each household's QR token, so only those who may print a plate get them: an ADMIN, and a
CADRE of that village or its township (the rule of QR images, `QrSubject.printable_by`). The download is
named in Chinese (`南故乡村一码清门牌.pdf`) through RFC 5987's `filename*=`, with an ASCII `filename=` for
clients that do not read it."""

from __future__ import annotations

import asyncio
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from api.auth import caller_of
from api.errors import error_response
from api.plate_pdf import PlateFontMissing, render_plates
from graph.access import Role, Viewer, township_of
from graph.driver import Graph
from graph.plates import village_plates

log = logging.getLogger(__name__)

VILLAGE_CODE = re.compile(r"[0-9]{12}")

# Rendering is seconds of pure-Python CPU: one sheet at a time per process, in its own thread, so that
# several downloads neither multiply the GIL's pull away from the event loop nor fill the default executor
# that other awaits (a JWKS token check) rely on. The thread starts on the first sheet.
_RENDERER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plates")

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


def may_print_plates(viewer: Viewer, village_code: str) -> bool:
    """An ADMIN anywhere; a CADRE of the village or of its township."""
    return viewer.role in (Role.ADMIN, Role.CADRE) and viewer.in_scope(village_code, township_of(village_code))


async def village_plates_pdf(graph: Graph, village_code: str, public_url: str) -> PlatesPdf | None:
    """The plates PDF of a village (rendered off the event loop, one at a time); None for an unknown village."""
    sheet = await graph.read(village_plates, village_code)
    if sheet is None:
        return None
    content = await asyncio.get_running_loop().run_in_executor(_RENDERER, render_plates, sheet, public_url)
    return PlatesPdf(
        filename=f"{sheet.village}一码清门牌.pdf",
        ascii_filename=f"plates-{sheet.code}.pdf",
        content=content,
        plates=len(sheet.plates),
        without_code=sheet.without_code,
    )


async def plates_endpoint(request: Request) -> Response:
    """`GET /plates/{village}.pdf`: 401 without credentials, 400 for a malformed code, 403 for a caller who may
    not print this village's plates (checked before the lookup: a refusal tells nothing), 404 for an unknown
    village. Errors have the GraphQL shape of the other routes' (`errors[].extensions.code`)."""
    viewer = caller_of(request).viewer
    if viewer.role is Role.ANONYMOUS:
        return error_response(401, "UNAUTHENTICATED", "sign in to print plates")
    code = request.path_params["village"]
    if not VILLAGE_CODE.fullmatch(code):
        return error_response(400, "BAD_USER_INPUT", f"a village code is 12 digits, not {code[:40]!r}")
    if not may_print_plates(viewer, code):
        return error_response(
            403, "FORBIDDEN", "only an administrator, or a cadre of the village or township, prints plates"
        )
    state = request.app.state.yimaqing
    try:
        found = await village_plates_pdf(state.graph, code, state.settings.public_url)
    except PlateFontMissing as error:  # the server's set-up, not the caller's doing: say what is missing
        log.error("plates for %s: %s", code, error)
        return error_response(
            500, "INTERNAL_SERVER_ERROR", "plates cannot be printed: no font for Chinese text is installed"
        )
    if found is None:
        return error_response(404, "NOT_FOUND", f"no village with code {code}")
    headers = {**NO_STORE, "Content-Disposition": found.content_disposition}
    return Response(found.content, media_type="application/pdf", headers=headers)
