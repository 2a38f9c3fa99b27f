"""Local HTTP servers for tests that fetch over real sockets (never the internet)."""
from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Iterator


class QuietServer(ThreadingHTTPServer):
    """A threaded server that does not print the broken pipes its tests cause on purpose
    (clients that stop reading at a size cap, a deadline or a timeout)."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            super().handle_error(request, client_address)


@contextmanager
def running(httpd: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    """Serve `httpd` on a background thread for the duration of the block, then shut it down."""
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
