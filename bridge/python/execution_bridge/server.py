"""The bridge on HTTP: ``http.server.ThreadingHTTPServer``, one thread per connection, JSON in
and out. Bodies over 64 KiB (plus room for headers of the JSON) are refused unread, 413.
"""

import json
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

MAX_BODY_BYTES = 64 * 1024 + 1024


def _handler_for(bridge, log):
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 with Content-Length on every answer, so clients may keep connections open.
        protocol_version = "HTTP/1.1"
        server_version = "execution-bridge"

        def _send(self, status, value):
            data = json.dumps(value).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method):
            path = unquote(urlsplit(self.path).path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                # The body is left unread, so this connection cannot carry another request.
                self.close_connection = True
                return self._send(413, {"error": "the signal is larger than 64 KiB"})
            body = self.rfile.read(length) if length > 0 else b""
            try:
                status, value = bridge.handle(method, path, self.headers, body)
            except Exception:  # noqa: BLE001 - a bug must answer, not hang the client
                log("unexpected error", error=traceback.format_exc())
                status, value = 500, {"error": "the bridge failed unexpectedly; see its log"}
            self._send(status, value)

        def do_GET(self):  # noqa: N802 - the name http.server calls
            self._serve("GET")

        def do_POST(self):  # noqa: N802
            self._serve("POST")

        def log_message(self, format, *args):  # noqa: A002 - http.server's signature
            # Requests are not logged line by line; the bridge logs what it decides.
            pass

    return Handler


def serve(bridge, host="127.0.0.1", port=8081, log=None):
    """Starts serving ``bridge`` in a thread; answers the server (``server.server_address`` has the port)."""
    log = log or (lambda message, **fields: None)
    server = ThreadingHTTPServer((host, port), _handler_for(bridge, log))
    server.daemon_threads = True
    # A short poll interval: shutdown() waits for the loop to notice.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="http", daemon=True).start()
    return server
