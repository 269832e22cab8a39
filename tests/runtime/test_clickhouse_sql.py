"""runtime/clickhouse_sql: the SQL that aggregates an OpenTelemetry exporter's table inside ClickHouse."""

from __future__ import annotations

from preflight.runtime import clickhouse_sql


def test_the_sql_has_only_placeholders_for_values() -> None:
    text = clickhouse_sql.tables_sql(10) + clickhouse_sql.tables_sql(1000) + clickhouse_sql.SUMMARY
    assert "{database:Identifier}.{table:Identifier}" in text
    assert "hunter2" not in text and "%" not in text


def test_small_traces_link_by_index_and_large_ones_by_sorting() -> None:
    small, large = (
        clickhouse_sql.tables_sql(clickhouse_sql.SMALL_TRACE),
        clickhouse_sql.tables_sql(clickhouse_sql.SMALL_TRACE + 1),
    )
    assert "indexOf" in small and small != large
    sorting = "arrayFilter(y -> y.1 > 0"  # the sorting lookup's merge of keys and requests
    assert sorting in large and sorting not in small
    assert clickhouse_sql.tables_sql(5) is clickhouse_sql.tables_sql(6)  # same rounds: one cached text
    assert clickhouse_sql.tables_sql(0) == clickhouse_sql.tables_sql(1)


def test_every_fact_table_and_rejection_is_in_the_sql() -> None:
    text = clickhouse_sql.tables_sql(10)
    assert set(clickhouse_sql.FACT_TABLES.values()) == {
        "functions",
        "edges",
        "endpoints",
        "function_endpoints",
        "wire",  # the edges' client minus server durations, merged into the edges rows
    }
    assert set(clickhouse_sql.REJECTIONS) == {
        "missing trace id",
        "missing span id",
        "bad timestamp",
        "end before start",
        "bad span kind",
    }
    assert all(column in text + clickhouse_sql.SUMMARY for column in clickhouse_sql.REQUIRED_COLUMNS)
