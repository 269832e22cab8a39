"""The four tools on the official `mcp` SDK: names, descriptions, input and output schemas, and
the read-only annotation.

Every tool is read-only (readOnlyHint) and touches no network (openWorldHint false). A tool's
failure is a tool error whose text says how to fix it; a bug is a tool error too (its traceback
saved to a file), never the end of the server. The SDK reads the annotations of these functions,
so this module imports it (and pydantic) at the top: it is imported only once the [mcp] extra is
known to be installed (server.run)."""

from __future__ import annotations

import json
import tempfile
import traceback
from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from preflight import __version__
from preflight.errors import PreflightError
from preflight.mcp import change, faults, functions
from preflight.mcp.schemas import Assessment, FaultSimulation, FunctionContext, HotFunctions
from preflight.mcp.session import Session

NAME = "preflight"
INSTRUCTIONS = (
    "preflight knows what production does with this repository's code, from a runtime snapshot "
    "of its telemetry: how often each function runs, its latency and errors, the endpoints and "
    "SLOs it serves, who calls it, and how a fault would spread across services. Before changing "
    "a function, call get_function_context with PATH::QUALNAME. To see what not to touch "
    "casually, call list_hot_functions. Before finishing, call assess_change and report its "
    "summary to the user, with what it says is unknown. simulate_fault answers what-if questions."
)
TOOLS = ("get_function_context", "list_hot_functions", "assess_change", "simulate_fault")


def build(session: Session) -> FastMCP:
    """The FastMCP server with the four tools on the session."""
    server = FastMCP(NAME, instructions=INSTRUCTIONS, log_level="WARNING")
    annotations = ToolAnnotations(
        readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False
    )
    tool = server.tool

    @tool(annotations=annotations, structured_output=True)
    def get_function_context(
        function: Annotated[
            str,
            Field(
                description="PATH::QUALNAME, the path relative to the repository root: shop/cart.py::Cart.add"
            ),
        ],
    ) -> Annotated[CallToolResult, FunctionContext]:
        """What production does with one function before you change it: calls/min, share of its
        service's requests, p50/p99 latency, error rate, endpoints, SLOs and their remaining error
        budget, the calls it makes, its callers and the entry points that reach it, traffic inferred
        from callers when it has no data, the snapshot's window and age, and what is unknown."""
        return answer(FunctionContext, lambda: functions.function_context(session, function))

    @tool(annotations=annotations, structured_output=True)
    def list_hot_functions(
        limit: Annotated[int, Field(description="How many functions (1-200).")] = 20,
        service: Annotated[str | None, Field(description="Only this service's functions.")] = None,
        path_prefix: Annotated[
            str | None, Field(description="Only functions under this path: shop/.")
        ] = None,
    ) -> Annotated[CallToolResult, HotFunctions]:
        """The busiest functions of the repository in production, so you know what not to touch
        casually: measured ones first, then those whose traffic is only inferred from their callers
        (basis: inferred)."""
        return answer(HotFunctions, lambda: functions.hot_functions(session, limit, service, path_prefix))

    @tool(annotations=annotations, structured_output=True)
    def assess_change(
        base: Annotated[
            str | None,
            Field(
                description="Branch, ref or sha to compare with. Default: the merge base with the default branch."
            ),
        ] = None,
    ) -> Annotated[CallToolResult, Assessment]:
        """The full risk check of the work tree against base, uncommitted, staged and untracked
        edits included (as `preflight check --worktree`): score, level, confidence, the verdict
        under the repository's gate, the factors, the blast radius, the SLOs at risk and what
        would lower the score. Call it before finishing a change and report its summary."""
        return answer(Assessment, lambda: change.assess(session, base))

    @tool(annotations=annotations, structured_output=True)
    def simulate_fault(
        target: Annotated[str, Field(description="A function (PATH::QUALNAME) or a service name.")],
        error_rate: Annotated[
            float | None, Field(description="Share of its executions that fail, above 0 and at most 1: 0.1.")
        ] = None,
        added_latency_ms: Annotated[
            float | None, Field(description="Milliseconds added to each execution: 200.")
        ] = None,
    ) -> Annotated[CallToolResult, FaultSimulation]:
        """What-if: inject errors and/or latency at a function or a service and predict what breaks
        and which SLOs burn (as `preflight simulate`)."""
        return answer(
            FaultSimulation, lambda: faults.simulate_fault(session, target, error_rate, added_latency_ms)
        )

    return server


def answer(shape: type[BaseModel], call: Callable[[], dict[str, Any]]) -> CallToolResult:
    """The answer, checked against its model, as structured content and as JSON text (for clients
    that read text only); or a tool error: a PreflightError's message (it says how to fix the
    input), or for a bug its type and message and where its traceback was saved.

    A CallToolResult, not the model: the SDK would check a model's dump against the outputSchema
    with jsonschema on every call, tens of milliseconds for these schemas, where the model's own
    validation (the schema is generated from it; the SDK runs it again) takes microseconds."""
    try:
        found = shape.model_validate(call()).model_dump(mode="json")
    except PreflightError as e:
        raise ToolError(str(e)) from None
    except Exception as e:
        raise ToolError(
            f"internal error (a bug in preflight {__version__}): {type(e).__name__}: {e}. {_saved()}; please "
            "open an issue in preflight's repository with it attached"
        ) from None
    text = json.dumps(found, ensure_ascii=False)
    return CallToolResult(content=[TextContent(type="text", text=text)], structuredContent=found)


def _saved() -> str:
    """Where the current exception's traceback was written."""
    try:
        with tempfile.NamedTemporaryFile(
            "w",
            prefix="preflight-mcp-crash-",
            suffix=".txt",
            delete=False,
            encoding="utf-8",
            errors="backslashreplace",
        ) as handle:
            handle.write(traceback.format_exc())
        return f"The traceback is saved in {handle.name}"
    except OSError as e:
        return f"The traceback could not be saved ({e})"
