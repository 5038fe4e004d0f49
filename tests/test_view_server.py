"""The live view's engine side: the session, the local server (through urllib), the widget's
message handler and the `glassnet view` command."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.command import main
from glassnet.live import Session, ViewServer, toy_dataset, train_epochs, worked_example
from glassnet.live.widget import respond

W5_GRADIENT = 0.082167041
W5_AFTER = 0.358916480
EDIT_W5 = {"target": "weight", "layer": 1, "i": 0, "j": 0, "value": 0.5}


def gradients_with(w5: float) -> list[tuple[np.ndarray, np.ndarray]]:
    network, x, y = worked_example()
    network.layers[1].weights.value[0, 0] = w5
    return network.gradients(x, y)


@pytest.fixture
def server() -> Iterator[ViewServer]:
    network, x, y = worked_example()
    view = ViewServer(Session(network, x, y))
    view.start()
    yield view
    view.close()


def request(view: ViewServer, path: str, body: dict | None = None, host: str | None = None):
    """``(status, JSON answer)`` of one request; ``path`` includes the query."""
    connection = http.client.HTTPConnection("127.0.0.1", view.port, timeout=30)
    headers = {"Host": host or f"127.0.0.1:{view.port}", "Content-Type": "application/json"}
    data = None if body is None else json.dumps(body).encode()
    connection.request("GET" if body is None else "POST", path, data, headers)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    kind = response.getheader("Content-Type", "")
    return response.status, json.loads(payload) if "json" in kind else payload.decode()


# ---------------------------------------------------------------------- the session
def test_state_is_the_engines_step_and_changes_nothing() -> None:
    network, x, y = worked_example()
    before = network.get_weights()
    document = Session(network, x, y).handle("state")
    w5 = document["parameters"][2]
    assert w5["gradient"][0][0] == pytest.approx(W5_GRADIENT, abs=5e-10)
    assert w5["after"][0][0] == pytest.approx(W5_AFTER, abs=5e-10)
    assert all(np.array_equal(a, b) for a, b in zip(before, network.get_weights(), strict=True))
    assert document["curve"] == [[0, document["loss"]]] and document["surface"] is None


def test_editing_w5_recomputes_every_gradient_with_the_engine() -> None:
    network, x, y = worked_example()
    document = Session(network, x, y).handle("edit", EDIT_W5)
    expected = gradients_with(0.5)
    weights = [p for p in document["parameters"] if p["kind"] == "weights"]
    for (grad_w, _), p in zip(expected, weights, strict=True):
        np.testing.assert_allclose(p["gradient"], grad_w, rtol=0, atol=1e-15)
        np.testing.assert_allclose(p["after"], np.array(p["before"]) - 0.5 * grad_w, atol=1e-15)
    assert weights[1]["before"][0][0] == 0.5


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        (
            {"target": "bias", "layer": 0, "j": 1, "value": 0.1},
            lambda d: d["parameters"][1]["before"] == [0.1, 0.1],
        ),
        ({"target": "input", "sample": 0, "i": 1, "value": 0.7}, lambda d: d["x"] == [[0.05, 0.7]]),
        (
            {"target": "target", "sample": 0, "j": 0, "value": 0.2},
            lambda d: d["y"] == [[0.2, 0.99]],
        ),
        (
            {"target": "activation", "layer": 0, "name": "tanh"},
            lambda d: d["layers"][0]["activation"] == "tanh",
        ),
        ({"target": "learning_rate", "value": 0.25}, lambda d: d["learning_rate"] == 0.25),
    ],
)
def test_every_kind_of_edit_reaches_the_engine(payload, check) -> None:
    network, x, y = worked_example()
    document = Session(network, x, y).handle("edit", payload)
    assert check(document)
    original = Session(*worked_example()).handle("state")
    changed = (
        document["loss"] != original["loss"] or document["loss_after"] != original["loss_after"]
    )
    assert changed  # the engine recomputed the step (a new η changes only the update)


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        (
            "edit",
            {"target": "weight", "layer": 5, "i": 0, "j": 0, "value": 1.0},
            "layer must be an integer in [0, 1]",
        ),
        (
            "edit",
            {"target": "weight", "layer": 0, "i": 0, "j": 0, "value": "x"},
            "finite number, got 'x'",
        ),
        ("edit", {"target": "nothing"}, "edit target must be one of"),
        ("edit", {"target": "learning_rate", "value": -1}, "positive number, got -1"),
        ("edit", {"target": "activation", "layer": 0, "name": "nope"}, "nope"),
        ("play", {"epochs": 0}, "epochs must be in [1, 1000], got 0"),
        ("play", {"epochs": True}, "epochs must be an integer, got True"),
        ("fly", {}, "unknown request 'fly'"),
    ],
)
def test_bad_requests_say_what_was_received(kind, payload, message) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Session(*worked_example()).handle(kind, payload)


def test_play_trains_as_fit_does_and_reset_goes_back() -> None:
    network, x, y = worked_example()
    session = Session(network, x, y)
    start = session.handle("state")["loss"]
    answers = [session.handle("play", {"epochs": 3}) for _ in range(4)]
    reference, _, _ = worked_example()
    history = reference.fit(
        x, y, optimizer=gn.SGD(learning_rate=0.5), epochs=12, batch_size=None, shuffle=False
    )
    losses = [loss for answer in answers for _, loss in answer["curve"]]
    assert losses == history.loss and answers[-1]["epochs"] == 12
    assert all(
        np.array_equal(a, b)
        for a, b in zip(network.get_weights(), reference.get_weights(), strict=True)
    )
    assert session.handle("reset")["loss"] == start


def test_train_epochs_is_one_call_of_the_engines_loop() -> None:
    network, x, y = worked_example()
    losses = train_epochs(network, gn.SGD(learning_rate=0.5), x, y, 2)
    assert len(losses) == 2 and losses[1] < losses[0]


def test_a_toy_dataset_session_has_a_surface_of_the_networks_predictions() -> None:
    x, y = toy_dataset("xor")
    network = gn.live.playground_network()
    surface = Session(network, x, y).handle("state")["surface"]
    assert surface["kind"] == "value" and len(surface["values"]) == 40 * 40
    corner = network.predict([[surface["x0"], surface["y0"]]])[0, 0]
    assert surface["values"][0] == pytest.approx(corner, abs=1e-4)
    with pytest.raises(ValueError, match="dataset must be one of xor, circles, moons, spiral"):
        toy_dataset("rings")


# ---------------------------------------------------------------------- the server
def test_the_server_listens_on_loopback_only(server) -> None:
    assert server.httpd.server_address[0] == "127.0.0.1"
    assert server.url.startswith(f"http://127.0.0.1:{server.port}/?token=")
    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    for address in addresses - {"127.0.0.1", "127.0.1.1", "::1"}:
        with pytest.raises(OSError):
            socket.create_connection((address, server.port), timeout=2).close()


def test_the_page_and_the_endpoints_answer_with_the_token(server) -> None:
    token = f"token={server.token}"
    with urllib.request.urlopen(server.url, timeout=30) as response:  # a real HTTP client
        page = response.read().decode()
    assert "initPage(" in page and server.token in page and "0.08216704" in page
    status, state = request(server, f"/api/state?{token}")
    assert status == 200 and state["schema_version"] == 1
    status, edited = request(server, f"/api/edit?{token}", EDIT_W5)
    assert status == 200
    np.testing.assert_allclose(
        edited["parameters"][2]["gradient"], gradients_with(0.5)[1][0], atol=1e-15
    )
    status, played = request(server, f"/api/play?{token}", {"epochs": 2})
    assert status == 200 and [e for e, _ in played["curve"]] == [0, 1]
    status, error = request(server, f"/api/play?{token}", {"epochs": 0})
    assert status == 400 and error == {"error": "epochs must be in [1, 1000], got 0"}
    assert request(server, f"/nothing?{token}")[0] == 404


def test_a_bad_body_is_refused_with_a_reason(server) -> None:
    path = f"/api/edit?token={server.token}"
    for length, body in (("-5", b""), ("x", b""), (str(2 << 20), b"{}")):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.putrequest("POST", path, skip_host=True)
        connection.putheader("Host", f"127.0.0.1:{server.port}")
        connection.putheader("Content-Length", length)
        connection.endheaders(body)
        response = connection.getresponse()
        answer = json.loads(response.read())
        connection.close()
        assert response.status == 400 and "Content-Length" in answer["error"]
    status, played = request(server, path.replace("edit", "play"), {"epochs": 1})
    assert status == 200 and played["epochs"] == 1  # the server still answers
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("POST", path, b"{not json", {"Host": f"127.0.0.1:{server.port}"})
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    assert response.status == 400 and answer == {"error": "the request body must be JSON"}


@pytest.mark.parametrize("query", ["", "?token=", "?token=guess", "?other=1"])
def test_a_request_without_the_token_is_refused(server, query) -> None:
    for path in ("/", "/api/state"):
        status, answer = request(server, path + query)
        assert status == 403 and "token" in answer["error"]
    status, _ = request(server, f"/api/edit{query}", {"target": "learning_rate", "value": 1.0})
    assert (
        status == 403
        and request(server, f"/api/state?token={server.token}")[1]["learning_rate"] == 0.5
    )
    with pytest.raises(urllib.error.HTTPError, match="403"):
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/{query}", timeout=30)


@pytest.mark.parametrize(
    "host", ["evil.example:{port}", "127.0.0.1", "127.0.0.1:1", "attacker.localhost:{port}"]
)
def test_a_request_for_another_host_is_refused(server, host) -> None:
    status, answer = request(
        server, f"/api/state?token={server.token}", host=host.format(port=server.port)
    )
    assert status == 403 and "Host" in answer["error"]
    assert (
        request(server, f"/api/state?token={server.token}", host=f"localhost:{server.port}")[0]
        == 200
    )


# ---------------------------------------------------------------------- the widget
def test_the_widget_answers_the_pages_messages() -> None:
    pytest.importorskip("anywidget", reason="the widget needs anywidget (pip install '.[test]')")
    network, x, y = worked_example()
    widget = gn.view(network, x, y)
    assert widget.document["parameters"][2]["gradient"][0][0] == pytest.approx(
        W5_GRADIENT, abs=5e-10
    )
    sent: list[dict] = []
    widget.send = sent.append
    widget._message(widget, {"id": 7, "kind": "edit", "payload": EDIT_W5}, [])
    assert sent[-1]["id"] == 7
    np.testing.assert_allclose(
        sent[-1]["reply"]["parameters"][2]["gradient"], gradients_with(0.5)[1][0], atol=1e-15
    )
    widget._message(widget, {"id": 8, "kind": "play", "payload": {"epochs": -1}}, [])
    assert sent[-1] == {"id": 8, "error": "epochs must be in [1, 1000], got -1"}
    assert respond(widget.session, "not a dict") == {
        "id": None,
        "error": "a message must be an object, got str",
    }


def test_a_trained_model_is_shown_on_its_rows_with_its_names(tmp_path) -> None:
    from sklearn.datasets import load_iris

    from glassnet.cli.view import make_session

    iris = load_iris(as_frame=True)
    frame = iris.frame[["petal length (cm)", "petal width (cm)"]].set_axis(
        ["length", "width"], axis=1
    )
    frame["species"] = iris.target_names[iris.target]
    data, model = tmp_path / "iris.csv", tmp_path / "iris.safetensors"
    frame.to_csv(data, index=False)
    argv = ["train", str(data), "--target", "species", "--hidden", "4", "--epochs", "2"]
    assert main([*argv, "--out", str(model), "--quiet", "--seed", "0"]) == 0
    before = model.read_bytes()
    options = dict(model=str(model), data=str(data), rows=50, dataset=None, lr=None)
    session = make_session(argparse.Namespace(**options))
    document = session.handle("state")
    assert document["labels"] == {
        "inputs": ["length", "width"],
        "outputs": ["setosa", "versicolor", "virginica"],
    }
    assert len(document["x"]) == 50 and document["y"][0] == [1.0, 0.0, 0.0]
    assert document["surface"]["kind"] == "classes"
    session.handle("play", {"epochs": 3})
    assert model.read_bytes() == before  # the model file is never written
    assert (
        main(["view", "--no-browser", "--model", str(model), "--data", str(data), "--rows", "0"])
        == 2
    )


def test_glassnet_view_is_the_page_package_and_opens_the_widget() -> None:
    import glassnet.view as page

    assert callable(gn.view) and gn.view is page and callable(page.build_page)


# ---------------------------------------------------------------------- the command
def test_the_command_refuses_bad_options(capsys) -> None:
    assert main(["view", "--no-browser", "--data", "x.csv"]) == 2
    assert "--data needs --model" in capsys.readouterr().err
    assert main(["view", "--no-browser", "--model", "m", "--dataset", "xor"]) == 2
    assert "cannot be combined" in capsys.readouterr().err
    assert main(["view", "--no-browser", "--lr", "-1"]) == 2
    assert "--lr must be a positive number, got -1.0" in capsys.readouterr().err


def test_glassnet_view_serves_until_ctrl_c() -> None:
    """A real process: it prints its URL, answers, and stops cleanly on SIGINT."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    child = subprocess.Popen(
        [sys.executable, "-m", "glassnet.cli", "view", "--no-browser", "--dataset", "moons"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not inherited as ignored
    )
    try:
        line = child.stdout.readline()
        url = line.split()[2]
        assert url.startswith("http://127.0.0.1:") and "token=" in url
        state_url = url.replace("/?", "/api/state?")
        with urllib.request.urlopen(state_url, timeout=60) as response:
            state = json.load(response)
        assert len(state["x"]) == 200 and state["surface"]["kind"] == "value"
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0 and "stopped" in err and "Traceback" not in err
