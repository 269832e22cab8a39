"""The `preflight` console script: `hook run --resident` is first offered to the resident process
(preflight.resident), without importing the command line; everything else is the command line."""

from __future__ import annotations

import sys


def main() -> int:
    argv = sys.argv[1:]
    from preflight.resident import client

    if client.wanted(argv):
        try:
            code = client.run(argv)
        except KeyboardInterrupt:  # as the command line ends an interrupted run
            sys.stderr.write("preflight: interrupted\n")
            return 130
        if code is not None:
            return code
    from preflight.cli import main as cli

    return cli(argv)
