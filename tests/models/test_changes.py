"""models/changes.py: which changes are behavioural, and the change values are frozen."""

from __future__ import annotations

import dataclasses

import pytest

from preflight.models import ChangeKind, FunctionChange, LineSpan


def _change(kind: ChangeKind) -> FunctionChange:
    return FunctionChange("m.py", "m.py", "m.f", "m.f", kind, (), LineSpan(1, 3), LineSpan(1, 3), 1, 1)


@pytest.mark.parametrize(
    ("kind", "behavioural"),
    [
        (ChangeKind.ADDED, True),
        (ChangeKind.REMOVED, True),
        (ChangeKind.MODIFIED, True),
        (ChangeKind.READS_CHANGED, True),
        (ChangeKind.RENAMED, False),
        (ChangeKind.COSMETIC, False),
    ],
)
def test_only_behavioural_kinds_are_behavioural(kind: ChangeKind, behavioural: bool) -> None:
    assert _change(kind).behavioural is behavioural


def test_change_kinds_are_their_words_and_values_are_frozen() -> None:
    assert ChangeKind("reads-changed") is ChangeKind.READS_CHANGED
    change = _change(ChangeKind.MODIFIED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.kind = ChangeKind.ADDED  # type: ignore[misc]
