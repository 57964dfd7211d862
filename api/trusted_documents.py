"""Trusted (persisted) documents: the GraphQL documents the scan page and the public dashboards send,
known to the server by the SHA-256 of their text.

A client names one with Apollo's convention, `"extensions": {"persistedQuery": {"version": 1,
"sha256Hash": "<hex>"}}`, with or without the `query` text (when given, it must hash to that value). In
production an anonymous caller may run nothing else: another document is FORBIDDEN (403), an unknown
hash PERSISTED_QUERY_NOT_FOUND. Signed-in callers, and everyone in development, may send any document.
`yimaqing documents` prints the list (hash → text) for front-end builds."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from strawberry.http import GraphQLRequestData

from api.graphql_http import BAD_REQUEST, RequestError
from api.scan_page import SCAN_QUERY
from graph.access import Role, Viewer

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
FORBIDDEN = "FORBIDDEN"

# The county dashboard: totals, each township's villages with their counts, and the leading industries.
COUNTY_DASHBOARD = """
query CountyDashboard($year: Int) {
  county {
    code
    name
    households
    registeredPoorHouseholds
    stats(year: $year) { households registeredPoorHouseholds population povertyIncidence }
    townships { code name kind villages { code name householdCount registeredPoorHouseholds } }
  }
  industries { code name coverage { households poorShare villageShare } }
}
"""

# A village's public page: where it is, its counts and its year's figures.
VILLAGE_DASHBOARD = """
query VillageDashboard($code: ID!, $year: Int) {
  village(code: $code) {
    code
    name
    township { code name }
    householdCount
    registeredPoorHouseholds
    stats(year: $year) { households registeredPoorHouseholds population povertyIncidence }
  }
}
"""

PUBLIC_DOCUMENTS = (SCAN_QUERY, COUNTY_DASHBOARD, VILLAGE_DASHBOARD)


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TrustedDocuments:
    """The trusted documents by hash, and whether anonymous callers are held to them (production)."""

    by_hash: Mapping[str, str]
    anonymous_trusted_only: bool

    @classmethod
    def public(cls, *, anonymous_trusted_only: bool) -> TrustedDocuments:
        return cls({document_hash(d): d for d in PUBLIC_DOCUMENTS}, anonymous_trusted_only)

    def resolve(self, data: GraphQLRequestData, viewer: Viewer) -> GraphQLRequestData:
        """The request with its document filled in from its hash; refuses what the caller may not run."""
        requested = _persisted_hash(data.extensions)
        if requested is not None:
            document = self.by_hash.get(requested)
            if document is None:
                raise RequestError(400, PERSISTED_QUERY_NOT_FOUND, "No trusted document has this sha256Hash")
            if data.query is not None and document_hash(data.query) != requested:
                raise RequestError(400, BAD_REQUEST, "The query does not match its persistedQuery.sha256Hash")
            return dataclasses.replace(data, query=document)
        if (
            self.anonymous_trusted_only
            and viewer.role is Role.ANONYMOUS
            and data.query is not None
            and document_hash(data.query) not in self.by_hash
        ):
            raise RequestError(
                403,
                FORBIDDEN,
                "Without a token, only trusted documents may run: send extensions.persistedQuery.sha256Hash",
            )
        return data


def _persisted_hash(extensions: Mapping[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    digest = persisted.get("sha256Hash") if isinstance(persisted, Mapping) else None
    if not isinstance(digest, str) or not digest:
        raise RequestError(400, BAD_REQUEST, "extensions.persistedQuery must hold a sha256Hash string")
    return digest.lower()
