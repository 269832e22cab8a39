"""A small shop with Online Boutique's topology: ten HTTP services instrumented with OpenTelemetry."""

SERVICES = (  # the order load.py starts them in
    "frontend",
    "checkout",
    "cart",
    "productcatalog",
    "currency",
    "payment",
    "shipping",
    "email",
    "recommendation",
    "ad",
)
