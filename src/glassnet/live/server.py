"""``glassnet view``'s local server: the live page and its JSON endpoints, on 127.0.0.1 only.

Standard library only (:class:`http.server.ThreadingHTTPServer`). Every request must carry the
random token of the URL (``?token=...``, drawn by :func:`secrets.token_urlsafe`) and a ``Host``
header naming this server (``127.0.0.1:PORT`` or ``localhost:PORT``): another web page the
browser has open can neither guess the token nor reach the server through a rebound DNS name.

Endpoints: ``GET /`` the page; ``GET /api/state``; ``POST /api/{state,edit,play,reset}`` with a
JSON object body. Answers are JSON; a bad request is ``{"error": "..."}`` with status 400
(403 for a bad token or host, 404 for an unknown path).
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..view import build_page, to_json
from .session import Session

HOST = "127.0.0.1"
MAX_BODY = 1 << 20  # an edit is a few bytes; refuse anything larger than 1 MiB


class ViewServer:
    """A live view of ``session`` at :attr:`url`.

    Examples
    --------
    >>> server = ViewServer(session)            # doctest: +SKIP
    >>> server.serve_forever()                   # Ctrl-C, then server.close()  # doctest: +SKIP
    """

    def __init__(self, session: Session, port: int = 0, title: str = "glassnet view") -> None:
        self.session = session
        self.title = title
        self.token = secrets.token_urlsafe(24)
        self.lock = threading.Lock()  # one request at a time touches the network
        self.httpd = _Server((HOST, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.view = self  # type: ignore[attr-defined]
        self.port = int(self.httpd.server_address[1])
        self.hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def page(self) -> str:
        with self.lock:
            document = self.session.state()
        return build_page(document, self.title, live={"endpoint": "/api", "token": self.token})

    def answer(self, kind: str, payload: Any) -> dict[str, Any]:
        with self.lock:
            return self.session.handle(kind, payload)

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, notebooks); :meth:`close` stops it."""
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser tab closed mid-answer is not an error worth a traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_version = "glassnet-view"
    protocol_version = "HTTP/1.1"  # keep-alive: playing sends a request per frame
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    @property
    def view(self) -> ViewServer:
        return self.server.view  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows the URL and errors, not every request

    def do_GET(self) -> None:
        path = self.checked_path()
        if path is None:
            return
        if path == "/":
            self.send(200, self.view.page().encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/api/state":
            self.reply("state", {})
        else:
            self.send_json(404, {"error": f"no such page: {path}"})

    def do_POST(self) -> None:
        path = self.checked_path()
        if path is None:
            return
        if not path.startswith("/api/"):
            self.send_json(404, {"error": f"no such endpoint: {path}"})
            return
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            self.send_json(
                400, {"error": f"Content-Length must be 0 to {MAX_BODY}, got {length!r}"}
            )
            self.close_connection = True  # the body, if any, is not read
            return
        try:
            payload = json.loads(self.rfile.read(int(length)) or b"{}")
        except ValueError:
            self.send_json(400, {"error": "the request body must be JSON"})
            return
        self.reply(path.removeprefix("/api/"), payload)

    def checked_path(self) -> str | None:
        """The request's path if its Host and token are right; else answer 403, return None."""
        url = urlsplit(self.path)
        if self.headers.get("Host") not in self.view.hosts:
            self.send_json(403, {"error": "wrong Host header: use the URL glassnet view printed"})
            return None
        token = parse_qs(url.query).get("token", [""])[0]
        if not secrets.compare_digest(token.encode(), self.view.token.encode()):
            self.send_json(403, {"error": "missing or wrong token: use the URL glassnet printed"})
            return None
        return url.path

    def reply(self, kind: str, payload: Any) -> None:
        try:
            answer = self.view.answer(kind, payload)
        except (ValueError, TypeError) as error:
            self.send_json(400, {"error": str(error).splitlines()[0]})
            return
        self.send_json(200, answer)

    def send_json(self, status: int, body: Any) -> None:
        self.send(status, to_json(body).encode("utf-8"), "application/json")

    def send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)
