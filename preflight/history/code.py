"""What a change's Python hunks say about its functions: complexity, signatures, call sites.

Everything here reads hunk text only (the added or the removed lines of one file, joined), so a
pass over history needs no file contents and no git process per commit.

Complexity: decision points, counted by tree-sitter in the fragment. A fragment is not a module:
an indented body without its `def`, a block without its header. tree-sitter recovers from that
and still tokenises the keywords, so the count is of keyword tokens: `if` and `elif` (statements,
conditional expressions, comprehension ifs), `for` and `while` (loops, comprehension fors),
`except`, `with`, `and`/`or` (boolean operators) and `case` (match cases; only when the `match`
is in the fragment, as `case` is a soft keyword). Approximation: a fragment that starts inside a
multi-line string is read as code, so such words in a docstring's middle lines count.

Signatures: a `def` whose parameter list changed is a function name with a `def` among both the
removed and the added lines of one file whose parameter text (whitespace, comments and a
trailing comma dropped; annotations and defaults kept) differs. Only signature lines inside a
hunk are seen: a multi-line signature changed in a later line but not its `def` line is missed.

Call sites: `name(` occurrences not preceded by `def` or `class`, by name, in any text
(strings and comments included); `obj.name(` counts for every function called `name`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Parser, Query

DECISION_KEYWORDS = ("if", "elif", "for", "while", "except", "with", "and", "or", "case")
_ANY_KEYWORD = re.compile(r"\b(?:" + "|".join(DECISION_KEYWORDS) + r")\b")
_CALL = re.compile(r"(?<![A-Za-z0-9_])(?:(def|class)[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(")
_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(", re.M)
_COMMENT = re.compile(r"#[^\n]*")
_SPACE = re.compile(r"\s+")


@functools.cache
def _tree_sitter() -> tuple[Parser, Query]:
    import tree_sitter_python
    from tree_sitter import Language, Parser, Query

    language = Language(tree_sitter_python.language())
    pattern = "[" + " ".join(f'"{word}"' for word in DECISION_KEYWORDS) + "] @point"
    return Parser(language), Query(language, pattern)


def decision_points(fragment: str) -> int:
    """Decision points (keyword tokens, see the module docstring) in a fragment of Python."""
    if not _ANY_KEYWORD.search(fragment):  # most hunks: no need to parse
        return 0
    from tree_sitter import QueryCursor

    parser, query = _tree_sitter()
    tree = parser.parse(fragment.encode("utf-8", "replace"))
    return sum(len(nodes) for nodes in QueryCursor(query).captures(tree.root_node).values())


def call_sites(text: str) -> Counter[str]:
    """`name(` call sites in text, by name (definitions `def name(` and `class name(` excluded)."""
    return Counter(name for keyword, name in _CALL.findall(text) if not keyword)


def _parameters(text: str, start: int, stop: int) -> str:
    """The normalised parameter text of a `def` whose "(" ends at start (scan no further than stop)."""
    depth, i = 1, start
    while i < stop and depth:
        char = text[i]
        depth += char in "([{"
        depth -= char in ")]}"
        i += 1
    inner = text[start : i - 1 if depth == 0 else i]
    return _SPACE.sub("", _COMMENT.sub("", inner)).rstrip(",")


def signatures(text: str) -> dict[str, list[str]]:
    """Function name -> the sorted parameter texts of its `def`s in text."""
    found: defaultdict[str, list[str]] = defaultdict(list)
    matches = list(_DEF.finditer(text))
    for i, match in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        found[match.group(1)].append(_parameters(text, match.end(), stop))
    return {name: sorted(params) for name, params in found.items()}


def changed_signatures(removed: str, added: str) -> tuple[str, ...]:
    """Names of functions whose parameter list differs between the removed and added lines of one file."""
    before, after = signatures(removed), signatures(added)
    return tuple(sorted(name for name in before.keys() & after.keys() if before[name] != after[name]))
