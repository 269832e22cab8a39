"""Entry points: one small realistic file per framework, exact results, and the near misses."""

from __future__ import annotations

import textwrap

from preflight.callgraph.entrypoints import EntryPoint, Pattern, expand_views, find


def entries(path: str, source: str, extra: tuple[Pattern, ...] = ()) -> list[tuple[str, ...]]:
    """find() as (kind, framework, qualname, detail, line) tuples, the path checked once."""
    found = find(path, textwrap.dedent(source), extra)
    assert all(e.path == path for e in found)
    return [(e.kind, e.framework, e.qualname, e.detail, str(e.line)) for e in found]


def test_flask_routes_blueprints_and_add_url_rule() -> None:
    source = """
        from flask import Blueprint, Flask, request
        from flask.views import MethodView

        app = Flask(__name__)
        bp = Blueprint("cart", __name__)

        @app.route("/cart/<id>", methods=["GET", "POST"])
        def cart(id):
            return request.args.get("/not-a-route")

        @bp.get("/items")
        def items():
            return []

        def health():
            return "ok"

        class Orders(MethodView):
            def get(self):
                return []
            def post(self):
                return {}
            def _helper(self):
                pass

        app.add_url_rule("/health", "health", health)
        app.add_url_rule("/orders", view_func=Orders.as_view("orders"))

        def create_app():
            inner = Flask(__name__)
            @inner.route("/")
            def index():
                return "hi"
            return inner
        """
    assert entries("shop/web.py", source) == [
        ("http", "flask", "shop.web.cart", "GET,POST /cart/<id>", "8"),
        ("http", "flask", "shop.web.items", "GET /items", "12"),
        ("http", "flask", "shop.web.Orders.get", "GET /orders", "20"),
        ("http", "flask", "shop.web.Orders.post", "POST /orders", "22"),
        ("http", "flask", "shop.web.health", "GET /health", "27"),
        ("http", "flask", "shop.web.create_app.index", "GET /", "32"),
    ]


def test_fastapi_routers_api_route_and_websocket() -> None:
    source = """
        from fastapi import APIRouter, FastAPI

        app = FastAPI()
        router = APIRouter(prefix="/cart")
        PREFIX = "/v2"

        @router.post("/items/{item_id}")
        async def add_item(item_id: int):
            return {}

        @app.api_route("/sync", methods=["put", "patch"])
        def sync():
            pass

        @app.websocket("/ws")
        async def stream(ws):
            pass

        @app.get(PREFIX + "/status")
        def status():
            return {}

        def legacy():
            pass

        app.add_api_route("/legacy", legacy, methods=["DELETE"])
        """
    assert entries("src/api/main.py", source) == [
        ("http", "fastapi", "api.main.add_item", "POST /items/{item_id}", "8"),
        ("http", "fastapi", "api.main.sync", "PUT,PATCH /sync", "12"),
        ("http", "fastapi", "api.main.stream", "WS /ws", "16"),
        ("http", "fastapi", "api.main.status", 'GET PREFIX + "/status"', "20"),
        ("http", "fastapi", "api.main.legacy", "DELETE /legacy", "27"),
    ]


def test_starlette_route_lists_resolve_through_imports() -> None:
    source = """
        from starlette.applications import Starlette
        from starlette.routing import Route, WebSocketRoute
        from starlette.endpoints import HTTPEndpoint

        from . import handlers
        from .feed import feed as live_feed

        async def homepage(request):
            pass

        class User(HTTPEndpoint):
            async def get(self, request):
                pass

        routes = [
            Route("/", homepage),
            Route("/cart", endpoint=handlers.cart, methods=["GET", "POST"]),
            Route("/user", User),
            WebSocketRoute("/feed", live_feed),
        ]
        app = Starlette(routes=routes)
        """
    assert entries("shop/app.py", source) == [
        ("http", "starlette", "shop.app.User.get", "GET /user", "13"),
        ("http", "starlette", "shop.app.homepage", "GET /", "17"),
        ("http", "starlette", "shop.handlers.cart", "GET,POST /cart", "18"),
        ("http", "starlette", "shop.feed.feed", "WS /feed", "20"),
    ]


def test_django_urlpatterns_function_and_class_views() -> None:
    source = """
        from django.contrib.auth.decorators import login_required
        from django.urls import include, path, re_path

        from . import views
        from .views import Checkout

        urlpatterns = [
            path("cart/<int:id>/", views.cart, name="cart"),
            path("checkout/", login_required(Checkout.as_view())),
            re_path(r"^legacy/(?P<slug>[-\\w]+)/$", views.legacy),
            path("api/", include("shop.api.urls")),
        ]
        """
    found = find("shop/urls.py", textwrap.dedent(source))
    assert [(e.kind, e.framework, e.qualname, e.detail, e.line) for e in found] == [
        ("http", "django", "shop.views.cart", "ANY cart/<int:id>/", 9),
        ("http", "django", "shop.views.Checkout", "ANY checkout/", 10),
        ("http", "django", "shop.views.legacy", "ANY ^legacy/(?P<slug>[-\\w]+)/$", 11),
    ]
    functions = {"shop.views.Checkout.get": (), "shop.views.Checkout.post": (), "shop.views.cart": ()}
    expanded = expand_views(found, functions)
    assert [(e.qualname, e.detail) for e in expanded] == [
        ("shop.views.cart", "ANY cart/<int:id>/"),
        ("shop.views.Checkout.get", "GET checkout/"),
        ("shop.views.Checkout.post", "POST checkout/"),
        ("shop.views.legacy", "ANY ^legacy/(?P<slug>[-\\w]+)/$"),
    ]


def test_celery_tasks_with_app_imported_from_the_project() -> None:
    source = """
        from celery import shared_task

        from proj.celery import app

        @app.task
        def send_email(to):
            pass

        @app.task(bind=True, name="cart.recalculate")
        def recalculate(self, cart_id):
            pass

        @shared_task(ignore_result=True)
        def cleanup():
            pass
        """
    assert entries("proj/tasks.py", source) == [
        ("task", "celery", "proj.tasks.send_email", "proj.tasks.send_email", "6"),
        ("task", "celery", "proj.tasks.recalculate", "cart.recalculate", "10"),
        ("task", "celery", "proj.tasks.cleanup", "proj.tasks.cleanup", "14"),
    ]


def test_rq_job_decorator_and_enqueue() -> None:
    source = """
        from redis import Redis
        from rq import Queue
        from rq.decorators import job

        from reports.build import build_report

        queue = Queue("high", connection=Redis())

        @job("low", connection=Redis())
        def resize(image_id):
            pass

        def schedule(func, user):
            queue.enqueue(build_report, user)
            queue.enqueue_call(func="reports.mail.send", args=(user,))
            queue.enqueue(func, user)  # a parameter: unknown statically
        """
    assert entries("reports/jobs.py", source) == [
        ("task", "rq", "reports.jobs.resize", "low", "10"),
        ("task", "rq", "reports.build.build_report", "queue", "15"),
        ("task", "rq", "reports.mail.send", "queue", "16"),
    ]


def test_grpc_servicer_methods() -> None:
    source = """
        import grpc
        from shop.proto import cart_pb2, cart_pb2_grpc

        class CartService(cart_pb2_grpc.CartServiceServicer):
            def __init__(self, store):
                self.store = store

            def AddItem(self, request, context):
                return cart_pb2.Empty()

            def GetCart(self, request, context):
                return self._load(request.user_id)

            def _load(self, user_id):
                pass
        """
    assert entries("shop/cart_server.py", source) == [
        ("grpc", "grpc", "shop.cart_server.CartService.AddItem", "CartService/AddItem", "9"),
        ("grpc", "grpc", "shop.cart_server.CartService.GetCart", "CartService/GetCart", "12"),
    ]


def test_click_commands_and_groups() -> None:
    source = """
        import click

        @click.group()
        def cli():
            pass

        @cli.command("add-item")
        @click.argument("sku")
        def add(sku):
            pass

        @cli.command()
        def show_cart():
            pass

        @click.command
        def standalone():
            pass
        """
    assert entries("shop/cli.py", source) == [
        ("cli", "click", "shop.cli.cli", "cli", "4"),
        ("cli", "click", "shop.cli.add", "add-item", "8"),
        ("cli", "click", "shop.cli.show_cart", "show-cart", "13"),
        ("cli", "click", "shop.cli.standalone", "standalone", "17"),
    ]


def test_argparse_set_defaults_with_subcommand_names_and_main_block() -> None:
    source = """
        import argparse

        def run_import(args):
            pass

        def run_export(args):
            pass

        def main():
            parser = argparse.ArgumentParser()
            parser.set_defaults(verbose=False)
            sub = parser.add_subparsers()
            imp = sub.add_parser("import", help="import data")
            imp.set_defaults(func=run_import)
            sub.add_parser("export").set_defaults(handler=run_export)
            args = parser.parse_args()
            args.func(args)

        if __name__ == "__main__":
            main()
        """
    assert entries("tools/data.py", source) == [
        ("cli", "argparse", "tools.data.run_import", "import", "15"),
        ("cli", "argparse", "tools.data.run_export", "export", "16"),
        ("main", "python", "tools.data", "python -m tools.data", "20"),
    ]


def test_dunder_main_module_is_an_entry_point() -> None:
    assert entries("src/shop/__main__.py", "from shop.cli import cli\ncli()\n") == [
        ("main", "python", "shop.__main__", "python -m shop", "1"),
    ]
    assert entries("shop/__main__.py", "import sys\n\nif '__main__' == __name__:\n    sys.exit(0)\n") == [
        ("main", "python", "shop.__main__", "python -m shop", "3"),
    ]


def test_extra_patterns_from_config() -> None:
    source = """
        from myfw import route
        from shop.bus import app

        @route("/ping")
        def ping():
            pass

        @app.handler("cart.updated")
        def on_cart_updated(event):
            pass

        @app.other
        def ignored():
            pass
        """
    extra = (Pattern("myfw.route", "http"), Pattern("app.handler", "custom"))
    assert entries("shop/events.py", source, extra) == [
        ("http", "config", "shop.events.ping", "/ping", "5"),
        ("custom", "config", "shop.events.on_cart_updated", "cart.updated", "9"),
    ]


def test_near_misses_are_not_entry_points() -> None:
    no_framework = """
        import functools

        cache = {}

        @cache.get("/x")
        def looks_like_a_route():
            pass

        def lookup(key):
            return cache.get("/cart")

        class Cart:
            @property
            def total(self):
                return 0

            @functools.cached_property
            def count(self):
                return 0

        def task(f):
            return f

        @task
        def not_celery():
            pass

        class Base:
            pass

        class Servicer(Base):
            def Method(self):
                pass

        if __name__ == "main":
            pass

        def inner():
            if __name__ == "__main__":
                pass
        """
    assert entries("shop/misc.py", no_framework) == []
    flask_file = """
        from flask import Flask

        settings = {"/x": 1}

        def view():
            return settings.get("/x")

        parser.set_defaults(func=view)  # argparse not imported
        """
    assert entries("shop/views.py", flask_file) == []


def test_expand_views_keeps_entries_it_cannot_expand() -> None:
    entry = EntryPoint("http", "django", "shop.views.Gone", "ANY gone/", "shop/urls.py", 3)
    task = EntryPoint("task", "celery", "shop.tasks.get", "ANY x", "shop/tasks.py", 1)
    assert expand_views([entry, task], {"shop.tasks.get.get": ()}) == [entry, task]
