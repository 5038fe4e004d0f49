"""The network's checks on targets: binary cross-entropy's range, float class labels."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn


def _softmax_network() -> gn.Network:
    return gn.Network([gn.Dense(2, 3, "softmax", rng=0)], loss="categorical_cross_entropy")


def _sigmoid_network() -> gn.Network:
    return gn.Network([gn.Dense(2, 1, "sigmoid", rng=0)], loss="binary_cross_entropy")


@pytest.mark.parametrize("y", [[0.0, 2.0, -1.0], [0.0, 1.5, 1.0], [[3.0], [0.0], [1.0]]])
def test_binary_cross_entropy_refuses_targets_outside_0_1(y):
    x = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"Y must be in \[0, 1\] for binary_cross_entropy"):
        _sigmoid_network().fit(x, np.asarray(y), epochs=1)


def test_binary_cross_entropy_names_the_values_outside():
    with pytest.raises(ValueError, match=r"2 value\(s\) outside it: -1, 2$"):
        _sigmoid_network().check_targets(np.array([0.0, 2.0, -1.0]), 3)


def test_binary_cross_entropy_accepts_labels_and_probabilities():
    y = _sigmoid_network().check_targets(np.array([0.0, 0.25, 1.0]), 3)
    assert y.tolist() == [[0.0], [0.25], [1.0]]


def test_float_labels_for_a_softmax_network_are_one_hot_encoded():
    y = _softmax_network().check_targets(np.array([0.0, 2.0, 1.0]), 3)
    assert y.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    history = _softmax_network().fit(np.zeros((3, 2)), np.array([0.0, 2.0, 1.0]), epochs=1)
    assert len(history.loss) == 1


def test_fractional_labels_are_diagnosed_as_labels_not_a_row_count():
    with pytest.raises(ValueError, match=r"class labels .* integers 0 to 2.*got 0\.5$"):
        _softmax_network().check_targets(np.array([0.5, 2.0, 1.0]), 3)
    with pytest.raises(ValueError, match=r"integers in \[0, 3\), got values from 0 to 3"):
        _softmax_network().check_targets(np.array([0.0, 3.0, 1.0, 1.0]), 4)


def test_one_samples_row_of_probabilities_stays_a_row():
    y = _softmax_network().check_targets(np.array([0.2, 0.3, 0.5]), 1)
    assert y.tolist() == [[0.2, 0.3, 0.5]]
