"""What a changed file is (language, binary, encoding) and which of its lines changed."""

from __future__ import annotations

import difflib
import io
import tokenize
from pathlib import PurePosixPath

# Files larger than this are listed but not parsed (generated code, vendored bundles): a
# changed Python file over it is unknown code, never "nothing changed" (see FileChange.unparsed).
# bench/parse_limit.py: tree-sitter parses 2.5 MB of dense code in 0.47 s on the 2-core CI box.
MAX_PARSE_BYTES = 2_500_000

_LANGUAGES = {
    ".py": "Python",
    ".pyw": "Python",
    ".pyi": "Python stub",
    ".pyx": "Cython",
    ".md": "Markdown",
    ".rst": "reStructuredText",
    ".txt": "Text",
    ".toml": "TOML",
    ".yml": "YAML",
    ".yaml": "YAML",
    ".json": "JSON",
    ".cfg": "INI",
    ".ini": "INI",
    ".js": "JavaScript",
    ".ts": "TypeScript",
    ".html": "HTML",
    ".css": "CSS",
    ".sh": "Shell",
    ".c": "C",
    ".h": "C",
    ".go": "Go",
    ".rs": "Rust",
    ".java": "Java",
    ".sql": "SQL",
    ".proto": "Protocol Buffers",
    ".csv": "CSV",
}
_NAMED = {"Dockerfile": "Dockerfile", "Makefile": "Makefile"}


def language(path: str, data: bytes | None) -> str:
    """A display language from the path, or the shebang of an extensionless script."""
    pure = PurePosixPath(path)
    if data is not None and is_binary(data):
        return "binary"
    if pure.name in _NAMED:
        return _NAMED[pure.name]
    if pure.suffix:
        return _LANGUAGES.get(pure.suffix.lower(), "unknown")
    if data is not None and data.startswith(b"#!") and b"python" in data.split(b"\n", 1)[0]:
        return "Python"
    return "unknown"


def is_binary(data: bytes) -> bool:
    """git's heuristic: a NUL byte in the first 8000 bytes."""
    return b"\0" in data[:8000]


def decode(data: bytes) -> str:
    """Decode Python source by its BOM or PEP 263 coding cookie; raises ValueError if it cannot."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as e:
        raise ValueError(str(e)) from e


def module_name(path: str) -> str:
    """Dotted module of a Python file: `src/pkg/mod.py` -> `pkg.mod`, `pkg/__init__.py` -> `pkg`."""
    parts = list(PurePosixPath(path).parts)
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    last = parts[-1]
    stem = last.rsplit(".", 1)[0] if "." in last else last
    if stem == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    else:
        parts[-1] = stem
    return ".".join(parts)


Opcode = tuple[str, int, int, int, int]


def split_lines(data: bytes) -> list[bytes]:
    """Lines ending in \\n (kept), as git and tree-sitter count them; a CRLF switch is a change."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def line_diff(old: list[bytes], new: list[bytes]) -> list[Opcode]:
    """difflib opcodes between two line lists (0-based, end-exclusive), non-equal ones only.

    The common head and tail are skipped first: a pull request touches a few places
    of a long file, and difflib's cost grows with what it has to look at.
    """
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    matcher = difflib.SequenceMatcher(None, old[head : len(old) - tail], new[head : len(new) - tail])
    return [
        (tag, i1 + head, i2 + head, j1 + head, j2 + head)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def changed_line_sets(opcodes: list[Opcode]) -> tuple[frozenset[int], frozenset[int]]:
    """1-based line numbers removed from old and added in new."""
    removed: set[int] = set()
    added: set[int] = set()
    for _, i1, i2, j1, j2 in opcodes:
        removed.update(range(i1 + 1, i2 + 1))
        added.update(range(j1 + 1, j2 + 1))
    return frozenset(removed), frozenset(added)


def changed_lines(old: str, new: str) -> tuple[frozenset[int], frozenset[int]]:
    """1-based line numbers removed from old and added in new, by a line diff."""
    return changed_line_sets(
        line_diff(
            split_lines(old.encode("utf-8", "surrogateescape")),
            split_lines(new.encode("utf-8", "surrogateescape")),
        )
    )
