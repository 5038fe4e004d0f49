"""Write the glass view's screenshots in docs/ from the real page, served live by the engine.

    python docs/make_view_screenshots.py

docs/view.png (the worked example at step 4, w5 selected: its chain-rule product),
docs/view-step2.png, docs/view-step4.png, docs/view-step6.png, and docs/view-model.png: a model
trained by ``glassnet train`` on real data (iris, petal length and width) after playing on.
Needs Debian's ``chromium`` and Playwright for Python (never ``playwright install``).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from glassnet.cli.command import main
from glassnet.cli.view import make_session
from glassnet.live import Session, ViewServer, worked_example

DOCS = Path(__file__).parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def shoot(browser: Any, session: Session, actions: list[tuple[str, str]]) -> None:
    """Open the live page of ``session``; run ``actions``: ("step", n), ("click", selector),
    ("play", seconds) or ("shot", file name)."""
    server = ViewServer(session)
    server.start()
    page = browser.new_page(viewport={"width": 1280, "height": 940})
    try:
        page.goto(server.url)
        page.wait_for_selector(".gv-network .gv-neuron")
        for action, value in actions:
            if action == "step":
                page.click(f'.gv-step[data-step="{value}"]')
            elif action == "click":
                page.click(value)
            elif action == "play":
                page.click(".gv-playbutton")
                page.wait_for_timeout(1000 * float(value))
                page.click(".gv-playbutton")
                page.wait_for_function("document.getElementById('glassview').dataset.paused")
            elif action == "shot":
                page.screenshot(path=str(DOCS / value), full_page=True)
                print(f"wrote {DOCS / value}")
    finally:
        page.close()
        server.close()


def iris_model(folder: Path) -> Session:
    """A 2-8-3 model trained by `glassnet train` on iris's petal measurements."""
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True)
    frame = iris.frame[["petal length (cm)", "petal width (cm)"]].copy()
    frame.columns = ["petal_length", "petal_width"]
    frame["species"] = iris.target_names[iris.target]
    data = folder / "iris.csv"
    frame.sample(frac=1.0, random_state=0).to_csv(data, index=False)
    model = folder / "iris.safetensors"
    main(["train", str(data), "--target", "species", "--hidden", "8", "--epochs", "60",
          "--seed", "0", "--out", str(model), "--quiet"])  # fmt: skip
    options = argparse.Namespace(model=str(model), data=str(data), rows=150, dataset=None, lr=0.1)
    return make_session(options)  # type: ignore[no-any-return]


def run() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium: apt-get install chromium")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        w5 = 'text.gv-edge-num[data-name="w5"]'
        shoot(browser, Session(*worked_example()), [
            ("step", "4"), ("click", w5), ("shot", "view.png"), ("shot", "view-step4.png"),
            ("step", "2"), ("shot", "view-step2.png"), ("step", "6"), ("shot", "view-step6.png"),
        ])  # fmt: skip
        model = [("play", "3"), ("step", "4"), ("shot", "view-model.png")]
        shoot(browser, iris_model(Path(folder)), model)
        browser.close()


if __name__ == "__main__":
    run()
