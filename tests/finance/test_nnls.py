"""The NumPy NNLS used by the rebalancer meets the optimality (KKT) conditions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alex.finance.nnls import nnls


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 12), cols=st.integers(1, 10))
def test_solution_is_optimal(seed: int, rows: int, cols: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(rows, cols))
    b = rng.normal(size=rows)
    x = nnls(a, b)
    gradient = a.T @ (b - a @ x)  # minus the gradient of ½‖ax − b‖²
    assert (x >= 0).all()
    assert (gradient <= 1e-8).all()  # no improving direction among the free variables
    assert np.abs(gradient[x > 1e-10]).max(initial=0.0) <= 1e-8  # stationary on the support


def test_recovers_a_non_negative_exact_solution() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(8, 4))
    truth = np.array([1.0, 0.0, 2.5, 0.3])
    np.testing.assert_allclose(nnls(a, a @ truth), truth, atol=1e-10)


def test_clips_where_the_unconstrained_answer_is_negative() -> None:
    x = nnls(np.eye(2), np.array([-1.0, 2.0]))
    assert x == pytest.approx([0.0, 2.0])
