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
