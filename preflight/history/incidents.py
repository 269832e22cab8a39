"""Labels from an incidents file: which commits or pull requests caused an incident.

Accepted formats (UTF-8):
- CSV with a header row: an `incident` column and a `commit` and/or `pr` column;
  each row names a commit (sha or unique prefix of at least 7 hex digits) or a
  pull request number (`123` or `#123`).
- JSON: a list of objects {"incident": ..., "commit": ...} or {"incident": ..., "pr": ...},
  or one object mapping keys to incident ids, where a key is a sha or `#123`.
A pull request maps to its squash commit (subject ending in "(#123)") or, for a
merge ("Merge pull request #123 ..."), to the commits it merged.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from preflight import repository
from preflight.errors import InputError
from preflight.history.features import History

_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
_PR = re.compile(r"^#?([0-9]{1,9})$")


@dataclass(frozen=True, slots=True)
class Incident:
    """One line of an incidents file."""

    incident: str
    commit: str | None
    """A sha or sha prefix, lower case."""
    pr: int | None
    where: str
    """File and line ("incidents.csv:3"), for messages."""


def _entry(path: Path, line: int, incident: object, commit: object, pr: object) -> Incident:
    where = f"{path}:{line}"
    if incident in (None, ""):
        raise InputError(f"{where}: missing incident id; every entry needs an 'incident'")
    sha = str(commit).strip() if commit not in (None, "") else None
    number = str(pr).strip() if pr not in (None, "") else None
    if (sha is None) == (number is None):
        raise InputError(f"{where}: give exactly one of 'commit' (a sha) or 'pr' (a number)")
    if sha is not None and not _SHA.match(sha):
        raise InputError(f"{where}: {sha!r} is not a commit sha (7 to 40 hex digits)")
    match = _PR.match(number) if number is not None else None
    if number is not None and match is None:
        raise InputError(f"{where}: {number!r} is not a pull request number (like 123 or #123)")
    return Incident(
        str(incident), sha.lower() if sha else None, int(match.group(1)) if match else None, where
    )


def _line_of(text: str, value: object) -> int:
    at = text.find(json.dumps(value))
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def load(path: str | Path) -> tuple[Incident, ...]:
    """Read an incidents file (CSV or JSON, by extension; anything not .json is CSV)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{file}: cannot read incidents file ({e})") from e
    if file.suffix.lower() == ".json":
        return _load_json(file, text)
    rows = csv.DictReader(io.StringIO(text))
    fields = set(rows.fieldnames or ())
    if "incident" not in fields or not fields & {"commit", "pr"}:
        raise InputError(f"{file}:1: the header needs an 'incident' column and a 'commit' or 'pr' column")
    return tuple(
        _entry(file, rows.line_num, row.get("incident"), row.get("commit"), row.get("pr")) for row in rows
    )


def _load_json(file: Path, text: str) -> tuple[Incident, ...]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{file}:{e.lineno}: not valid JSON ({e.msg})") from e
    if isinstance(document, dict):
        return tuple(
            _entry(
                file,
                _line_of(text, key),
                value,
                None if key.startswith("#") else key,
                key if key.startswith("#") else None,
            )
            for key, value in document.items()
        )
    if not isinstance(document, list):
        raise InputError(f"{file}:1: expected a list of incident objects or an object of key -> incident")
    entries = []
    for item in document:
        if not isinstance(item, dict):
            raise InputError(f"{file}:{_line_of(text, item)}: each entry must be an object with 'incident'")
        line = _line_of(text, item.get("commit", item.get("pr", item.get("incident"))))
        entries.append(_entry(file, line, item.get("incident"), item.get("commit"), item.get("pr")))
    return tuple(entries)


def labels(
    repo: str | Path, history: History, incidents: tuple[Incident, ...]
) -> tuple[set[str], tuple[Incident, ...]]:
    """(commits of history that caused an incident, incidents that matched no commit of it)."""
    shas = [c.sha for c in history.commits]
    squash = {}
    for c in history.commits:
        if m := re.search(r"\(#(\d+)\)\s*$", c.subject):
            squash[int(m.group(1))] = c.sha
    merges = {}
    for merge in history.merges:
        if m := re.match(r"Merge pull request #(\d+)\b", merge.subject):
            merges[int(m.group(1))] = merge.parents
    selected, unmatched = set(), []
    in_history = set(shas)
    for item in incidents:
        found: set[str] = set()
        if item.commit is not None:
            found = {s for s in shas if s.startswith(item.commit)}
            if len(found) > 1:
                raise InputError(
                    f"{item.where}: commit prefix {item.commit!r} is ambiguous; give more digits"
                )
        elif item.pr in squash:
            found = {squash[item.pr]}
        elif item.pr in merges:
            found = repository.merged_commits(Path(repo), *merges[item.pr][:2]) & in_history
        if found:
            selected |= found
        else:
            unmatched.append(item)
    return selected, tuple(unmatched)
