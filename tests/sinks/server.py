"""A local HTTP server that answers like the parts of GitHub's REST API the sink uses.

It keeps issue comments and check runs in memory and behaves like github.com where it
matters: Link-header pagination, 403 "Resource not accessible by integration" for a
read-only token, 422 for comment bodies over 65,536 characters and for more than 50
annotations per request, GraphQL `viewer`, and failures queued by a test (a 502, a
rate limit). It can also misbehave as a broken proxy or API would: a Link header that points
back at the same page or on forever, a 200 answered with an HTML page, an error body that
echoes the request's token. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FORBIDDEN = {
    "message": "Resource not accessible by integration",
    "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
}


@dataclass
class Token:
    """Who a token is and what it may do."""

    login: str
    write: bool = True
    app: bool = True
    """Installation tokens (GITHUB_TOKEN) cannot read /user; GraphQL's viewer drops `[bot]`."""


@dataclass
class Failure:
    """An answer to give instead of the real one, `times` times, to requests matching method/path."""

    method: str
    path: str
    """A regular expression searched in the path."""
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = field(default_factory=lambda: {"message": "Server Error"})
    times: int = 1
    store: bool = False
    """Carry the request out first, then answer with the failure (a 502 after the write)."""
    raw: bytes | None = None
    """Send these bytes as the body (with headers' Content-Type, else text/html) instead of JSON."""
    echo_token: bool = False
    """Put the request's Authorization header into the body's message, as some proxies do."""


@dataclass
class State:
    """Everything the fake GitHub knows; tests read and change it."""

    tokens: dict[str, Token] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    pulls: dict[int, str] = field(default_factory=dict)
    """Pull request number -> head sha."""
    page_size: int | None = None
    """Force a page size smaller than per_page, to exercise pagination with few comments."""
    failures: list[Failure] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    """(method, path with query, Authorization header) of every request, in order."""
    on_list: Callable[[], None] | None = None
    """Called before answering a comment listing (a test's hook to interleave runs)."""
    on_create: Callable[[], None] | None = None
    """Called before a comment is created (another run's create slipping in first)."""
    links: str | None = None
    """Comment listings' rel="next": None as GitHub does, "same" back to the same page, "endless"
    one more page forever (a broken proxy or API)."""
    next_id: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_comment(self, number: int, login: str, body: str) -> dict[str, Any]:
        """A comment as another client (or an earlier run) left it."""
        with self.lock:
            self.next_id += 1
            comment = {
                "id": self.next_id,
                "body": body,
                "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
                "html_url": f"https://github.example/pull/{number}#issuecomment-{self.next_id}",
            }
            self.comments.setdefault(number, []).append(comment)
            return comment


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    swallow = False

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows failures, not access logs

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        payload = json.loads(self.rfile.read(length)) if length else None
        auth = self.headers.get("Authorization", "")
        with state.lock:
            state.requests.append((method, self.path, auth))
        url = urlsplit(self.path)
        path = url.path.removeprefix(self.server.prefix)
        for failure in state.failures:
            if failure.times > 0 and failure.method == method and re.search(failure.path, path):
                failure.times -= 1
                if failure.store:
                    self.swallow = True
                    self._authorized(method, path, url.query, payload, auth)
                    self.swallow = False
                if failure.raw is not None:
                    return self._send_raw(failure.status, failure.raw, failure.headers)
                body = failure.body
                if failure.echo_token:
                    body = {"message": f"Bad credentials for header 'Authorization: {auth}'"}
                return self._send(failure.status, body, failure.headers)
        self._authorized(method, path, url.query, payload, auth)

    def _authorized(self, method: str, path: str, query: str, payload: Any, auth: str) -> None:
        state = self.server.state
        token = state.tokens.get(auth.removeprefix("Bearer "))
        if token is None:
            return self._send(401, {"message": "Bad credentials"})
        if method != "GET" and not token.write and not path.endswith("/graphql"):
            return self._send(403, FORBIDDEN)
        self._answer(method, path, parse_qs(query), payload, token)

    def _answer(
        self, method: str, path: str, query: dict[str, list[str]], payload: Any, token: Token
    ) -> None:
        state = self.server.state
        if path == "/user":
            if token.app:
                return self._send(403, FORBIDDEN)
            return self._send(200, {"login": token.login})
        if path.endswith("/graphql"):
            return self._send(200, {"data": {"viewer": {"login": token.login.removesuffix("[bot]")}}})
        if m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/(\d+)/comments", path):
            number = int(m.group(1))
            if method == "GET":
                return self._list(number, query)
            body = payload["body"]
            if len(body) > 65_536:
                return self._send(422, _too_long())
            if state.on_create is not None:
                state.on_create()
            return self._send(201, state.add_comment(number, token.login, body))
        if m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", path):
            return self._comment(method, int(m.group(1)), payload, token)
        if m := re.fullmatch(r"/repos/[^/]+/[^/]+/pulls/(\d+)", path):
            sha = state.pulls.get(int(m.group(1)))
            if sha is None:
                return self._send(404, {"message": "Not Found"})
            return self._send(200, {"number": int(m.group(1)), "head": {"sha": sha}})
        if re.fullmatch(r"/repos/[^/]+/[^/]+/check-runs(/\d+)?", path):
            return self._check_run(method, path, payload)
        self._send(404, {"message": "Not Found"})

    def _list(self, number: int, query: dict[str, list[str]]) -> None:
        state = self.server.state
        if state.on_list is not None:
            state.on_list()
        per_page = min(int(query.get("per_page", ["30"])[0]), 100, state.page_size or 100)
        page = int(query.get("page", ["1"])[0])
        with state.lock:
            items = sorted(state.comments.get(number, []), key=lambda c: c["id"])
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        base = f"http://{self.headers['Host']}{urlsplit(self.path).path}"
        if state.links == "same":
            links.append(f'<http://{self.headers["Host"]}{self.path}>; rel="next"')
        elif state.links == "endless":
            links.append(f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"')
        elif page * per_page < len(items):
            links.append(f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"')
            last = (len(items) + per_page - 1) // per_page
            links.append(f'<{base}?per_page={per_page}&page={last}>; rel="last"')
        self._send(200, chunk, {"Link": ", ".join(links)} if links else {})

    def _comment(self, method: str, comment_id: int, payload: Any, token: Token) -> None:
        state = self.server.state
        with state.lock:
            found = [(n, c) for n, cs in state.comments.items() for c in cs if c["id"] == comment_id]
            if not found:
                return self._send(404, {"message": "Not Found"})
            number, comment = found[0]
            if comment["user"]["login"] != token.login:
                return self._send(403, {"message": "Must have admin rights to Repository."})
            if method == "DELETE":
                state.comments[number].remove(comment)
                return self._send(204, None)
            if len(payload["body"]) > 65_536:
                return self._send(422, _too_long())
            comment["body"] = payload["body"]
        self._send(200, comment)

    def _check_run(self, method: str, path: str, payload: dict[str, Any]) -> None:
        state = self.server.state
        annotations = payload.get("output", {}).get("annotations", [])
        if len(annotations) > 50:
            return self._send(422, {"message": "Only 50 annotations may be sent per request"})
        with state.lock:
            if method == "POST":
                state.next_id += 1
                run = {**payload, "id": state.next_id, "annotations": list(annotations)}
                state.check_runs[state.next_id] = run
            else:
                run = state.check_runs[int(path.rsplit("/", 1)[1])]
                run["annotations"].extend(annotations)
                run["output"] = payload["output"]
        self._send(201 if method == "POST" else 200, {"id": run["id"]})

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", headers.get("Content-Type", "text/html; charset=utf-8"))
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            if name != "Content-Type":
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        if self.swallow:
            return
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: State, prefix: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.prefix = prefix


def _too_long() -> dict[str, Any]:
    return {
        "message": "Validation Failed",
        "errors": [
            {
                "resource": "IssueComment",
                "code": "custom",
                "field": "body",
                "message": "body is too long (maximum is 65536 characters)",
            }
        ],
    }


@contextmanager
def serve(state: State, prefix: str = "") -> Iterator[str]:
    """Run the fake API in a thread; yields its root URL (with `prefix`, e.g. /api/v3)."""
    server = _Server(state, prefix)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
