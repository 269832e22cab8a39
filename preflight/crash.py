"""A bug's last resort: save the traceback, ask for a report, exit 3 (this handler never fails)."""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import traceback

from preflight import __version__


def report(verbose: bool) -> int:
    """A bug: save the traceback, ask for a report, exit 3. This handler itself never fails.

    The traceback may hold any text (file names, pre-push input decoded with surrogateescape):
    it is written with backslashreplace, and anything failing here (no temp dir, a closed stderr)
    still ends in exit 3 rather than a second traceback and Python's exit 1, which a pre-push hook
    would report as "gate failed"."""
    details = "".join(traceback.format_exc())
    try:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        fd, path = tempfile.mkstemp(prefix=f"preflight-crash-{stamp}-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"preflight {__version__}, Python {sys.version.split()[0]}\n")
            handle.write(details)
        where = f"The traceback is saved in {path}"
    except Exception as e:  # the report below must still be made
        where = f"The traceback could not be saved ({type(e).__name__}); re-run with -v to see it"
    message = (
        f"preflight: internal error (a bug). {where}; please open an issue in preflight's repository "
        "with it attached.\n"
    )
    if verbose:
        message = details + message
    try:
        stderr = sys.stderr.buffer if hasattr(sys.stderr, "buffer") else None
        if stderr is not None:
            sys.stderr.flush()
            stderr.write(message.encode("utf-8", "backslashreplace"))
            stderr.flush()
        elif sys.stderr is not None:
            sys.stderr.write(message.encode("ascii", "backslashreplace").decode("ascii"))
    except Exception:  # nowhere left to report to; the exit code still says it
        pass
    return 3
