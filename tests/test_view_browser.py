"""The glass view in a real browser (Chromium through Playwright), opened the three ways.

Each way shows the engine's numbers on the worked example; in the live ways (the server and
the notebook widget) editing w5 makes the engine recompute every number, and play trains as
``fit`` does. Screenshots go to pytest's tmp folder. Without Chromium these tests skip, except
in CI (``CI=true``), where they fail: .ci/run installs it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.live import Session, ViewServer, playground_network, toy_dataset, worked_example
from glassnet.trace.render import fmt
from glassnet.view import asset

from .conftest import WORKED_X, WORKED_Y, worked_example_network

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAYS = ("static", "server", "widget")
WIDGET_ORIGIN = "http://glassnet.test"
WIDGET_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<style>{css}</style></head><body><div id="glassview"></div>
<script type="application/json" id="document">{document}</script>
<script type="module">
// a fake anywidget model: what Jupyter would carry, the test carries to the widget's handler
import widget from "./glassview.js";
const listeners = [];
const model = {{
  get: (key) => JSON.parse(document.getElementById(key).textContent),
  on: (event, callback) => {{ if (event === "msg:custom") listeners.push(callback); }},
  off: () => {{}},
  send: (message) => {{
    window.widgetSend(message).then((reply) => listeners.forEach((callback) => callback(reply)));
  }},
}};
widget.render({{ model, el: document.getElementById("glassview") }});
</script></body></html>"""


def launch_options() -> dict[str, Any]:
    """Chromium's path and flags; skip without it (or Playwright), but fail in CI."""
    path = shutil.which("chromium")
    missing = "Chromium is not installed (apt-get install chromium)" if path is None else None
    try:
        import playwright.sync_api  # noqa: F401
    except ModuleNotFoundError:
        missing = "Playwright for Python is not installed (pip install '.[test]')"
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}: in CI, .ci/run installs it")
        pytest.skip(missing)
    return {"executable_path": path, "args": LAUNCH_ARGS}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = launch_options()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**options)
        yield chromium
        chromium.close()


class Opened:
    """A page showing the view, the errors its console logged, and the engine behind it."""

    def __init__(self, page: Any, session: Session | None) -> None:
        self.page, self.session = page, session
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).first.text_content())

    def step(self, n: int) -> None:
        self.page.click(f'.gv-step[data-step="{n}"]')

    def document(self) -> dict[str, Any]:
        return self.page.evaluate("document.getElementById('glassview').glassview.doc")  # type: ignore[no-any-return]


@pytest.fixture(params=WAYS)
def opened(request, browser, tmp_path) -> Iterator[Opened]:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    way = request.param
    server = None
    if way == "static":
        path = tmp_path / "view.html"
        worked_example_network().trace(WORKED_X, WORKED_Y, iterations=50).to_html(path)
        view = Opened(page, None)
        page.goto(path.as_uri())
    elif way == "server":
        server = ViewServer(Session(*worked_example()))
        server.start()
        view = Opened(page, server.session)
        page.goto(server.url)
    else:
        widget = gn.view(*worked_example())
        view = Opened(page, widget.session)
        serve_widget(page, widget)
        page.goto(WIDGET_ORIGIN + "/")
    page.wait_for_selector(".gv-network .gv-neuron")
    view.way = way  # type: ignore[attr-defined]
    yield view
    page.screenshot(path=str(tmp_path / f"view-{way}.png"), full_page=True)
    page.close()
    if server is not None:
        server.close()
    assert view.errors == []  # the page logged no error


def serve_widget(page: Any, widget: Any) -> None:
    """The widget's ES module and a page that renders it with a fake model."""
    sent: list[dict[str, Any]] = []
    widget.send = sent.append

    def handle(message: dict[str, Any]) -> dict[str, Any]:
        widget._message(widget, message, [])
        return sent[-1]

    html = WIDGET_PAGE.format(css=asset("glassview.css"), document=json.dumps(widget.document))
    page.expose_function("widgetSend", handle)
    page.route(WIDGET_ORIGIN + "/", lambda r: r.fulfill(body=html, content_type="text/html"))
    page.route(
        WIDGET_ORIGIN + "/glassview.js",
        lambda route: route.fulfill(body=asset("glassview.js"), content_type="text/javascript"),
    )


def test_the_view_shows_the_engines_numbers(opened: Opened) -> None:
    opened.step(4)
    assert opened.text('text.gv-gradient[data-name="w5"]') == "w5 0.082167041"
    assert opened.text('text.gv-delta[data-name="o1"]') == "δ = 0.138498562"
    opened.step(5)
    assert opened.text('text.gv-after[data-name="w5"]') == "w5 0.358916480"
    opened.step(2)
    assert opened.text('text.gv-out[data-name="o1"]') == "out 0.751365070"
    opened.page.click('text.gv-edge-num[data-name="w5"]')
    assert opened.text(".gv-total") == "0.082167041"
    factors = opened.page.locator('.gv-chain-numbers [data-kind="factor"]').all_text_contents()
    assert factors == ["0.741365070", "0.186815602", "0.593269992"]
    assert opened.text('[data-kind="numeric-gradient"]') == "0.082167041"
    assert opened.page.locator(".gv-ring").count() == 3  # each factor marked on its neuron


def test_the_arrow_keys_step_through(opened: Opened) -> None:
    if opened.way == "widget":  # type: ignore[attr-defined]
        opened.page.focus("#glassview")
    for key, step in (("ArrowRight", 2), ("ArrowRight", 3), ("ArrowLeft", 2), ("Home", 1)):
        opened.page.keyboard.press(key)
        assert opened.page.get_attribute(".gv-step.gv-current", "data-step") == str(step)
    opened.page.click(".gv-nav >> text=▶")
    assert opened.text(".gv-heading") == "Step 2. Forward propagation"


def test_editing_w5_recomputes_every_number_with_the_engine(opened: Opened) -> None:
    opened.page.click('text.gv-edge-num[data-name="w5"]')
    field = opened.page.locator(".gv-edit-value")
    if opened.session is None:  # the static file: no engine to recompute with
        assert field.is_disabled() and "no kernel" in opened.text(".gv-mode")
        return
    field.fill("0.5")
    opened.page.click(".gv-edit-one button")
    opened.page.wait_for_function(
        "document.getElementById('glassview').glassview.doc.parameters[2].before[0][0] === 0.5"
    )
    network, x, y = worked_example()
    network.layers[1].weights.value[0, 0] = 0.5
    gradients = [grad_w for grad_w, _ in network.gradients(x, y)]
    names = opened.document()["weight_names"]
    opened.step(4)
    for name, (k, i, j) in names.items():
        shown = opened.text(f'text.gv-gradient[data-name="{name}"]')
        assert shown == f"{name} {fmt(gradients[k][i, j], 9)}"
    opened.step(5)
    for name, (k, i, j) in names.items():
        after = network.layers[k].weights.value[i, j] - 0.5 * gradients[k][i, j]
        assert opened.text(f'text.gv-after[data-name="{name}"]') == f"{name} {fmt(after, 9)}"
    opened.step(2)
    out = network.predict(x)[0]
    assert opened.text('text.gv-out[data-name="o1"]') == f"out {fmt(out[0], 9)}"
    assert opened.text('text.gv-out[data-name="o2"]') == f"out {fmt(out[1], 9)}"


def test_play_advances_the_loss_as_fit_does(opened: Opened) -> None:
    page = opened.page
    page.click(".gv-playbutton")
    if opened.session is None:  # the file replays the iterations the trace recorded
        page.wait_for_function("document.querySelector('.gv-epoch').dataset.iterations === '50'")
        shown = page.evaluate("document.getElementById('glassview').glassview.curvePoints")
        network = worked_example_network()
        history = fit_losses(network, 50)
        expected = [[done, history[done]] for done in (0, 1, 2, 5, 10, 20)]
        expected.append([50, network.loss(WORKED_X, WORKED_Y)])
        np.testing.assert_allclose(shown, expected, rtol=1e-12)
        return
    page.wait_for_function("Number(document.querySelector('.gv-epoch').dataset.iterations) >= 8")
    page.click(".gv-playbutton")  # pause: the page asks for the step's numbers again
    page.wait_for_function("document.getElementById('glassview').dataset.paused !== undefined")
    shown = page.evaluate("document.getElementById('glassview').glassview.curvePoints")
    losses = fit_losses(worked_example()[0], len(shown))
    assert [epoch for epoch, _ in shown] == list(range(len(shown)))
    np.testing.assert_allclose([loss for _, loss in shown], losses, rtol=1e-12)
    assert opened.document()["loss"] < shown[0][1]


def test_a_trace_in_jupyter_shows_the_same_view(browser) -> None:
    """``_repr_html_`` is the static page in an iframe: it runs with no kernel."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content(worked_example_network().trace(WORKED_X, WORKED_Y)._repr_html_())
    frame = page.frame_locator("iframe")
    frame.locator('.gv-step[data-step="4"]').click()
    assert frame.locator('text.gv-gradient[data-name="w5"]').text_content() == "w5 0.082167041"
    page.close()
    assert errors == []


def fit_losses(network: gn.Network, epochs: int) -> list[float]:
    history = network.fit(WORKED_X, WORKED_Y, optimizer=gn.SGD(learning_rate=0.5), epochs=epochs,
                          batch_size=None, shuffle=False)  # fmt: skip
    return history.loss


def test_play_on_a_toy_set_redraws_the_boundary_from_the_engine(browser, tmp_path) -> None:
    x, y = toy_dataset("xor")
    server = ViewServer(Session(playground_network(), x, y, learning_rate=0.3))
    server.start()
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    view = Opened(page, server.session)
    try:
        page.goto(server.url)
        page.wait_for_selector(".gv-network .gv-neuron")
        page.click(".gv-playbutton")
        page.wait_for_function("document.getElementById('glassview').glassview.frames >= 5")
        page.click(".gv-playbutton")
        page.wait_for_function("document.getElementById('glassview').dataset.paused !== undefined")
        assert page.evaluate("document.querySelector('.gv-boundary').hidden") is False
        surface = view.document()["surface"]
        corner = server.session.network.predict([[surface["x0"], surface["y0"]]])[0, 0]
        assert surface["values"][0] == pytest.approx(corner, abs=1e-4)
        assert view.document()["epochs"] >= 5
        page.screenshot(path=str(tmp_path / "view-xor.png"), full_page=True)
    finally:
        page.close()
        server.close()
    assert view.errors == []
