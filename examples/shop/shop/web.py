"""A tiny WSGI framework and HTTP client with OpenTelemetry server and client spans.

Routes are `METHOD /path/{param}` templates. The server span is named after the
route, as OpenTelemetry's HTTP conventions ask; trace context travels in the W3C
`traceparent` header, both ways.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.propagate import extract, inject
from opentelemetry.trace import SpanKind, Status, StatusCode

from shop.telemetry import tracer

JSON = dict[str, Any]
ADDRESSES_ENV = "SHOP_ADDRESSES"
"""JSON object service name -> "host:port", given to every service and the load generator."""


class HttpError(Exception):
    """A response with a status of 400 or more (raised by handlers, or by `call` for a peer's answer)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Request:
    """What a handler sees of one HTTP request."""

    params: dict[str, str]
    """Path parameters from the route template."""
    query: dict[str, str]
    body: JSON
    cookies: dict[str, str]


@dataclass(slots=True)
class Response:
    """What a handler returns: a JSON body, a status and extra headers (cookies)."""

    body: JSON
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[[Request], Response]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _match(template: str, path: str) -> dict[str, str] | None:
    parts, actual = template.strip("/").split("/"), path.strip("/").split("/")
    if len(parts) != len(actual):
        return None
    params = {}
    for part, value in zip(parts, actual, strict=True):
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = urllib.parse.unquote(value)
        elif part != value:
            return None
    return params


def _cookies(header: str) -> dict[str, str]:
    pairs = (item.strip().partition("=") for item in header.split(";") if "=" in item)
    return {name: value for name, _, value in pairs}


def application(routes: dict[str, Handler]) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app serving routes, one server span per request."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        route, handler, params = "", None, {}
        for key, candidate in routes.items():
            route_method, _, template = key.partition(" ")
            found = _match(template, path) if route_method == method else None
            if found is not None:
                route, handler, params = template, candidate, found
                break
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        attributes = {
            "http.request.method": method,
            "url.path": path,
            "url.scheme": "http",
            "server.port": int(environ.get("SERVER_PORT", 0)),
        }
        if route:
            attributes["http.route"] = route
        name = f"{method} {route}" if route else method
        with tracer().start_as_current_span(
            name, extract(headers), SpanKind.SERVER, attributes, record_exception=False
        ) as span:
            response = _respond(handler, environ, params, headers)
            span.set_attribute("http.response.status_code", response.status)
            if response.status >= 500:
                span.set_status(Status(StatusCode.ERROR, str(response.body.get("error", ""))))
        payload = json.dumps(response.body).encode()
        reason = {200: "OK", 404: "Not Found"}.get(response.status, "Status")
        start_response(
            f"{response.status} {reason}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), *response.headers],
        )
        return [payload]

    return app


def _respond(
    handler: Handler | None, environ: dict[str, Any], params: dict[str, str], headers: dict[str, str]
) -> Response:
    if handler is None:
        return Response({"error": "no such route"}, 404)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
    try:
        body = json.loads(raw) if raw else {}
        return handler(Request(params, query, body, _cookies(headers.get("cookie", ""))))
    except HttpError as e:
        return Response({"error": e.message}, e.status)
    except Exception as e:  # a bug in a handler is a 500, as a real server reports it
        return Response({"error": f"{type(e).__name__}: {e}"}, 500)


def address(service: str) -> str:
    """host:port of a peer service, from SHOP_ADDRESSES."""
    return str(json.loads(os.environ[ADDRESSES_ENV])[service])


def call(service: str, method: str, path: str, body: JSON | None = None, timeout: float = 5.0) -> JSON:
    """One HTTP call to a peer inside a client span; a 4xx/5xx answer raises HttpError."""
    host, _, port = address(service).partition(":")
    url = f"http://{host}:{port}{path}"
    attributes: dict[str, str | int] = {
        "http.request.method": method,
        "url.full": url,
        "server.address": host,
        "server.port": int(port),
        "peer.service": service,
    }
    with tracer().start_as_current_span(method, kind=SpanKind.CLIENT, attributes=attributes) as span:
        headers = {"Content-Type": "application/json"}
        inject(headers)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                span.set_attribute("http.response.status_code", answer.status)
                result: JSON = json.loads(answer.read())
                return result
        except urllib.error.HTTPError as e:
            span.set_attribute("http.response.status_code", e.code)
            message = json.loads(e.read() or b"{}").get("error", e.reason)
            raise HttpError(e.code, f"{service}: {message}") from None
