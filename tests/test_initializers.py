"""Step 1: initializers draw from their documented distributions, reproducibly."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.initializers import INITIALIZERS, get_initializer

SHAPE = (400, 300)


@pytest.mark.parametrize(
    ("name", "std"),
    [
        ("glorot_uniform", np.sqrt(6 / 700) / np.sqrt(3)),
        ("glorot_normal", np.sqrt(2 / 700)),
        ("he_uniform", np.sqrt(6 / 400) / np.sqrt(3)),
        ("he_normal", np.sqrt(2 / 400)),
        ("lecun_normal", np.sqrt(1 / 400)),
        ("uniform", 0.05 / np.sqrt(3)),
        ("normal", 0.05),
    ],
)
def test_standard_deviation_matches_the_formula(name: str, std: float) -> None:
    values = get_initializer(name)(SHAPE, np.random.default_rng(0), np.float64)
    assert values.shape == SHAPE
    assert values.std() == pytest.approx(std, rel=0.02)
    assert abs(values.mean()) < 0.05 * std


def test_uniform_bounds() -> None:
    values = get_initializer("glorot_uniform")(SHAPE, np.random.default_rng(0), np.float32)
    assert values.dtype == np.float32
    assert np.abs(values).max() <= np.sqrt(6 / 700)


def test_constant_and_zeros() -> None:
    assert not get_initializer("zeros")((2, 2), np.random.default_rng(), np.float64).any()
    np.testing.assert_array_equal(
        gn.initializers.Constant(0.3)((3,), np.random.default_rng(), float), 0.3
    )


def test_same_seed_same_layer() -> None:
    for name in INITIALIZERS:
        a = gn.Dense(4, 3, weight_init=name, bias_init=name, rng=5)
        b = gn.Dense(4, 3, weight_init=name, bias_init=name, rng=5)
        np.testing.assert_array_equal(np.asarray(a.weights), np.asarray(b.weights))
        np.testing.assert_array_equal(np.asarray(a.bias), np.asarray(b.bias))


def test_generator_and_seed_agree() -> None:
    a = gn.Dense(4, 3, rng=np.random.default_rng(11))
    b = gn.Dense(4, 3, rng=11)
    np.testing.assert_array_equal(np.asarray(a.weights), np.asarray(b.weights))


def test_unknown_initializer() -> None:
    with pytest.raises(ValueError, match="unknown initializer 'ones'.*he_normal"):
        get_initializer("ones")
