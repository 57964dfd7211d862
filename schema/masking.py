"""Lists, in `extensions.masked`, the response paths whose values the caller's view hides.

The values themselves are masked where they are read (graph/masking.py); this extension only reports
them, from the same rules (graph/access.py): for a field of a type the rules name, the view of the object
it is read from (carried by the object as `view`, else the caller's role view) decides."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension

from graph.access import FIELD_RULES, View, shown


class MaskedPaths(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        self.masked: list[list[str | int]] = []
        yield

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], *args: str, **kwargs: Any
    ) -> Any:
        rules = FIELD_RULES.get(info.parent_type.name)
        if rules is not None and info.field_name in rules:
            view: View | None = getattr(root, "view", None)
            if view is None:
                view = info.context.viewer.role_view
            if not shown(info.parent_type.name, info.field_name, view):
                self.masked.append(info.path.as_list())
        return _next(root, info, *args, **kwargs)

    def get_results(self) -> dict[str, Any]:
        # Each path as GraphQL error paths are written: field names and list indexes.
        return {"masked": self.masked}
