"""Stage 3, runtime snapshot: telemetry files -> normalized tables (Parquet + meta.json).

pandas lives inside this stage; nothing here is imported on the `preflight changes` path.
"""
