"""Reach from entry points and traffic inferred from callers (pure functions over a graph)."""

from __future__ import annotations

from preflight.callgraph.reach import callers_of, infer, non_production, routes
from preflight.config import Config
from preflight.models import InferredTraffic as Inferred
from preflight.models import ReachRoute as Route

EDGES = {
    "app.views.cart": frozenset({"app.cart.load", "app.cart.total"}),
    "app.views.checkout": frozenset({"app.cart.total", "app.pay.charge"}),
    "app.cart.total": frozenset({"app.pricing.discount"}),
    "app.cart.load": frozenset(),
    "app.pricing.discount": frozenset({"app.pricing.discount"}),  # recursion is not a caller of itself
    "app.jobs.nightly": frozenset({"app.pricing.discount"}),
    "app": frozenset({"app.pricing.discount"}),  # module-level code
}
ENTRIES = {
    "app.views.cart": ["GET /cart"],
    "app.views.checkout": ["POST /checkout"],
    "app.jobs.nightly": ["celery task nightly"],
}


def test_routes_are_shortest_and_nearest_first() -> None:
    found = routes("app.pricing.discount", callers_of(EDGES), ENTRIES)
    assert found == (
        Route("app.jobs.nightly", "celery task nightly", ("app.jobs.nightly", "app.pricing.discount")),
        Route("app.views.cart", "GET /cart", ("app.views.cart", "app.cart.total", "app.pricing.discount")),
        Route(
            "app.views.checkout",
            "POST /checkout",
            ("app.views.checkout", "app.cart.total", "app.pricing.discount"),
        ),
    )
    assert routes("app.pricing.discount", callers_of(EDGES), ENTRIES, limit=1)[0].entry == "app.jobs.nightly"
    assert routes("app.cart.load", callers_of(EDGES), {}) == ()


def test_an_entry_point_reaches_itself() -> None:
    assert routes("app.views.cart", callers_of(EDGES), ENTRIES) == (
        Route("app.views.cart", "GET /cart", ("app.views.cart",)),
    )


def test_inferred_traffic_from_callers() -> None:
    reverse = callers_of(EDGES)
    assert infer(
        "app.cart.total", reverse, {"app.views.cart": 100.0, "app.views.checkout": 20.0}
    ) == Inferred(120.0, "medium", (("app.views.cart", 100.0), ("app.views.checkout", 20.0)), 0)
    partial = infer("app.pricing.discount", reverse, {"app.cart.total": 120.0})
    assert partial == Inferred(120.0, "low", (("app.cart.total", 120.0),), 2)
    assert infer("app.pricing.discount", reverse, {}) is None
    assert infer("app.views.cart", reverse, {"x": 1.0}) is None  # nobody calls it


def test_inferred_traffic_lives_in_the_busiest_callers_service() -> None:
    reverse = callers_of(EDGES)
    rates = {"app.views.cart": 20.0, "app.views.checkout": 100.0}
    homes = {"app.views.cart": "web", "app.views.checkout": "checkout"}
    found = infer("app.cart.total", reverse, rates, homes)
    assert found is not None and found.service == "checkout"
    unknown_home = infer("app.cart.total", reverse, rates, {"app.views.cart": "web"})
    assert unknown_home is not None and unknown_home.service is None  # the busiest caller's is unknown


def test_labels_read_like_how_the_entry_point_is_invoked() -> None:
    from preflight.callgraph.reach import label

    assert label("http", "flask", "GET /cart") == "GET /cart"
    assert label("cli", "click", "check") == "click command check"
    assert label("task", "celery", "sync") == "celery task sync"
    assert label("grpc", "grpc", "Cart/Add") == "grpc method Cart/Add"
    assert label("main", "python", "python -m app") == "python -m app"
    assert label("cli", "argparse", "") == "argparse command"


def test_non_production_names_functions_and_modules_by_their_file() -> None:
    functions = {
        "pkg.core.run": ("src/pkg/core.py", 1, 3),
        "tests.test_core.test_run": ("tests/test_core.py", 4, 9),
        "tests.test_core.test_run.cli": ("tests/test_core.py", 5, 7),
        "docs.conf.setup": ("docs/conf.py", 1, 2),
    }
    nodes = [*functions, "pkg.core", "tests.test_core", "tests", "pkg", "scripts.release"]
    found = non_production(functions, nodes, Config().is_production)
    # a module without a def is found by its dotted name (tests -> tests.py or tests/__init__.py)
    assert all((name in found) == (name in set(found)) for name in [*nodes, "elsewhere.f"])
    assert set(found) == {
        "tests.test_core.test_run",
        "tests.test_core.test_run.cli",
        "docs.conf.setup",
        "tests.test_core",
        "tests",
        "scripts.release",
    }
    taken_back = Config(production=("tests/test_core.py",))
    assert set(non_production(functions, nodes, taken_back.is_production)) == {
        "docs.conf.setup",
        "tests",
        "scripts.release",
    }


def test_routes_and_inference_skip_excluded_callers() -> None:
    reverse = callers_of(EDGES)
    excluded = frozenset({"app.jobs.nightly", "app.cart.total"})
    entries = {name: labels for name, labels in ENTRIES.items() if name not in excluded}
    assert routes("app.pricing.discount", reverse, entries, excluded=excluded) == ()
    rates = {"app.jobs.nightly": 100.0, "app": 2.0}
    found = infer("app.pricing.discount", reverse, rates, excluded=excluded)
    assert found == Inferred(2.0, "medium", (("app", 2.0),), 0)
