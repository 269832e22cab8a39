"""An independent cross-check of `preflight changes`, built on the stdlib `ast` only.

It classifies every changed function (def / async def at any depth) between two
versions of a set of files with the same rules as preflight's spec, but with a
completely different implementation (CPython's parser instead of tree-sitter), so
that the benchmark can measure how often the two agree.
"""

from __future__ import annotations

import ast
import copy
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
_FUNC_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
# ast.TryStar (except*) exists from Python 3.11 on.
_TRY_TYPES: tuple[type[ast.stmt], ...] = tuple(
    t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None
)
ASPECTS = ("signature", "body", "decorators", "docstring")


@dataclass(frozen=True)
class OracleChange:
    """One changed function, as the oracle sees it."""

    path: str
    """File at head; at base for removed functions."""
    old_path: str | None
    """File at base; None for added functions."""
    qualname: str
    """Dotted name at head (at base for removed functions)."""
    old_qualname: str | None
    """Dotted name at base; None for added functions."""
    kind: str
    """added, removed, modified, renamed or cosmetic."""
    aspects: frozenset[str] = frozenset()
    """For modified functions: which of ASPECTS differ."""


@dataclass
class OracleResult:
    """The changes plus the files that could not be parsed on either side."""

    changes: list[OracleChange] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Entity:
    """One function entity: all defs sharing a qualname in one file, merged."""

    path: str
    local: str
    """Qualified name without the module part (Class.method, outer.inner)."""
    components: tuple[str, ...]
    """signature, body, decorators, docstring; each concatenated over the merged defs."""
    text: str
    """Dedented source of each def, concatenated, with nested function definitions cut out."""
    line: int


def module_name(path: str) -> str:
    """The dotted module name of a file path (src/ dropped, __init__ is the package)."""
    parts = path.split("/")
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    last = parts[-1]
    if last == "__init__.py":
        parts = parts[:-1]
    elif last.endswith(".py"):
        parts[-1] = last[: -len(".py")]
    return ".".join(parts)


def _child_blocks(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists nested directly in a compound statement (not a def/class)."""
    if isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        yield stmt.body
        yield stmt.orelse
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        yield stmt.body
    elif isinstance(stmt, _TRY_TYPES):
        try_stmt = cast(ast.Try, stmt)  # TryStar has the same fields
        yield try_stmt.body
        for handler in try_stmt.handlers:
            yield handler.body
        yield try_stmt.orelse
        yield try_stmt.finalbody
    elif isinstance(stmt, ast.Match):
        for case in stmt.cases:
            yield case.body


def _walk_defs(body: list[ast.stmt], prefix: tuple[str, ...]) -> Iterator[tuple[str, FuncNode]]:
    """Yield (local qualname, node) for every function def in body, in source order."""
    for stmt in body:
        if isinstance(stmt, _FUNC_TYPES):
            name = (*prefix, stmt.name)
            yield ".".join(name), stmt
            yield from _walk_defs(stmt.body, name)
        elif isinstance(stmt, ast.ClassDef):
            yield from _walk_defs(stmt.body, (*prefix, stmt.name))
        else:
            for block in _child_blocks(stmt):
                yield from _walk_defs(block, prefix)


class _HideNestedDefs(ast.NodeTransformer):
    """Replace every function def by a placeholder statement carrying only its name."""

    def _placeholder(self, node: FuncNode) -> ast.stmt:
        return ast.Expr(value=ast.Name(id=f"<def {node.name}>", ctx=ast.Load()))

    visit_FunctionDef = _placeholder
    visit_AsyncFunctionDef = _placeholder


def _dump(node: ast.AST | None) -> str:
    if node is None:
        return "None"
    for child in ast.walk(node):
        if isinstance(child, ast.Constant):
            child.kind = None  # u'x' and 'x' are the same string
    return ast.dump(node, include_attributes=False)


def _has_docstring(node: FuncNode) -> bool:
    first = node.body[0] if node.body else None
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


def _components(node: FuncNode) -> tuple[str, str, str, str | None]:
    """signature, body, decorators and docstring of one def, as comparable strings."""
    type_params = getattr(node, "type_params", None) or []
    signature = "|".join(
        [
            _dump(node.args),
            _dump(node.returns),
            *map(_dump, type_params),
            f"async={isinstance(node, ast.AsyncFunctionDef)}",
        ]
    )
    statements = node.body[1:] if _has_docstring(node) else node.body
    hidden = [_HideNestedDefs().visit(copy.deepcopy(stmt)) for stmt in statements]
    body = "\n".join(_dump(stmt) for stmt in hidden)
    decorators = "\n".join(_dump(d) for d in node.decorator_list)
    return signature, body, decorators, ast.get_docstring(node, clean=True)


def _first_line(node: FuncNode) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _nested_defs(node: FuncNode) -> Iterator[FuncNode]:
    """The outermost function defs anywhere inside node's body."""
    stack: list[ast.AST] = list(node.body)
    while stack:
        child = stack.pop()
        if isinstance(child, _FUNC_TYPES):
            yield child
        else:
            stack.extend(ast.iter_child_nodes(child))


def _text(lines: list[str], node: FuncNode) -> str:
    """Dedented text of one def from its first decorator line to its end, nested defs cut."""
    cut: set[int] = set()
    for nested in _nested_defs(node):
        cut.update(range(_first_line(nested), (nested.end_lineno or nested.lineno) + 1))
    end = min(node.end_lineno or node.lineno, len(lines))
    return textwrap.dedent("".join(lines[i - 1] for i in range(_first_line(node), end + 1) if i not in cut))


def _merge(per_def: list[tuple[str, str, str, str | None]]) -> tuple[str, ...]:
    """Concatenate each component over the defs of one entity, in source order."""
    docstrings = [d for *_, d in per_def if d is not None]
    return (
        "\n".join(c[0] for c in per_def),
        "\n".join(c[1] for c in per_def),
        "\n".join(c[2] for c in per_def),
        "\n".join(docstrings) if docstrings else "<no docstring>",
    )


def extract(path: str, source: str) -> dict[str, Entity]:
    """All function entities of one file, keyed by local qualname; raises SyntaxError."""
    tree = ast.parse(source, filename=path)
    grouped: dict[str, list[FuncNode]] = {}
    for local, node in _walk_defs(tree.body, ()):
        grouped.setdefault(local, []).append(node)
    lines = source.splitlines(keepends=True)
    entities: dict[str, Entity] = {}
    for local, nodes in grouped.items():
        nodes.sort(key=lambda n: (_first_line(n), n.col_offset))
        components = _merge([_components(n) for n in nodes])
        text = "".join(_text(lines, n) for n in nodes)
        entities[local] = Entity(path, local, components, text, _first_line(nodes[0]))
    return entities


def _qualname(path: str, local: str) -> str:
    module = module_name(path)
    return f"{module}.{local}" if module else local


def _compare(old: Entity, new: Entity) -> OracleChange | None:
    """Verdict for the same local qualname present on both sides of a file pair."""
    old_q, new_q = _qualname(old.path, old.local), _qualname(new.path, new.local)
    aspects = frozenset(a for a, o, n in zip(ASPECTS, old.components, new.components, strict=False) if o != n)
    if aspects:
        return OracleChange(new.path, old.path, new_q, old_q, "modified", aspects)
    if old_q != new_q:
        return OracleChange(new.path, old.path, new_q, old_q, "renamed")
    if old.text != new.text:
        return OracleChange(new.path, old.path, new_q, old_q, "cosmetic")
    return None


def _pair_renames(
    removed: list[Entity], added: list[Entity], renames: dict[str, str]
) -> tuple[list[tuple[Entity, Entity]], list[Entity], list[Entity]]:
    """Pair identical removed/added entities one-to-one, best candidates first."""

    def same_file(old: Entity, new: Entity) -> bool:
        return renames.get(new.path, new.path) == old.path

    def same_last(old: Entity, new: Entity) -> bool:
        return old.local.rsplit(".", 1)[-1] == new.local.rsplit(".", 1)[-1]

    by_components: dict[tuple[str, ...], list[Entity]] = {}
    for entity in added:
        by_components.setdefault(entity.components, []).append(entity)
    pairs: list[tuple[Entity, Entity]] = []
    used_old: set[int] = set()
    used_new: set[int] = set()
    paired_to: dict[tuple[str, str], tuple[str, str]] = {}

    def same_parent(old: Entity, new: Entity) -> bool:
        # A nested function follows its renamed parent; otherwise the parent keeps its name.
        old_parent = old.local.rpartition(".")[0]
        want = paired_to.get((old.path, old_parent))
        if want is not None:
            return (new.path, new.local.rpartition(".")[0]) == want
        return same_file(old, new) and new.local.rpartition(".")[0] == old_parent

    by_depth = sorted(removed, key=lambda e: e.local.count("."))
    for want_last in (True, False):
        for old in by_depth:
            if id(old) in used_old:
                continue
            for new in by_components.get(old.components, []):
                if id(new) in used_new or not same_parent(old, new):
                    continue
                if not want_last or same_last(old, new):
                    pairs.append((old, new))
                    used_old.add(id(old))
                    used_new.add(id(new))
                    paired_to[(old.path, old.local)] = (new.path, new.local)
                    break
    for want_file, want_last in ((True, True), (True, False), (False, True), (False, False)):
        for old in by_depth:
            if id(old) in used_old:
                continue
            for new in by_components.get(old.components, []):
                if id(new) in used_new:
                    continue
                if (not want_file or same_file(old, new)) and (not want_last or same_last(old, new)):
                    pairs.append((old, new))
                    used_old.add(id(old))
                    used_new.add(id(new))
                    paired_to[(old.path, old.local)] = (new.path, new.local)
                    break
    left_removed = [e for e in removed if id(e) not in used_old]
    left_added = [e for e in added if id(e) not in used_new]
    return pairs, left_removed, left_added


def _parent_and_name(e: Entity) -> tuple[str, str]:
    parent, _, name = _qualname(e.path, e.local).rpartition(".")
    return parent, name


def _pair_moved_containers(
    renamed: list[tuple[Entity, Entity]], removed: list[Entity], added: list[Entity]
) -> tuple[list[tuple[Entity, Entity]], list[Entity], list[Entity]]:
    """A class or module that moved (an identical member moved with the same name) takes its
    other same-named members along: those pair as modified instead of removed + added."""
    votes: dict[str, dict[str, int]] = {}
    for old_e, new_e in renamed:
        (old_parent, old_name), (new_parent, new_name) = _parent_and_name(old_e), _parent_and_name(new_e)
        if old_name == new_name and old_parent != new_parent:
            counts = votes.setdefault(old_parent, {})
            counts[new_parent] = counts.get(new_parent, 0) + 1
    target = {old: max(counts, key=lambda k: counts[k]) for old, counts in votes.items()}
    added_by_q = {_qualname(e.path, e.local): e for e in added}
    pairs = []
    for old_e in removed:
        parent, name = _parent_and_name(old_e)
        if parent in target and f"{target[parent]}.{name}" in added_by_q:
            pairs.append((old_e, added_by_q.pop(f"{target[parent]}.{name}")))
    taken = {id(e) for pair in pairs for e in pair}
    return pairs, [e for e in removed if id(e) not in taken], [e for e in added if id(e) not in taken]


def classify_files(
    old_files: dict[str, str], new_files: dict[str, str], renames: dict[str, str]
) -> OracleResult:
    """Classify the changed functions between two sets of files; see `classify`."""
    result = OracleResult()
    old_paths_paired = set(renames.values())
    pairs: list[tuple[str | None, str | None]] = [
        (renames.get(p, p if p in old_files else None), p) for p in sorted(new_files)
    ]
    pairs += [(p, None) for p in sorted(old_files) if p not in new_files and p not in old_paths_paired]
    removed: list[Entity] = []
    added: list[Entity] = []
    for old_path, new_path in pairs:
        try:
            old = extract(old_path, old_files[old_path]) if old_path else {}
            new = extract(new_path, new_files[new_path]) if new_path else {}
        except (SyntaxError, ValueError):
            result.skipped.append(new_path or old_path or "")
            continue
        for local, entity in new.items():
            if local in old:
                change = _compare(old[local], entity)
                if change is not None:
                    result.changes.append(change)
            else:
                added.append(entity)
        removed.extend(e for local, e in old.items() if local not in new)
    pairs_found, left_removed, left_added = _pair_renames(removed, added, renames)
    moved, left_removed, left_added = _pair_moved_containers(pairs_found, left_removed, left_added)
    for old_e, new_e in moved:
        change = _compare(old_e, new_e)
        if change is not None:
            result.changes.append(change)
    for old_e, new_e in pairs_found:
        result.changes.append(
            OracleChange(
                new_e.path,
                old_e.path,
                _qualname(new_e.path, new_e.local),
                _qualname(old_e.path, old_e.local),
                "renamed",
            )
        )
    for e in left_removed:
        q = _qualname(e.path, e.local)
        result.changes.append(OracleChange(e.path, e.path, q, q, "removed"))
    for e in left_added:
        result.changes.append(OracleChange(e.path, None, _qualname(e.path, e.local), None, "added"))
    return result


def classify(
    old_files: dict[str, str], new_files: dict[str, str], renames: dict[str, str]
) -> list[OracleChange]:
    """Classify every changed function between two versions of a set of files.

    old_files and new_files map paths to source text (only the changed files are
    needed); renames maps a new path to its old path. Unchanged functions are not
    returned; files that fail to parse on either side are left out (see
    `classify_files` for their list).
    """
    return classify_files(old_files, new_files, renames).changes
