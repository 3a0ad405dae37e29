"""The routes of a Chalice app as Chalice itself registers them, so the API stack follows app.py by itself."""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    # Needs no Cognito token (health, Stripe's webhook); every other route gets the authorizer.
    public: bool
    # Browsers call it from the app's origin, so its resource answers CORS preflights.
    cors: bool


@dataclass(frozen=True)
class ChaliceApi:
    routes: list[Route]
    # Response types the gateway passes through as bytes (the invoice PDF).
    binary_types: list[str]


def chalice_api(app_name: str) -> ChaliceApi:
    """Imports functions/<app_name>/app.py under a name of its own and reads its route table."""
    source = REPO / "functions" / app_name / "app.py"
    module_name = f"welt_{app_name}_routes"
    spec = importlib.util.spec_from_file_location(module_name, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Importing an app reads no setting but the region its Chalice objects default to.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[module_name]
    public = module.api.public_routes
    routes = sorted(
        (
            Route(path, method, (method, path) in public, bool(entry.cors))
            for path, methods in module.app.routes.items()
            for method, entry in methods.items()
        ),
        key=lambda route: (route.path, route.method),
    )
    return ChaliceApi(routes, list(module.app.api.binary_types))
