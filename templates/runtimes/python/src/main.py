"""A minimal HTTP service so a fresh repository builds into an image that runs.

This file is yours: replace it with your service. The Dockerfile sets PORT and HEALTH_PATH.
"""
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8080"))
HEALTH_PATH = os.environ.get("HEALTH_PATH", "/healthz")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == HEALTH_PATH:
            self._send(200, "application/json", json.dumps({"status": "ok"}))
        elif path == "/":
            self._send(200, "text/plain; charset=utf-8", "Hello from your GitOps service.\n")
        else:
            self._send(404, "text/plain; charset=utf-8", "Not found\n")

    def _send(self, status, content_type, body):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))


def main():
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    # Stop on SIGTERM so rollouts drain cleanly. shutdown() waits for serve_forever() to
    # return, so it must run on another thread than the one serving.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    print(f"listening on port {PORT}, health check at {HEALTH_PATH}", flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
