"""A real HTTP server on 127.0.0.1 for the feed tests (stdlib, one thread per request).

Each path maps to a `Route`: a function from the request to a `Reply`, so a
test can script 304s, 429s, redirects, slow or endless bodies.  Every request
is recorded (path and headers) for the test to inspect.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Request:
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterator[bytes] | None = None
    """Sent one by one after the headers, without Content-Length (close-delimited)."""
    delay: float = 0.0
    """Seconds to wait before sending anything."""


Route = Callable[[Request], Reply]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # close-delimited bodies allowed

            def do_GET(self) -> None:
                request = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                server.requests.append(request)
                route = server.routes.get(self.path)
                reply = route(request) if route else Reply(404, b"not found")
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.chunks is None:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if reply.chunks is None:
                        self.wfile.write(reply.body)
                    else:
                        for chunk in reply.chunks:
                            self.wfile.write(chunk)
                            self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on purpose (size cap, timeout)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, route: Route | Reply | bytes) -> str:
        if isinstance(route, bytes):
            body = route
            route = lambda _r: Reply(200, body, {"Content-Type": "application/xml"})  # noqa: E731
        elif isinstance(route, Reply):
            fixed = route
            route = lambda _r: fixed  # noqa: E731
        self.routes[path] = route
        return self.url(path)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]


def conditional(body: bytes, etag: str, last_modified: str) -> Route:
    """A feed that answers 304 to a client presenting its current validators."""

    def route(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(
            200,
            body,
            {"Content-Type": "application/rss+xml", "ETag": etag, "Last-Modified": last_modified},
        )

    return route


def rss(*items: tuple[str, str], title: str = "Test feed") -> bytes:
    """A small RSS 2.0 feed of (guid, title) items."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{item_title}</title>"
        f"<link>https://example.org/{guid}</link>"
        f"<description>{item_title}.</description>"
        "<pubDate>Mon, 01 Sep 2025 09:00:00 GMT</pubDate></item>"
        for guid, item_title in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.org/</link>{body}</channel></rss>"
    ).encode()
