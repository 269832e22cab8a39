"""Summarize one Python file for the call graph: definitions, bindings and call sites, as data.

Nothing here looks at another file; names that leave the file stay symbolic
(`("I", "pkg.impl", "f")`) until the linker knows the whole program.
"""

from __future__ import annotations

from tree_sitter import Node, Tree

from preflight.callgraph.file_summary import (
    CLASSMETHOD,
    FUNCTION,
    METHOD,
    POSITIONAL,
    PROPERTY,
    STATIC,
    Assign,
    CallSite,
    Class,
    Expr,
    FileSummary,
    Function,
)
from preflight.callgraph.flow import Flow
from preflight.callgraph.scopes import CLASS, MODULE, Scope, collect_bindings
from preflight.callgraph.scopes import FUNCTION as FUNCTION_SCOPE
from preflight.callgraph.signatures import Signatures
from preflight.changes.definitions import _PARSER
from preflight.changes.sources import module_name

# Decorators that only say how a class binds a method: syntax more than calls, so no edge.
_KIND_DECORATORS = {"staticmethod": STATIC, "classmethod": CLASSMETHOD, "property": PROPERTY}
_PROPERTY_DECORATORS = frozenset({"functools.cached_property", "cached_property", "abc.abstractproperty"})
_ACCESSORS = (".setter", ".getter", ".deleter")
_BARRIERS = frozenset({"while_statement", "try_statement", "match_statement"})
"""Statements whose parts run a number of times not known here (see flow.py)."""
_SIMPLE = frozenset(
    {"pass_statement", "break_statement", "continue_statement", "comment", "global_statement"}
)


def summarize(path: str, source: str, tree: Tree | None = None) -> FileSummary:
    """Summarize one file: pure, no knowledge of other files (tree: source already parsed)."""
    module = module_name(path)
    package = path.rsplit("/", 1)[-1].startswith("__init__.")
    if tree is None:
        tree = _PARSER.parse(source.encode("utf-8", "surrogatepass"))
    summarizer = _Summarizer(module, package)
    return summarizer.run(path, tree.root_node)


def parse(source: str) -> Tree | None:
    """The tree both summarize and entrypoints.find would parse, when they would parse the same
    bytes (a text that is valid UTF-8 throughout); None otherwise."""
    try:
        data = source.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return _PARSER.parse(data)


class _Summarizer(Signatures):
    """Statements: definitions, imports, control flow; expressions are the Extractor's."""

    def __init__(self, module: str, package: bool) -> None:
        super().__init__(module)
        self.package = package
        self.classes: list[Class] = []
        self.stars: list[str] = []
        self.module_names: set[str] = set()

    def run(self, path: str, root: Node) -> FileSummary:
        scope = Scope(MODULE, self.module, self.module, None)
        collect_bindings(root, scope)
        self.block(root, scope)
        return FileSummary(
            path=path,
            module=self.module,
            package=self.package,
            functions=tuple(self.functions),
            classes=tuple(self.classes),
            names=tuple(sorted(scope.bound | self.module_names)),
            stars=tuple(self.stars),
            assigns=tuple(self.assigns),
            calls=tuple(self.calls),
        )

    def block(self, node: Node, scope: Scope) -> None:
        for child in node.named_children:
            self.statement(child, scope)

    def statement(self, node: Node, scope: Scope) -> None:
        kind = node.type
        if kind == "expression_statement":
            for child in node.named_children:
                self.discard(child, scope)
        elif kind == "decorated_definition":
            definition = node.child_by_field_name("definition")
            decorators = [
                c.named_children[0] for c in node.named_children if c.type == "decorator" and c.named_children
            ]
            if definition is not None and definition.type == "function_definition":
                self.function(definition, node, decorators, scope)
            elif definition is not None and definition.type == "class_definition":
                self.klass(definition, decorators, scope)
        elif kind == "function_definition":
            self.function(node, node, [], scope)
        elif kind == "class_definition":
            self.klass(node, [], scope)
        elif kind == "return_statement":
            for child in node.named_children:
                value = self.expr(child, scope)
                if scope.kind == FUNCTION_SCOPE and not scope.generator:  # a generator's is StopIteration's
                    given = value[0] == "s" and value[1].rpartition(".")[2] in scope.params
                    if given and value[1].rpartition(".")[0] == scope.qualname:  # `return param`
                        self.assign(scope, ("s", f"{scope.qualname}#pass"), value)
                    else:
                        self.assign(scope, ("s", f"{scope.qualname}#return"), value)
        elif kind == "import_statement" or kind == "import_from_statement":
            self.imports(node, scope)
        elif kind == "for_statement":
            iterable = self.expr(node.child_by_field_name("right"), scope)
            self.forget(node, scope)
            self.bind(node.child_by_field_name("left"), self.iterate(iterable, scope, node), scope)
            for child in node.named_children:
                if child.type in ("block", "else_clause"):
                    self.statement(child, scope)
            self.forget(node, scope)
        elif kind == "if_statement" and scope.flow is not None:
            self.branches(node, scope.flow, scope)
        elif kind in _BARRIERS:  # may run parts any number of times: what they bind is not certain
            self.forget(node, scope)
            for child in node.named_children:
                if child.type in ("except_clause", "finally_clause", "except_group_clause"):
                    self.forget(node, scope)
                self.statement(child, scope)
            self.forget(node, scope)
        elif kind == "case_clause":  # one of a match's alternatives: none of the others ran
            match = node.parent.parent if node.parent is not None else None
            self.forget(match or node, scope)
            for child in node.named_children:
                self.statement(child, scope)
        elif kind == "with_statement":
            protocol = "__aenter__" if node.children[0].type == "async" else "__enter__"
            for clause in node.named_children:
                if clause.type == "with_clause":
                    for item in clause.named_children:
                        if item.type == "with_item":
                            self.with_item(item, protocol, scope)
                else:
                    self.statement(clause, scope)
            self.forget(node, scope)  # `__exit__` may swallow an exception part-way through
        elif kind == "delete_statement":
            for target in node.named_children:
                for item in target.named_children if target.type == "expression_list" else (target,):
                    self.delete(item, scope)
        elif kind == "raise_statement":
            for child in node.named_children:  # the exception, and its cause after `from`
                value = self.expr(child, scope)
                if child.type != "call" and value[0] != "?":  # `raise Cls` instantiates Cls
                    self.record(scope, ("P", "raise", value), [], [], False, child)
        elif kind in _SIMPLE or kind == "nonlocal_statement" or kind == "future_import_statement":
            return
        elif kind == "block" or kind.endswith(("_statement", "_clause")) or kind == "module":
            for child in node.named_children:
                self.statement(child, scope)
        else:
            self.discard(node, scope)

    def branches(self, node: Node, flow: Flow, scope: Scope) -> None:
        """An `if`: each branch starts from the state before it; after, any branch's may hold."""
        self.discard(node.child_by_field_name("condition"), scope)
        before = flow.snapshot()
        self.body(node.child_by_field_name("consequence"), scope)
        ends = [flow.snapshot()]
        exhaustive = False
        for alternative in node.children_by_field_name("alternative"):
            flow.restore(before)
            if alternative.type == "elif_clause":
                self.discard(alternative.child_by_field_name("condition"), scope)
                self.body(alternative.child_by_field_name("consequence"), scope)
            else:
                exhaustive = True
                self.body(alternative.child_by_field_name("body"), scope)
            ends.append(flow.snapshot())
        if not exhaustive:
            ends.append(before)
        flow.merge(ends)

    def body(self, node: Node | None, scope: Scope) -> None:
        if node is not None:
            self.statement(node, scope)

    def forget(self, node: Node, scope: Scope) -> None:
        if scope.flow is not None:
            scope.flow.forget(node.start_byte, node.end_byte)

    def delete(self, node: Node, scope: Scope) -> None:
        """`del obj[k]` calls obj's __delitem__; `del name` unbinds (not tracked)."""
        if node.type != "subscript":
            if node.type != "identifier":
                self.discard(node, scope)
            return
        for index in node.children_by_field_name("subscript"):
            self.discard(index, scope)
        container = self.expr(node.child_by_field_name("value"), scope)
        if container[0] not in ("?", "tuple", "k", "d"):
            self.record(scope, ("P", "__delitem__", container), [], [], False, node)

    def with_item(self, node: Node, protocol: str, scope: Scope) -> None:
        """`with X as x`: X's `__enter__` and `__exit__` are called, x is what `__enter__` returns
        (X itself for a context manager whose class is not ours: most return themselves)."""
        managed = node.child_by_field_name("value")
        alias = None
        if managed is not None and managed.type == "as_pattern" and len(managed.named_children) == 2:
            managed, target = managed.named_children
            alias = target.named_children[0] if target.named_children else None
        value = self.expr(managed, scope)
        if value[0] == "?":
            return
        entered = self.record(scope, ("P", protocol, value), [], [], False, node)
        if alias is not None:
            self.bind(alias, ("s", entered), scope)
        elif value[0] == "a":
            self.assigns.append(Assign(scope.caller, ("-",), value))  # a property read

    def function(self, node: Node, outer: Node, decorators: list[Node], scope: Scope) -> None:
        qual = f"{scope.qualname}.{self.text(node.child_by_field_name('name'))}"
        kind = FUNCTION if scope.kind != CLASS else METHOD
        value: Expr = ("f", qual)
        for decorator in reversed(decorators):  # applied bottom-up, each to the previous result
            text = self.text(decorator)
            if scope.kind == CLASS:
                if text.endswith(_ACCESSORS):
                    kind = PROPERTY
                    continue  # `@p.setter` only adds to the property: not a call of ours
                if text in _KIND_DECORATORS or text in _PROPERTY_DECORATORS:
                    kind = _KIND_DECORATORS.get(text, PROPERTY)
            value = self.decorate(scope, decorator, value)
        params = self.parameters(node.child_by_field_name("parameters"), qual, scope)
        self.declare(qual, f"{qual}#return", node.child_by_field_name("return_type"), scope)
        self.functions.append(Function(qual, outer.start_point[0] + 1, node.end_point[0] + 1, params, kind))
        self.bind_name(scope, qual.rsplit(".", 1)[1], value)
        inner = Scope(FUNCTION_SCOPE, qual, self.module, scope)
        inner.caller = qual
        inner.bound.update(name for name, _ in params)
        inner.params = frozenset(name for name, _ in params)
        if scope.kind == CLASS and kind != STATIC and params and params[0][1] == POSITIONAL:
            inner.cls, inner.self_name = scope.qualname, params[0][0]
            instance: Expr = ("c", scope.qualname) if kind == CLASSMETHOD else ("o", scope.qualname)
            # a seed: used only if no call site shows what self is (see Solver.run)
            self.assign(inner, ("seed", f"{qual}.{params[0][0]}"), instance)
        body = node.child_by_field_name("body")
        if body is not None:
            collect_bindings(body, inner)
            self.module_names.update(inner.globals)
            inner.publish()
            if inner.generator:  # calling it gives a generator: what it yields are the elements
                self.assign(inner, ("s", f"{qual}#return"), ("k", f"{qual}#yield"))
            self.block(body, inner)

    def klass(self, node: Node, decorators: list[Node], scope: Scope) -> None:
        qual = f"{scope.qualname}.{self.text(node.child_by_field_name('name'))}"
        bases: list[Expr] = []
        superclasses = node.child_by_field_name("superclasses")
        for child in superclasses.named_children if superclasses is not None else ():
            if child.type == "keyword_argument":
                self.discard(child.child_by_field_name("value"), scope)
            elif child.type not in ("list_splat", "dictionary_splat", "comment"):
                bases.append(self.expr(child, scope))
        inner = Scope(CLASS, qual, self.module, scope)
        inner.caller = qual  # PyCG's convention: a class body's calls are the class's
        body = node.child_by_field_name("body")
        if body is not None:
            collect_bindings(body, inner)
        self.classes.append(Class(qual, tuple(bases), tuple(sorted(inner.bound))))
        value: Expr = ("c", qual)
        for decorator in reversed(decorators):
            value = self.decorate(scope, decorator, value)
        self.bind_name(scope, qual.rsplit(".", 1)[1], value)
        inner.publish()
        if body is not None:
            self.block(body, inner)

    def imports(self, node: Node, scope: Scope) -> None:
        if node.type == "import_statement":
            for name in node.children_by_field_name("name"):
                if name.type == "aliased_import":
                    dotted = self.text(name.child_by_field_name("name"))
                    self.bind_name(scope, self.text(name.child_by_field_name("alias")), ("m", dotted))
                else:  # `import a.b` binds `a`; `a.b` is then an attribute of it
                    first = self.text(name).split(".", 1)[0].strip()
                    self.bind_name(scope, first, ("m", first))
            return
        source = self.source_module(node.child_by_field_name("module_name"))
        if any(c.type == "wildcard_import" for c in node.named_children):
            self.stars.append(source)
        for name in node.children_by_field_name("name"):
            alias = name
            if name.type == "aliased_import":
                alias = name.child_by_field_name("alias") or name
                name = name.child_by_field_name("name") or name
            self.bind_name(scope, self.text(alias).strip(), ("I", source, self.text(name).strip()))

    def source_module(self, node: Node | None) -> str:
        """The absolute name of a `from` import's module."""
        if node is None:
            return ""
        if node.type != "relative_import":
            return self.text(node).replace(" ", "")
        dots = sum(self.text(c).count(".") for c in node.children if c.type == "import_prefix")
        rest = "".join(self.text(c) for c in node.named_children if c.type == "dotted_name").replace(" ", "")
        base = self.module if self.package else self.module.rpartition(".")[0]
        for _ in range(dots - 1):
            base = base.rpartition(".")[0]
        return f"{base}.{rest}" if base and rest else base or rest

    def decorate(self, scope: Scope, decorator: Node, value: Expr) -> Expr:
        """A decorator applied to value: a call site, and what the decorated name is bound to.

        ("w", callee, result, value): what the decorator returns when it is ours, else the
        definition itself (an external decorator such as `functools.cache` keeps it callable).
        """
        callee = self.expr(decorator, scope)
        result = self.slot(scope, "r", decorator.text or b"")
        self.calls.append(
            CallSite(scope.caller, callee, (value,), (), False, result, decorator.start_point[0] + 1)
        )
        return ("w", callee, result, value)


__all__ = ["Assign", "summarize"]
