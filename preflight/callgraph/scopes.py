"""Python's scoping rules at summary time: which slot a name in a scope reads or writes.

A name bound anywhere in a function body is local to it (unless declared `global` or
`nonlocal`); a class body sees its own names but its methods do not; everything else
is module level, resolved by the linker (the module may get the name from a star import).
"""

from __future__ import annotations

from tree_sitter import Node

from preflight.callgraph.file_summary import UNKNOWN, Expr
from preflight.callgraph.flow import Flow

MODULE, CLASS, FUNCTION, LAMBDA = "module", "class", "function", "lambda"

_TARGET_CONTAINERS = frozenset(
    {
        "pattern_list",
        "tuple_pattern",
        "list_pattern",
        "tuple",
        "list",
        "list_splat_pattern",
        "parenthesized_expression",
    }
)
_NOT_DESCENDED = frozenset({"function_definition", "class_definition", "lambda"})


class Scope:
    """One module, class, function or lambda body while its file is summarized."""

    __slots__ = (
        "bound",
        "caller",
        "cls",
        "flow",
        "generator",
        "globals",
        "kind",
        "module",
        "nonlocals",
        "params",
        "parent",
        "qualname",
        "self_name",
    )

    def __init__(self, kind: str, qualname: str, module: str, parent: Scope | None) -> None:
        self.kind = kind
        self.qualname = qualname
        """The caller name for calls made here (a lambda's is its enclosing scope's)."""
        self.module = module
        self.parent = parent
        self.caller = qualname
        """Who makes the calls written here: a class body's and a lambda's are their enclosing scope's."""
        self.bound: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.cls: str | None = None
        """For a method: the qualname of its class (for `super()`)."""
        self.self_name: str | None = None
        """For a method: its first parameter (for `super()`)."""
        self.generator = False
        """A function whose body yields (set by collect_bindings)."""
        self.params: frozenset[str] = frozenset()
        """A function's parameters (a `return` of one is told apart: see Program.identities)."""
        self.flow = Flow() if kind in (FUNCTION, MODULE) else None
        """The versions of this body's names (see flow.py); None for a class or lambda body."""

    def read(self, name: str, escape: bool = True) -> Expr:
        """What reading name here means: its version in straight-line code, else its slot.

        escape: the read may pass the value on (not a constant-key subscript), so the
        elements known of it no longer hold.
        """
        scope: Scope | None = self
        innermost = True
        while scope is not None and scope.kind != MODULE:
            if name in scope.globals:
                break
            if name in scope.bound and name not in scope.nonlocals and (innermost or scope.kind != CLASS):
                flow = scope.flow
                if flow is not None:
                    if innermost:
                        version = flow.read(name, escape)
                        if version is not None:
                            return version
                    else:
                        flow.capture(name)
                return ("s", f"{scope.qualname}.{name}")
            innermost = False
            scope = scope.parent
        while scope is not None and scope.kind != MODULE:
            scope = scope.parent
        flow = scope.flow if scope is not None else None
        if flow is not None:
            if self.kind == MODULE:
                version = flow.read(name, escape)
                if version is not None:
                    return version
            else:  # a function of the module reads it: it may change its elements when it runs
                flow.capture(name)
        return ("g", self.module, name)

    def publish(self) -> None:
        """This body's `global` and `nonlocal` names are rebound from here whenever it runs: the
        scopes that own them stop versioning them (see flow.py)."""
        for name in self.nonlocals:
            scope = self.parent
            while scope is not None and scope.kind != MODULE:
                if scope.kind == FUNCTION and name in scope.bound and name not in scope.nonlocals:
                    if scope.flow is not None:
                        scope.flow.fix(name)
                    break
                scope = scope.parent
        if self.globals:
            module = self.parent
            while module is not None and module.parent is not None:
                module = module.parent
            if module is not None and module.flow is not None:
                for name in self.globals:
                    module.flow.fix(name)

    def flow_of(self, name: str) -> Flow | None:
        """The flow that versions name as a variable of this body, if any."""
        flow = self.flow
        if flow is None or name in self.globals or name in self.nonlocals:
            return None
        if self.kind == FUNCTION and name not in self.bound:
            return None
        return flow

    def rebind(self, name: str, value: Expr) -> None:
        """An assignment here binds name to value: its version from now on (see flow.py)."""
        flow = self.flow
        if flow is not None:
            if name not in self.globals and name not in self.nonlocals:
                flow.assign(name, value)
            return
        if self.kind == LAMBDA:  # a walrus in a lambda rebinds whenever the lambda runs
            scope = self.parent
            while scope is not None:
                if scope.flow is not None:
                    scope.flow.fix(name)
                    return
                scope = scope.parent

    def write(self, name: str) -> Expr:
        """The slot that an assignment to name here writes."""
        if self.kind == LAMBDA and self.parent is not None:
            return self.parent.write(name)  # only a walrus binds in a lambda, and it binds outside
        if self.kind == MODULE or name in self.globals:
            return ("s", f"{self.module}.{name}")
        if name in self.nonlocals:
            scope = self.parent
            while scope is not None and scope.kind != MODULE:
                if scope.kind == FUNCTION and name in scope.bound and name not in scope.nonlocals:
                    return ("s", f"{scope.qualname}.{name}")
                scope = scope.parent
            return UNKNOWN
        return ("s", f"{self.qualname}.{name}")


_LEAVES = frozenset({"identifier", "integer", "float", "true", "false", "none", "comment", "ellipsis"})
"""Nodes with no children that bind nothing on their own (an identifier binds as a target, which
its assignment decides): a quarter of all nodes, not worth asking for children."""


def collect_bindings(body: Node, scope: Scope) -> None:
    """Add every name body binds (not looking into nested functions and classes) to scope; for a
    function or module, also where each is bound (see Flow.forget)."""
    stack = list(body.named_children)
    flow = scope.flow
    bound = scope.bound if flow is None else set()
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in _LEAVES:
            continue
        if kind in _NOT_DESCENDED:
            if kind != "lambda":
                name = node.child_by_field_name("name")
                if name is not None:
                    bound.add(_text(name))
                if flow is not None:
                    flow.nested.append(node.start_byte)
                    _sites(flow, bound, scope.bound, node.start_byte)
            continue
        if kind in ("assignment", "augmented_assignment", "for_statement", "for_in_clause"):
            left = node.child_by_field_name("left")
            if left is not None:
                add_targets(left, bound)
        elif kind == "as_pattern_target" or kind == "named_expression":
            target = (
                node.named_children[0] if kind == "as_pattern_target" else node.child_by_field_name("name")
            )
            if target is not None:
                add_targets(target, bound)
        elif kind == "import_statement" or kind == "import_from_statement":
            _import_bindings(node, bound)
            if flow is not None:
                _sites(flow, bound, scope.bound, node.start_byte)
            continue
        elif kind == "yield":
            scope.generator = True
        elif kind == "global_statement" or kind == "nonlocal_statement":
            names = scope.globals if kind == "global_statement" else scope.nonlocals
            names.update(_text(c) for c in node.named_children if c.type == "identifier")
            continue
        if flow is not None and bound:
            _sites(flow, bound, scope.bound, node.start_byte)
        if kind != "string" or not plain_string(node):
            stack.extend(node.named_children)


def _sites(flow: Flow, found: set[str], bound: set[str], offset: int) -> None:
    """Names one statement binds: into the scope's names, with where."""
    for name in found:
        flow.sites.setdefault(name, []).append(offset)
    bound |= found
    found.clear()


def plain_string(node: Node) -> bool:
    """A string literal other than an f-string: nothing inside it is code, so walks skip it
    (data tables of thousands of strings are most of the nodes of some files)."""
    text = node.text or b"f"
    if text[:1] in (b'"', b"'"):  # no prefix at all: the common case, decided cheaply
        return True
    first = node.child(0)
    return first is not None and first.type == "string_start" and b"f" not in (first.text or b"f").lower()


def add_targets(node: Node, out: set[str]) -> None:
    """The plain names an assignment target binds (not attributes or subscripts)."""
    if node.type == "identifier":
        out.add(_text(node))
    elif node.type in _TARGET_CONTAINERS:
        for child in node.named_children:
            add_targets(child, out)


def _import_bindings(node: Node, out: set[str]) -> None:
    for name in node.children_by_field_name("name"):
        if name.type == "aliased_import":
            alias = name.child_by_field_name("alias")
            if alias is not None:
                out.add(_text(alias))
        elif node.type == "import_statement":
            out.add(_text(name).split(".", 1)[0].strip())
        else:
            out.add(_text(name).strip())


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")
