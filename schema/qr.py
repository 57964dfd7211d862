"""QR codes: each household, village and township has one; a scan resolves it to the object; an ADMIN or a
cadre in scope rotates or revokes a code (the old plate then scans to null)."""

from __future__ import annotations

import re
from typing import Annotated

import strawberry

from graph.access import HIDDEN_TEXT, View, shown
from graph.qr import (
    AlreadyRetired,
    HouseholdCard,
    QrTargetKind,
    QrTokenRecord,
    TokenStatus,
    resolve_token,
    rotate_token,
    token_subject,
)
from graph.qr_tokens import new_token
from schema.context import Info
from schema.errors import BadUserInput, Forbidden, NotFound
from schema.households import Household, load_household
from schema.node import NodeKind, parse_global_id
from schema.places import Township, Village, load_township, load_village
from schema.qr_images import render_svg

# Tokens are URL-safe base64 (see graph/qr_tokens.py); anything else cannot be one and is not looked up.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

ScanTarget = Annotated[Household | Village | Township, strawberry.union("ScanTarget")]

_SUBJECT_KINDS = {
    NodeKind.HOUSEHOLD: QrTargetKind.HOUSEHOLD,
    NodeKind.VILLAGE: QrTargetKind.VILLAGE,
    NodeKind.TOWNSHIP: QrTargetKind.TOWNSHIP,
}


@strawberry.type
class QrCode:
    token: str = strawberry.field(description="Opaque, unguessable, revocable token; no personal data.")
    url: str = strawberry.field(description="What the code encodes: {PUBLIC_URL}/q/{token}")
    view: strawberry.Private[View] = View.FULL

    @strawberry.field(description="The code as an SVG image, ready to inline in HTML.")
    def svg(self) -> str:
        return render_svg(self.url) if shown("QrCode", "svg", self.view) else HIDDEN_TEXT

    @classmethod
    def from_record(cls, record: QrTokenRecord, public_url: str) -> QrCode:
        """Only those who may print the plate see the token, its URL and its image (graph/access.py)."""
        url = scan_url(public_url, record.token) if shown("QrCode", "url", record.view) else HIDDEN_TEXT
        return cls(token=record.token, url=url, view=record.view)

    @classmethod
    async def load(cls, info: Info, kind: QrTargetKind, key: str) -> QrCode:
        record = await info.context.loaders.qr_tokens[kind].load(key)
        if record is None:
            raise LookupError(f"{kind.value} {key} has no valid QR code")
        return cls.from_record(record, info.context.public_url)


def prime_card(info: Info, card: HouseholdCard) -> None:
    """Fill the request's loaders with the card, so that the scan's nested fields cost no round trip."""
    loaders = info.context.loaders
    key = card.household.id
    loaders.households.prime(key, card.household)
    loaders.villages.prime(card.village.code, card.village)
    loaders.townships.prime(card.township.code, card.township)
    loaders.qr_tokens[QrTargetKind.HOUSEHOLD].prime(key, card.token)
    loaders.members.prime(key, card.members)
    loaders.measures.prime(key, card.measures)
    loaders.helpers.prime(key, card.helpers)
    loaders.industry_codes_by_household.prime(key, [i.code for i in card.industries])
    loaders.industries.prime_many({i.code: i for i in card.industries})
    loaders.drive_links.prime(key, card.links)
    loaders.enterprises.prime_many({link.enterprise_id: link.enterprise for link in card.links if link.enterprise})
    loaders.policy_codes_by_household.prime(key, [p.code for p in card.policies])
    loaders.policies.prime_many({p.code: p for p in card.policies})


def scan_url(public_url: str, token: str) -> str:
    return f"{public_url}/q/{token}"


async def scan(info: Info, token: str) -> Household | Village | Township | None:
    if not TOKEN_SHAPE.match(token):
        return None
    target = await info.context.graph.read(resolve_token, token)
    if target is None:
        return None
    if target.card is not None:
        prime_card(info, target.card)
        return Household.from_record(target.card.household)
    if target.kind is QrTargetKind.HOUSEHOLD:
        return await load_household(info, target.key)
    if target.kind is QrTargetKind.VILLAGE:
        return await load_village(info, target.key)
    return await load_township(info, target.key)


ALREADY_RETIRED = "this QR code was already retired"


@strawberry.type
class QrMutations:
    @strawberry.mutation(
        description="Issues a new QR code for a household, village or township (by its global id) and retires "
        "the old one: the old plate then scans to null. ADMIN anywhere, a CADRE within scope."
    )
    async def rotate_qr(self, info: Info, subject: strawberry.ID) -> QrCode:
        parsed = parse_global_id(subject)
        kind = _SUBJECT_KINDS.get(parsed[0]) if parsed is not None else None
        if parsed is None or kind is None:
            raise BadUserInput("`subject` must be the id of a household, village or township", argument="subject")
        return await _rotate(info, kind, parsed[1], f"no {kind.value.lower()} has the id {subject}")

    @strawberry.mutation(
        description="Retires a QR code (a lost or damaged plate) and issues its subject a new one, which it "
        "returns: the retired token scans to null. ADMIN anywhere, a CADRE within scope."
    )
    async def revoke_qr(self, info: Info, token: str) -> QrCode:
        subject = await info.context.graph.read(token_subject, token) if TOKEN_SHAPE.match(token) else None
        if subject is None:
            raise NotFound("no QR code has this token", argument="token")
        if not subject.printable_by(info.context.viewer):
            raise Forbidden("only an administrator or a cadre in scope may revoke this QR code")
        if subject.status is not TokenStatus.CURRENT:
            raise NotFound(ALREADY_RETIRED, argument="token")
        try:
            return await _rotate(info, subject.kind, subject.key, "the QR code's subject no longer exists", token)
        except AlreadyRetired:
            raise NotFound(ALREADY_RETIRED, argument="token") from None


async def _rotate(info: Info, kind: QrTargetKind, key: str, missing: str, retiring: str | None = None) -> QrCode:
    if info.context.viewer.role_view is View.PUBLIC:
        raise Forbidden("sign in to change QR codes")
    record = await info.context.graph.write(rotate_token, kind, key, new_token(), retiring)
    if record is None:
        raise NotFound(missing, argument="subject")
    return QrCode.from_record(record, info.context.public_url)
