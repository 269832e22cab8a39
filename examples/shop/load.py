"""Start the shop, drive it with Online Boutique's request mix, record telemetry, build a snapshot.

    python examples/shop/load.py --seconds 20 --output /tmp/shop-telemetry --snapshot /tmp/shop-snapshot
    python examples/shop/load.py --record          # regenerate examples/shop/telemetry and snapshot

Every service runs in its own process (`python -m shop.serve`) on a free port of
127.0.0.1 and writes OTLP JSON Lines to OUTPUT/traces/<service>.jsonl; the
checkout service also writes a cProfile file to OUTPUT/profiles/checkout.pstats.
Then `preflight collect` reads traces, profile and the SLOs in slos/ into the
snapshot, resolving functions against a throw-away git repository of this example.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # the shop package, also when this file is loaded by path (the tests)
from shop import SERVICES  # noqa: E402

PRODUCTS = (
    "0PUK6V6EV0",
    "1YMWWN1N4O",
    "2ZYFJ3GM2N",
    "66VCHSJNUP",
    "6E92ZMYYFZ",
    "9SIQT8TOJO",
    "L9ECAV7KIM",
    "LS4PSXUNUM",
    "OLJCESPC7Z",
)
CURRENCIES = ("EUR", "USD", "JPY", "CAD", "GBP", "TRY")
VALID_CARD = {"number": "4432801561520454", "cvv": 672, "expiration_year": 2039, "expiration_month": 1}
EXPIRED_CARD = {**VALID_CARD, "expiration_year": 2020}
EXPIRED_SHARE = 0.1
"""Share of checkouts paid with an expired card (declined: 402, an error span in payment, no outage)."""
ADDRESS = {
    "street_address": "1600 Amphitheatre Parkway",
    "city": "Mountain View",
    "state": "CA",
    "country": "US",
    "zip_code": "94043",
}
PROFILED = "checkout"


class User:
    """One shopper: a cookie jar (session and currency) and Online Boutique's locust tasks."""

    def __init__(self, base: str, number: int, rng: random.Random) -> None:
        self.base, self.rng = base, rng
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.session = f"user-{number}"

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> int:
        """One request to the frontend; the status code (errors are answers, not exceptions)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Cookie", f"shop_session-id={self.session}")
        try:
            with self.opener.open(request, timeout=10) as response:
                response.read()
                return int(response.status)
        except urllib.error.HTTPError as e:
            e.read()
            return int(e.code)

    def index(self) -> int:
        return self.request("GET", "/")

    def set_currency(self) -> int:
        return self.request("POST", "/setCurrency", {"currency_code": self.rng.choice(CURRENCIES)})

    def browse_product(self) -> int:
        return self.request("GET", f"/product/{self.rng.choice(PRODUCTS)}")

    def view_cart(self) -> int:
        return self.request("GET", "/cart")

    def add_to_cart(self) -> int:
        product = self.rng.choice(PRODUCTS)
        self.request("GET", f"/product/{product}")
        return self.request("POST", "/cart", {"product_id": product, "quantity": self.rng.randint(1, 10)})

    def checkout(self) -> int:
        self.add_to_cart()
        card = EXPIRED_CARD if self.rng.random() < EXPIRED_SHARE else VALID_CARD
        body = {"email": "someone@example.com", "address": ADDRESS, "credit_card": card}
        return self.request("POST", "/cart/checkout", body)


# Online Boutique's locustfile weights.
MIX: tuple[tuple[str, int], ...] = (
    ("browse_product", 10),
    ("view_cart", 3),
    ("set_currency", 2),
    ("add_to_cart", 2),
    ("index", 1),
    ("checkout", 1),
)


def free_ports(count: int) -> list[int]:
    """Ports the kernel says are free on 127.0.0.1 (held open together so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def start(output: Path) -> tuple[dict[str, str], list[subprocess.Popen[str]]]:
    """Start every service; return their addresses and processes once all listen."""
    (output / "traces").mkdir(parents=True, exist_ok=True)
    (output / "profiles").mkdir(parents=True, exist_ok=True)
    addresses = {
        name: f"127.0.0.1:{port}" for name, port in zip(SERVICES, free_ports(len(SERVICES)), strict=True)
    }
    env = {**os.environ, "SHOP_ADDRESSES": json.dumps(addresses), "PYTHONPATH": str(ROOT)}
    env.pop("OTEL_TRACES_EXPORTER", None)
    processes = []
    for name in SERVICES:
        command = [sys.executable, "-m", "shop.serve", name, "--port", addresses[name].split(":")[1]]
        command += ["--traces", str(output / "traces" / f"{name}.jsonl")]
        if name == PROFILED:
            command += ["--profile", str(output / "profiles" / f"{name}.pstats")]
        processes.append(
            subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        )
    for name, process in zip(SERVICES, processes, strict=True):
        assert process.stdout is not None
        line = process.stdout.readline()
        if "listening" not in line:
            stop(processes)
            raise RuntimeError(f"{name} did not start (exit code {process.poll()})")
    return addresses, processes


def stop(processes: list[subprocess.Popen[str]]) -> None:
    """Close every service's stdin (it flushes and exits) and wait."""
    for process in processes:
        if process.stdin is not None:
            process.stdin.close()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def drive(base: str, seconds: float, users: int, rate: float, seed: int) -> Counter[str]:
    """Run the mix for some seconds at about `rate` requests per second; counts by task and status."""
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    names, weights = zip(*MIX, strict=True)

    def shopper(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        user = User(base, number, rng)
        interval = users / rate
        # Shoppers land on the home page; the first one checks out and views its cart at once, so
        # that even a run of a few seconds reaches every service and call. Then tasks follow the mix.
        first = ["index", "checkout", "view_cart"] if number == 0 else ["index"]
        while time.monotonic() < deadline:
            began = time.monotonic()
            task = first.pop(0) if first else rng.choices(names, weights)[0]
            method: Callable[[], int] = getattr(user, task)
            status = method()
            with lock:
                counts[f"{task} {status}"] += 1
            time.sleep(max(0.0, interval * rng.uniform(0.5, 1.5) - (time.monotonic() - began)))

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def example_repository(directory: Path) -> Path:
    """A git repository holding this example's code at its root, as it is deployed under /srv/shop."""
    shutil.copytree(ROOT / "shop", directory / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".preflight.yml", directory / ".preflight.yml")
    git = ["git", "-C", str(directory), "-c", "user.name=shop", "-c", "user.email=shop@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "shop"], check=True)
    return directory


def collect(telemetry: Path, snapshot: Path, seconds: float) -> str:
    """Run `preflight collect` on the traces, the profile and the SLOs; its summary."""
    with tempfile.TemporaryDirectory() as scratch:
        repo = example_repository(Path(scratch))
        # Relative source paths from the example's root: the snapshot's meta names no machine paths.
        sources = [os.path.relpath(telemetry, ROOT), "slos"]
        command = [sys.executable, "-m", "preflight", "collect", *sources, "--output", str(snapshot)]
        command += ["--repo", str(repo), "--service", PROFILED, "--window-seconds", f"{seconds:g}"]
        command += ["--config", ".preflight.yml"]
        done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout


def run(
    output: Path, snapshot: Path | None, seconds: float, users: int, rate: float, seed: int
) -> tuple[Counter[str], str]:
    """Start, drive and stop the shop, then build the snapshot when asked; requests by task and
    status, and `preflight collect`'s summary."""
    if output.exists():
        shutil.rmtree(output)
    addresses, processes = start(output)
    try:
        counts = drive(f"http://{addresses['frontend']}", seconds, users, rate, seed)
    finally:
        stop(processes)
    return counts, collect(output, snapshot, seconds) if snapshot is not None else ""


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to drive the shop (default 20)")
    parser.add_argument("--users", type=int, default=4, help="concurrent shoppers (default 4)")
    parser.add_argument("--rate", type=float, default=8.0, help="requests per second, all users (default 8)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, help="telemetry directory (replaced)")
    parser.add_argument("--snapshot", type=Path, help="snapshot directory to build with `preflight collect`")
    parser.add_argument("--record", action="store_true", help="write the committed telemetry/ and snapshot/")
    args = parser.parse_args(argv)
    if args.record:
        args.output, args.snapshot = ROOT / "telemetry", ROOT / "snapshot"
    if args.output is None:
        parser.error("pass --output DIR (or --record)")
    counts, summary = run(args.output, args.snapshot, args.seconds, args.users, args.rate, args.seed)
    print(summary, end="")
    for key, count in sorted(counts.items()):
        print(f"{key:<24} {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
