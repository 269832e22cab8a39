"""`preflight mcp`: runtime context for coding agents, as a Model Context Protocol server over stdio.

- session: the server's state: one repository, its config, the runtime snapshot and the work
  tree's code index, loaded once and kept warm between calls (reloaded when they change);
- functions: get_function_context and list_hot_functions, what production does with the code;
- change: assess_change, the whole check of the work tree against a base;
- faults: simulate_fault, what breaks when a function or a service fails;
- summaries: the plain sentences every answer carries, for an agent to quote;
- schemas: each tool's output, as the JSON Schema agents are given (outputSchema);
- server: the tools on the official `mcp` SDK (the [mcp] extra), read-only, over stdio.

Every module but schemas and server is plain Python over preflight's stages: the answers are
dicts, tested without the SDK; the SDK is imported only by the server.
"""

from __future__ import annotations
