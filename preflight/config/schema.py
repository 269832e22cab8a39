"""The sections of `.preflight.yml` as data: per section, a table of key -> check.

A check takes the YAML node, the file's name and where the value sits (`gate.mode`), and
returns the value or raises InputError naming file and line. A section's table lists its
keys in the order an error names them; adding a key is one line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import yaml

from preflight import yamlnodes
from preflight.errors import InputError
from preflight.models import CallSettings, Gate, GateRule, PathMapping

Check = Callable[[yaml.Node, str, str], Any]
"""(node, source, where) -> the value, or InputError with source:line."""
ENTRY_KINDS = ("http", "task", "grpc", "cli", "main", "custom")


def line(node: yaml.Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def key(node: yaml.Node, source: str) -> str:
    """A mapping key, which must be a plain name."""
    if not isinstance(node, yaml.ScalarNode):
        raise InputError(f"{source}:{line(node)}: keys must be plain names")
    return str(node.value)


def mapping(node: yaml.Node, source: str, where: str) -> list[tuple[yaml.Node, yaml.Node]]:
    """The (key, value) pairs of a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"{source}:{line(node)}: {where} must be a mapping of keys to values")
    return list(node.value)


def fields(node: yaml.Node, source: str, where: str, table: Mapping[str, Check]) -> dict[str, Any]:
    """A mapping checked key by key against its table; an unknown key names the allowed ones."""
    values: dict[str, Any] = {}
    for name_node, value in mapping(node, source, where):
        name = key(name_node, source)
        here = f"{where[:-1]}.{name}`"
        check = table.get(name)
        if check is None:
            raise InputError(f"{source}:{line(name_node)}: unknown key {here}; allowed: {', '.join(table)}")
        values[name] = check(value, source, here)
    return values


def string(node: yaml.Node, source: str, where: str) -> str:
    """A non-empty string."""
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str" or not node.value:
        raise InputError(f"{source}:{line(node)}: {where} must be a non-empty string")
    return str(node.value)


def number(node: yaml.Node, source: str, where: str) -> float:
    """A plain decimal number, not negative."""
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
    ):
        raise InputError(f"{source}:{line(node)}: {where} must be a number")
    try:
        value = yamlnodes.decimal(node)
    except ValueError as e:
        raise InputError(f"{source}:{line(node)}: {where}: {e}") from e
    if value < 0:
        raise InputError(f"{source}:{line(node)}: {where} must not be negative")
    return value


def whole(node: yaml.Node, source: str, where: str) -> int:
    """A whole number, not negative."""
    count = number(node, source, where)
    if count != int(count):
        raise InputError(f"{source}:{line(node)}: {where} must be a whole number")
    return int(count)


def score(node: yaml.Node, source: str, where: str) -> int:
    """A whole score from 0 to 100."""
    value = number(node, source, where)
    if value != int(value) or value > 100:
        raise InputError(f"{source}:{line(node)}: {where} must be a whole score from 0 to 100")
    return int(value)


def boolean(node: yaml.Node, source: str, where: str) -> bool:
    """true or false."""
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:bool":
        raise InputError(f"{source}:{line(node)}: {where} must be true or false")
    try:
        return yamlnodes.boolean(node)
    except ValueError as e:
        raise InputError(f"{source}:{line(node)}: {where}: {e}") from e


def choice(*allowed: str) -> Check:
    """One of the allowed words."""

    def check(node: yaml.Node, source: str, where: str) -> str:
        word = string(node, source, where)
        if word not in allowed:
            raise InputError(f"{source}:{line(node)}: {where} is {' or '.join(allowed)}, not {word!r}")
        return word

    return check


def optional(check: Check) -> Check:
    """A YAML null (`~`, `null`, nothing) turns the setting off (None); else the check."""

    def off_or(node: yaml.Node, source: str, where: str) -> Any:
        null = isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"
        return None if null else check(node, source, where)

    return off_or


def globs(node: yaml.Node, source: str, where: str) -> tuple[str, ...]:
    """A list of path globs; `dir/` is shorthand for everything under dir (`dir/*`)."""
    if not isinstance(node, yaml.SequenceNode):
        raise InputError(f"{source}:{line(node)}: {where} must be a list of path globs")
    found = (string(item, source, f"an entry of {where}") for item in node.value)
    return tuple(glob + "*" if glob.endswith("/") else glob for glob in found)


def emails(node: yaml.Node, source: str, where: str) -> tuple[str, ...]:
    """A non-empty list of email addresses, compared case-insensitively."""
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise InputError(f"{source}:{line(node)}: {where} must be a non-empty list of committer emails")
    found = []
    for item in node.value:
        email = string(item, source, f"an entry of {where}").strip().lower()
        if "@" not in email:
            raise InputError(f"{source}:{line(item)}: {where}: {email!r} is not an email address")
        found.append(email)
    return tuple(found)


def path_map(node: yaml.Node, source: str, where: str) -> tuple[PathMapping, ...]:
    """paths.map: {deployed prefix: repository prefix}; the repository prefix may be empty."""
    return tuple(
        PathMapping(
            string(deployed, source, "a deployed path prefix"),
            repo.value
            if isinstance(repo, yaml.ScalarNode) and repo.value == ""
            else string(repo, source, "a repository path prefix"),
        )
        for deployed, repo in mapping(node, source, "`paths.map` (deployed prefix: repository prefix)")
    )


RUNTIME: dict[str, Check] = {"snapshot": string}
PATHS: dict[str, Check] = {"map": path_map, "production": globs, "non_production": globs}
CALL: dict[str, Check] = {
    "calls_per_request": number,
    "mode": choice("sequential", "parallel"),
    "timeout_ms": number,
    "retries": whole,
    "fallback": boolean,
}
GATE: dict[str, Check] = {
    "mode": choice("advisory", "blocking"),
    "warn_above": score,
    "fail_above": score,
    "missing_runtime": choice("open", "closed"),
    "unparsed": choice("closed", "open"),
    "budget_tightening": boolean,
    "rules": lambda node, source, where: rules(node, source),
    "override_label": string,
    "override_trailer": optional(string),
    "override_approvers": emails,
}
RULE: dict[str, Check] = {"paths": string, "services": string, "warn_above": score, "fail_above": score}
"""gate.rules[]: paths and services are non-empty lists of these strings."""


def runtime(node: yaml.Node, source: str) -> dict[str, Any]:
    """runtime: {snapshot: DIR}."""
    return {"snapshot": fields(node, source, "`runtime`", RUNTIME).get("snapshot")}


def paths(node: yaml.Node, source: str) -> dict[str, Any]:
    """paths: {map: {deployed: repo}, production: [globs], non_production: [globs]}."""
    found = fields(node, source, "`paths`", PATHS)
    return {
        "path_map": found.get("map", ()),
        "production": found.get("production", ()),
        "non_production": found.get("non_production", ()),
    }


def entry_points(node: yaml.Node, source: str) -> dict[str, Any]:
    """entry_points: [{decorator, kind}]."""
    if not isinstance(node, yaml.SequenceNode):
        raise InputError(f"{source}:{line(node)}: `entry_points` must be a list of {{decorator, kind}}")
    patterns = []
    for item in node.value:
        found = {key(k, source): v for k, v in mapping(item, source, "an entry point pattern")}
        unknown = sorted(set(found) - {"decorator", "kind"})
        if unknown or "decorator" not in found:
            raise InputError(
                f"{source}:{line(item)}: an entry point pattern has `decorator` and optional `kind`"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            )
        kind = string(found["kind"], source, "`kind`") if "kind" in found else "custom"
        if kind not in ENTRY_KINDS:
            raise InputError(
                f"{source}:{line(found['kind'])}: kind {kind!r} is not one of {', '.join(ENTRY_KINDS)}"
            )
        patterns.append((string(found["decorator"], source, "`decorator`"), kind))
    return {"entry_points": tuple(patterns)}


def services(node: yaml.Node, source: str) -> dict[str, Any]:
    """services: {name: {utilization: 0.4, calls: {callee: {timeout_ms: 800, retries: 2, ...}}}}."""
    calls: list[tuple[str, str, CallSettings]] = []
    utilization: list[tuple[str, float]] = []
    for name_node, body in mapping(node, source, "`services`"):
        service = key(name_node, source)
        found = fields(body, source, f"`services.{service}`", {"utilization": _share, "calls": _calls})
        utilization += [(service, found["utilization"])] if "utilization" in found else []
        calls += [(service, callee, settings) for callee, settings in found.get("calls", ())]
    return {"calls": tuple(calls), "utilization": tuple(utilization)}


def _share(node: yaml.Node, source: str, where: str) -> float:
    share = number(node, source, where)
    if not 0 <= share < 1:
        raise InputError(f"{source}:{line(node)}: {where} is a share of CPU from 0 to below 1")
    return share


def _calls(node: yaml.Node, source: str, where: str) -> list[tuple[str, CallSettings]]:
    found = []
    for callee_node, settings in mapping(node, source, where):
        callee = key(callee_node, source)
        found.append((callee, _call(settings, source, f"{where[:-1]}.{callee}`")))
    return found


def _call(node: yaml.Node, source: str, where: str) -> CallSettings:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return CallSettings()  # `callee:` alone declares the dependency
    found = fields(node, source, where, CALL)
    per_request = found.pop("calls_per_request", None)
    return CallSettings(per_request=per_request, **found)


def gate(node: yaml.Node, source: str) -> dict[str, Any]:
    """gate: {mode, warn_above, fail_above, missing_runtime, budget_tightening, rules, override_*}."""
    values = fields(node, source, "`gate`", GATE)
    # One threshold alone moves the other's default out of its way (`fail_above: 30` alone
    # warns from 30 too), so a valid setting is never refused for a default the user did not write.
    if "fail_above" in values and "warn_above" not in values:
        values["warn_above"] = min(Gate().warn_above, values["fail_above"])
    if "warn_above" in values and "fail_above" not in values:
        values["fail_above"] = max(Gate().fail_above, values["warn_above"])
    policy = Gate(**values)
    if policy.override_trailer is not None and not policy.override_approvers:
        raise InputError(
            f"{source}: `gate.override_trailer` needs `gate.override_approvers`, the committer emails "
            "whose commits may carry it (otherwise a pull request's author could approve it); or use "
            "the `gate.override_label` a maintainer sets"
        )
    if policy.warn_above > policy.fail_above:
        raise InputError(
            f"{source}: `gate.warn_above` ({policy.warn_above}) is above `gate.fail_above` ({policy.fail_above})"
        )
    return {"gate": policy}


def rules(node: yaml.Node, source: str) -> tuple[GateRule, ...]:
    """gate.rules: [{paths or services, warn_above, fail_above}]."""
    if not isinstance(node, yaml.SequenceNode):
        raise InputError(
            f"{source}:{line(node)}: `gate.rules` must be a list of {{paths or services, thresholds}}"
        )
    found = []
    for item in node.value:
        values: dict[str, Any] = {}
        for name_node, value in mapping(item, source, "a gate rule"):
            name = key(name_node, source)
            if name not in RULE:
                raise InputError(
                    f"{source}:{line(name_node)}: unknown key `{name}` in a gate rule; "
                    f"allowed: {', '.join(RULE)}"
                )
            if name in ("paths", "services"):
                if not isinstance(value, yaml.SequenceNode) or not value.value:
                    raise InputError(
                        f"{source}:{line(value)}: `{name}` of a gate rule must be a non-empty list"
                    )
                values[name] = tuple(RULE[name](v, source, f"an entry of `{name}`") for v in value.value)
            else:
                values[name] = RULE[name](value, source, f"`{name}` of a gate rule")
        if not values.get("paths") and not values.get("services"):
            raise InputError(f"{source}:{line(item)}: a gate rule needs `paths` or `services` to match")
        found.append(GateRule(**values))
    return tuple(found)


SECTIONS: dict[str, Callable[[yaml.Node, str], dict[str, Any]]] = {
    "runtime": runtime,
    "paths": paths,
    "entry_points": entry_points,
    "services": services,
    "gate": gate,
}
"""Top-level sections, each giving Config fields."""
