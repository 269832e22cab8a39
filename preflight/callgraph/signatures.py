"""What a def or a lambda declares: parameters, their defaults and declared types, and lambdas as
functions; declared types of variables and attributes. A declared type is a seed (see
fixpoint.decide): instances of the classes named, used only if nothing flows into the slot."""

from __future__ import annotations

from tree_sitter import Node

from preflight.callgraph.expressions import Extractor
from preflight.callgraph.file_summary import (
    FUNCTION,
    KEYWORD,
    METHOD,
    POSITIONAL,
    VARARGS,
    VARKW,
    Assign,
    Expr,
    Function,
)
from preflight.callgraph.program import BUILTINS
from preflight.callgraph.scopes import CLASS, LAMBDA, Scope, plain_string
from preflight.changes.definitions import _PARSER

_TRANSPARENT = frozenset(
    ["Optional", "Union", "ClassVar", "Final", "Annotated", "Required", "NotRequired", "ReadOnly"]
)
"""Typing forms whose arguments are the declared types."""
_SEQUENCES = frozenset(
    [
        "List",
        "list",
        "Sequence",
        "MutableSequence",
        "Iterable",
        "Iterator",
        "Collection",
        "Set",
        "set",
        "FrozenSet",
        "frozenset",
        "AbstractSet",
        "MutableSet",
        "Tuple",
        "tuple",
        "Deque",
        "deque",
        "Generator",
        "AsyncIterator",
        "AsyncIterable",
        "AsyncGenerator",
    ]
)
_MAPPINGS = frozenset(
    ["Dict", "dict", "Mapping", "MutableMapping", "DefaultDict", "defaultdict", "OrderedDict"]
)
"""Declared containers: what they hold (the first type argument; a mapping's second) is declared."""
_TYPING = frozenset(
    [
        "Any",
        "AnyStr",
        "Callable",
        "Iterable",
        "Iterator",
        "Generator",
        "AsyncIterable",
        "AsyncIterator",
        "AsyncGenerator",
        "Awaitable",
        "Coroutine",
        "Sequence",
        "MutableSequence",
        "Mapping",
        "MutableMapping",
        "Dict",
        "List",
        "Set",
        "FrozenSet",
        "Tuple",
        "Type",
        "Literal",
        "Self",
        "NoReturn",
        "Never",
        "IO",
        "TextIO",
        "BinaryIO",
        "Pattern",
        "Match",
        "Hashable",
        "Sized",
        "Collection",
        "Container",
        "AbstractSet",
        "MutableSet",
        "TypeAlias",
        "Deque",
        "DefaultDict",
        "OrderedDict",
        "Counter",
        "ChainMap",
        "None",
    ]
)
"""Names in annotations that are never a class of the repository: no seed for them."""


class Signatures(Extractor):
    """Parameters, lambdas and declared types (the statements are summary.py's)."""

    def lambda_(self, node: Node, scope: Scope) -> Expr:
        """A lambda is a function named `<lambdaN>` inside its scope; the graph folds its calls
        into the enclosing named scope (see fixpoint.graph), as tracing attributes them."""
        count = self._counts[scope.qualname + "<"] = self._counts.get(scope.qualname + "<", 0) + 1
        qual = f"{scope.qualname}.<lambda{count}>"
        kind = METHOD if scope.kind == CLASS else FUNCTION
        params = self.parameters(node.child_by_field_name("parameters"), qual, scope)
        self.functions.append(Function(qual, node.start_point[0] + 1, node.end_point[0] + 1, params, kind))
        inner = Scope(LAMBDA, qual, self.module, scope)
        inner.caller = qual
        inner.bound.update(name for name, _ in params)
        if kind == METHOD and params and params[0][1] == POSITIONAL:
            inner.cls, inner.self_name = scope.qualname, params[0][0]
            self.assign(inner, ("seed", f"{qual}.{params[0][0]}"), ("o", scope.qualname))
        self.assign(inner, ("s", f"{qual}#return"), self.expr(node.child_by_field_name("body"), inner))
        return ("f", qual)

    def parameters(self, node: Node | None, qual: str, scope: Scope) -> tuple[tuple[str, str], ...]:
        """(name, kind) of each parameter; defaults flow into their parameter from the defining scope."""
        params: list[tuple[str, str]] = []
        positional = True
        for child in node.named_children if node is not None else ():
            kind = child.type
            name_node = child.child_by_field_name("name")
            if kind in ("typed_parameter", "identifier"):
                name_node = child if kind == "identifier" else child.named_children[0]
                kind = name_node.type
            if kind == "keyword_separator":
                positional = False
            elif kind == "list_splat_pattern" or kind == "dictionary_splat_pattern":
                params.append(
                    (
                        self.text(child if child.type == kind else name_node),
                        VARARGS if kind == "list_splat_pattern" else VARKW,
                    )
                )
                positional = False
            elif name_node is not None and name_node.type == "identifier":
                name = self.text(name_node)
                params.append((name, POSITIONAL if positional else KEYWORD))
                default = child.child_by_field_name("value")
                if default is not None:
                    self.assign(scope, ("s", f"{qual}.{name}"), self.expr(default, scope))
                if child.type.startswith("typed"):
                    self.declare(qual, f"{qual}.{name}", child.child_by_field_name("type"), scope)
        return tuple((n.lstrip("*"), k) for n, k in params)

    def declare(self, owner: str, slot: str, annotation: Node | None, scope: Scope) -> None:
        """A slot's declared type (evaluated in scope): a seed of instances of the classes named
        and their subclasses, used if nothing flows into the slot (see fixpoint.decide)."""
        types: list[Expr] = []
        self.types(annotation, scope, types, 0)
        if types:
            self.assigns.append(Assign(owner, ("seed", slot), ("t", tuple(types))))

    def types(self, node: Node | None, scope: Scope, out: list[Expr], depth: int, holds: str = "") -> None:
        """The class expressions an annotation names (through Optional, Union, `|`, strings); in
        a container (`List[X]`, `Dict[K, X]`) as ("[", X) or ("{", X): what it holds is X."""
        if node is None or depth > 4:
            return
        kind = node.type
        if kind == "type" or kind == "binary_operator":
            for child in node.named_children:
                self.types(child, scope, out, depth + 1, holds)
        elif kind == "identifier" or kind == "attribute":
            last = self.text(node).rsplit(".", 1)[-1]
            if last not in BUILTINS and last not in _TYPING:
                named = self.expr(node, scope)
                out.append((holds, named) if holds else named)
        elif kind == "subscript" or kind == "generic_type":
            head = node.child_by_field_name("value") if kind == "subscript" else node.named_children[0]
            name = self.text(head).rsplit(".", 1)[-1]
            items = (
                node.children_by_field_name("subscript")
                if kind == "subscript"
                else [c for p in node.named_children[1:] for c in p.named_children]
            )
            if name in _TRANSPARENT:
                for item in items[:1] if name == "Annotated" else items:
                    self.types(item, scope, out, depth + 1, holds)
            elif name in _SEQUENCES and items and not holds:
                self.types(items[0], scope, out, depth + 1, "[")
            elif name in _MAPPINGS and len(items) > 1 and not holds:
                self.types(items[1], scope, out, depth + 1, "{")
        elif kind == "string" and plain_string(node):
            parts = node.named_children
            if len(parts) == 3 and parts[1].type == "string_content":
                parsed = _PARSER.parse(parts[1].text or b"").root_node
                statement = parsed.named_children[0] if parsed.named_children else None
                if (
                    statement is not None
                    and statement.type == "expression_statement"
                    and statement.named_children
                ):
                    self.types(statement.named_children[0], scope, out, depth + 1, holds)

    def annotated(self, target: Node, annotation: Node, scope: Scope) -> None:
        """`x: T = ...` or `self.x: T = ...`: the variable's or attribute's declared type."""
        if target.type == "identifier":
            slot = scope.write(self.text(target))
            if slot[0] == "s":
                self.declare(scope.caller, slot[1], annotation, scope)
        elif target.type == "attribute" and scope.cls is not None:
            owner = target.child_by_field_name("object")
            if owner is not None and owner.type == "identifier" and self.text(owner) == scope.self_name:
                name = self.text(target.child_by_field_name("attribute"))
                self.declare(scope.caller, f"{scope.cls}.{name}", annotation, scope)
