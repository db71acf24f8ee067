"""A local HTTP server on a free port, in a thread, that records every request and answers
with a handler the test scripts. The cloud stand-ins (OpenAI-compatible chat, Bedrock
Converse) are built on it, so no test ever reaches the network."""

from __future__ import annotations

import contextlib
import json
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Held until the test releases it: a "slow" answer without a real sleep.
    hold: threading.Event | None = None

    @classmethod
    def of_json(cls, payload: Any, status: int = 200, **headers: str) -> Reply:
        return cls(
            status, json.dumps(payload).encode(), {"Content-Type": "application/json", **headers}
        )


Handler = Callable[[Recorded], Reply]


class StandIn:
    """Serve `handler` on 127.0.0.1:<free port> until `close()`."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Recorded] = []
        self.errors: list[str] = []  # tracebacks of scripts that raised
        self._lock = threading.Lock()
        self._released = threading.Event()
        stand_in = self

        class _Request(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                with stand_in._lock:
                    stand_in.requests.append(recorded)
                try:
                    reply = stand_in.handler(recorded)
                except Exception:  # a bug in a test's script: answer 500, fail the test later
                    stand_in.errors.append(traceback.format_exc())
                    reply = Reply(500, b'{"error": {"message": "stand-in script failed"}}')
                if reply.hold is not None:
                    # Either the test releases it, or the server closes at teardown.
                    while not (reply.hold.wait(0.05) or stand_in._released.is_set()):
                        pass
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                # The client may have given up (a timeout test): nothing left to tell it.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(reply.body)

            do_GET = do_POST = _serve  # noqa: N815 (http.server's handler names)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the recorded requests are the log

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Request)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def recorded(self) -> list[Recorded]:
        with self._lock:
            return list(self.requests)

    def close(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
