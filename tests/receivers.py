"""Real local HTTP receivers for webhook tests: http.server threads on 127.0.0.1.

`Receiver` answers each POST with the next queued status (then 200), optional extra headers and
body; with `trickle` set it writes its whole answer one byte at a time, `trickle` seconds apart.
Each request is recorded with its headers, body and the monotonic time it arrived.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(
        self,
        *,
        statuses: list[int] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes = b"ok",
        trickle: float | None = None,
    ) -> None:
        self.requests: list[dict] = []
        self.statuses = list(statuses or [])
        self.headers = dict(headers or {})
        self.body = body
        self.trickle = trickle
        self.stopped = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                outer.requests.append(
                    {"headers": dict(self.headers), "body": body, "at": time.monotonic()}
                )
                code = outer.statuses.pop(0) if outer.statuses else 200
                if outer.trickle is not None:
                    self._trickle(code)
                    return
                self.send_response(code)
                for name, value in outer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(outer.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(outer.body)

            def _trickle(self, code: int) -> None:
                raw = (
                    f"HTTP/1.1 {code} OK\r\nContent-Length: {len(outer.body)}\r\n\r\n".encode()
                    + outer.body
                )
                for i in range(len(raw)):
                    if outer.stopped.wait(outer.trickle):
                        return
                    try:
                        self.wfile.write(raw[i : i + 1])
                        self.wfile.flush()
                    except OSError:  # the client hung up, as it should at its time limit
                        return

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()
