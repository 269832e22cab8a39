"""runtime/adapters/profiles: the rows every profile adapter builds, with the caller's service and window."""

from __future__ import annotations

from preflight.runtime.adapters.profiles import NOT_FUNCTIONS, ProfileAdapter
from preflight.runtime.schema import FUNCTIONS


def test_a_row_has_every_column_and_the_callers_service_and_window() -> None:
    row = ProfileAdapter(service="cart", window_seconds=30.0).function_row(
        "shop.Cart.add", "shop/cart.py", 12, 5
    )
    assert set(row) == set(FUNCTIONS)
    assert (row["service"], row["qualname"], row["file_path"], row["line"]) == (
        "cart",
        "shop.Cart.add",
        "shop/cart.py",
        12,
    )
    assert (row["calls"], row["calls_per_min"], row["source"]) == (5, 10.0, "profile")
    assert all(row[column] is None for column in set(FUNCTIONS) - {
        "service", "qualname", "file_path", "line", "calls", "calls_per_min", "source"
    })  # fmt: skip


def test_without_a_window_the_rate_is_unknown_and_the_service_too() -> None:
    row = ProfileAdapter().function_row("add", None, None, 3)
    assert (row["service"], row["qualname"], row["calls"], row["calls_per_min"]) == ("unknown", None, 3, None)


def test_module_bodies_and_comprehensions_are_not_functions() -> None:
    assert {"<module>", "<genexpr>", "<listcomp>"} <= NOT_FUNCTIONS
    assert "add" not in NOT_FUNCTIONS
