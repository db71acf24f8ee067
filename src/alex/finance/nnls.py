"""Non-negative least squares (Lawson & Hanson, 1974), for the small rebalancing problem.

NumPy only, so the engines need no SciPy. Problem sizes here are tens of variables."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def nnls(a: FloatArray, b: FloatArray, *, max_iter: int | None = None) -> FloatArray:
    """Return x ≥ 0 minimising ‖a·x − b‖₂."""
    _, n = a.shape
    x = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    tol = 10.0 * np.finfo(float).eps * float(np.abs(a).sum(axis=0).max(initial=0.0)) * max(a.shape)
    gradient = a.T @ (b - a @ x)
    for _ in range(max_iter if max_iter is not None else 3 * n + 10):
        free = ~passive
        if not free.any() or float(np.max(gradient[free], initial=-np.inf)) <= tol:
            break
        j = int(np.argmax(np.where(free, gradient, -np.inf)))
        passive[j] = True
        while True:
            s = np.zeros(n)
            s[passive] = np.linalg.lstsq(a[:, passive], b, rcond=None)[0]
            if bool(np.all(s[passive] > tol)):
                break
            # Step back towards x until the first passive variable hits zero, then drop it.
            blocking = passive & (s <= tol)
            step = x[blocking] - s[blocking]
            ratios = np.divide(x[blocking], step, out=np.zeros_like(step), where=step > 0)
            alpha = float(np.min(ratios))
            x = x + alpha * (s - x)
            passive &= x > tol
            x[~passive] = 0.0
            if not passive.any():
                s = np.zeros(n)
                break
        x = s
        gradient = a.T @ (b - a @ x)
    return np.maximum(x, 0.0)
