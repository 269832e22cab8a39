"""Run a benchmark's `--child REQUEST` mode in a fresh interpreter under an address-space cap.

The cap keeps a runaway run from taking the machine down: it then fails with MemoryError and
is reported as such, like a timeout.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from typing import Any


def run(module: str, request: dict[str, Any], timeout: float, cap: int) -> dict[str, Any]:
    """The child's JSON result plus `process_s` (wall time with start-up), or `failed` with why."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", module, "--child", json.dumps(request)],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=limit,
        )
    except subprocess.TimeoutExpired:
        return {"failed": f"timeout after {timeout:.0f} s", "process_s": time.perf_counter() - start}
    except subprocess.CalledProcessError as e:
        last = (e.stderr.strip().splitlines() or [f"exit {e.returncode}"])[-1]
        last = last.replace("numpy._core._exceptions._ArrayMemoryError", "MemoryError")[:120]
        return {"failed": last, "process_s": time.perf_counter() - start}
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    result["process_s"] = time.perf_counter() - start
    return result
