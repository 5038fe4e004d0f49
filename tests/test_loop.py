"""The one epoch loop, glassnet.loop.Training: stepped from outside, interrupted, configured."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer
from sklearn.utils import shuffle as sklearn_shuffle

import glassnet as gn
from glassnet.callbacks import Callback
from glassnet.estimators.stochastic import ScikitLearnOrder, ScikitLearnStopping
from glassnet.loop import IN_ORDER, Shuffled, StoppingRule, Training
from glassnet.schedules import EpochEnd, InverseScaling
from glassnet.training import train_step


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    return x, np.tanh(x @ np.array([[1.0], [-2.0], [0.5]]))


def network() -> gn.Network:
    return gn.Network([gn.Dense(3, 5, "tanh", rng=1), gn.Dense(5, 1, "identity", rng=2)])


def parameters(net: gn.Network) -> list[np.ndarray]:
    return [p.value.copy() for p in net.all_parameters()]


def assert_same(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)


def test_stopping_after_epoch_k_from_outside_is_fit_for_k_epochs() -> None:
    x, y = data()
    reference = network()
    expected = gn.fit(reference, x, y, gn.SGD(0.1, momentum=0.9), epochs=3, batch_size=8, rng=4)
    net = network()
    training = Training(
        net, gn.SGD(0.1, momentum=0.9), (x, y, None), epochs=50, batch_size=8,
        order=Shuffled(np.random.default_rng(4)),
    )  # fmt: skip
    seen = []
    for logs in training.epochs():
        seen.append(logs["loss"])
        if len(seen) == 3:
            training.stop()
    assert seen == expected.loss
    assert training.history.loss == expected.loss and training.history.stopped_early
    assert_same(parameters(net), parameters(reference))


def test_fit_is_a_run_of_the_loop() -> None:
    x, y = data()
    reference, net = network(), network()
    history = gn.fit(reference, x, y, gn.Adam(0.01), epochs=4, batch_size=None, shuffle=False)
    run = Training(net, gn.Adam(0.01), (x, y, None), epochs=4, batch_size=None).run()
    assert run.loss == history.loss and run.learning_rate == history.learning_rate
    assert_same(parameters(net), parameters(reference))


def test_partial_fit_is_one_pass_of_the_loop() -> None:
    x, y = data()
    reference, net = network(), network()
    history = reference.partial_fit(x, y, optimizer=gn.SGD(0.05))
    run = Training(net, gn.SGD(0.05), (x, y, None), epochs=1, batch_size=None).run()
    assert history.epochs == 1 and run.loss == history.loss
    assert_same(parameters(net), parameters(reference))


class Interrupt:
    """A batch step that raises KeyboardInterrupt at the ``at``-th batch (counting from 0)."""

    def __init__(self, net: gn.Network, optimizer: gn.SGD, at: int) -> None:
        self.net, self.optimizer, self.at, self.calls = net, optimizer, at, 0

    def __call__(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> float:
        if self.calls == self.at:
            raise KeyboardInterrupt
        self.calls += 1
        return train_step(self.net, self.optimizer, x, y, w)


class Ends(Callback):
    def __init__(self) -> None:
        self.ended = False

    def on_train_end(self, state: object) -> None:
        self.ended = True


def test_an_interruption_mid_epoch_restores_the_last_completed_epoch() -> None:
    x, y = data()
    reference = network()
    gn.fit(reference, x, y, gn.SGD(0.1), epochs=2, batch_size=8, shuffle=False)
    net, optimizer, ends = network(), gn.SGD(0.1), Ends()
    step = Interrupt(net, optimizer, at=2 * 5 + 3)  # 5 batches an epoch: in the third epoch
    training = Training(
        net, optimizer, (x, y, None), epochs=10, batch_size=8, step=step, callbacks=[ends]
    )
    with pytest.raises(KeyboardInterrupt):
        training.run()
    assert training.history.interrupted and training.history.epochs == 2
    assert ends.ended  # on_train_end ran: a progress bar is closed, a file flushed
    assert_same(parameters(net), parameters(reference))


def test_a_batch_source_and_step_of_the_front_end_drive_the_loop() -> None:
    """What the Dask path plugs in: batches of row numbers, a step that gathers them."""
    x, y = data()

    class Rows:
        n_samples = len(x)

        def __iter__(self):
            for start in range(0, len(x), 16):
                yield (np.arange(start, min(start + 16, len(x))),)

    reference, net = network(), network()
    expected = gn.fit(reference, x, y, gn.SGD(0.1), epochs=2, batch_size=16, shuffle=False)
    optimizer = gn.SGD(0.1)
    training = Training(
        net, optimizer, Rows(), epochs=2, batch_size=None,
        step=lambda rows: train_step(net, optimizer, x[rows], y[rows]),
    )  # fmt: skip
    assert training.run().loss == expected.loss
    assert_same(parameters(net), parameters(reference))


def test_a_stopping_rule_is_asked_after_the_callbacks_and_finishes() -> None:
    x, y = data()
    events: list[str] = []

    class AfterTwo(StoppingRule):
        def update(self, logs: dict[str, float]) -> None:
            events.append("update")

        def should_stop(self) -> bool:
            events.append("should_stop")
            return events.count("should_stop") == 2

        def finish(self) -> None:
            events.append("finish")

    class Seen(Callback):
        def on_epoch_end(self, state: object) -> None:
            events.append("on_epoch_end")

    training = Training(
        network(), gn.SGD(0.1), (x, y, None), epochs=9, batch_size=None,
        stopping=AfterTwo(), callbacks=[Seen()],
    )  # fmt: skip
    assert training.run().epochs == 2 and training.stopped
    assert events == ["update", "on_epoch_end", "should_stop"] * 2 + ["finish"]


# ----------------------------------------------------------------- scikit-learn's rules
def test_scikit_learn_order_is_its_shuffle_of_the_arrays_epoch_after_epoch() -> None:
    """scikit-learn shuffles the (already shuffled) arrays every epoch: the orders compose."""
    order = ScikitLearnOrder(np.random.RandomState(3))
    theirs, rows = np.random.RandomState(3), np.arange(11)
    for _ in range(4):
        rows = sklearn_shuffle(rows, random_state=theirs)
        np.testing.assert_array_equal(order.order(11), rows)
    assert IN_ORDER.order(11) is None


def test_epoch_end_inverse_scaling_is_scikit_learns_iteration_ends() -> None:
    params = [np.zeros(2)]
    theirs = SGDOptimizer(params, learning_rate_init=0.2, lr_schedule="invscaling", power_t=0.4)
    ours = gn.SGD(0.2)
    rule = EpochEnd(InverseScaling(0.2, power_t=0.4))
    for t in (30, 60, 90, 1000):
        theirs.iteration_ends(t)
        rule.iteration_ends(ours, t)
        assert ours.current_learning_rate == theirs.learning_rate


class Bookkeeping:
    """The estimator attributes scikit-learn's stopping rule reads and writes."""

    def __init__(self, rate: float) -> None:
        self._optimizer = gn.SGD(rate)
        self._no_improvement_count = 0
        self.n_iter_no_change, self.tol = 1, 0.1
        self.best_loss_: float | None = np.inf
        self.loss_ = 1.0
        self.restore_best_weights = False


@pytest.mark.parametrize("adaptive", [False, True])
def test_scikit_learns_rule_stops_or_divides_an_adaptive_rate_by_five(adaptive: bool) -> None:
    est = Bookkeeping(rate=1e-5)
    rule = ScikitLearnStopping(est, adaptive=adaptive, restore=False)  # type: ignore[arg-type]
    decisions = []
    for _ in range(7):  # the loss never improves by more than tol after the first epoch
        rule.update({"loss": est.loss_})
        decisions.append(rule.should_stop())
    if not adaptive:  # more than n_iter_no_change = 1 epochs without improvement: stop
        assert decisions[:3] == [False, False, True]
        return
    # each second epoch without improvement: 1e-5 -> 2e-6 -> 4e-7, at the floor: stop
    assert decisions == [False] * 6 + [True]
    assert est._optimizer.current_learning_rate == pytest.approx(1e-5 / 25)
