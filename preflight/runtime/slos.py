"""SLO specs -> `slos` rows: OpenSLO v1 (canonical) and Sloth prometheus/v1.

OpenSLO: an SLO's indicator is inline (`indicator`) or an SLI named by
`indicatorRef`, looked up in the same file, then in the YAML files of its
directory. A ratioMetric is an availability SLO; a thresholdMetric is a latency
SLO whose threshold is the objective's (or the metric's) `value` with op lt/lte,
in milliseconds unless the annotation `preflight.dev/threshold-unit: s` says
seconds or the metric's query names a Prometheus `_seconds` metric. One row per
objective; several objectives are named `<slo>/<objective>`.

An SLO with no indicator at all (no `indicator`, no `indicatorRef`, no
Prometheus query) is one preflight computes from telemetry: the spans of its
service (and of its `preflight.dev/route` endpoint when given). An objective
with `value` and op lt/lte is then a latency objective (ms, or seconds by the
annotation above); an objective with neither is an availability objective
(error spans over all spans).

Sloth: every SLO is an error-ratio availability SLO over Sloth's default 30d
rolling window.

From the user, on the SLO's metadata (OpenSLO only; Sloth has no annotations):
`preflight.dev/budget-remaining` (annotation, a share <= 1) and
`preflight.dev/route` (annotation or label, the endpoint the SLO is about).
An invalid spec is refused with an InputError naming the file and line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from preflight.errors import InputError
from preflight.runtime.records import RecordSink, SourceReport
from preflight.runtime.yamlspec import Located, SpecFile, load_documents

BUDGET_KEY = "preflight.dev/budget-remaining"
ROUTE_KEY = "preflight.dev/route"
UNIT_KEY = "preflight.dev/threshold-unit"
OPENSLO_KINDS = frozenset(
    {"SLO", "SLI", "Service", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget"}
)
SLOTH_WINDOW = "30d"
# OpenSLO duration shorthand: a count and one of minute, hour, day, week, month, quarter, year.
_DURATION = re.compile(r"^\d+[mhdwMQY]$")
_LATENCY_OPS = frozenset({"lt", "lte"})
_OPENSLO_HEAD = re.compile(rb"^apiVersion:\s*[\"']?openslo/v1[\"']?\s*$", re.MULTILINE)
_SLOTH_HEAD = re.compile(rb"^version:\s*[\"']?prometheus/v1[\"']?\s*$", re.MULTILINE)


class OpensloAdapter:
    """OpenSLO v1 files: SLO and SLI documents (Service, DataSource and alerting kinds ignored)."""

    name = "openslo"

    def __init__(self) -> None:
        self._parsed: dict[Path, tuple[tuple[int, int], list[Any] | None]] = {}
        self._siblings: dict[Path, tuple[tuple[tuple[Path, int, int], ...], dict[str, Located]]] = {}

    def documents(self, path: Path) -> list[Any] | None:
        """A file's documents parsed once per collect (None when it does not parse): an SLO's
        indicatorRef searches the whole directory, and re-parsing it per SLO was quadratic."""
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = self._parsed.get(path)
        if known is not None and known[0] == stamp:
            return known[1]
        try:
            documents: list[Any] | None = load_documents(path)
        except (InputError, OSError):
            documents = None
        self._parsed[path] = (stamp, documents)
        return documents

    def sibling_slis(self, path: Path) -> dict[str, Located]:
        """SLI documents of the YAML files in path's directory, indexed once per directory state
        (unparsable files are skipped here: they are reported when that file itself is read)."""
        directory = path.parent
        files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
        stamps = tuple((f, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
        cached = self._siblings.get(directory)
        if cached is None or cached[0] != stamps:
            # The file itself is in the index too: harmless, its own SLIs are looked up first.
            cached = self._siblings[directory] = (stamps, _slis_in(self.documents(f) or [] for f in files))
        return cached[1]

    def sniff(self, path: Path, head: bytes) -> bool:
        """A document with `apiVersion: openslo/v1`."""
        return _OPENSLO_HEAD.search(head) is not None

    def read(self, path: Path, sink: RecordSink) -> SourceReport:
        """One slos row per objective; refuses (InputError) a spec that is not valid OpenSLO v1."""
        report = SourceReport(str(path), self.name)
        spec = SpecFile(path)
        documents = self.documents(path)
        if documents is None:
            documents = load_documents(path)  # raises the InputError that names the line
        slis: dict[str, Located] = {}
        slos: list[Located] = []
        for doc in documents:
            if not isinstance(doc, Located) or doc.get("apiVersion") != "openslo/v1":
                report.reject("not openslo/v1")
                continue
            kind = doc.get("kind")
            if not isinstance(kind, str) or kind not in OPENSLO_KINDS:  # a list is unhashable
                raise spec.fail(
                    doc.line_of("kind"), f"kind {kind!r} is not one of {', '.join(sorted(OPENSLO_KINDS))}"
                )
            if kind == "SLI":
                metadata = spec.mapping(doc, "metadata")
                slis[spec.text(metadata, "name")] = doc
            elif kind == "SLO":
                slos.append(doc)
        for doc in slos:
            for row in _openslo_rows(spec, doc, slis, report, self):
                sink.row("slos", row)
        return report


def _openslo_rows(
    spec: SpecFile, doc: Located, slis: dict[str, Located], report: SourceReport, adapter: OpensloAdapter
) -> list[dict[str, Any]]:
    """The rows of one SLO document, one per objective it can express."""
    metadata = spec.mapping(doc, "metadata")
    body = spec.mapping(doc, "spec")
    name = spec.text(metadata, "name")
    service = spec.text(body, "service")
    window, window_kind = _time_window(spec, body)
    objectives = spec.items(body, "objectives")
    rows = []
    for number, objective in enumerate(objectives, start=1):
        report.rows_read += 1
        sli = _indicator(spec, objective, slis, adapter) or _indicator(spec, body, slis, adapter)
        target = _target(spec, objective)
        if sli is None:
            # No indicator: preflight computes the SLI from the service's spans.
            indicator, threshold_ms = _from_telemetry(spec, objective, metadata)
        else:
            indicator, threshold_ms = _kind_and_threshold(spec, objective, sli, metadata)
        if indicator is None:
            report.reject("threshold op is not lt/lte (not a latency objective)")
            continue
        label = objective.get("name") or objective.get("displayName") or str(number)
        rows.append(
            slo_row(
                spec.path,
                name=name if len(objectives) == 1 else f"{name}/{label}",
                service=service,
                objective=target,
                window=window,
                window_kind=window_kind,
                indicator=indicator,
                threshold_ms=threshold_ms,
                route=_user_value(spec, metadata, ROUTE_KEY)
                or (_user_value(spec, _metadata_of(sli), ROUTE_KEY) if sli is not None else None),
                budget=_budget(spec, metadata),
            )
        )
    return rows


def _indicator(
    spec: SpecFile, holder: Located, slis: dict[str, Located], adapter: OpensloAdapter
) -> Located | None:
    """The SLI (a document with metadata and spec) that holder inlines or names, or None."""
    inline = spec.optional_mapping(holder, "indicator")
    if inline is not None:
        return inline
    ref = spec.optional_text(holder, "indicatorRef")
    if ref is None:
        return None
    found = slis.get(ref) or adapter.sibling_slis(spec.path).get(ref)
    if found is None:
        raise spec.fail(
            holder.line_of("indicatorRef"),
            f"indicatorRef {ref!r}: no SLI of that name in this file or its directory",
        )
    return found


def _slis_in(files: Iterable[list[Any]]) -> dict[str, Located]:
    """SLI documents by name from each file's documents, the first file that defines a name winning."""
    found: dict[str, Located] = {}
    for documents in files:
        for doc in documents:
            if (
                isinstance(doc, Located)
                and doc.get("apiVersion") == "openslo/v1"
                and doc.get("kind") == "SLI"
            ):
                name = _metadata_of(doc).get("name")
                if isinstance(name, str):
                    found.setdefault(name, doc)
    return found


def _metadata_of(sli: Located) -> Located:
    metadata = sli.get("metadata")
    return metadata if isinstance(metadata, Located) else Located(sli.line)


def _kind_and_threshold(
    spec: SpecFile, objective: Located, sli: Located, metadata: Located
) -> tuple[str | None, float | None]:
    """(availability, None), (latency, threshold in ms), or (None, None) for a threshold that is no latency bound."""
    body = spec.mapping(sli, "spec")
    if "ratioMetric" in body:
        ratio = spec.mapping(body, "ratioMetric")
        if "raw" not in ratio and ("total" not in ratio or not {"good", "bad"} & ratio.keys()):
            raise spec.fail(ratio.line, "ratioMetric needs total and good or bad (or raw)")
        return "availability", None
    metric = spec.optional_mapping(body, "thresholdMetric")
    if metric is None:
        raise spec.fail(body.line, "SLI spec needs ratioMetric or thresholdMetric")
    holder = objective if "value" in objective else metric
    if "value" not in holder:
        raise spec.fail(
            objective.line, "a thresholdMetric objective needs value (the latency threshold) and op"
        )
    op = objective.get("op", metric.get("op"))
    if not isinstance(op, str) or op not in {"lt", "lte", "gt", "gte"}:
        raise spec.fail(holder.line_of("op"), f"op {op!r} is not one of lt, lte, gt, gte")
    if op not in _LATENCY_OPS:
        return None, None
    value = spec.number(holder, "value")
    unit = _user_value(spec, metadata, UNIT_KEY) or _user_value(spec, _metadata_of(sli), UNIT_KEY)
    if unit not in (None, "ms", "s"):
        raise spec.fail(metadata.line, f"{UNIT_KEY} {unit!r} is not ms or s")
    if unit is None:
        # Prometheus names base units: `http_request_duration_seconds_bucket` holds seconds.
        unit = "s" if "_seconds" in str(metric.get("metricSource", "")) else "ms"
    return "latency", value * 1000 if unit == "s" else value


def _from_telemetry(spec: SpecFile, objective: Located, metadata: Located) -> tuple[str | None, float | None]:
    """An objective without an indicator: latency when it has value and op lt/lte, else availability."""
    if "value" not in objective and "op" not in objective:
        return "availability", None
    op = objective.get("op")
    if "value" not in objective or not isinstance(op, str) or op not in {"lt", "lte", "gt", "gte"}:
        raise spec.fail(
            objective.line,
            "an objective without an indicator is availability (no value, no op) or latency "
            "(value in ms and op lt or lte)",
        )
    if op not in _LATENCY_OPS:
        return None, None
    value = spec.number(objective, "value")
    unit = _user_value(spec, metadata, UNIT_KEY)
    if unit not in (None, "ms", "s"):
        raise spec.fail(metadata.line, f"{UNIT_KEY} {unit!r} is not ms or s")
    return "latency", value * 1000 if unit == "s" else value


def _target(spec: SpecFile, objective: Located) -> float:
    """The objective as a share: target (0-1) or targetPercent (0-100), exclusive."""
    if ("target" in objective) == ("targetPercent" in objective):
        raise spec.fail(
            objective.line, "an objective needs exactly one of target (0-1) and targetPercent (0-100)"
        )
    if "target" in objective:
        target = spec.number(objective, "target")
        if not 0 < target < 1:
            raise spec.fail(
                objective.line_of("target"), f"objective target {target:g} is not between 0 and 1"
            )
        return target
    percent = spec.number(objective, "targetPercent")
    if not 0 < percent < 100:
        raise spec.fail(
            objective.line_of("targetPercent"),
            f"objective targetPercent {percent:g} is not between 0 and 100",
        )
    return _share(percent)


def _share(percent: float) -> float:
    """A percentage as a share, without binary noise (99.9 / 100 is 0.9990000000000001)."""
    return round(percent / 100, 12)


def _time_window(spec: SpecFile, body: Located) -> tuple[str, str]:
    """(duration as written, rolling or calendar)."""
    # The spec's timeWindow is a list of one; a bare mapping is accepted too.
    window = body.get("timeWindow")
    window = window if isinstance(window, Located) else spec.items(body, "timeWindow")[0]
    duration = spec.text(window, "duration")
    if not _DURATION.match(duration):
        raise spec.fail(
            window.line_of("duration"),
            f"duration {duration!r} is not like 28d, 1w, 1M (count + m h d w M Q Y)",
        )
    rolling = window.get("isRolling", False)
    if not isinstance(rolling, bool):
        raise spec.fail(window.line_of("isRolling"), "isRolling must be true or false")
    if rolling and "calendar" in window:
        raise spec.fail(window.line, "a timeWindow is rolling or has a calendar, not both")
    # OpenSLO: isRolling defaults to false, which is a calendar window.
    return duration, "rolling" if rolling else "calendar"


def _user_value(spec: SpecFile, metadata: Located, key: str) -> str | None:
    """A preflight.dev/ value from annotations, else labels (a label may be a list of one)."""
    for section in ("annotations", "labels"):
        values = metadata.get(section)
        if not isinstance(values, Located) or key not in values:
            continue
        value = values[key]
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise spec.fail(values.line_of(key), f"{key} must be a single value")
        return str(value)
    return None


def _budget(spec: SpecFile, metadata: Located) -> float | None:
    """The user's remaining error budget from the annotation, as a share (negative when overspent)."""
    annotations = metadata.get("annotations")
    if not isinstance(annotations, Located) or BUDGET_KEY not in annotations:
        return None
    text = annotations[BUDGET_KEY]
    try:
        budget = float(text)
    except (TypeError, ValueError, OverflowError):
        budget = float("nan")
    if not -math.inf < budget <= 1:  # also refuses NaN
        raise spec.fail(
            annotations.line_of(BUDGET_KEY),
            f"{BUDGET_KEY} {text!r} is not a share of at most 1 (0.4 = 40% left)",
        )
    return budget


class SlothAdapter:
    """Sloth `version: prometheus/v1` files."""

    name = "sloth"

    def sniff(self, path: Path, head: bytes) -> bool:
        """A document with `version: prometheus/v1`."""
        return _SLOTH_HEAD.search(head) is not None

    def read(self, path: Path, sink: RecordSink) -> SourceReport:
        """One availability row per SLO; refuses (InputError) an invalid spec."""
        report = SourceReport(str(path), self.name)
        spec = SpecFile(path)
        for doc in load_documents(path):
            if not isinstance(doc, Located) or doc.get("version") != "prometheus/v1":
                report.reject("not sloth prometheus/v1")
                continue
            service = spec.text(doc, "service")
            for slo in spec.items(doc, "slos"):
                report.rows_read += 1
                sink.row("slos", _sloth_row(spec, slo, service))
        return report


def _sloth_row(spec: SpecFile, slo: Located, service: str) -> dict[str, Any]:
    name = spec.text(slo, "name")
    percent = spec.number(slo, "objective")
    if not 0 < percent < 100:
        raise spec.fail(
            slo.line_of("objective"), f"objective {percent:g} is not a percentage between 0 and 100"
        )
    sli = spec.mapping(slo, "sli")
    if not any(key in sli for key in ("events", "raw", "plugin")):
        raise spec.fail(sli.line, "sli needs events (error_query, total_query), raw or plugin")
    events = spec.optional_mapping(sli, "events")
    if events is not None:
        spec.text(events, "error_query")
        spec.text(events, "total_query")
    return slo_row(
        spec.path,
        name=name,
        service=service,
        objective=_share(percent),
        window=SLOTH_WINDOW,
        window_kind="rolling",
    )


def slo_row(
    path: Path,
    *,
    name: str,
    service: str,
    objective: float,
    window: str,
    window_kind: str,
    indicator: str = "availability",
    threshold_ms: float | None = None,
    route: str | None = None,
    budget: float | None = None,
) -> dict[str, Any]:
    """A slos row; a budget given by the user is marked as theirs, else it is unknown until telemetry says."""
    return {
        "name": name,
        "service": service,
        "indicator": indicator,
        "threshold_ms": threshold_ms,
        "objective": objective,
        "window": window,
        "window_kind": window_kind,
        "route": route,
        "budget_remaining": budget,
        "budget_source": f"user:{path}" if budget is not None else "unknown",
        "spec_path": str(path),
    }


ADAPTERS = {"openslo": OpensloAdapter(), "sloth": SlothAdapter()}
