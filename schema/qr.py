"""QR codes: each household, village and township has one; a scan resolves it to the object."""

from __future__ import annotations

import re
from typing import Annotated

import strawberry

from graph.qr import HouseholdCard, QrTargetKind, resolve_token
from schema.context import Info
from schema.households import Household, load_household
from schema.places import Township, Village, load_township, load_village
from schema.qr_images import render_svg

# Tokens are URL-safe base64 (see graph/qr_tokens.py); anything else cannot be one and is not looked up.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

ScanTarget = Annotated[Household | Village | Township, strawberry.union("ScanTarget")]


@strawberry.type
class QrCode:
    token: str = strawberry.field(description="Opaque, unguessable, revocable token; no personal data.")
    url: str = strawberry.field(description="What the code encodes: {PUBLIC_URL}/q/{token}")

    @strawberry.field(description="The code as an SVG image, ready to inline in HTML.")
    def svg(self) -> str:
        return render_svg(self.url)

    @classmethod
    async def load(cls, info: Info, kind: QrTargetKind, key: str) -> QrCode:
        token = await info.context.loaders.qr_tokens[kind].load(key)
        if token is None:
            raise LookupError(f"{kind.value} {key} has no valid QR code")
        return cls(token=token, url=scan_url(info.context.public_url, token))


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
