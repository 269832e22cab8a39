"""Expressions to the tagged tuples of file_summary.py; every call met on the way becomes a call site."""

from __future__ import annotations

import zlib

from tree_sitter import Node

from preflight.callgraph.file_summary import (
    DYNAMIC,
    UNKNOWN,
    Assign,
    CallSite,
    Expr,
    Function,
)
from preflight.callgraph.flow import Key
from preflight.callgraph.scopes import FUNCTION as FUNCTION_SCOPE
from preflight.callgraph.scopes import LAMBDA, Scope, add_targets, plain_string

_LISTS = frozenset({"list", "tuple", "set", "expression_list"})
_IMMUTABLE = frozenset({"tuple", "expression_list"})
_COMPREHENSIONS = frozenset({"list_comprehension", "set_comprehension", "generator_expression"})
_PASS_THROUGH = frozenset({"parenthesized_expression", "await"})
_UNPACK = frozenset({"pattern_list", "tuple_pattern", "list_pattern", "tuple", "list"})
_LITERALS = frozenset({"integer", "float", "true", "false", "none", "ellipsis", "comment"})
_TRACKED = frozenset({"list", "tuple", "dictionary"})
"""Literals whose elements a name bound to them keeps by key (see flow.py)."""
_NOT_INSTANCES = frozenset({"?", "tuple", "k", "d", "f", "c", "m"})
"""Expression tags whose values are never an instance: iterating them calls no method of ours."""


class Extractor:
    """Collects assignments and call sites of one file."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.assigns: list[Assign] = []
        self.calls: list[CallSite] = []
        self.functions: list[Function] = []
        self._counts: dict[str, int] = {}
        self._last_dict: tuple[int, dict[Key, Expr] | None] = (-1, None)
        """The last dict literal summarized: its start byte and its values by constant key."""

    @staticmethod
    def text(node: Node | None) -> str:
        return (node.text or b"").decode("utf-8", "replace") if node is not None else ""

    def slot(self, scope: Scope, tag: str, key: bytes | None = None) -> str:
        """A fresh slot for a call result (tag r, key: what is called) or a container literal (tag k).

        Numbered per caller, so that an edit renames only the slots of the function it is in;
        a call's result also by what it calls, so that adding or removing a call renames only the
        later results of calls of the same thing there, not every later one (the incremental
        solver re-derives what depends on renamed slots, which can be much of the program).
        """
        name = tag if key is None else f"{tag}{zlib.crc32(key) & 0xFFFFFF:06x}_"
        counter = f"{scope.caller}#{name}"
        count = self._counts[counter] = self._counts.get(counter, 0) + 1
        return f"{counter}{count}"

    def assign(self, scope: Scope, target: Expr, value: Expr) -> None:
        if target[0] != "?" and (value[0] != "?" or target[0] == "e"):  # `obj[k] = 1` may call __setitem__
            self.assigns.append(Assign(scope.caller, target, value))

    def discard(self, node: Node | None, scope: Scope) -> None:
        """Evaluate for effect: the calls inside, and a property read if it is an attribute."""
        if node is None:
            return
        value = self.expr(node, scope)
        if value[0] == "a":
            self.assigns.append(Assign(scope.caller, ("-",), value))

    def bind_name(self, scope: Scope, name: str, value: Expr) -> None:
        """Bind a name: its slot gets value, and value is its version from here (see flow.py)."""
        self.assign(scope, scope.write(name), value)
        scope.rebind(name, value)

    def bind(self, target: Node | None, value: Expr, scope: Scope, augmented: bool = False) -> None:
        """Assign value to an assignment target: a name, an attribute, a subscript or a pattern."""
        if target is None:
            return
        kind = target.type
        if kind == "identifier":
            self.bind_name(scope, self.text(target), value)
        elif kind == "attribute":
            name = self.text(target.child_by_field_name("attribute"))
            self.assign(scope, ("a", self.expr(target.child_by_field_name("object"), scope), name), value)
        elif kind == "subscript":
            indexes = target.children_by_field_name("subscript")
            for index in indexes:
                self.discard(index, scope)
            container = target.child_by_field_name("value")
            if container is not None and container.type == "identifier":
                name = self.text(container)
                self.assign(scope, ("e", scope.read(name, escape=False)), value)
                flow = scope.flow_of(name)
                if flow is not None:
                    flow.store(name, None if augmented else _key(indexes), value)
            else:
                self.assign(scope, ("e", self.expr(container, scope)), value)
        elif kind in _UNPACK or kind == "parenthesized_expression":
            targets = [c for c in target.named_children if c.type != "comment"]
            if kind == "parenthesized_expression" and len(targets) == 1:
                self.bind(targets[0], value, scope)
            elif value[0] == "|" and len(targets) > 1:  # unpack each alternative on its own
                for alternative in value[1]:
                    self.bind(target, alternative, scope)
                names: set[str] = set()
                add_targets(target, names)
                for name in names:  # each holds any alternative's item: its slot has them all
                    scope.rebind(name, UNKNOWN)
            elif value[0] == "tuple" and len(value[1]) == len(targets):
                for item, item_value in zip(targets, value[1], strict=True):
                    self.bind(item, item_value, scope)
            else:
                for position, item in enumerate(targets):
                    # `for k, v in d.items()`: the second item of each pair is the value
                    self.bind(
                        item, ("e1", value[1]) if value[0] == "n" and position == 1 else ("n", value), scope
                    )

    def expr(self, node: Node | None, scope: Scope) -> Expr:
        """The value of an expression; calls inside are recorded on the way."""
        if node is None:
            return UNKNOWN
        kind = node.type
        if kind == "identifier":
            return scope.read(self.text(node))
        if kind == "attribute":
            obj = self.expr(node.child_by_field_name("object"), scope)
            return ("a", obj, self.text(node.child_by_field_name("attribute")))
        if kind == "call":
            return self.call(node, scope)
        if kind in _PASS_THROUGH:
            children = node.named_children
            return self.expr(children[0], scope) if len(children) == 1 else UNKNOWN
        if kind == "subscript":
            indexes = node.children_by_field_name("subscript")
            for index in indexes:
                self.discard(index, scope)
            container = node.child_by_field_name("value")
            if container is None or container.type != "identifier":
                return ("e", self.expr(container, scope))
            name = self.text(container)
            base = scope.read(name, escape=False)  # reading an element does not pass the container on
            flow = scope.flow_of(name)
            key = _key(indexes) if flow is not None else None
            version = flow.element(name, key) if flow is not None and key is not None else None
            return version if version is not None else ("e", base)
        if kind in _LISTS:
            return self.container(node, scope)
        if kind == "dictionary":
            return self.dictionary(node, scope)
        if kind in ("conditional_expression", "boolean_operator"):
            children = node.named_children
            if kind == "conditional_expression" and len(children) == 3:
                self.discard(children[1], scope)
                children = [children[0], children[2]]
            return ("|", tuple(self.expr(child, scope) for child in children))
        if kind == "assignment":
            right = node.child_by_field_name("right")
            left = node.child_by_field_name("left")
            value = self.expr(right, scope)
            self.bind(left, value, scope)
            annotation = node.child_by_field_name("type")
            if annotation is not None and left is not None:
                self.annotated(left, annotation, scope)
            if (
                left is not None
                and left.type == "identifier"
                and right is not None
                and right.type in _TRACKED
            ):
                self.literal(self.text(left), right, value, scope)
            return value
        if kind == "augmented_assignment":  # `x += y`: x is what it was, or grew by y's values
            left = node.child_by_field_name("left")
            value = self.expr(node.child_by_field_name("right"), scope)
            if left is not None and left.type == "identifier":
                old = scope.read(self.text(left))
                value = value if old[0] == "?" else old if value[0] == "?" else ("|", (old, value))
            self.bind(left, value, scope, augmented=True)
            return value
        if kind == "named_expression":
            value = self.expr(node.child_by_field_name("value"), scope)
            self.bind(node.child_by_field_name("name"), value, scope)
            return value
        if kind == "as_pattern":  # `except E as e`: e is an exception instance we do not track
            children = node.named_children
            if children:
                self.discard(children[0], scope)
            return UNKNOWN
        if kind == "lambda":
            return self.lambda_(node, scope)
        if kind == "yield":
            return self.yield_(node, scope)
        if kind in _COMPREHENSIONS or kind == "dictionary_comprehension":
            return self.comprehension(node, scope)
        if kind in _LITERALS or (kind == "string" and plain_string(node)):
            return UNKNOWN
        for child in node.named_children:  # operators, f-strings, ...: only the calls inside matter
            self.discard(child, scope)
        return UNKNOWN

    def dictionary(self, node: Node, scope: Scope) -> Expr:
        """A dict literal: its values flow into one slot (and are kept by key for `literal`)."""
        slot = self.slot(scope, "k")
        elements: dict[Key, Expr] | None = {}
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                self.discard(key, scope)
                value = self.expr(child.child_by_field_name("value"), scope)
                self.assign(scope, ("s", slot), value)
                constant = _key([key]) if elements is not None and key is not None else None
                if constant is None:  # a computed key may overwrite any constant one
                    elements = None
                elif elements is not None:
                    elements[constant] = value
            elif child.type == "dictionary_splat":
                self.assign(scope, ("s", slot), ("v", self.expr(child.named_children[0], scope)))
                elements = None
        self._last_dict = (node.start_byte, elements)
        return ("d", slot)

    def literal(self, name: str, node: Node, value: Expr, scope: Scope) -> None:
        """`name = [...]` or `{...}`: the elements under constant keys are known (see flow.py)."""
        flow = scope.flow_of(name)
        if flow is None:
            return
        if node.type == "dictionary":
            start, elements = self._last_dict
            if start == node.start_byte and elements is not None:
                flow.literal(name, dict(elements), None)
        elif value[0] == "tuple" and all(c.type != "list_splat" for c in node.named_children):
            flow.literal(name, dict(enumerate(value[1])), len(value[1]))

    def container(self, node: Node, scope: Scope) -> Expr:
        """A list, tuple or set literal: its elements flow into one slot (positions also kept).

        A tuple of untracked items (`(0, 0, 255)`, `("a", "b")`) is no value at all: it cannot
        hold anything later, and data tables of such tuples would otherwise widen every slot
        they flow into (see members.MAX_VALUES).
        """
        slot = self.slot(scope, "k")
        items: list[Expr] = []
        for child in node.named_children:
            if child.type == "comment":
                continue
            value = (
                ("n", self.expr(child.named_children[0], scope))
                if child.type == "list_splat"
                else self.expr(child, scope)
            )
            items.append(value)
            self.assign(scope, ("s", slot), value)
        if node.type in _IMMUTABLE and all(item[0] == "?" for item in items):
            return ("tuple", tuple(items), UNKNOWN)
        return ("tuple", tuple(items), ("k", slot))

    def iterate(self, iterable: Expr, scope: Scope, node: Node) -> Expr:
        """The elements a `for` over iterable binds: a container's, and (through a protocol call
        site, which also gives the edges) what the `__next__` of an instance's `__iter__` returns."""
        element: Expr = ("n", iterable)
        if iterable[0] in _NOT_INSTANCES:
            return element
        protocol = "async for" if node.children and node.children[0].type == "async" else "for"
        result = self.record(scope, ("P", protocol, iterable), [], [], False, node)
        return ("|", (element, ("s", result)))

    def yield_(self, node: Node, scope: Scope) -> Expr:
        """`yield x` adds x to the generator's elements, `yield from it` the elements of it."""
        children = [c for c in node.named_children if c.type != "comment"]
        if not children:
            return UNKNOWN
        value = self.expr(children[0], scope)
        if node.children[1].type == "from":
            value = self.iterate(value, scope, node)
        if scope.kind == FUNCTION_SCOPE:
            self.assign(scope, ("s", f"{scope.qualname}#yield"), value)
        return UNKNOWN  # what `send` passes in is not tracked

    def comprehension(self, node: Node, scope: Scope) -> Expr:
        """A comprehension: its elements flow into one slot. Its variables are its own (their
        versions end with it); a generator expression runs later, but for its first iterable."""
        flow = scope.flow
        saved: dict[str, Expr | None] = {}
        lazy = flow is not None and node.type == "generator_expression"
        for child in node.named_children:
            if child.type == "for_in_clause":
                iterable = self.expr(child.child_by_field_name("right"), scope)
                left = child.child_by_field_name("left")
                if flow is not None and left is not None:
                    if lazy and not saved:
                        flow.lazy += 1
                    names: set[str] = set()
                    add_targets(left, names)
                    for name in names:
                        saved.setdefault(name, flow.versions.get(name))
                self.bind(left, self.iterate(iterable, scope, child), scope)
            elif child.type == "if_clause":
                for condition in child.named_children:
                    self.discard(condition, scope)
        slot = self.slot(scope, "k")
        body = node.child_by_field_name("body")
        if body is not None and body.type == "pair":
            self.discard(body.child_by_field_name("key"), scope)
            self.assign(scope, ("s", slot), self.expr(body.child_by_field_name("value"), scope))
            result: Expr = ("d", slot)
        else:
            self.assign(scope, ("s", slot), self.expr(body, scope))
            result = ("k", slot)
        if flow is not None and saved:
            if lazy:
                flow.lazy -= 1
            flow.end(saved)
        return result

    def call(self, node: Node, scope: Scope) -> Expr:
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        args: list[Expr] = []
        keywords: list[tuple[str, Expr]] = []
        star = False
        literal = prefix = None
        for index, child in enumerate(arguments.named_children if arguments is not None else ()):
            kind = child.type
            if kind == "keyword_argument":
                keywords.append(
                    (
                        self.text(child.child_by_field_name("name")),
                        self.expr(child.child_by_field_name("value"), scope),
                    )
                )
            elif kind in ("list_splat", "dictionary_splat"):
                star = True
                self.discard(child.named_children[0] if child.named_children else None, scope)
            elif kind == "comment":
                continue
            elif star:
                self.discard(child, scope)
            else:
                if index == 1:
                    literal, prefix = _attribute_name(child)
                args.append(
                    self.expr(child, scope)
                    if kind != "generator_expression"
                    else self.comprehension(child, scope)
                )
        if (
            function is not None
            and function.type == "identifier"
            and scope.read(self.text(function))[0] == "g"
        ):
            name = self.text(function)
            if name == "super":
                self.record(scope, ("g", self.module, name), args, keywords, star, node)
                return self.super_(scope)
            if name == "getattr" and (literal or prefix) and len(args) in (2, 3):
                self.record(scope, ("g", self.module, name), args, keywords, star, node)
                found: Expr = ("a", args[0], literal) if literal else ("A", args[0], prefix)
                return found if len(args) == 2 else ("|", (found, args[2]))
        callee = self.appended(function, args, keywords, star, scope) or self.expr(function, scope)
        return ("s", self.record(scope, callee, args, keywords, star, node))

    def appended(
        self,
        function: Node | None,
        args: list[Expr],
        keywords: list[tuple[str, Expr]],
        star: bool,
        scope: Scope,
    ) -> Expr | None:
        """`name.append(x)` on a list literal's name: the callee, and x is its next element (see
        flow.py); None for any other call (reading the name then lets the list escape)."""
        if function is None or function.type != "attribute" or len(args) != 1 or keywords or star:
            return None
        container = function.child_by_field_name("object")
        if container is None or container.type != "identifier":
            return None
        if self.text(function.child_by_field_name("attribute")) != "append":
            return None
        name = self.text(container)
        flow = scope.flow_of(name)
        if flow is None or not flow.append(name, args[0]):
            return None
        return ("a", scope.read(name, escape=False), "append")

    def lambda_(self, node: Node, scope: Scope) -> Expr:  # pragma: no cover - the subclass's
        raise NotImplementedError

    def annotated(self, target: Node, annotation: Node, scope: Scope) -> None:  # pragma: no cover
        raise NotImplementedError

    def record(
        self,
        scope: Scope,
        callee: Expr,
        args: list[Expr],
        keywords: list[tuple[str, Expr]],
        star: bool,
        node: Node,
    ) -> str:
        function = node.child_by_field_name("function") if node.type == "call" else None
        called = callee[1].encode() if callee[0] == "P" else (function or node).text or b""
        result = self.slot(scope, "r", called)
        self.calls.append(
            CallSite(
                scope.caller, callee, tuple(args), tuple(keywords), star, result, node.start_point[0] + 1
            )
        )
        return result

    def super_(self, scope: Scope) -> Expr:
        """`super()`: the class whose method this is, and that method's first parameter."""
        method: Scope | None = scope
        while method is not None and method.kind == LAMBDA:
            method = method.parent
        if method is None or method.kind != FUNCTION_SCOPE or method.cls is None or method.self_name is None:
            return DYNAMIC
        return ("u", method.cls, scope.read(method.self_name))


def _key(indexes: list[Node]) -> Key | None:
    """A subscript's constant key: a plain string or an integer literal; None for anything else."""
    if len(indexes) != 1:
        return None
    node = indexes[0]
    negative = node.type == "unary_operator" and (node.text or b"")[:1] == b"-"
    if negative:
        node = node.named_children[-1]
    if node.type == "integer":
        try:
            number = int((node.text or b"").decode().replace("_", ""), 0)
        except ValueError:
            return None
        return -number if negative else number
    if node.type == "string" and not negative:
        parts = node.named_children
        if parts and (parts[0].text or b"") in (b'"', b"'"):
            if len(parts) == 2:
                return ""
            if len(parts) == 3 and parts[1].type == "string_content":
                return (parts[1].text or b"").decode("utf-8", "replace")
    return None


def _attribute_name(node: Node) -> tuple[str | None, str | None]:
    """getattr's name argument: a plain string (the name), or the constant start of an f-string
    or of `"prefix" + ...` (`getattr(self, f"visit_{kind}")`: a method whose name starts so)."""
    if node.type == "binary_operator" and node.named_children:
        literal, _ = _attribute_name(node.named_children[0])
        return None, literal
    if node.type != "string":
        return None, None
    kinds = [c.type for c in node.named_children]
    if kinds == ["string_start", "string_content", "string_end"] and plain_string(node):
        return (node.named_children[1].text or b"").decode("utf-8", "replace"), None
    if len(kinds) > 2 and kinds[1] == "string_content" and kinds[2] == "interpolation":
        return None, (node.named_children[1].text or b"").decode("utf-8", "replace") or None
    return None, None
