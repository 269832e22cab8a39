"""propagation/graph.py: the service graph read from CSV (errors name file and line) and the normal
CDF."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from preflight.errors import InputError
from preflight.models import Call
from preflight.propagation import read_csv
from preflight.propagation.graph import PARALLEL

# --- read_csv ------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "graph.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_csv_builds_the_graph(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "caller,callee,calls_per_s,p50_ms,p90_ms,mode,timeout_ms,retries,fallback\n"
        ",front,10,100,300,,,,\n"
        "front,b,20,5,15,parallel,50,2,yes\n",
    )
    graph = read_csv(path)
    assert graph.service("front").requests_per_s == 10
    assert graph.service("front").p50_ms == 100
    assert graph.service("b").requests_per_s == 20
    (call,) = graph.calls()
    assert call == Call("front", "b", 2.0, 5.0, 15.0, PARALLEL, 50.0, 2, True)  # 20 / 10 = 2 per request


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("caller,callee\na,b\n", "{path}: missing column(s) calls_per_s"),
        ("caller,callee,calls_per_s\na,b,1\nb,c,lots\n", "{path}:3: calls_per_s 'lots' is not a number"),
        (
            "caller,callee,calls_per_s,mode\na,b,1,serial\n",
            "{path}:2: mode 'serial' is not sequential or parallel",
        ),
        ("caller,callee,calls_per_s\na,b,-1\n", "{path}:2: calls_per_s '-1' must be a finite number >= 0"),
        ("caller,callee,calls_per_s,retries\na,b,1,1.5\n", "{path}:2: retries 1.5 is not a whole number"),
        (
            "caller,callee,calls_per_s,fallback\na,b,1,maybe\n",
            "{path}:2: fallback 'maybe' is not true or false",
        ),
        ("caller,callee,calls_per_s\na,,1\n", "{path}:2: empty callee"),
        ("caller,callee,calls_per_s,weight\na,b,1,2\n", "{path}: unknown column(s) weight"),
        ("caller,callee,calls_per_s\n", "{path}: no edges"),
    ],
)
def test_read_csv_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        read_csv(path)
    assert message.format(path=path) in str(caught.value)


# --- chunks of trials ----------------------------------------------------------------------


def test_normal_cdf_matches_the_error_function() -> None:

    from preflight.propagation.graph import normal_cdf

    x = np.linspace(-9, 9, 3601)
    exact = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    found = normal_cdf(x)
    assert np.max(np.abs(found - exact)) < 1e-7
    lower = x < 0
    assert np.max(np.abs(found[lower] - exact[lower]) / exact[lower]) < 2e-7  # tails stay relative-accurate
    assert float(normal_cdf(1.6448536)) == pytest.approx(0.95, abs=1e-7)


# --- calls missing from the traces ---------------------------------------------------------


def test_a_declared_call_gets_the_callees_requests_that_traced_calls_do_not_explain() -> None:
    from preflight.models import Service
    from preflight.propagation.graph import ServiceGraph

    # currency serves 25/s; the front end's traced calls explain 10/s * 2 = 20/s; checkout (1/s)
    # calls it without trace context: the other 5/s are checkout's, 5 per checkout request
    services = [
        Service("frontend", requests_per_s=10),
        Service("checkout", requests_per_s=1),
        Service("currency", requests_per_s=25),
    ]
    calls = [Call("frontend", "currency", per_request=2), Call("checkout", "currency")]
    graph = ServiceGraph(services, calls).with_inferred_rates()
    call = graph.graph.edges["checkout", "currency"]["call"]
    assert call.per_request == pytest.approx(5.0)
    assert call.inferred
    assert not graph.graph.edges["frontend", "currency"]["call"].inferred


def test_unexplained_requests_are_split_over_the_untraced_callers_by_their_rates() -> None:
    from preflight.models import Service
    from preflight.propagation.graph import ServiceGraph

    services = [
        Service("a", requests_per_s=3),
        Service("b", requests_per_s=1),
        Service("c", requests_per_s=8),
    ]
    graph = ServiceGraph(services, [Call("a", "c"), Call("b", "c")]).with_inferred_rates()
    # 8/s unexplained: a gets 3/4 of it (6/s, 2 per request), b 1/4 (2/s, 2 per request)
    assert graph.graph.edges["a", "c"]["call"].per_request == pytest.approx(2.0)
    assert graph.graph.edges["b", "c"]["call"].per_request == pytest.approx(2.0)


def test_no_unexplained_requests_or_no_rates_leave_the_call_assumed() -> None:
    from preflight.models import Service
    from preflight.propagation.graph import ServiceGraph

    services = [
        Service("f", requests_per_s=10),
        Service("x", requests_per_s=1),
        Service("c", requests_per_s=15),
    ]
    explained = ServiceGraph(services, [Call("f", "c", per_request=2), Call("x", "c")]).with_inferred_rates()
    assert explained.graph.edges["x", "c"]["call"].per_request is None  # 20/s traced >= 15/s served
    unknown = ServiceGraph(
        [Service("x"), Service("c", requests_per_s=5)], [Call("x", "c")]
    ).with_inferred_rates()
    assert unknown.graph.edges["x", "c"]["call"].per_request is None  # the caller's rate is unknown


def test_an_inferred_rate_is_said_in_the_assumptions() -> None:
    from preflight.models import Service
    from preflight.propagation import parse, simulate
    from preflight.propagation.graph import ServiceGraph

    services = [Service("checkout", requests_per_s=1), Service("currency", requests_per_s=5)]
    graph = ServiceGraph(services, [Call("checkout", "currency")]).with_inferred_rates()
    impact = simulate(graph, [parse("currency:error=0.1")], trials=100)
    assert any(
        "checkout->currency: 5.0 per request, from currency's requests that traced calls do not explain"
        in note
        for note in impact.assumptions
    )
