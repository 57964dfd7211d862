"""Request guards that depend on how the caller authenticated, not on what they ask for."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.context import Context
from schema.errors import Forbidden


class CookieMutationsNeedCsrf(SchemaExtension):
    """A mutation sent with the session cookie needs the CSRF header as well (api/auth.py decides and sets
    `Context.may_write`); without it the mutation is refused as FORBIDDEN before anything runs."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        if (
            execution.operation_type is OperationType.MUTATION
            and isinstance(context, Context)
            and not context.may_write
        ):
            error = Forbidden("A mutation sent with the session cookie needs the X-CSRF-Token header")
            execution.result = ExecutionResult(data=None, errors=[error])
        yield
