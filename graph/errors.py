"""Domain errors raised by graph/: driver errors a caller can act on, without Cypher or driver types."""

from __future__ import annotations

from neo4j.exceptions import Neo4jError

# The transaction ran past the timeout the client set on it, or past the server's `db.transaction.timeout`.
TIMED_OUT_CODES = frozenset(
    {
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "Neo.ClientError.Transaction.TransactionTimedOut",
    }
)


class GraphError(Exception):
    """Base of the errors graph/ raises on purpose."""


class ReadTimeout(GraphError):
    """A read transaction ran longer than its timeout; Neo4j terminated it."""

    def __init__(self, timeout_s: float | None) -> None:
        limit = f"{timeout_s:g} s" if timeout_s else "the database's transaction timeout"
        super().__init__(f"the read took longer than {limit} and was stopped")
        self.timeout_s = timeout_s


class AccessDenied(GraphError):
    """The caller's role may not use this entry point at all (see graph/access.py)."""


class FilterTooLarge(GraphError):
    """A filter holds more conditions than one query may test."""

    def __init__(self, conditions: int, limit: int) -> None:
        super().__init__(f"a filter may hold at most {limit} conditions, this one holds {conditions}")


def is_timeout(error: Neo4jError) -> bool:
    return error.code in TIMED_OUT_CODES
