from __future__ import annotations

import pytest

from preflight.history.fixes import Message, is_fix, is_initial_import, is_revert, parse_messages


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("Fix crash on empty input", "", True),
        ("Handle empty input", "Fixes #123.", True),
        ("Handle empty input", "closes gh-7", True),
        ("Handle empty input", "See #123.", False),
        ("Fix typo in the option help", "", False),
        ("fix flake8 errors", "", False),
        ("Fix docs build", "", False),
        ("fix failing tests on windows", "", False),
        ("Add a progress bar", "", False),
        ('Revert "Fix crash"', "This reverts commit " + "a" * 40 + ".", False),
    ],
)
def test_is_fix(subject: str, body: str, expected: bool) -> None:
    assert is_fix(Message("s", 1, subject, body)) is expected


def test_reverts_and_initial_imports() -> None:
    text = f'{"a" * 40}\x1f{"b" * 40}\x1fRevert "x"\n\nThis reverts commit {"c" * 40}.\n\x1e\n'
    text += f"{'b' * 40}\x1f\x1fInitial commit\n\x1e\n"
    messages = parse_messages(text)
    assert is_revert(messages["a" * 40]) == "c" * 40
    assert is_revert(messages["b" * 40]) is None
    assert is_initial_import(messages["b" * 40]) and not is_initial_import(messages["a" * 40])
    assert is_initial_import(Message("c", 1, "Initial import from SVN", ""))
