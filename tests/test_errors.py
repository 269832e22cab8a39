"""preflight.errors: the errors a user can fix exit 2; git and input problems are among them."""

from __future__ import annotations

import pytest

from preflight.errors import GitError, InputError, PreflightError


@pytest.mark.parametrize("kind", [PreflightError, GitError, InputError])
def test_every_user_error_exits_2_with_its_message(kind: type[PreflightError]) -> None:
    with pytest.raises(PreflightError, match="fix the input") as caught:
        raise kind("fix the input")
    assert caught.value.exit_code == 2
    assert str(caught.value) == "fix the input"


def test_a_bug_is_not_a_user_error() -> None:
    assert not issubclass(ValueError, PreflightError)
    assert not issubclass(GitError, InputError) and not issubclass(InputError, GitError)
