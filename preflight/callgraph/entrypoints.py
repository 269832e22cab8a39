"""Find where outside work enters a Python file: routes, task consumers, RPC methods, commands, `__main__`.

Only text is parsed. Receiver names (`app`, `bp`, `router`) are unknowable statically,
so a decorator's attribute name (`route`, `get`, `task`, `command`) counts only
when the file also imports the framework: in a file that imports no web framework,
`@cache.get("/x")` is not a route. Registrations that name a function by reference
(`add_url_rule`, Django `path`, Starlette `Route`, `queue.enqueue`, `set_defaults`)
are resolved through the file's own definitions and imports to a dotted name.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from tree_sitter import Node, Query, QueryCursor, Tree

from preflight.changes.definitions import _PARSER
from preflight.changes.sources import module_name
from preflight.changes.tokens import literal


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """A function (or a module, for `__main__`) that something outside the code runs."""

    kind: str
    """http, task, grpc, cli, main or custom (the kind a .preflight.yml pattern names)."""
    framework: str
    """flask, fastapi, starlette, django, celery, rq, grpc, click, argparse, python or config."""
    qualname: str
    """The function run (module + nesting), or the module for a `__main__` block."""
    detail: str
    """What outside calls it by: "GET,POST /cart/<id>", a task or queue name, "Cart/AddItem", a command."""
    path: str
    line: int
    """1-based line of the registration (decorator, call, class method or `if`)."""


@dataclass(frozen=True, slots=True)
class Pattern:
    """An extra entry-point decorator from .preflight.yml."""

    decorator: str
    """Dotted decorator as written at the use site ("app.handler") or as imported ("myfw.route")."""
    kind: str
    """The EntryPoint.kind to report."""


_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
_ROUTE_DECORATORS = _VERBS | {"route", "api_route", "websocket"}
_WEB = ("fastapi", "starlette", "flask")  # most specific first: FastAPI apps import starlette too
_HANDLER_KEYS = frozenset({"func", "handler", "command", "callback", "cmd", "run"})
_ENQUEUE_ARG = {"enqueue": 0, "enqueue_call": 0, "enqueue_in": 1, "enqueue_at": 1}
_DJANGO = frozenset({"django.urls.path", "django.urls.re_path", "django.conf.urls.url"})
_STARLETTE_ROUTES = {
    "starlette.routing.Route": "",
    "starlette.routing.WebSocketRoute": "WS",
    "fastapi.routing.APIRoute": "",
    "fastapi.routing.APIWebSocketRoute": "WS",
}
# method -> (fixed HTTP method or "", position of the view, keyword of the view)
_REGISTER_CALLS = {
    "add_url_rule": ("", 2, "view_func"),
    "add_api_route": ("", 1, "endpoint"),
    "add_route": ("", 1, "route"),
    "add_websocket_route": ("WS", 1, "route"),
}
_INTERESTING = frozenset({"decorated_definition", "class_definition", "call", "assignment", "if_statement"})


@functools.cache
def _query() -> Query:
    """The nodes entry points are found in; compiled on first use (13 ms: the pre-push hook's warm
    path reads entry points from the code index's cache and never needs it)."""
    query: Query = Query(
        _PARSER.language,  # type: ignore[arg-type]
        " ".join(
            f"({kind}) @n"
            for kind in sorted(
                _INTERESTING | {"function_definition", "import_statement", "import_from_statement"}
            )
        ),
    )
    return query


_ROUTE_PACKAGES = frozenset({"starlette", "fastapi", "django"})
"""Where the route classes and functions registered by call live (_STARLETTE_ROUTES, _DJANGO)."""


@dataclass(slots=True)
class _Scan:
    """What one file tells: its module, its imports and definitions, and the entry points found so far."""

    path: str
    module: str
    imports: dict[str, str] = field(default_factory=dict)
    """Local name -> dotted target (`from . import views` in shop/urls.py: views -> shop.views)."""
    evidence: set[str] = field(default_factory=set)
    """Every component of every imported name: "flask" in it means the file uses Flask."""
    classes: dict[str, Node] = field(default_factory=dict)
    functions: set[str] = field(default_factory=set)
    parsers: dict[str, str] = field(default_factory=dict)
    """argparse sub-parser variable -> its command name."""
    found: list[EntryPoint] = field(default_factory=list)

    def add(self, kind: str, framework: str, qualname: str, detail: str, node: Node) -> None:
        self.found.append(EntryPoint(kind, framework, qualname, detail, self.path, node.start_point[0] + 1))


def find(path: str, source: str, extra: Sequence[Pattern] = (), tree: Tree | None = None) -> list[EntryPoint]:
    """The entry points declared in one Python file, in source order (tree: source already parsed)."""
    if tree is None:
        tree = _PARSER.parse(source.encode("utf-8", "surrogateescape"))
    scan = _Scan(path, module_name(path))
    nodes: list[tuple[Node, str]] = []
    # The query finds the few node types that matter in C; walking every node in Python was
    # most of the time. Sorted by start, longest first, they come in the pre-order of a walk.
    found = QueryCursor(_query()).captures(tree.root_node).get("n", [])
    found.sort(key=lambda n: (n.start_byte, -n.end_byte))
    enclosing: list[tuple[int, str]] = []  # (end byte, prefix inside) of the open definitions
    for node in found:
        while enclosing and enclosing[-1][0] <= node.start_byte:
            enclosing.pop()
        prefix = enclosing[-1][1] if enclosing else ""
        kind = node.type
        if kind in ("function_definition", "class_definition"):
            inner = f"{prefix}{_text(node.child_by_field_name('name'))}."
            if kind == "class_definition":
                scan.classes[_qual(scan, inner)] = node
            else:
                scan.functions.add(_qual(scan, inner))
            enclosing.append((node.end_byte, inner))
        elif kind in ("import_statement", "import_from_statement"):
            _add_import(scan, node)
        if kind in _INTERESTING:
            nodes.append((node, prefix))
    for node, prefix in nodes:
        _visit(scan, node, prefix, extra)
    if path.endswith("__main__.py") and not any(e.kind == "main" for e in scan.found):
        scan.add("main", "python", scan.module, _run_command(scan.module), tree.root_node)
    unique = {(e.kind, e.framework, e.qualname, e.detail): e for e in reversed(scan.found)}
    return sorted(unique.values(), key=lambda e: (e.line, e.qualname, e.detail))


def expand_views(entries: Sequence[EntryPoint], functions: Mapping[str, object]) -> list[EntryPoint]:
    """Replace a class-based view (Django, Flask MethodView) by its handler methods, where known.

    `find` sees one file: `path("cart/", Cart.as_view())` in urls.py names a class
    defined elsewhere, so it reports the class; the repo-wide function table
    (CallGraph.functions) says which of get/post/... the class defines.
    """
    out: list[EntryPoint] = []
    for entry in entries:
        methods = [v for v in sorted(_VERBS) if f"{entry.qualname}.{v}" in functions]
        if entry.kind != "http" or not methods or not entry.detail.startswith("ANY "):
            out.append(entry)
            continue
        route = entry.detail[4:]
        out.extend(
            replace(entry, qualname=f"{entry.qualname}.{m}", detail=f"{m.upper()} {route}") for m in methods
        )
    return out


def _visit(scan: _Scan, node: Node, prefix: str, extra: Sequence[Pattern]) -> None:
    kind = node.type
    if kind == "decorated_definition":
        definition = node.child_by_field_name("definition")
        if definition is not None:
            qualname = _qual(scan, f"{prefix}{_text(definition.child_by_field_name('name'))}.")
            for decorator in node.named_children:
                if decorator.type == "decorator" and decorator.named_children:
                    _decorator(scan, decorator, decorator.named_children[0], prefix, qualname, extra)
    elif kind == "class_definition":
        _servicer(scan, node, prefix)
    elif kind == "call":
        _call(scan, node, prefix)
    elif kind == "assignment":
        right = node.child_by_field_name("right")
        command = _subcommand(right) if right is not None else None
        left = node.child_by_field_name("left")
        if command is not None and left is not None and left.type == "identifier":
            scan.parsers[_text(left)] = command
    elif kind == "if_statement" and not prefix and _is_main_guard(node.child_by_field_name("condition")):
        scan.add("main", "python", scan.module, _run_command(scan.module), node)


def _decorator(
    scan: _Scan, decorator: Node, expr: Node, prefix: str, qualname: str, extra: Sequence[Pattern]
) -> None:
    """Classify one decorator of the definition qualname."""
    call = expr if expr.type == "call" else None
    func = expr.child_by_field_name("function") if call is not None else expr
    written = _dotted(func)
    if written is None:
        return
    resolved = _resolve(scan, func, prefix) or written
    receiver, _, attr = written.rpartition(".")
    args = _arguments(call)
    for pattern in extra:
        if pattern.decorator in (written, resolved):
            scan.add(pattern.kind, "config", qualname, _string(args, 0, "name", "path") or "", decorator)
            return
    web = next((f for f in _WEB if f in scan.evidence), None)
    if attr in _ROUTE_DECORATORS and receiver and web is not None and call is not None:
        route = _string(args, 0, "rule", "path") or _arg_text(args, 0, "rule", "path")
        if route is not None:
            scan.add("http", web, qualname, f"{_methods(attr, args, 'GET')} {route}", decorator)
    elif ((attr == "task" and receiver) or attr == "shared_task") and "celery" in scan.evidence:
        default = f"{scan.module}.{qualname.rpartition('.')[2]}"  # Celery's own default task name
        scan.add("task", "celery", qualname, _string(args, None, "name") or default, decorator)
    elif resolved in ("rq.decorators.job", "rq.job") and call is not None:
        scan.add(
            "task", "rq", qualname, _string(args, 0, "queue") or _arg_text(args, 0, "queue") or "", decorator
        )
    elif (
        attr in ("command", "group")
        and "click" in scan.evidence
        and (receiver or resolved.startswith("click."))
    ):
        name = _string(args, 0, "name") or qualname.rpartition(".")[2].lower().replace("_", "-")
        scan.add("cli", "click", qualname, name, decorator)


def _call(scan: _Scan, call: Node, prefix: str) -> None:
    """Registrations by call: add_url_rule, Route, Django path, queue.enqueue, set_defaults."""
    func = call.child_by_field_name("function")
    if func is None:
        return
    attribute = func.type == "attribute"
    attr = _text(func.child_by_field_name("attribute")) if attribute else _text(func)
    web = next((f for f in _WEB if f in scan.evidence), None)
    # Most calls register nothing: decide that from the name and the imports before reading arguments.
    routes = not _ROUTE_PACKAGES.isdisjoint(scan.evidence) or scan.module.partition(".")[0] in _ROUTE_PACKAGES
    if not (
        routes
        or (attribute and attr in _REGISTER_CALLS and web is not None)
        or (attribute and attr in _ENQUEUE_ARG and "rq" in scan.evidence)
        or (attribute and attr == "set_defaults" and "argparse" in scan.evidence)
    ):
        return
    args = _arguments(call)
    resolved = _resolve(scan, func, prefix) if routes else None
    if func.type == "attribute" and attr in _REGISTER_CALLS and web is not None:
        _route(scan, call, prefix, web, *_REGISTER_CALLS[attr], args)
    elif resolved in _STARLETTE_ROUTES:
        framework = "fastapi" if resolved.startswith("fastapi") else "starlette"
        _route(scan, call, prefix, framework, _STARLETTE_ROUTES[resolved], 1, "endpoint", args)
    elif resolved in _DJANGO:
        _route(scan, call, prefix, "django", "ANY", 1, "view", args)
    elif func.type == "attribute" and attr in _ENQUEUE_ARG and "rq" in scan.evidence:
        target = _value(args, _ENQUEUE_ARG[attr], "func" if attr == "enqueue_call" else "f")
        qualname = _function(scan, target, prefix) if target is not None else None
        if qualname is not None:
            scan.add("task", "rq", qualname, _text(func.child_by_field_name("object")), call)
    elif func.type == "attribute" and attr == "set_defaults" and "argparse" in scan.evidence:
        parser = func.child_by_field_name("object")
        command = _subcommand(parser) if parser is not None else None
        if parser is not None and parser.type == "identifier":
            command = scan.parsers.get(_text(parser), command)
        for key, value in args.keywords.items():
            qualname = _resolve(scan, value, prefix)
            if qualname is not None and (key in _HANDLER_KEYS or qualname in scan.functions):
                scan.add("cli", "argparse", qualname, command or "", call)


def _route(
    scan: _Scan,
    call: Node,
    prefix: str,
    framework: str,
    method: str,
    position: int,
    view_key: str,
    args: _Args,
) -> None:
    """One route registered by a call: path first, view at position or keyword view_key."""
    route = _string(args, 0, "rule", "path", "route") or _arg_text(args, 0, "rule", "path", "route")
    view = _value(args, position, view_key)
    while view is not None and view.type == "call":  # Cart.as_view(), login_required(view)
        inner = view.child_by_field_name("function")
        name = (_dotted(inner) or "").rpartition(".")[2]
        if name == "as_view" and inner is not None:
            view = inner.child_by_field_name("object")
            break
        # a wrapper such as login_required(view) runs the view; include() mounts other URLs
        view = None if name == "include" else _value(_arguments(view), 0, "")
    qualname = _resolve(scan, view, prefix) if view is not None else None
    if route is None or qualname is None:
        return
    handlers = _local_handlers(scan, qualname)
    if handlers:  # a class-based view defined in this file: one entry per HTTP method
        for name, node in handlers:
            scan.add("http", framework, f"{qualname}.{name}", f"{name.upper()} {route}", node)
        return
    default = "ANY" if qualname in scan.classes or framework == "django" else "GET"
    scan.add("http", framework, qualname, f"{method or _methods('route', args, default)} {route}", call)


def _servicer(scan: _Scan, node: Node, prefix: str) -> None:
    """Methods of a class that implements a generated gRPC `*Servicer` base."""
    bases = node.child_by_field_name("superclasses")
    names = [(_dotted(b) or "").rpartition(".")[2] for b in (bases.named_children if bases else [])]
    service = next((n[: -len("Servicer")] for n in names if n.endswith("Servicer") and n != "Servicer"), None)
    if service is None:
        return
    qualclass = _qual(scan, f"{prefix}{_text(node.child_by_field_name('name'))}.")
    for name, method in _methods_of(node):
        if not name.startswith("_"):
            scan.add("grpc", "grpc", f"{qualclass}.{name}", f"{service}/{name}", method)


def _local_handlers(scan: _Scan, qualname: str) -> list[tuple[str, Node]]:
    node = scan.classes.get(qualname)
    return [(n, m) for n, m in _methods_of(node) if n in _VERBS] if node is not None else []


def _methods_of(node: Node) -> list[tuple[str, Node]]:
    body = node.child_by_field_name("body")
    out = []
    for child in body.named_children if body is not None else []:
        func = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
        if func is not None and func.type == "function_definition":
            out.append((_text(func.child_by_field_name("name")), func))
    return out


@dataclass(frozen=True, slots=True)
class _Args:
    positional: tuple[Node, ...] = ()
    keywords: Mapping[str, Node] = field(default_factory=dict)


def _arguments(call: Node | None) -> _Args:
    node = call.child_by_field_name("arguments") if call is not None else None
    if node is None or node.type != "argument_list":
        return _Args()
    positional = []
    keywords = {}
    for child in node.named_children:
        if child.type == "keyword_argument":
            name, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if name is not None and value is not None:
                keywords[_text(name)] = value
        elif child.type not in ("comment", "list_splat", "dictionary_splat"):
            positional.append(child)
    return _Args(tuple(positional), keywords)


def _value(args: _Args, position: int | None, *keys: str) -> Node | None:
    """The argument at position, else the first of the keywords given."""
    if position is not None and position < len(args.positional):
        return args.positional[position]
    return next((args.keywords[k] for k in keys if k in args.keywords), None)


def _string(args: _Args, position: int | None, *keys: str) -> str | None:
    node = _value(args, position, *keys)
    value = literal(node) if node is not None and node.type in ("string", "concatenated_string") else None
    return value if isinstance(value, str) else None


def _arg_text(args: _Args, position: int | None, *keys: str) -> str | None:
    """An argument that is not a plain string (a constant, an f-string), as written."""
    node = _value(args, position, *keys)
    return " ".join(_text(node).split()) if node is not None else None


def _methods(attr: str, args: _Args, default: str) -> str:
    """HTTP methods of a route decorator or call: the verb, else `methods=[...]`, else default."""
    if attr in _VERBS:
        return attr.upper()
    if attr == "websocket":
        return "WS"
    node = args.keywords.get("methods")
    if node is not None and node.type in ("list", "tuple", "set"):
        names = [literal(c) for c in node.named_children]
        if names and all(isinstance(n, str) for n in names):
            return ",".join(str(n).upper() for n in names)
    return default


def _function(scan: _Scan, node: Node, prefix: str) -> str | None:
    """The dotted name of a function given by reference or by its dotted name in a string."""
    if node.type == "string":
        value = literal(node)
        return value if isinstance(value, str) and value.replace(".", "").replace("_", "").isalnum() else None
    return _resolve(scan, node, prefix)


def _resolve(scan: _Scan, node: Node | None, prefix: str) -> str | None:
    """Dotted name of a name or attribute chain: enclosing definitions first, then imports.

    Unresolvable heads (parameters, `self`, locals) give None: a guess would be wrong.
    """
    dotted = _dotted(node)
    if dotted is None:
        return None
    head, dot, rest = dotted.partition(".")
    scopes = prefix.split(".")[:-1]
    for depth in range(len(scopes), -1, -1):
        candidate = _qual(scan, ".".join([*scopes[:depth], head, ""]))
        if candidate in scan.functions or candidate in scan.classes:
            return candidate + dot + rest
    target = scan.imports.get(head)
    return target + dot + rest if target is not None else None


def _dotted(node: Node | None) -> str | None:
    """`a.b.c` for a name or attribute chain, None for anything else (calls, subscripts)."""
    parts = []
    while node is not None and node.type == "attribute":
        parts.append(_text(node.child_by_field_name("attribute")))
        node = node.child_by_field_name("object")
    if node is None or node.type != "identifier":
        return None
    parts.append(_text(node))
    return ".".join(reversed(parts))


def _add_import(scan: _Scan, node: Node) -> None:
    """Record the names an import binds and the modules it names (the framework evidence)."""
    base = ""
    if node.type == "import_from_statement":
        source = node.child_by_field_name("module_name")
        base = _absolute(scan, source) if source is not None else ""
        scan.evidence.update(base.split("."))
    for child in node.children_by_field_name("name"):
        name_node = child.child_by_field_name("name") if child.type == "aliased_import" else child
        alias = child.child_by_field_name("alias") if child.type == "aliased_import" else None
        name = _text(name_node)
        target = f"{base}.{name}" if base else name
        scan.evidence.update(target.split("."))
        if alias is not None:
            scan.imports[_text(alias)] = target
        else:  # `import a.b` binds `a`; `from m import a` binds `a`
            first = name.split(".")[0]
            scan.imports[first] = f"{base}.{first}" if base else first


def _absolute(scan: _Scan, source: Node) -> str:
    """The absolute module of `from X import`, relative imports resolved against the file's package."""
    if source.type != "relative_import":
        return _text(source)
    dots = sum(len(_text(c)) for c in source.children if c.type == "import_prefix")
    package = scan.module.split(".")
    if not scan.path.endswith("__init__.py"):
        package = package[:-1]
    package = package[: max(len(package) - (dots - 1), 0)]
    rest = [_text(c) for c in source.named_children if c.type == "dotted_name"]
    return ".".join(package + rest)


def _subcommand(node: Node | None) -> str | None:
    """The command name of `subparsers.add_parser("name", ...)`."""
    if node is None or node.type != "call":
        return None
    func = node.child_by_field_name("function")
    if (
        func is None
        or func.type != "attribute"
        or _text(func.child_by_field_name("attribute")) != "add_parser"
    ):
        return None
    return _string(_arguments(node), 0, "name")


def _is_main_guard(condition: Node | None) -> bool:
    if condition is None or condition.type != "comparison_operator":
        return False
    texts = {_text(c) for c in condition.children}
    return "==" in texts and "__name__" in texts and ({'"__main__"', "'__main__'"} & texts != set())


def _run_command(module: str) -> str:
    package = module.removesuffix(".__main__")
    return f"python -m {package}"


def _qual(scan: _Scan, local: str) -> str:
    """module + local nesting; local ends with a dot (the walker's prefix form)."""
    return f"{scan.module}.{local[:-1]}" if local else scan.module


def _text(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""
