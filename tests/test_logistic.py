"""reader.logistic: the "for you" model's regression, checked against LIBLINEAR (scikit-learn)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse import random as sparse_random
from sklearn.linear_model import LogisticRegression

from reader import logistic


def as_rows(matrix: csr_matrix) -> logistic.Rows:
    coo = matrix.tocoo()
    order = np.lexsort((coo.col, coo.row))
    return logistic.Rows(
        coo.data[order].astype(float),
        coo.row[order].astype(np.int64),
        coo.col[order].astype(np.int64),
        matrix.shape[0],
        matrix.shape[1],
    )


def liblinear(matrix: csr_matrix, kept: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", tol=1e-12, max_iter=10_000)
    return model.fit(matrix, kept.astype(int))


def problem(seed: int, n: int, d: int, density: float, share: float) -> tuple[csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    matrix = sparse_random(n, d, density=density, format="csr", random_state=seed, dtype=float)
    kept = rng.random(n) < share
    kept[0], kept[1] = True, False  # both classes, always
    return matrix, kept


@pytest.mark.parametrize(
    ("seed", "n", "d", "density", "share", "c"),
    [
        (1, 12, 30, 0.2, 0.5, 4.0),  # fewer samples than features, as early on
        (2, 300, 2_000, 0.02, 0.15, 4.0),  # unbalanced: few kept
        (3, 300, 2_000, 0.02, 0.85, 4.0),  # unbalanced: few skipped
        (4, 1_500, 12_000, 0.004, 0.4, 0.5),
        (5, 60, 40, 0.5, 0.5, 100.0),  # nearly unregularised
        (6, 40, 300, 0.002, 0.5, 4.0),  # most rows have no entry at all
    ],
)
def test_the_fit_is_liblinears(seed: int, n: int, d: int, density: float, share: float, c: float) -> None:
    matrix, kept = problem(seed, n, d, density, share)
    reference = liblinear(matrix, kept, c)
    ours = logistic.fit(as_rows(matrix), np.where(kept, 1.0, -1.0), c)
    assert ours.weights == pytest.approx(reference.coef_[0], abs=1e-6)
    assert ours.intercept == pytest.approx(float(reference.intercept_[0]), abs=1e-6)
    # and it is the minimum: no lower than LIBLINEAR's answer, with a vanishing gradient
    labels = np.where(kept, 1.0, -1.0)
    sample = logistic.balanced_weights(labels)
    rows = as_rows(matrix)
    ours_value = logistic.objective(rows, labels, sample, c, ours.weights, ours.intercept)
    their_value = logistic.objective(rows, labels, sample, c, reference.coef_[0], float(reference.intercept_[0]))
    assert ours_value <= their_value + 1e-9 * max(1.0, abs(their_value))
    start = np.linalg.norm(np.append(*logistic.gradient(rows, labels, sample, c, np.zeros(d), 0.0)))
    assert ours.gradient_norm <= 1e-7 * start


def test_separable_data_with_large_margins_stays_finite() -> None:
    """Papers told apart by one term, with a weak penalty: the margins grow large, and no
    exponential may overflow on the way (NumPy is told to raise on any)."""
    n = 200
    kept = np.arange(n) % 2 == 0
    cols = np.where(kept, 0, 1).astype(np.int64)
    matrix = csr_matrix((np.full(n, 50.0), (np.arange(n), cols)), shape=(n, 3))
    with np.errstate(all="raise"):
        ours = logistic.fit(as_rows(matrix), np.where(kept, 1.0, -1.0), 1e4)
    assert np.isfinite(ours.weights).all() and np.isfinite(ours.intercept)
    assert ours.weights[0] > 0 > ours.weights[1] and ours.weights[2] == 0.0
    reference = liblinear(matrix, kept, 1e4)
    assert ours.weights == pytest.approx(reference.coef_[0], rel=1e-5, abs=1e-6)


def test_one_class_only_is_refused() -> None:
    matrix, _ = problem(7, 10, 5, 0.5, 0.5)
    with pytest.raises(ValueError, match="both classes"):
        logistic.fit(as_rows(matrix), np.ones(10), 4.0)


def test_the_sparse_products_are_the_dense_ones() -> None:
    matrix, _ = problem(8, 30, 50, 0.1, 0.5)
    rows = as_rows(matrix)
    rng = np.random.default_rng(9)
    v, u = rng.normal(size=50), rng.normal(size=30)
    dense = matrix.toarray()
    assert rows.times(v) == pytest.approx(dense @ v, abs=1e-12)
    assert rows.transposed_times(u) == pytest.approx(dense.T @ u, abs=1e-12)


def test_balanced_weights_give_each_class_half_the_total() -> None:
    labels = np.array([1.0, -1.0, -1.0, -1.0, 1.0, -1.0])
    weights = logistic.balanced_weights(labels)
    assert weights[labels > 0].sum() == pytest.approx(3.0)
    assert weights[labels < 0].sum() == pytest.approx(3.0)
