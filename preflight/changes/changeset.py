"""The change set: from two revisions (or two sets of sources) to every changed file and function."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from tree_sitter import Tree

from preflight.changes import definitions, module_level, sources
from preflight.changes.matching import FilePair, classify
from preflight.changes.revisions import resolve
from preflight.models import ChangeSet, FileChange, FunctionChange, RevisionRange
from preflight.repository import MODE_SUBMODULE, MODE_SYMLINK, RawChange, Repository


def analyze(
    repo_dir: str | Path,
    base: str | None = None,
    head: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ChangeSet:
    """Resolve the revisions in repo_dir and classify every changed function."""
    with Repository(repo_dir) as repo:
        return compute(repo, resolve(repo, base, head, environ or {}))


def compute(repo: Repository, revisions: RevisionRange) -> ChangeSet:
    """Classify every changed file and function between the merge base and head."""
    files: list[FileChange] = []
    pairs: list[FilePair] = []
    warnings: list[str] = []
    if revisions.worktree:
        raws = repo.diff_worktree_raw(revisions.merge_base)
    else:
        raws = repo.diff_raw(revisions.merge_base, revisions.head_sha)
    for raw in raws:
        file, pair = _read(repo, raw, warnings, revisions.worktree)
        files.append(file)
        if pair is not None:
            pairs.append(pair)
    functions, more = classify(pairs)
    warnings.extend(more)
    return ChangeSet(revisions, tuple(files), module_level.classify(pairs, functions), tuple(warnings))


def _read(
    repo: Repository, raw: RawChange, warnings: list[str], worktree: bool = False
) -> tuple[FileChange, FilePair | None]:
    """Describe one changed path and parse the versions of it that are Python (worktree: a new
    version without a blob is the work tree's file)."""
    special = _special_kind(raw)
    old_data = repo.read_blob(raw.old_blob) if raw.old_blob and not special else None
    new_data = repo.read_blob(raw.new_blob) if raw.new_blob and not special else None
    lost = None
    if worktree and new_data is None and raw.new_path and not raw.new_blob and not special:
        new_data = repo.worktree_file(raw.new_path)
        if new_data is None:
            lost = "cannot read it in the work tree (gone, or no longer a regular file)"
            warnings.append(f"{raw.new_path}: {lost}; listed, not parsed: its changes are unknown")
    old_lang = special or sources.language(raw.old_path or "", old_data)
    new_lang = special or sources.language(raw.new_path or "", new_data)
    old_text, old_why = _text(raw.old_path, old_data, old_lang, warnings)
    new_text, new_why = _text(raw.new_path, new_data, new_lang, warnings)
    old_py, new_py = old_lang == "Python", new_lang == "Python"
    # a Python version that cannot be read hides its changes: unknown, never "nothing changed"
    unparsed = (old_why if old_py else None) or ((new_why or lost) if new_py else None)
    if special and any(p and p.endswith((".py", ".pyw")) for p in (raw.old_path, raw.new_path)):
        # Python imports through a link (and a submodule brings code of its own): what the
        # module runs changed, and preflight never follows a link out of what it parsed.
        unparsed = f"a {special} in place of a Python file, not followed: what it runs is unknown"
    unreadable = unparsed is not None
    pair = None
    parsed = "no"
    if (old_py or new_py) and not unreadable:
        # A side that is not Python (renamed to .txt, replaced by a binary) has no functions.
        pair = file_pair(
            raw.old_path if old_py else None,
            raw.new_path if new_py else None,
            old_text if old_py else None,
            new_text if new_py else None,
            warnings,
        )
        parsed = "partial" if pair.old_partial or pair.new_partial else "full"
        unparsed = pair.unparsed
    if pair is not None and old_py == new_py:
        removed, added = pair.removed_lines, pair.added_lines
    else:
        removed, added = sources.changed_lines(old_text or "", new_text or "")
    file = FileChange(
        path=raw.new_path or raw.old_path or "",
        old_path=raw.old_path,
        status=raw.status,
        language=new_lang if raw.new_path else old_lang,
        parsed=parsed,
        added_lines=len(added),
        removed_lines=len(removed),
        unparsed=unparsed,
    )
    return file, pair


def file_pair(
    old_path: str | None,
    new_path: str | None,
    old_text: str | None,
    new_text: str | None,
    warnings: list[str],
) -> FilePair:
    """Parse both versions of a Python file (None = absent on that side).

    The new version is parsed incrementally from the old tree, edited with the line
    diff: tree-sitter then re-parses only the regions that changed.
    """
    old_bytes = old_text.encode("utf-8", "surrogatepass") if old_text is not None else b""
    new_bytes = new_text.encode("utf-8", "surrogatepass") if new_text is not None else b""
    old_lines, new_lines = sources.split_lines(old_bytes), sources.split_lines(new_bytes)
    opcodes = sources.line_diff(old_lines, new_lines)
    removed, added = sources.changed_line_sets(opcodes)
    old = _parse(old_path, old_bytes if old_text is not None else None, None, warnings)
    previous = None
    if old is not None and new_text is not None and old.error_line is None:
        previous = definitions.edited(old.tree, old_lines, new_lines, opcodes)
    new = _parse(new_path, new_bytes if new_text is not None else None, previous, warnings)
    return FilePair(
        old_path=old_path,
        new_path=new_path,
        old_module=sources.module_name(old_path) if old_path else None,
        new_module=sources.module_name(new_path) if new_path else None,
        old=old.definitions if old else {},
        new=new.definitions if new else {},
        removed_lines=removed,
        added_lines=added,
        old_partial=old is not None and old.error_line is not None,
        new_partial=new is not None and new.error_line is not None,
        old_root=old.tree.root_node if old else None,
        new_root=new.tree.root_node if new else None,
        unparsed=_syntax_error(old, "base") or _syntax_error(new, "head"),
    )


def classify_sources(
    old_files: Mapping[str, str], new_files: Mapping[str, str], renames: Mapping[str, str] | None = None
) -> tuple[tuple[FunctionChange, ...], tuple[str, ...]]:
    """Classify functions between two sets of Python sources (path -> text) without git.

    renames maps a new path to its old path; other paths pair with themselves.
    """
    renames = renames or {}
    paired_old = set(renames.values())
    pairs: list[tuple[str | None, str | None]] = [
        (renames.get(p, p if p in old_files else None), p) for p in sorted(new_files)
    ]
    pairs += [(p, None) for p in sorted(old_files) if p not in new_files and p not in paired_old]
    warnings: list[str] = []
    parsed = [
        file_pair(
            old, new, old_files.get(old) if old else None, new_files.get(new) if new else None, warnings
        )
        for old, new in pairs
    ]
    functions, more = classify(parsed)
    return module_level.classify(parsed, functions), tuple(warnings) + more


def unparsed(change_set: ChangeSet, is_production: Callable[[str], bool]) -> tuple[FileChange, ...]:
    """The changed production Python files that could not be parsed fully: unknown code."""
    return tuple(f for f in change_set.files if f.unparsed is not None and is_production(f.path))


def _special_kind(raw: RawChange) -> str | None:
    modes = {raw.old_mode, raw.new_mode}
    if MODE_SUBMODULE in modes:
        return "submodule"
    if MODE_SYMLINK in modes:
        return "symlink"
    return None


def _text(
    path: str | None, data: bytes | None, lang: str, warnings: list[str]
) -> tuple[str | None, str | None]:
    """(decoded text of a version worth diffing, or None; why a present version is unreadable)."""
    if data is None or lang == "binary":
        return None, None
    if len(data) > sources.MAX_PARSE_BYTES:
        why = f"{len(data):,} bytes is over the {sources.MAX_PARSE_BYTES:,}-byte parse limit"
        warnings.append(f"{path}: {why}; listed, not parsed: its changes are unknown")
        return None, why
    try:
        return (sources.decode(data) if lang == "Python" else data.decode("utf-8", "replace")), None
    except ValueError as e:
        warnings.append(f"{path}: cannot decode ({e}); listed, not parsed: its changes are unknown")
        return None, f"cannot decode it ({e})"


def _syntax_error(parsed: definitions.ParsedSource | None, side: str) -> str | None:
    if parsed is None or parsed.error_line is None:
        return None
    return f"syntax error at line {parsed.error_line} at the {side}: parsed partially"


def _parse(
    path: str | None, source: bytes | None, previous: Tree | None, warnings: list[str]
) -> definitions.ParsedSource | None:
    if source is None:
        return None
    parsed = definitions.parse(source, previous)
    if parsed.error_line is not None:
        warnings.append(
            f"{path}: syntax error at line {parsed.error_line}; parsed partially, "
            "functions near the error may be misclassified"
        )
    return parsed
