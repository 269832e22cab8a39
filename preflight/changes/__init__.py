"""Stage 1, changes: from two revisions to every changed file and function."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from preflight.changes import definitions, sources
from preflight.changes.matching import FilePair, classify
from preflight.changes.revisions import resolve
from preflight.models import ChangeSet, FileChange, RevisionRange
from preflight.repository import MODE_SUBMODULE, MODE_SYMLINK, RawChange, Repository

__all__ = ["analyze", "compute"]


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
    for raw in repo.diff_raw(revisions.merge_base, revisions.head_sha):
        file, pair = _read(repo, raw, warnings)
        files.append(file)
        if pair is not None:
            pairs.append(pair)
    functions, more = classify(pairs)
    warnings.extend(more)
    return ChangeSet(revisions, tuple(files), functions, tuple(warnings))


def _read(repo: Repository, raw: RawChange, warnings: list[str]) -> tuple[FileChange, FilePair | None]:
    """Describe one changed path and, for Python text, parse both versions."""
    path = raw.new_path or raw.old_path or ""
    special = _special_kind(raw)
    old_data = repo.read_blob(raw.old_blob) if raw.old_blob and not special else None
    new_data = repo.read_blob(raw.new_blob) if raw.new_blob and not special else None
    lang = special or sources.language(path, new_data if new_data is not None else old_data)
    old_text = _text(raw.old_path, old_data, lang, warnings)
    new_text = _text(raw.new_path, new_data, lang, warnings)
    removed, added = sources.changed_lines(old_text or "", new_text or "")
    parseable = lang == "Python" and (old_text is not None or old_data is None) and (
        new_text is not None or new_data is None
    )
    pair = None
    parsed = "no"
    if parseable:
        old = _parse(raw.old_path, old_text, warnings)
        new = _parse(raw.new_path, new_text, warnings)
        parsed = "partial" if old[1] or new[1] else "full"
        pair = FilePair(
            old_path=raw.old_path,
            new_path=raw.new_path,
            old_module=sources.module_name(raw.old_path) if raw.old_path else None,
            new_module=sources.module_name(raw.new_path) if raw.new_path else None,
            old=old[0],
            new=new[0],
            removed_lines=removed,
            added_lines=added,
            old_partial=old[1],
            new_partial=new[1],
        )
    file = FileChange(
        path=path,
        old_path=raw.old_path,
        status=raw.status,
        language=lang,
        parsed=parsed,
        added_lines=len(added),
        removed_lines=len(removed),
    )
    return file, pair


def _special_kind(raw: RawChange) -> str | None:
    modes = {raw.old_mode, raw.new_mode}
    if MODE_SUBMODULE in modes:
        return "submodule"
    if MODE_SYMLINK in modes:
        return "symlink"
    return None


def _text(path: str | None, data: bytes | None, lang: str, warnings: list[str]) -> str | None:
    """Decoded text of a version worth diffing, or None (absent, binary, too large, undecodable)."""
    if data is None or lang == "binary":
        return None
    if len(data) > sources.MAX_PARSE_BYTES:
        warnings.append(
            f"{path}: {len(data):,} bytes is over the {sources.MAX_PARSE_BYTES:,}-byte limit; listed, not parsed"
        )
        return None
    try:
        return sources.decode(data) if lang == "Python" else data.decode("utf-8", "replace")
    except ValueError as e:
        warnings.append(f"{path}: cannot decode ({e}); listed, not parsed")
        return None


def _parse(
    path: str | None, text: str | None, warnings: list[str]
) -> tuple[dict[str, definitions.Definition], bool]:
    if text is None:
        return {}, False
    parsed = definitions.parse(text.encode("utf-8", "surrogatepass"))
    if parsed.error_line is not None:
        warnings.append(
            f"{path}: syntax error at line {parsed.error_line}; parsed partially, "
            "functions near the error may be misclassified"
        )
    return parsed.definitions, parsed.error_line is not None
