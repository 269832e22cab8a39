"""OpenSLO v1 and Sloth prometheus/v1 specs -> slos rows; invalid specs name file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, cast

import pytest

from preflight.errors import InputError
from preflight.runtime.adapters import Adapter
from preflight.runtime.schema import SLOS
from preflight.runtime.slos import ADAPTERS

OPENSLO = cast(Adapter, ADAPTERS["openslo"])
SLOTH = cast(Adapter, ADAPTERS["sloth"])


class RowSink:
    """Collects rows by table."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def span(self, span: object) -> None:
        raise AssertionError("specs have no spans")

    def row(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)


def spec(tmp_path: Path, text: str, name: str = "slo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def read(adapter: Adapter, path: Path) -> tuple[list[dict[str, Any]], Any]:
    sink = RowSink()
    report = adapter.read(path, sink)
    assert set(sink.rows) <= {"slos"}
    return sink.rows.get("slos", []), report


RATIO_ROLLING_INLINE = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  annotations:
    preflight.dev/budget-remaining: "0.4"
    preflight.dev/route: POST /checkout
spec:
  service: checkout
  indicator:
    metadata:
      name: checkout-errors
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{code!~"5.."}[1m]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total[1m]))
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: good
      target: 0.999
"""


def test_ratio_rolling_inline_with_user_budget_and_route(tmp_path: Path) -> None:
    path = spec(tmp_path, RATIO_ROLLING_INLINE)
    assert OPENSLO.sniff(path, path.read_bytes())
    rows, report = read(OPENSLO, path)
    assert rows == [
        {
            "name": "checkout-availability",
            "service": "checkout",
            "indicator": "availability",
            "threshold_ms": None,
            "objective": 0.999,
            "window": "28d",
            "window_kind": "rolling",
            "route": "POST /checkout",
            "budget_remaining": 0.4,
            "budget_source": f"user:{path}",
            "spec_path": str(path),
        }
    ]
    assert list(rows[0]) == list(SLOS)
    assert (report.format, report.rows_read, dict(report.rejected)) == ("openslo", 1, {})


THRESHOLD_CALENDAR_REF = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: search
spec:
  description: finds things
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: search-latency
  labels:
    preflight.dev/route: [GET /search]
spec:
  thresholdMetric:
    metricSource:
      type: Prometheus
      spec:
        query: search_latency_ms_p99
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: search-latency
spec:
  service: search
  indicatorRef: search-latency
  timeWindow:
    - duration: 1M
      calendar:
        startTime: 2026-01-01 00:00:00
        timeZone: UTC
  budgetingMethod: Timeslices
  objectives:
    - displayName: fast
      op: lte
      value: 200
      targetPercent: 99
    - displayName: slow-ish
      op: lt
      value: 800
      targetPercent: 99.9
    - displayName: throughput
      op: gte
      value: 5
      target: 0.5
---
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prometheus
spec:
  type: Prometheus
---
apiVersion: v1
kind: ConfigMap
"""


def test_threshold_calendar_ref_percent_and_several_objectives(tmp_path: Path) -> None:
    rows, report = read(OPENSLO, spec(tmp_path, THRESHOLD_CALENDAR_REF))
    assert [
        (
            r["name"],
            r["indicator"],
            r["threshold_ms"],
            r["objective"],
            r["window"],
            r["window_kind"],
            r["route"],
        )
        for r in rows
    ] == [
        ("search-latency/fast", "latency", 200.0, 0.99, "1M", "calendar", "GET /search"),
        ("search-latency/slow-ish", "latency", 800.0, 0.999, "1M", "calendar", "GET /search"),
    ]
    assert {(r["budget_remaining"], r["budget_source"]) for r in rows} == {(None, "unknown")}
    assert report.rows_read == 3
    assert dict(report.rejected) == {
        "threshold op is not lt/lte (not a latency objective)": 1,
        "not openslo/v1": 1,
    }


def test_threshold_units(tmp_path: Path) -> None:
    seconds = THRESHOLD_CALENDAR_REF.replace(
        "search_latency_ms_p99", "histogram_quantile(0.99, http_request_duration_seconds_bucket)"
    )
    rows, _ = read(OPENSLO, spec(tmp_path, seconds.replace("value: 200", "value: 0.25")))
    assert rows[0]["threshold_ms"] == 250.0
    annotated = THRESHOLD_CALENDAR_REF.replace(
        "  name: search-latency\nspec:\n  service",
        "  name: search-latency\n  annotations:\n    preflight.dev/threshold-unit: s\nspec:\n  service",
    )
    rows, _ = read(OPENSLO, spec(tmp_path, annotated))
    assert rows[0]["threshold_ms"] == 200_000.0


def test_indicator_ref_in_a_sibling_file(tmp_path: Path) -> None:
    sli, _, _ = THRESHOLD_CALENDAR_REF.partition("---\napiVersion: openslo/v1\nkind: SLO")
    spec(tmp_path, sli.split("---\n", 1)[1], name="slis.yml")
    spec(tmp_path, "not: [valid", name="broken.yaml")  # a sibling that does not parse is skipped
    slo = (
        "apiVersion: openslo/v1\nkind: SLO"
        + THRESHOLD_CALENDAR_REF.partition("kind: SLO")[2].partition("---")[0]
    )
    rows, _ = read(OPENSLO, spec(tmp_path, slo))
    assert [r["threshold_ms"] for r in rows] == [200.0, 800.0]


def test_threshold_on_the_metric_and_objective_level_indicator(tmp_path: Path) -> None:
    text = """\
    apiVersion: openslo/v1
    kind: SLO
    metadata:
      name: api-latency
    spec:
      service: api
      timeWindow:
        duration: 7d
      objectives:
        - target: 0.95
          indicator:
            metadata:
              name: api-p95
            spec:
              thresholdMetric:
                op: lte
                value: 300
                metricSource:
                  type: Datadog
                  spec:
                    query: p95:trace.http.request{service:api}
    """
    rows, _ = read(OPENSLO, spec(tmp_path, text))
    assert [(r["name"], r["threshold_ms"], r["window"], r["window_kind"]) for r in rows] == [
        ("api-latency", 300.0, "7d", "calendar")
    ]


SLOTH_SPEC = """\
version: "prometheus/v1"
service: "myservice"
labels:
  owner: "myteam"
slos:
  - name: "requests-availability"
    objective: 99.9
    description: "Common SLO based on availability for HTTP request responses."
    sli:
      events:
        error_query: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
  - name: "raw-availability"
    objective: 99
    sli:
      raw:
        error_ratio_query: sum(rate(errors[{{.window}}])) / sum(rate(total[{{.window}}]))
"""


def test_sloth(tmp_path: Path) -> None:
    path = spec(tmp_path, SLOTH_SPEC, name="sloth.yml")
    assert SLOTH.sniff(path, path.read_bytes())
    assert not OPENSLO.sniff(path, path.read_bytes())
    rows, report = read(SLOTH, path)
    assert [
        (r["name"], r["service"], r["indicator"], r["objective"], r["window"], r["window_kind"]) for r in rows
    ] == [
        ("requests-availability", "myservice", "availability", 0.999, "30d", "rolling"),
        ("raw-availability", "myservice", "availability", 0.99, "30d", "rolling"),
    ]
    assert {(r["budget_source"], r["route"], r["spec_path"]) for r in rows} == {("unknown", None, str(path))}
    assert (report.format, report.rows_read) == ("sloth", 2)


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("target: 0.999", "target: 1.5", "slo.yaml:32: objective target 1.5 is not between 0 and 1"),
        (
            "target: 0.999",
            "targetPercent: 120",
            "slo.yaml:32: objective targetPercent 120 is not between 0 and 100",
        ),
        ("target: 0.999", "target: high", "slo.yaml:32: target must be a number, not 'high'"),
        (
            "      target: 0.999",
            "      target: 0.9\n      targetPercent: 90",
            "slo.yaml:31: an objective needs exactly one of",
        ),
        ("  service: checkout\n", "", "slo.yaml:8: service must be a non-empty string"),
        ("duration: 28d", "duration: 28 days", "slo.yaml:27: duration '28 days' is not like 28d"),
        ("isRolling: true", "isRolling: yes please", "slo.yaml:28: isRolling must be true or false"),
        ('"0.4"', '"40%"', "slo.yaml:6: preflight.dev/budget-remaining '40%' is not a share of at most 1"),
        (
            "ratioMetric:\n        counter: true",
            "ratioMetric:\n        counter: true\n        raw_missing: 1",
            None,
        ),
        ("        total:\n", "        totals:\n", "slo.yaml:14: ratioMetric needs total and good or bad"),
        (
            "      ratioMetric:",
            "      ratioMetricz:",
            "slo.yaml:13: SLI spec needs ratioMetric or thresholdMetric",
        ),
        ("kind: SLO", "kind: Slo", "slo.yaml:2: kind 'Slo' is not one of"),
        (
            "  objectives:\n",
            "  objectives: []\n  old:\n",
            "slo.yaml:30: objectives must be a non-empty list of mappings",
        ),
        (
            "  timeWindow:",
            "  timeWindow: [x]\n  old:",
            "slo.yaml:26: timeWindow must be a non-empty list of mappings",
        ),
        (
            "  name: checkout-availability\n",
            "  name: checkout-availability\n  name: again\n",
            "slo.yaml:5: key 'name' appears twice",
        ),
        ("spec:\n  service", "spec: [\n  service", "slo.yaml:"),
    ],
)
def test_invalid_openslo_names_file_and_line(tmp_path: Path, old: str, new: str, error: str | None) -> None:
    assert old in RATIO_ROLLING_INLINE
    path = spec(tmp_path, RATIO_ROLLING_INLINE.replace(old, new, 1))
    if error is None:
        read(OPENSLO, path)  # unknown extra keys inside a metric are the metric's business
        return
    with pytest.raises(InputError) as raised:
        read(OPENSLO, path)
    assert str(raised.value).startswith(str(tmp_path / error))


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = spec(tmp_path, "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: [unclosed\n")
    with pytest.raises(InputError, match=r"slo\.yaml:\d+: invalid YAML"):
        read(OPENSLO, path)


def test_unknown_indicator_ref(tmp_path: Path) -> None:
    text = THRESHOLD_CALENDAR_REF.replace("indicatorRef: search-latency", "indicatorRef: nope")
    with pytest.raises(InputError, match=r"slo\.yaml:27: indicatorRef 'nope': no SLI of that name"):
        read(OPENSLO, spec(tmp_path, text))


TELEMETRY_ONLY = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: cart
  annotations:
    preflight.dev/route: GET /cart/{id}
spec:
  service: frontend
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: available
      target: 0.999
    - displayName: fast
      op: lt
      value: 300
      target: 0.99
    - displayName: not-a-bound
      op: gt
      value: 1
      target: 0.5
"""


def test_an_slo_without_indicator_is_computed_from_telemetry(tmp_path: Path) -> None:
    rows, report = read(OPENSLO, spec(tmp_path, TELEMETRY_ONLY))
    assert [(r["name"], r["indicator"], r["threshold_ms"], r["route"]) for r in rows] == [
        ("cart/available", "availability", None, "GET /cart/{id}"),
        ("cart/fast", "latency", 300, "GET /cart/{id}"),
    ]
    assert dict(report.rejected) == {"threshold op is not lt/lte (not a latency objective)": 1}
    seconds = TELEMETRY_ONLY.replace(
        "    preflight.dev/route", "    preflight.dev/threshold-unit: s\n    preflight.dev/route"
    )
    rows, _ = read(OPENSLO, spec(tmp_path, seconds))
    assert rows[1]["threshold_ms"] == 300_000
    with pytest.raises(InputError, match=r"slo\.yaml:16: an objective without an indicator is availability"):
        read(OPENSLO, spec(tmp_path, TELEMETRY_ONLY.replace("      value: 300\n", "")))
    with pytest.raises(InputError, match=r"slo\.yaml:3: preflight.dev/threshold-unit 'h' is not ms or s"):
        read(OPENSLO, spec(tmp_path, seconds.replace("threshold-unit: s", "threshold-unit: h")))


def test_missing_indicator_and_threshold_value(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"slo\.yaml:35: a thresholdMetric objective needs value"):
        read(OPENSLO, spec(tmp_path, THRESHOLD_CALENDAR_REF.replace("      value: 200\n", "")))
    with pytest.raises(InputError, match=r"slo\.yaml:36: op 'le' is not one of lt, lte, gt, gte"):
        read(OPENSLO, spec(tmp_path, THRESHOLD_CALENDAR_REF.replace("op: lte", "op: le")))


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (
            "objective: 99.9",
            "objective: 150",
            "sloth.yml:7: objective 150 is not a percentage between 0 and 100",
        ),
        ('service: "myservice"', "service: 3", "sloth.yml:2: service must be a non-empty string"),
        (
            "      raw:",
            "      rew:",
            "sloth.yml:17: sli needs events (error_query, total_query), raw or plugin",
        ),
        ("        total_query", "        totl_query", "sloth.yml:10: total_query must be a non-empty string"),
        ("slos:", "slos: {}\nold:", "sloth.yml:5: slos must be a non-empty list of mappings"),
    ],
)
def test_invalid_sloth_names_file_and_line(tmp_path: Path, old: str, new: str, error: str) -> None:
    assert old in SLOTH_SPEC
    with pytest.raises(InputError) as raised:
        read(SLOTH, spec(tmp_path, SLOTH_SPEC.replace(old, new, 1), name="sloth.yml"))
    assert str(raised.value).startswith(str(tmp_path / error))


def test_sniff_and_empty_files(tmp_path: Path) -> None:
    assert OPENSLO.sniff(tmp_path / "x", b"---\napiVersion: 'openslo/v1'\nkind: SLO\n")
    assert not OPENSLO.sniff(tmp_path / "x", b"apiVersion: openslo/v1alpha\n")
    assert not SLOTH.sniff(tmp_path / "x", b"apiVersion: sloth.slok.dev/v1\n")
    for adapter in (OPENSLO, SLOTH):
        rows, report = read(adapter, spec(tmp_path, "", name="empty.yaml"))
        assert (rows, report.rows_read, dict(report.rejected)) == ([], 0, {})
        rows, report = read(adapter, spec(tmp_path, "# only a comment\n---\n", name="comment.yaml"))
        assert (rows, report.rows_read) == ([], 0)


def test_names() -> None:
    assert (OPENSLO.name, SLOTH.name) == ("openslo", "sloth")


def test_more_invalid_openslo(tmp_path: Path) -> None:
    cases = {
        (
            "  name: search-latency\nspec:\n  service",
            "  name: search-latency\n  annotations:\n    preflight.dev/threshold-unit: minutes\nspec:\n  service",
        ): r"slo\.yaml:23: preflight\.dev/threshold-unit 'minutes' is not ms or s",
        (
            "        timeZone: UTC\n",
            "        timeZone: UTC\n      isRolling: true\n",
        ): r"slo\.yaml:29: a timeWindow is rolling or has a calendar, not both",
        (
            "[GET /search]",
            "[GET /search, GET /find]",
        ): r"slo\.yaml:13: preflight\.dev/route must be a single value",
        (
            "  indicatorRef: search-latency",
            "  indicatorRef: search-latency\n  indicator: 3",
        ): r"slo\.yaml:28: indicator must be a mapping",
    }
    for (old, new), error in cases.items():
        assert old in THRESHOLD_CALENDAR_REF
        with pytest.raises(InputError, match=error):
            read(OPENSLO, spec(tmp_path, THRESHOLD_CALENDAR_REF.replace(old, new, 1)))


def test_yaml_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"slo\.yaml: invalid YAML: a key is not a plain value"):
        read(OPENSLO, spec(tmp_path, "apiVersion: openslo/v1\n? [a, b]\n: 1\n"))
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"apiVersion: openslo/v1\nkind: SLO\n# caf\xe9\n")
    with pytest.raises(InputError, match=r"latin1\.yaml: invalid YAML"):
        read(OPENSLO, path)


def test_sloth_next_to_other_documents(tmp_path: Path) -> None:
    rows, report = read(
        SLOTH, spec(tmp_path, SLOTH_SPEC + "---\nkind: Other\n---\n- a list\n", name="sloth.yml")
    )
    assert len(rows) == 2
    assert dict(report.rejected) == {"not sloth prometheus/v1": 2}
