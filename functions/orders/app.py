"""The orders API: catalog, checkout, the order pool, edits, cancellation, quotes and staff listings."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from chalice import Chalice, Rate
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from welt.bootstrap import order_desk as build_order_desk
from welt.bootstrap import token_verifier, utc_now
from welt.domain.errors import ValidationFailedError
from welt.domain.model import OrderStatus, OrderType, ProductionStage
from welt.entrypoints.http import HttpRequest, WeltApi, field_problems
from welt.services import orders, production
from welt.services.notifications import deliver_due

app = Chalice(app_name="welt-orders", configure_logs=False)
logger = Logger(service="welt-orders")
api = WeltApi(app, logger, lambda header: token_verifier().caller(header))


def current_lambda_context() -> Any:
    return app.lambda_context


def order_desk() -> orders.OrderDesk:
    return build_order_desk(current_lambda_context)


class PoolParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: OrderStatus | None = None
    type: OrderType | None = None
    q: str | None = Field(default=None, max_length=100)
    brand: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    stage: ProductionStage | None = None
    limit: int = Field(default=orders.DEFAULT_PAGE, ge=1, le=orders.MAX_PAGE)
    cursor: str | None = Field(default=None, max_length=2000)


def pool_query(request: HttpRequest) -> orders.PoolQuery:
    names = PoolParams.model_fields
    try:
        params = PoolParams.model_validate({name: request.query(name) for name in names if request.query(name)})
    except ValidationError as error:
        raise ValidationFailedError("Some query parameters are not valid.", field_problems(error, ("query",))) from None
    return orders.PoolQuery(**params.model_dump())


@api.route("/health", methods=["GET"], public=True)
def health(request: HttpRequest) -> dict[str, Any]:
    return {"status": "ok"}


@api.route("/catalog", methods=["GET"])
def catalog(request: HttpRequest) -> dict[str, Any]:
    _ = request.caller  # the catalog is for signed-in users only
    return order_desk().catalog.public_view()


@api.route("/brand", methods=["GET"])
def brand(request: HttpRequest) -> dict[str, Any]:
    return orders.brand_profile(order_desk(), request.caller)


@api.route("/orders", methods=["POST"], status=201)
def place_order(request: HttpRequest) -> dict[str, Any]:
    key = request.idempotency_key()
    raw = request.json()
    form = request.body(orders.Checkout, raw)
    return orders.checkout(order_desk(), request.caller, form, key, raw)


@api.route("/orders", methods=["GET"])
def order_pool(request: HttpRequest) -> dict[str, Any]:
    return orders.list_orders(order_desk(), request.caller, pool_query(request))


@api.route("/orders/{order_number}", methods=["GET"])
def get_order(request: HttpRequest, order_number: str) -> dict[str, Any]:
    return orders.get_order(order_desk(), request.caller, order_number)


@api.route("/orders/{order_number}", methods=["PATCH"])
def edit_order(request: HttpRequest, order_number: str) -> dict[str, Any]:
    version = request.version_header()
    assert version is not None
    edit = request.body(orders.OrderEdit)
    return orders.edit_order(order_desk(), request.caller, order_number, edit, version)


@api.route("/orders/{order_number}/cancel", methods=["POST"])
def cancel_order(request: HttpRequest, order_number: str) -> dict[str, Any]:
    return orders.cancel_order(order_desk(), request.caller, order_number, request.version_header(required=False))


@api.route("/orders/{order_number}/events", methods=["GET"])
def order_events(request: HttpRequest, order_number: str) -> dict[str, Any]:
    return orders.order_timeline(order_desk(), request.caller, order_number)


@api.route("/quotes", methods=["POST"])
def quote(request: HttpRequest) -> dict[str, Any]:
    return orders.quote(order_desk(), request.caller, request.body(orders.QuoteRequest))


@api.route("/admin/orders", methods=["GET"], staff=True)
def admin_orders(request: HttpRequest) -> dict[str, Any]:
    return orders.list_all_orders(order_desk(), request.caller, pool_query(request))


@api.route("/admin/brands/{code}/stamps", methods=["POST"], staff=True)
def stamps_ready(request: HttpRequest, code: str) -> dict[str, Any]:
    return production.mark_stamps_ready(order_desk(), request.caller, code, request.body(production.StampsUpdate))


@app.schedule(Rate(1, unit=Rate.MINUTES))
def retry_emails(event: Any) -> dict[str, int]:
    """Sends the emails whose first attempt failed."""
    desk = order_desk()
    return {"sent": deliver_due(desk.outbox, desk.mailer, utc_now)}
