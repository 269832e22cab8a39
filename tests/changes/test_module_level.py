"""module_level: module- and class-level changes as entries, and the functions reading them."""

from __future__ import annotations

from preflight.changes.changeset import file_pair
from preflight.changes.matching import classify as classify_functions
from preflight.changes.module_level import classify
from preflight.models import ChangeKind, LineSpan

OLD = "RATE = 1\n\n\ndef price(x):\n    return x * RATE\n\n\ndef other():\n    return 0\n"


def entries(old: str, new: str) -> list[tuple[str, str, str | None, tuple[str, ...], tuple[str, ...]]]:
    warnings: list[str] = []
    pair = file_pair("shop.py", "shop.py", old, new, warnings)
    functions, _ = classify_functions([pair])
    found = classify([pair], functions)
    assert warnings == []
    return [(f.qualname, f.kind.value, f.scope, f.names, f.read_by) for f in found]


def test_changed_constant_is_a_module_entry_and_its_reader_is_exposed() -> None:
    new = OLD.replace("RATE = 1", "RATE = 2")
    assert entries(OLD, new) == [
        ("shop", "modified", "module", ("RATE",), ("shop.price",)),
        ("shop.price", "reads-changed", "function", ("RATE",), ()),
    ]


def test_reader_already_changed_is_not_listed_twice() -> None:
    new = OLD.replace("RATE = 1", "RATE = 2").replace("x * RATE", "x * RATE + 1")
    assert entries(OLD, new) == [
        ("shop", "modified", "module", ("RATE",), ("shop.price",)),
        ("shop.price", "modified", "function", (), ()),
    ]


def test_class_attribute_change_is_a_class_entry() -> None:
    old = "class Cart:\n    LIMIT = 3\n\n    def full(self):\n        return len(self.items) > self.LIMIT\n"
    new = old.replace("LIMIT = 3", "LIMIT = 5")
    assert entries(old, new) == [
        ("shop.Cart", "modified", "class", ("LIMIT",), ("shop.Cart.full",)),
        ("shop.Cart.full", "reads-changed", "function", ("LIMIT",), ()),
    ]


def test_comment_only_module_edit_adds_nothing() -> None:
    assert entries(OLD, OLD.replace("RATE = 1", "RATE = 1  # per unit")) == []


def test_spans_and_line_counts_of_the_scope_entry() -> None:
    warnings: list[str] = []
    new = OLD.replace("RATE = 1", "RATE = 2\nTAX = 3")
    pair = file_pair("shop.py", "shop.py", OLD, new, warnings)
    (scope, reader) = classify([pair], ())
    assert (scope.old_lines, scope.new_lines) == (LineSpan(1, 1), LineSpan(1, 2))
    assert (scope.removed_lines, scope.added_lines) == (1, 2)
    assert scope.names == ("RATE", "TAX")
    assert (reader.kind, reader.new_lines, reader.old_lines) == (
        ChangeKind.READS_CHANGED,
        LineSpan(5, 6),
        LineSpan(4, 5),
    )


def test_partially_parsed_file_reports_no_module_entries() -> None:
    warnings: list[str] = []
    pair = file_pair("shop.py", "shop.py", OLD, OLD.replace("RATE = 1", "RATE = (1"), warnings)
    assert classify([pair], ()) == ()
