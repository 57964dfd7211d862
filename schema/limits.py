"""Query limits: depth, aliases, tokens and an estimated cost, each checked before anything runs.

Depth counts the root field as 1. Aliases are counted per operation with its fragments expanded where
they are spread. Tokens are the document's lexical tokens (comments are bounded separately, by the same
number). The cost estimates how many objects a query can return: each object counts 1, a connection
multiplies what is under its `edges` by its page size (`first`, or its default), a plain list what is
under it by its bound in `LIST_BOUNDS` (or `QueryLimits.plain_list_bound`); scalars are free. The cost
is reported in `extensions.cost`. An operation that asks only for `__schema`, `__type` or `__typename`
is exempt from the depth and cost limits, so GraphiQL and schema tools keep working.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_composite_type,
    is_list_type,
    value_from_ast,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.pagination import MAX_PAGE

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"

# How many objects a plain list (one without `first`) counts for in the cost, by "Type.field"; a list not
# named here counts for `QueryLimits.plain_list_bound`. Bounds, not caps, above the demo county's largest:
# 7 townships, 18 villages in one, 11 industries, 21 enterprises, 33 policies (19 in the 一保通 bundle),
# at most 11 policies, 6 members, 4 industries and 4 measures a household.
LIST_BOUNDS: Mapping[str, int] = {
    "Query.townships": 10,
    "County.townships": 10,
    "Township.villages": 30,
    "Query.industries": 20,
    "Query.enterprises": 50,
    "Industry.enterprises": 50,
    "Query.policies": 50,
    "Policy.covers": 30,
    "Household.policies": 20,
    # Tracing: at most 8 projects, 11 covers, 2 pairings and 4 drive links a household, 3 funds a project,
    # 6 funds and 214 allocations a fund.
    "Household.projects": 10,
    "Household.coverage": 20,
    "Household.helpersHistory": 5,
    "HouseholdTrace.enterprises": 10,
    "HouseholdTrace.industries": 10,
    "HouseholdTrace.projects": 10,
    "HouseholdTrace.policies": 20,
    "HouseholdTrace.measures": 10,
    "HouseholdTrace.claims": 10,
    "HouseholdTrace.cadres": 5,
    "ProjectBenefit.funds": 5,
    "BeneficiaryShareEdge.funds": 5,
    "ProjectFundFlow.allocations": 5,
    "MultiplyDrivenEdge.links": 10,
    "DrivenHouseholdEdge.links": 10,
    "LinkTotals.byMode": 6,
    "Query.fundFlow": 10,
    "FundFlow.allocations": 250,
    "PlaceStats.byStatus": 4,
    "PlaceStats.povertyCauses": 12,
    "PlaceStats.projectsByStage": 5,
    "PlaceStats.industryCoverage": 12,
    "PlaceStats.policyCoverage": 40,
}
DEFAULT_LIST_BOUND = 10

PAGE_ARGUMENTS = ("first", "last")
INTROSPECTION_ROOTS = frozenset({"__schema", "__type", "__typename"})

_TOKEN_LIMIT_MESSAGE = re.compile(r"Document contains more than \d+ (tokens|comments)\.")


@dataclass(frozen=True)
class QueryLimits:
    """The limits on one request's document; None turns a limit off."""

    max_depth: int | None = 10
    max_aliases: int | None = 15
    max_tokens: int | None = 2000
    max_cost: int | None = 10_000
    plain_list_bound: int = DEFAULT_LIST_BOUND


def is_token_limit_error(error: GraphQLError) -> bool:
    """Whether the parser gave up on a document because it holds more tokens (or comments) than allowed."""
    return isinstance(error, GraphQLSyntaxError) and _TOKEN_LIMIT_MESSAGE.search(error.message) is not None


class EnforceLimits(SchemaExtension):
    """Applies `QueryLimits` to every request: the token limit while parsing, depth and aliases as
    (cached) validation rules, the cost on the validated document with the request's variables. Place it
    after `ValidationCache`, so that the cost is only estimated for a valid document."""

    def __init__(self, limits: QueryLimits) -> None:
        super().__init__()
        self.limits = limits
        self.cost: int | None = None

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if self.limits.max_tokens is not None:
            # Strawberry's ParseOptions type names only the deprecated `max_tokens` (which counts comments
            # as tokens); graphql-core's current options bound tokens and comments separately.
            options = cast("dict[str, Any]", context.parse_options)
            options["max_lexical_tokens"] = self.limits.max_tokens
            options["max_comments"] = self.limits.max_tokens
        context.validation_rules = (*context.validation_rules, *validation_rules(self.limits))
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            if context.pre_execution_errors is None:
                context.pre_execution_errors = validate_document(
                    context.schema._schema, document, context.validation_rules
                )
            if not context.pre_execution_errors:
                self._check_cost(context.schema._schema, document, context.operation_name, context.variables)
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.cost} if self.cost is not None else {}

    def _check_cost(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> None:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return  # no or an ambiguous operation: execution reports it
        fragments = _fragments(document)
        if _is_introspection(operation, fragments):
            return
        self.cost = query_cost(schema, operation, fragments, variables or {}, self.limits.plain_list_bound)
        max_cost = self.limits.max_cost
        if max_cost is not None and self.cost > max_cost:
            self.execution_context.pre_execution_errors = [
                GraphQLError(
                    f"The query could return about {self.cost} objects; the limit is {max_cost}. "
                    "Ask for smaller pages or fewer nested lists.",
                    nodes=[operation],
                    extensions={"code": QUERY_TOO_COSTLY, "cost": self.cost, "maxCost": max_cost},
                )
            ]


def query_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    plain_list_bound: int = DEFAULT_LIST_BOUND,
) -> int:
    """The estimated number of objects an operation of a valid document can return."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    return _Cost(schema, fragments, {**defaults, **variables}, plain_list_bound).of_selections(
        operation.selection_set, root, None
    )


class _Cost:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        plain_list_bound: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = dict(variables)
        self.plain_list_bound = plain_list_bound
        self.memo: dict[tuple[str, int | None], int] = {}
        self.entered: set[str] = set()

    def of_selections(self, selection_set: SelectionSetNode, parent: GraphQLCompositeType, page: int | None) -> int:
        """`page` is the page size of the connection whose selection this is, for its `edges` list."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.of_field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self._composite(condition.name.value) if condition else parent
                total += self.of_selections(selection.selection_set, inner or parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.of_fragment(selection.name.value, parent, page)
        return total

    def of_fragment(self, name: str, parent: GraphQLCompositeType, page: int | None) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.entered:
            return 0  # unknown or cyclic: validation rejects the document
        key = (name, page)
        if key not in self.memo:
            self.entered.add(name)
            inner = self._composite(fragment.type_condition.name.value) or parent
            self.memo[key] = self.of_selections(fragment.selection_set, inner, page)
            self.entered.discard(name)
        return self.memo[key]

    def of_field(self, node: FieldNode, parent: GraphQLCompositeType, page: int | None) -> int:
        if node.selection_set is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0  # scalars cost nothing, and a union's only field is __typename
        field = parent.fields.get(node.name.value)
        if field is None:
            return 0  # __schema, __type: answered from memory
        named = get_named_type(field.type)
        if not is_composite_type(named):
            return 0
        size = self._page_size(node, field)
        is_list = is_list_type(get_nullable_type(field.type))
        per_object = 1 + self.of_selections(node.selection_set, named, None if is_list else size)
        if not is_list:
            return per_object
        if size is None:
            size = page if page is not None else self._bound(parent.name, node.name.value)
        return size * per_object

    def _page_size(self, node: FieldNode, field: GraphQLField) -> int | None:
        """The page a field with `first`/`last` returns: the larger one given, else the larger default, within
        0..MAX_PAGE (a larger page is refused when the field resolves); None for a field without them."""
        arguments = [(name, field.args[name]) for name in PAGE_ARGUMENTS if name in field.args]
        if not arguments:
            return None
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        sizes = [
            value_from_ast(given[name], argument.type, self.variables) for name, argument in arguments if name in given
        ]
        sizes = [size for size in sizes if size is not None and size is not Undefined]
        if not sizes:
            sizes = [argument.default_value for _, argument in arguments]
            sizes = [size for size in sizes if size is not None and size is not Undefined]
        ints = [size for size in sizes if isinstance(size, int) and not isinstance(size, bool)]
        if not ints or len(ints) < len(sizes):
            return MAX_PAGE
        return min(max(max(ints), 0), MAX_PAGE)

    def _bound(self, type_name: str, field_name: str) -> int:
        return LIST_BOUNDS.get(f"{type_name}.{field_name}", self.plain_list_bound)

    def _composite(self, name: str) -> GraphQLCompositeType | None:
        found = self.schema.get_type(name)
        return found if is_composite_type(found) else None


@functools.cache
def validation_rules(limits: QueryLimits) -> tuple[type[ValidationRule], ...]:
    """The validation rules of a set of limits: the same classes every request, so ValidationCache hits."""
    rules: list[type[ValidationRule]] = []
    if limits.max_depth is not None:
        rules.append(_depth_rule(limits.max_depth))
    if limits.max_aliases is not None:
        rules.append(_aliases_rule(limits.max_aliases))
    return tuple(rules)


def _depth_rule(max_depth: int) -> type[ValidationRule]:
    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
            fragments = _fragments(self.context.document)
            if _is_introspection(node, fragments):
                return
            depth = _Depth(fragments).of_selections(node.selection_set)
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"The query is {depth} levels deep; the limit is {max_depth} (the root field is level 1).",
                        nodes=[node],
                        extensions={"code": QUERY_TOO_DEEP, "depth": depth, "maxDepth": max_depth},
                    )
                )

    return DepthLimit


def _aliases_rule(max_aliases: int) -> type[ValidationRule]:
    class AliasLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
            aliases = _Aliases(_fragments(self.context.document)).of_selections(node.selection_set)
            if aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"The query uses {aliases} aliases (fragments counted where they are spread); "
                        f"the limit is {max_aliases}.",
                        nodes=[node],
                        extensions={"code": TOO_MANY_ALIASES, "aliases": aliases, "maxAliases": max_aliases},
                    )
                )

    return AliasLimit


class _Depth:
    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, int] = {}
        self.entered: set[str] = set()

    def of_selections(self, selection_set: SelectionSetNode) -> int:
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                below = self.of_selections(selection.selection_set) if selection.selection_set else 0
                deepest = max(deepest, 1 + below)
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.of_selections(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self.of_fragment(selection.name.value))
        return deepest

    def of_fragment(self, name: str) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.entered:
            return 0  # unknown or cyclic: other rules reject the document
        if name not in self.memo:
            self.entered.add(name)
            self.memo[name] = self.of_selections(fragment.selection_set)
            self.entered.discard(name)
        return self.memo[name]


class _Aliases:
    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, int] = {}
        self.entered: set[str] = set()

    def of_selections(self, selection_set: SelectionSetNode) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += selection.alias is not None
                if selection.selection_set:
                    total += self.of_selections(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += self.of_selections(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.of_fragment(selection.name.value)
        return total

    def of_fragment(self, name: str) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.entered:
            return 0
        if name not in self.memo:
            self.entered.add(name)
            self.memo[name] = self.of_selections(fragment.selection_set)
            self.entered.discard(name)
        return self.memo[name]


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def _is_introspection(operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]) -> bool:
    names = set(_root_field_names(operation.selection_set, fragments, frozenset()))
    return bool(names) and names <= INTROSPECTION_ROOTS


def _root_field_names(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], entered: frozenset[str]
) -> Iterator[str]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_field_names(selection.selection_set, fragments, entered)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and fragment.name.value not in entered:
                yield from _root_field_names(fragment.selection_set, fragments, entered | {fragment.name.value})
