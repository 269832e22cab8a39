"""propagation/sparse.py: the engine's sparse products against dense ones."""

from __future__ import annotations

import numpy as np

from preflight.propagation.sparse import MaskedRows, SparseRows


def test_sparse_rows_multiply_like_a_dense_matrix_and_add_duplicates() -> None:
    rng = np.random.default_rng(7)
    at, to = [3, 0, 3, 5, 3], [1, 2, 1, 0, 4]  # (3, 1) twice; rows 1, 2, 4 have no entries
    values = [0.5, 2.0, 1.5, 1.0, 3.0]
    dense = np.zeros((6, 5))
    for a, b, v in zip(at, to, values, strict=True):
        dense[a, b] += v
    x = rng.random((5, 4))
    assert np.allclose(SparseRows(values, at, to, (6, 5)) @ x, dense @ x, rtol=0, atol=1e-12)


def test_masked_rows_add_the_callees_requests_where_the_call_is_made() -> None:
    # pool: 2 slots x 1 scenario x 4 requests, as ranks (rank i stands for the draw (i + 0.5) / 4);
    # caller 0 calls callee 1 (slot 0, share 0.5: ranks 0, 1) and callee 2 (slot 1, share 0.3:
    # rank 0, the one draw below 0.3); caller 3 calls callee 2 (slot 0, share 0.9: every rank)
    pool = np.array([[[0, 3, 1, 2]], [[2, 0, 3, 1]]])
    seen = np.array([[0.0] * 4, [1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0], [0.0] * 4])
    delay = np.zeros((4, 4))
    MaskedRows([0, 1, 0], [0.5, 0.3, 0.9], [0, 0, 3], [1, 2, 2]).made(pool, {}).add(seen, delay)
    # caller 0: callee 1 where slot 0 < 0.5 (requests 0, 2): 1, 3; callee 2 where slot 1 < 0.3 (request 1): 20
    assert delay[0].tolist() == [1.0, 20.0, 3.0, 0.0]
    # caller 3: callee 2 where slot 0 < 0.9 (every request)
    assert delay[3].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert not delay[1].any() and not delay[2].any()


def test_masked_rows_add_a_callers_calls_in_every_scenario_and_skip_calls_made_in_no_request() -> None:
    # 2 scenarios x 3 requests; caller 1 calls callee 0 twice (slots 0 and 1, shares 2/3 and 1/3)
    # and callee 2 at a share no request reaches (0.1 * 3 rounds to 0)
    pool = np.array([[[0, 1, 2], [2, 0, 1]], [[1, 0, 2], [0, 2, 1]]])
    seen = np.array([[1.0, 2.0, 4.0, 8.0, 16.0, 32.0], [0.0] * 6, [100.0] * 6])
    delay = np.zeros((2, 6))
    MaskedRows([0, 1, 1], [2 / 3, 1 / 3, 0.1], [1, 1, 1], [0, 0, 2]).made(pool, {}).add(seen, delay)
    # slot 0 (ranks 0, 1): scenario 0 requests 0, 1; scenario 1 requests 1, 2 (ranks 0, 1)
    # slot 1 (rank 0): scenario 0 request 1; scenario 1 request 0
    assert delay[1].tolist() == [1.0, 2.0 + 2.0, 0.0, 8.0, 16.0, 32.0]
    assert not delay[0].any()
