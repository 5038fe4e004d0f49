"""The learner's trace: the published numbers in its text, and numbers equal to training's."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest

import glassnet as gn
from glassnet.trace.render import fmt

from .conftest import SHARED, WORKED_X, WORKED_Y, worked_example_network

INLINE_REFERENCE = """
| net_h1 | 0.3775 |  | out_h1 | 0.593269992 |  | out_h2 | 0.596884378 |
| net_o1 | 1.105905967 |  | out_o1 | 0.75136507 |  | out_o2 | 0.772928465 |
| E_o1 | 0.274811083 |  | E_o2 | 0.023560026 |  | E_total | 0.298371109 |
| 0.74136507 | 0.186815602 | 0.593269992 | 0.082167041 | 0.138498562 |
| 0.055399425 | −0.019049118 | 0.036350306 | 0.241300709 | 0.000438568 |
| 0.149780716 | 0.19956143 | 0.24975114 | 0.29950229 | 0.35891648 | 0.408666186 |
| 0.511301270 | 0.561370121 |
"""


def published_numbers() -> list[str]:
    """Every value cell of the reference tables (the inline copy when the file is absent)."""
    path = SHARED / "reference" / "worked-example.md"
    text = path.read_text(encoding="utf-8") if path.exists() else INLINE_REFERENCE
    numbers = []
    for line in text.splitlines():
        if not line.startswith("|") or "---" in line:
            continue
        for cell in line.strip("|").split("|"):
            match = re.match(r"\s*([−-]?\d+\.\d+)", cell)
            if match and not re.search(r"[a-z_]", cell.split("(")[0]):
                numbers.append(match.group(1).replace("-", "−"))
    return numbers


def test_reference_parsing_finds_every_published_number() -> None:
    numbers = published_numbers()
    assert len(numbers) == 27
    assert "−0.019049118" in numbers and "0.29950229" in numbers


def test_every_published_number_appears_at_its_printed_precision() -> None:
    trace = gn.trace_step(worked_example_network(), WORKED_X, WORKED_Y, optimizer=gn.SGD(0.5))
    for printed in published_numbers():
        decimals = len(printed.split(".")[1])
        assert printed in trace.to_text(precision=decimals), printed


def test_default_text_shows_the_published_numbers_at_nine_decimals() -> None:
    text = str(gn.trace_step(worked_example_network(), WORKED_X, WORKED_Y, optimizer=gn.SGD(0.5)))
    for printed in published_numbers():
        if printed != "0.29950229":  # published rounded to 8 decimals: 0.299502287 at 9
            assert printed in text, printed
    assert "0.299502287" in text
    for heading in ("Step 1.", "Step 2.", "Step 3.", "Step 4.", "Step 5.", "Step 6.", "Step 7."):
        assert heading in text
    chain = "∂E/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5"
    assert f"∂E/∂w5 = {chain} = 0.741365070 × 0.186815602 × 0.593269992 = 0.082167041" in text
    assert "w1 = layer[0].weights[0, 0]" in text and "w2 = layer[0].weights[1, 0]" in text


def test_one_numbering_of_the_seven_steps_in_the_trace_and_the_package() -> None:
    """The tutorials' numbering: 4 is backpropagation (output layer, then hidden layers), 5 the
    update, 6 the convergence check, 7 the iteration; the package docstring says the same."""
    text = gn.trace_step(worked_example_network(), WORKED_X, WORKED_Y, iterations=3).to_text()
    headings = [line for line in text.splitlines() if line.startswith("Step ")]
    assert [h.split(".")[0] for h in headings] == [f"Step {n}" for n in "12344567"]
    assert headings[3:] == [
        "Step 4. Backpropagation: the output layer",
        "Step 4. Backpropagation: the hidden layers",
        "Step 5. The update",
        "Step 6. Checking convergence",
        "Step 7. The iteration",
    ]
    package = {int(m[0]): m[1] for m in re.findall(r"^(\d)\. (\w+)", gn.__doc__ or "", re.M)}
    assert package == {1: "initialization", 2: "forward", 3: "the", 4: "backpropagation",
                       5: "the", 6: "checking", 7: "iterating"}  # fmt: skip
    assert re.search(r"^5\. the update", gn.__doc__ or "", re.M)
    assert "  iterations | loss" in text.split("Step 6.")[1].split("Step 7.")[0]


def test_fmt_prints_fixed_decimals_and_a_true_minus() -> None:
    assert fmt(0.75136507, 9) == "0.751365070"
    assert fmt(-0.019049118, 9) == "−0.019049118"
    assert fmt(1e-12, 9) == "1.000000000e-12"
    assert fmt(0.0, 3) == "0.000"


ARCHITECTURES = [
    ([2, 3, 2], ["tanh", "sigmoid"], "half_squared_error", 1),
    ([3, 4, 1], ["relu", "identity"], "mean_squared_error", 4),
    ([2, 3, 3, 3], ["elu", "tanh", "softmax"], "categorical_cross_entropy", 3),
    ([2, 2, 1], ["softplus", "sigmoid"], "binary_cross_entropy", 5),
    ([2, 3, 2], ["leaky_relu", "softmax"], "half_squared_error", 2),
]


def make_network(sizes: list[int], activations: list[str], loss: str, seed: int) -> gn.Network:
    layers = [
        gn.Dense(n_in, n_out, act, rng=seed + k, bias_init="normal")
        for k, (n_in, n_out, act) in enumerate(zip(sizes, sizes[1:], activations, strict=False))
    ]
    return gn.Network(layers, loss=loss)


def data(sizes: list[int], loss: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, sizes[0]))
    if loss == "categorical_cross_entropy":
        return x, np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return x, rng.uniform(size=(n, sizes[-1]))


@pytest.mark.parametrize(("sizes", "activations", "loss", "n"), ARCHITECTURES)
def test_trace_equals_gradients_and_a_fit_step(
    sizes: list[int], activations: list[str], loss: str, n: int
) -> None:
    x, y = data(sizes, loss, n)
    reference = make_network(sizes, activations, loss, 7)
    gradients = [g for pair in reference.gradients(x, y) for g in pair]
    reference.fit(x, y, optimizer=gn.SGD(0.3), epochs=1, batch_size=None, shuffle=False)
    traced = make_network(sizes, activations, loss, 7)
    trace = gn.trace_step(traced, x, y, optimizer=gn.SGD(0.3))
    for record, grad, after in zip(
        trace.parameters, gradients, reference.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(record.grad, grad)
        np.testing.assert_array_equal(record.after, after)
    for a, b in zip(traced.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for layer in trace.layers:  # δ_s = ∂E_s/∂out × ∂out/∂net wherever both factors exist
        if layer.grad_out is not None and layer.dout_dnet is not None:
            np.testing.assert_allclose(layer.delta, layer.grad_out * layer.dout_dnet, rtol=1e-12)
    text = trace.to_text()
    assert "Step 7." in text and ("sample 2:" in text) == (n > 1)
    assert json.loads(json.dumps(trace.to_dict()))["loss"] == trace.loss


def test_batch_gradient_is_the_mean_of_the_per_sample_products() -> None:
    x, y = data([2, 3, 1], "half_squared_error", 4)
    net = make_network([2, 3, 1], ["tanh", "sigmoid"], "half_squared_error", 3)
    trace = gn.trace_step(net, x, y, optimizer=gn.SGD(0.1), dry_run=True)
    inputs = [trace.x] + [layer.out for layer in trace.layers[:-1]]
    for layer, a, w in zip(trace.layers, inputs, trace.parameters[::2], strict=True):
        per_sample = a[:, :, None] * layer.delta[:, None, :]
        np.testing.assert_allclose(per_sample.mean(axis=0), w.grad, rtol=1e-12, atol=1e-15)


def test_dry_run_leaves_network_and_optimizer_unchanged() -> None:
    net = worked_example_network()
    optimizer = gn.SGD(0.5, momentum=0.9)
    net.fit(WORKED_X, WORKED_Y, optimizer=optimizer, epochs=2, batch_size=None)
    before = net.get_weights()
    velocities = [state["velocity"].copy() for state in optimizer._state.values()]
    trace = gn.trace_step(net, WORKED_X, WORKED_Y, optimizer=optimizer, dry_run=True, iterations=3)
    for a, b in zip(net.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert optimizer.iterations == 2
    for state, v in zip(optimizer._state.values(), velocities, strict=True):
        np.testing.assert_array_equal(state["velocity"], v)
    assert trace.loss_after < trace.loss
    w5 = trace.parameters[2]
    change = fmt(w5.after[0, 0] - w5.before[0, 0], 9)
    assert f"w5: old {fmt(w5.before[0, 0], 9)}, ∂E/∂w5 = " in trace.to_text()
    assert f"change {change}, new {fmt(w5.after[0, 0], 9)}" in trace.to_text()


def test_iterations_table_shows_the_loss_decreasing() -> None:
    trace = gn.trace_step(worked_example_network(), WORKED_X, WORKED_Y, iterations=1000)
    done = [d for d, _ in trace.history]
    assert done == [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
    losses = [v for _, v in trace.history]
    assert all(a > b for a, b in itertools.pairwise(losses))
    assert "      1000 |" in trace.to_text()
    # ... and the final outputs, those of the network after the 1000 updates
    after = worked_example_network()
    after.fit(WORKED_X, WORKED_Y, optimizer=gn.SGD(0.5), epochs=1000, batch_size=1)
    out_o1, out_o2 = after.predict(WORKED_X)[0]
    np.testing.assert_array_equal(trace.final_outputs, after.predict(WORKED_X))
    step_7 = trace.to_text().split("Step 7.")[1]
    assert f"out_o1 = {fmt(out_o1, 9)} (target 0.010000000)" in step_7
    assert f"out_o2 = {fmt(out_o2, 9)} (target 0.990000000)" in step_7


def test_trainable_biases_are_named_per_neuron() -> None:
    trace = gn.trace_step(worked_example_network(train_bias=True), WORKED_X, WORKED_Y)
    text = trace.to_text()
    assert "b_h1 = b_h1 − η × ∂E/∂b_h1" in text and "b_o2 = b_o2" in text
    assert "held fixed" not in text


def test_large_networks_use_matrix_names_and_a_summary() -> None:
    net = make_network([30, 10, 2], ["relu", "identity"], "half_squared_error", 0)
    x, y = data([30, 10, 2], "half_squared_error", 2)
    assert "layer[0].weights[3, 4]" in gn.trace_step(net, x, y, dry_run=True).to_text(
        max_weights=10**6
    )
    summary = gn.trace_step(net, x, y, dry_run=True).to_text()
    assert "too many to print" in summary and "to_dict()" in summary


def test_html_and_bad_arguments() -> None:
    trace = gn.trace_step(worked_example_network(), WORKED_X, WORKED_Y)
    html = trace._repr_html_()
    assert html.count("<table>") == 3 and "0.149780716" in html
    with pytest.raises(ValueError, match="names must be 'auto', 'tutorial' or 'matrix', got 'x'"):
        gn.trace_step(worked_example_network(), WORKED_X, WORKED_Y, names="x")
    with pytest.raises(ValueError, match="iterations must be >= 1, got 0"):
        gn.trace_step(worked_example_network(), WORKED_X, WORKED_Y, iterations=0)
    with pytest.raises(ValueError, match="X has 3 features"):
        gn.trace_step(worked_example_network(), np.ones((1, 3)), WORKED_Y)


class L2:
    """A weight penalty ``½ λ Σ W²`` speaking the engine's penalty protocol (issue 5's shape)."""

    def __init__(self, strength: float) -> None:
        self.strength = strength

    def value(self, network: gn.Network, batch: object) -> float:
        return sum(
            0.5 * self.strength * float((p.value**2).sum())
            for p in network.parameters()
            if p.regularized
        )

    def add_gradient(
        self, network: gn.Network, batch: object, recorder: gn.recording.Recorder
    ) -> None:
        for p in network.parameters():
            if p.regularized:
                grad = self.strength * p.value
                p.grad += grad
                recorder.penalty(p, grad)


def test_penalty_share_and_schedule_learning_rate_are_shown() -> None:
    net = worked_example_network()
    net.penalties = [L2(0.1)]
    plain = worked_example_network().gradients(WORKED_X, WORKED_Y)
    trace = gn.trace_step(net, WORKED_X, WORKED_Y, optimizer=gn.SGD(lambda step: 0.25 / (1 + step)))
    w1 = trace.parameters[0]
    np.testing.assert_allclose(w1.penalty_grad, 0.1 * w1.before)
    np.testing.assert_allclose(w1.grad, plain[0][0] + 0.1 * w1.before, rtol=1e-15)
    np.testing.assert_allclose(w1.after, w1.before - 0.25 * w1.grad, rtol=1e-15)
    text = trace.to_text()
    assert trace.learning_rate == 0.25 and "η = 0.250000000" in text
    assert "∂E/∂w1 = ∂E/∂out_h1 × ∂out_h1/∂net_h1 × ∂net_h1/∂w1" in text  # data part: 0.000438568
    assert "0.000438568" in text and "the penalty's share is 0.015000000" in text
    assert "E with the weight penalty" in text


def test_dry_run_restores_the_network_when_training_diverges() -> None:
    net = gn.Network([gn.Dense(1, 1, "identity", weights=[[1.0]], bias=0.0)])
    with pytest.raises(gn.TrainingDiverged):
        gn.trace_step(net, [[1e3]], [[0.0]], optimizer=gn.SGD(1e3), iterations=100, dry_run=True)
    assert net.get_weights()[0][0, 0] == 1.0


def test_matrix_names_on_request() -> None:
    text = gn.trace_step(worked_example_network(), WORKED_X, WORKED_Y, names="matrix").to_text()
    assert "layer[0].bias (every neuron) = 0.350000000 (held fixed)" in text
    assert "net_layer[1][0] = layer[1].weights[0, 0]·out_layer[0][0]" in text
    assert "w1" not in text and "0.149780716" in text
