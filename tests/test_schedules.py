"""Learning-rate schedules restate their formulas."""

from __future__ import annotations

import math

import pytest

from glassnet.schedules import Constant, CosineDecay, ExponentialDecay, InverseScaling, StepDecay


def test_constant_and_inverse_scaling():
    assert Constant(0.1)(57) == 0.1
    assert InverseScaling(0.1, power_t=0.5)(3) == pytest.approx(0.1 / 2.0)
    assert InverseScaling(0.1)(0) == 0.1


def test_step_and_exponential():
    schedule = StepDecay(1.0, step_size=3, gamma=0.1)
    assert [schedule(i) for i in (0, 2, 3, 6)] == pytest.approx([1.0, 1.0, 0.1, 0.01])
    assert ExponentialDecay(1.0, decay_steps=10, decay_rate=0.5)(20) == pytest.approx(0.25)
    assert ExponentialDecay(1.0, decay_steps=10, decay_rate=0.5)(5) == pytest.approx(math.sqrt(0.5))


def test_cosine_ends_at_min_rate_and_stays():
    schedule = CosineDecay(1.0, decay_steps=10, min_rate=0.1)
    assert schedule(0) == 1.0
    assert schedule(5) == pytest.approx(0.55)
    assert schedule(10) == pytest.approx(0.1)
    assert schedule(100) == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: StepDecay(0.1, step_size=0), "step_size must be >= 1"),
        (lambda: StepDecay(0.1, step_size=2, gamma=1.5), "gamma must be in"),
        (lambda: ExponentialDecay(0.1, 10, 0.0), "decay_rate must be in"),
        (lambda: InverseScaling(0.1, power_t=-1), "power_t must be in"),
        (lambda: CosineDecay(0.1, 10, min_rate=0.5), "min_rate must be in"),
        (lambda: Constant(0.0), "learning_rate must be > 0"),
    ],
)
def test_bad_arguments_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()
