"""propagation/sampling.py: scenarios of requests, stratified draws, lattices and quantiles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from preflight.propagation import sampling


def test_layout_splits_trials_into_scenarios_of_about_100_requests() -> None:
    assert sampling.layout(10_000) == sampling.Layout(100, 100)
    assert sampling.layout(2_000).trials == 2_000
    assert sampling.layout(150) == sampling.Layout(2, 75)
    assert sampling.layout(40) == sampling.Layout(1, 40)
    assert sampling.layout(10_000, uncertain=False) == sampling.Layout(1, 10_000)  # nothing to vary


def test_a_lognormal_is_read_back_from_its_stratified_requests() -> None:
    z = sampling.normal_points(1000)
    values = sampling.lognormal(10.0, 30.0, z)
    p50, p90 = sampling.quantiles(values, (0.5, 0.9))
    assert float(p50) == pytest.approx(10.0, rel=1e-3) and float(p90) == pytest.approx(30.0, rel=1e-3)
    assert sampling.lognormal(None, 30.0, z).tolist() == [30.0] * 1000  # one known: constant
    assert not sampling.lognormal(None, None, z).any()


def test_hazen_quantiles_interpolate_between_the_two_nearest_requests() -> None:
    values = np.array([[4.0, 1.0, 3.0, 2.0]])  # sorted 1 2 3 4: q * 4 - 0.5
    p50, p90 = sampling.quantiles(values, (0.5, 0.9))
    assert float(p50[0]) == 2.5  # position 1.5
    assert float(p90[0]) == 4.0  # position 3.1, clipped to the last


def test_below_counts_the_stratified_draws_under_a_share() -> None:
    assert sampling.below(0.2, 100) == 20
    assert sampling.below(0.125, 4) == 0  # draws 0.125, 0.375, ...: none strictly below 0.125
    assert sampling.below(0.13, 4) == 1
    assert sampling.below(1.0, 7) == 7 and sampling.below(0.0, 7) == 0


def test_lattice_multipliers_are_permutations_spread_evenly() -> None:
    found = sampling.multipliers(100, 40)
    assert all(math.gcd(int(m), 100) == 1 for m in found)
    order = sampling.lattice(found[:1], np.array([[0, 7]]), 100)
    assert order.shape == (1, 2, 100)
    assert sorted(order[0, 0].tolist()) == list(range(100))  # a permutation in every scenario
    assert order[0, 1].tolist() == ((order[0, 0] + 7) % 100).tolist()  # shifted per scenario
    # the best multiplier's lattice has no two points closer than sqrt(2 B / sqrt 3) / 1.5
    assert sampling._shortest(int(found[0]), 100) > math.sqrt(200 / math.sqrt(3)) / 1.5
