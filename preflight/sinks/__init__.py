"""Sinks: where a finished check goes besides the report (GitHub today).

A sink receives the results after the report is written and never changes the exit
code: the gate is what `check` decided. The stdout/file report stays in
`commands/check.py`; sinks are the extra destinations `--github` turns on. What a sink
receives and the protocol it implements are in interface.py.
"""

from __future__ import annotations

from preflight.sinks.interface import Outcome, Sink, deciding

__all__ = ["Outcome", "Sink", "deciding"]
