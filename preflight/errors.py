"""Errors the user can fix. Anything else that escapes is a bug (exit 3)."""

from __future__ import annotations


class PreflightError(Exception):
    """The user can fix this: the message names the input and says how."""

    exit_code = 2


class GitError(PreflightError):
    """A repository, ref or history problem (not a git repo, unknown ref, shallow clone)."""


class InputError(PreflightError):
    """A bad input file or option value (runtime data, pre-push stdin, event payload)."""
