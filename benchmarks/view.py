"""The glass view's speed, measured in a real browser (Debian's chromium through Playwright).

    python benchmarks/view.py

1. Opening: a 784-128-10 network's step (one MNIST-sized sample) as the static file of
   ``Trace.to_html`` and as the live page of ``glassnet view`` (a new server each time, which
   records the step first): the time from navigation until the network is drawn. Target:
   under a second.
2. Playing: a 2-8-8-1 network on the circles toy set, one epoch a frame: frames per second, each
   frame a request to the engine (train one epoch, predict the 40×40 grid) and a redraw of the
   network's numbers, the loss curve and the boundary. Target: at least 30 a second.

Not a test: speed is never asserted in a timed test. It prints the numbers.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from playwright.sync_api import sync_playwright

import glassnet as gn
from glassnet.live import Session, ViewServer, playground_network, toy_dataset

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DRAWN = ".gv-network .gv-neuron"


def big_network() -> tuple[gn.Network, np.ndarray, np.ndarray]:
    network = gn.Network(
        [gn.Dense(784, 128, "relu", rng=0), gn.Dense(128, 10, "softmax", rng=1)],
        loss="categorical_cross_entropy",
    )
    rng = np.random.default_rng(2)
    return network, rng.uniform(0, 1, (1, 784)), np.eye(10)[[3]]


def time_open(browser: Any, url: str, repeats: int = 5) -> list[float]:
    """Seconds from navigation to the drawn network, ``repeats`` times in fresh pages."""
    times = []
    for _ in range(repeats):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(DRAWN)
        times.append(time.perf_counter() - started)
        page.close()
    return times


def opening(browser: Any, folder: Path) -> None:
    network, x, y = big_network()
    path = folder / "big.html"
    started = time.perf_counter()
    network.trace(x, y, dry_run=True).to_html(path)
    written = time.perf_counter() - started
    size = path.stat().st_size / 1e6
    print(f"784-128-10 static file: {size:.1f} MB, written in {written:.2f} s")
    report("  opens in", time_open(browser, path.as_uri()))
    first = []
    for _ in range(3):  # a new server each time: the engine records the step first
        server = ViewServer(Session(network, x, y))
        server.start()
        try:
            first += time_open(browser, server.url, repeats=1)
        finally:
            server.close()
    report("  live page opens in", first)


def playing(browser: Any, seconds: float = 5.0) -> None:
    x, y = toy_dataset("circles")
    server = ViewServer(Session(playground_network(), x, y, learning_rate=1.0))
    server.start()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(server.url)
        page.wait_for_selector(DRAWN)
        page.click(".gv-playbutton")
        page.wait_for_timeout(500)  # warm up
        start = page.evaluate("document.getElementById('glassview').glassview.frames")
        page.wait_for_timeout(1000 * seconds)
        end = page.evaluate("document.getElementById('glassview').glassview.frames")
        page.click(".gv-playbutton")
        rate = (end - start) / seconds
        epochs = page.evaluate("document.querySelector('.gv-epoch').dataset.iterations")
        print(f"2-8-8-1 on circles, playing: {rate:.1f} frames/s ({epochs} epochs when paused)")
    finally:
        page.close()
        server.close()


def report(label: str, times: list[float]) -> None:
    print(f"{label} {1000 * min(times):.0f} ms (best), {1000 * float(np.median(times)):.0f} ms "
          f"(median of {len(times)})")  # fmt: skip


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium: apt-get install chromium")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        opening(browser, Path(folder))
        playing(browser)
        browser.close()


if __name__ == "__main__":
    main()
