"""What the profile adapters (pstats, folded stacks) share: the file carries neither a service
nor an observation window, so the caller gives both, and every row is built the same way."""

from __future__ import annotations

from preflight.runtime.schema import FUNCTIONS

# Code objects that are not functions a change can touch: module bodies and comprehensions.
NOT_FUNCTIONS = frozenset({"<module>", "<genexpr>", "<listcomp>", "<dictcomp>", "<setcomp>"})


class ProfileAdapter:
    """Base of the profile adapters: service and window come from the caller."""

    name = "profile"

    def __init__(self, service: str | None = None, window_seconds: float | None = None) -> None:
        self.service = service or "unknown"
        self.window_seconds = window_seconds

    def function_row(
        self, name: str, file_path: str | None, line: int | None, count: int
    ) -> dict[str, object]:
        """A functions row: every schema column, unknown (None) unless the profile says.

        A bare name is no qualified name (file and line identify the function); without a
        window, the rate is unknown.
        """
        per_minute = 60.0 / self.window_seconds if self.window_seconds else None
        return dict.fromkeys(FUNCTIONS) | {
            "service": self.service,
            "qualname": name if "." in name else None,
            "file_path": file_path,
            "line": line,
            "calls": count,
            "calls_per_min": count * per_minute if per_minute is not None else None,
            "source": self.name,
        }
