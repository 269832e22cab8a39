"""Run one service: `python -m shop.serve NAME --port N --traces FILE [--profile FILE]`.

The service stops, flushes its spans and writes its profile when its standard
input closes (the load generator closes it), or on SIGTERM/Ctrl-C.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import marshal
import signal
import sys
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from types import FrameType
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from shop import SERVICES, telemetry, web


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request."""

    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr."""

    def log_message(self, format: str, *args: object) -> None:
        """Drop the line."""


def write_profile(profiler: cProfile.Profile, path: Path) -> None:
    """Dump the stats as `pstats.Stats.dump_stats` does, with files under their deployed paths."""
    profiler.create_stats()
    stats = {
        (telemetry.deployed_path(file) if not file.startswith("<") else file, line, name): (
            cc,
            nc,
            tt,
            ct,
            {
                (telemetry.deployed_path(f) if not f.startswith("<") else f, ln, n): value
                for (f, ln, n), value in callers.items()
            },
        )
        for (file, line, name), (cc, nc, tt, ct, callers) in profiler.stats.items()
    }
    path.write_bytes(marshal.dumps(stats))


def serve(name: str, port: int, traces: Path, profile: Path | None) -> None:
    """Serve until stdin closes or a signal arrives; then flush spans and write the profile."""
    module = importlib.import_module(f"shop.{name}")
    provider = telemetry.setup(name, traces)
    # cProfile sees one thread: a profiled service handles its requests one at a time, in this thread.
    server_class = WSGIServer if profile else ThreadingWSGIServer
    server = make_server(
        "127.0.0.1", port, web.application(module.ROUTES), server_class, handler_class=QuietHandler
    )

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def watch_stdin() -> None:
        sys.stdin.read()
        stop()

    threading.Thread(target=watch_stdin, daemon=True).start()
    profiler = cProfile.Profile() if profile else None
    print(f"{name} listening on 127.0.0.1:{server.server_port}", flush=True)
    if profiler is not None:
        profiler.enable()
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        if profiler is not None and profile is not None:
            profiler.disable()
            write_profile(profiler, profile)
        server.server_close()
        provider.shutdown()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m shop.serve", description=__doc__)
    parser.add_argument("name", choices=SERVICES)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--traces", type=Path, required=True, help="OTLP JSON Lines file to append to")
    parser.add_argument("--profile", type=Path, help="write a cProfile (pstats) file here on exit")
    args = parser.parse_args(argv)
    serve(args.name, args.port, args.traces, args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
