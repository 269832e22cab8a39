"""Compare preflight's function changes with the ast oracle's, for one commit pair."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.ast_oracle import OracleChange

KINDS = ("added", "removed", "modified", "renamed", "cosmetic")
SET_KINDS = ("added", "removed", "modified")


@dataclass
class Agreement:
    """How far preflight and the oracle agree on one commit pair."""

    oracle_counts: Counter[str] = field(default_factory=Counter)
    preflight_counts: Counter[str] = field(default_factory=Counter)
    matched: Counter[str] = field(default_factory=Counter)
    """Per kind in SET_KINDS: (kind, qualname) found by both."""
    union: Counter[str] = field(default_factory=Counter)
    """Per kind in SET_KINDS: (kind, qualname) found by either."""
    aspects_checked: int = 0
    aspects_agreed: int = 0
    renames_oracle: int = 0
    renames_found: int = 0
    cosmetic_false_positives: int = 0
    """Functions the oracle sees as cosmetic or unchanged that preflight calls modified."""
    ignored: int = 0
    """preflight changes in files the oracle skipped (unparseable)."""
    disagreements: list[str] = field(default_factory=list)

    def add(self, other: Agreement) -> None:
        """Accumulate other into self (for totals)."""
        for name in ("oracle_counts", "preflight_counts", "matched", "union"):
            getattr(self, name).update(getattr(other, name))
        for name in (
            "aspects_checked",
            "aspects_agreed",
            "renames_oracle",
            "renames_found",
            "cosmetic_false_positives",
            "ignored",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.disagreements.extend(other.disagreements)


def normalize(change: Any) -> OracleChange:
    """A preflight FunctionChange as an OracleChange (plain strings, frozenset aspects)."""
    return OracleChange(
        path=change.path,
        old_path=change.old_path,
        qualname=change.qualname,
        old_qualname=change.old_qualname,
        kind=getattr(change.kind, "value", change.kind),
        aspects=frozenset(getattr(a, "value", a) for a in change.aspects),
    )


def _verdict(change: OracleChange | None) -> str:
    if change is None:
        return "unchanged"
    if change.kind == "modified":
        return f"modified[{','.join(sorted(change.aspects))}] in {change.path}"
    if change.kind == "renamed":
        return f"renamed {change.old_qualname} -> {change.qualname} ({change.old_path} -> {change.path})"
    return f"{change.kind} in {change.path}"


def _index(changes: list[OracleChange]) -> dict[str, OracleChange]:
    """Changes by the name they are known under on either side."""
    index: dict[str, OracleChange] = {}
    for c in changes:
        index.setdefault(c.qualname, c)
        if c.old_qualname:
            index.setdefault(c.old_qualname, c)
    return index


def compare(oracle: list[OracleChange], preflight: list[OracleChange], skipped: set[str]) -> Agreement:
    """Agreement between the oracle's and preflight's verdicts (files in skipped ignored)."""
    result = Agreement()
    kept = [c for c in preflight if c.path not in skipped and (c.old_path or "") not in skipped]
    result.ignored = len(preflight) - len(kept)
    preflight = [c for c in kept if c.path.endswith(".py")]
    result.oracle_counts.update(c.kind for c in oracle)
    result.preflight_counts.update(c.kind for c in preflight)
    by_oracle, by_preflight = _index(oracle), _index(preflight)

    for kind in SET_KINDS:
        o = {c.qualname for c in oracle if c.kind == kind}
        p = {c.qualname for c in preflight if c.kind == kind}
        result.matched[kind] += len(o & p)
        result.union[kind] += len(o | p)
        for q in sorted(o ^ p):
            result.disagreements.append(
                f"{q}: oracle {_verdict(by_oracle.get(q))}; preflight {_verdict(by_preflight.get(q))}"
            )
            seen = by_oracle.get(q)
            if kind == "modified" and q in p and (seen is None or seen.kind == "cosmetic"):
                result.cosmetic_false_positives += 1

    oracle_modified = {c.qualname: c for c in oracle if c.kind == "modified"}
    for c in preflight:
        o_change = oracle_modified.get(c.qualname)
        if c.kind == "modified" and o_change is not None:
            result.aspects_checked += 1
            if o_change.aspects == c.aspects:
                result.aspects_agreed += 1
            else:
                result.disagreements.append(
                    f"{c.qualname}: aspects oracle {sorted(o_change.aspects)};"
                    f" preflight {sorted(c.aspects)} ({c.path})"
                )

    o_renames = {(c.old_qualname, c.qualname) for c in oracle if c.kind == "renamed"}
    p_renames = {(c.old_qualname, c.qualname) for c in preflight if c.kind == "renamed"}
    result.renames_oracle = len(o_renames)
    result.renames_found = len(o_renames & p_renames)
    for old_q, new_q in sorted(o_renames ^ p_renames, key=str):
        who = "oracle only" if (old_q, new_q) in o_renames else "preflight only"
        result.disagreements.append(
            f"rename {old_q} -> {new_q} ({who}): oracle {_verdict(by_oracle.get(new_q or ''))};"
            f" preflight {_verdict(by_preflight.get(new_q or ''))}"
        )

    o_cosmetic = {c.qualname for c in oracle if c.kind == "cosmetic"}
    p_cosmetic = {c.qualname for c in preflight if c.kind == "cosmetic"}
    for q in sorted(o_cosmetic ^ p_cosmetic):
        if q not in {d.split(":", 1)[0] for d in result.disagreements}:
            result.disagreements.append(
                f"{q}: oracle {_verdict(by_oracle.get(q))}; preflight {_verdict(by_preflight.get(q))}"
            )
    result.disagreements = list(dict.fromkeys(result.disagreements))
    return result
