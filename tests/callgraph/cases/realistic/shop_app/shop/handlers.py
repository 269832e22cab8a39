from .errors import ShopError
from .utils import log


def parse_items(payload):
    return [(entry["sku"], int(entry["qty"])) for entry in payload["items"]]


def respond(status, body):
    return {"status": status, "body": body}


def handle_place_order(service, payload):
    code = payload["code"] if "code" in payload else "none"
    order = service.place_order(payload["customer"], parse_items(payload), code)
    return respond(201, order.summary())


def handle_cancel(service, payload):
    order = service.cancel(payload["order_id"])
    return respond(200, order.summary())


def handle_health(service, payload):
    return respond(200, {"ok": True})


ROUTES = {
    "/orders": handle_place_order,
    "/orders/cancel": handle_cancel,
    "/health": handle_health,
}


def dispatch(service, path, payload):
    handler = ROUTES[path] if path in ROUTES else None
    if handler is None:
        return respond(404, {"error": path})
    try:
        return handler(service, payload)
    except ShopError as error:
        log(f"error {error.code}: {error.message}")
        return respond(error.code, {"error": error.message})
