"""A small shop with Online Boutique's topology: ten HTTP services instrumented with OpenTelemetry."""
