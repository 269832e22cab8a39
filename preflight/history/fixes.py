"""Which commits fix a bug, and which revert another: from more than the subject's words.

A fix (is_fix) names a fix in its subject (FIX_PATTERN) or closes an issue in its
message ("fixes #12", "closes gh-3"), and its subject is not about typos, lint, style,
formatting, docs, tests, CI, packaging or releases (TRIVIAL): 32-41% of the commits the
words alone match are such. Whether the fix touches production code is decided where its
diff is read (szz.fix_diffs: only deleted or modified non-blank, non-comment lines of
non-test, non-vendored .py files are blamed, so a fix of tests or docs blames nothing).

A revert (`Revert "..."` with git's "This reverts commit <sha>." line) links the reverted
commit directly: it was bad enough to take back, whatever its lines were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FIX_PATTERN = re.compile(r"\b(fix|fixe[sd]|fixing|bugs?|defects?|patch|crash|regression|errors?)\b", re.I)
"""The words of a fix in a subject, word-bounded, any case."""
TRIVIAL = re.compile(
    r"\b(typos?|spelling|grammar|wording|lint(ing|er)?|flake8|pep ?8|pylint|ruff|mypy|pyright|"
    r"isort|black|format(ting|ter)?|style|whitespace|indentation|docs?|docstrings?|documentation|"
    r"readme|changelog|changes\.rst|comments?|tests?|testing|ci|travis|appveyor|tox|coverage|"
    r"(deprecation )?warnings?|packaging|release|copyright)\b",
    re.I,
)
"""A subject with one of these words is about something other than production behaviour."""
CLOSES = re.compile(
    r"\b(fix(e[sd])?|close[sd]?|resolve[sd]?)\s*:?\s+(#|gh-|[\w.-]+/[\w.-]+#|https://github\.com/\S+/issues/)\d+",
    re.I,
)
"""A message that closes an issue as GitHub reads it ("Fixes #12", "closes gh-3", "fixes org/repo#4")."""
REVERTS = re.compile(r"This reverts commit ([0-9a-f]{7,40})")
"""The line `git revert` writes into the message."""
INITIAL = re.compile(
    r"\b(initial (import|commit|version|revision|release|check-?in)|"
    r"import(ed)? (from|of) (svn|subversion|cvs|hg|mercurial|bzr|sourceforge))\b",
    re.I,
)
"""A subject that says the commit imports code written elsewhere (never blamed)."""


@dataclass(frozen=True, slots=True)
class Message:
    """A commit's message as the fix detector reads it."""

    sha: str
    parents: int
    subject: str
    body: str
    """The message after the subject line."""


def parse_messages(text: str) -> dict[str, Message]:
    """Messages from `git log --format=%H%x1f%P%x1f%B%x1e` output, by sha."""
    found: dict[str, Message] = {}
    for record in text.split("\x1e"):
        fields = record.strip("\n").split("\x1f", 2)
        if len(fields) != 3:
            continue
        sha, parents, message = fields
        subject, _, body = message.strip("\n").partition("\n")
        found[sha] = Message(sha, len(parents.split()), subject.strip(), body)
    return found


def subject_says_fix(subject: str) -> bool:
    """Whether a subject alone says the commit fixes a bug in behaviour: FIX_PATTERN, and neither
    TRIVIAL nor a revert. The history features use this (is_fix, past_fixes): the pending change's
    file histories carry subjects only, and closing references in the body changed the
    leave-one-project-out ROC-AUC of the development projects by less than 0.002 (measured once, see
    bench/results/backtest-crossproject.md)."""
    if subject.startswith(("Revert ", 'Revert"')) or TRIVIAL.search(subject):
        return False
    return FIX_PATTERN.search(subject) is not None


def is_fix(message: Message) -> bool:
    """Whether the message says the commit fixes a bug in behaviour (see the module's docstring)."""
    if is_revert(message) is not None or TRIVIAL.search(message.subject):
        return False
    return FIX_PATTERN.search(message.subject) is not None or CLOSES.search(message.body) is not None


def is_revert(message: Message) -> str | None:
    """The (possibly abbreviated) sha a revert commit reverts, or None."""
    if not message.subject.startswith(("Revert ", 'Revert"')):
        return None
    found = REVERTS.search(message.body)
    return found.group(1) if found else None


def is_initial_import(message: Message) -> bool:
    """A root commit, or one whose subject says it imports code from elsewhere."""
    return message.parents == 0 or INITIAL.search(message.subject) is not None
