"""A hand-rolled HTTP endpoint for a test: webhooks, shops that misbehave, listeners.

The operating system picks the port (bind to port 0, then read it back), so two tests, or two
engineers' suites on one machine, never race for one. Every request is recorded before it is
answered.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Request:
    """One request as the endpoint received it."""

    method: str
    path: str
    headers: HTTPMessage
    """Looked up without regard to case, as HTTP header names are."""
    body: bytes


@dataclass(frozen=True)
class Answer:
    """What the endpoint sends back."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Respond = Callable[[Request], Answer]


class LoopbackServer:
    """Serves ``respond(request)`` on ``127.0.0.1`` at a port of the system's choosing, in a
    thread, until :meth:`stop`."""

    def __init__(self, respond: Respond) -> None:
        self.requests: list[Request] = []
        self._respond = respond
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the port the server was given."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def bodies(self, method: str = "POST") -> list[bytes]:
        """The bodies of the requests received with ``method``, in order."""
        return [request.body for request in self.requests if request.method == method]

    def stop(self) -> None:
        """Stop serving and free the port; later connections are refused. Safe to repeat."""
        if not self._thread.is_alive():
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                self._serve()

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, self.path, self.headers, self.rfile.read(length))
                endpoint.requests.append(request)
                answer = endpoint._respond(request)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
