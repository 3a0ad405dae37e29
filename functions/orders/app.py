"""The orders API: catalog, checkout, the order pool, edits, cancellation, quotes and staff listings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from chalice import Chalice, Rate
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from welt.bootstrap import wiring
from welt.config import caps
from welt.domain.errors import ValidationFailedError
from welt.domain.shipping_group import GroupStatus
from welt.entrypoints.http import HttpRequest, WeltApi, field_problems
from welt.entrypoints.observability import observed, traced
from welt.services import group_suggestions as group_suggestions_service
from welt.services import onboarding as going_live
from welt.services import order_pool as pool
from welt.services import orders, production, quotes, shipping_groups
from welt.services.notifications import deliver_due, deliver_now, emails_for_staff

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

app = Chalice(app_name="welt-orders", configure_logs=False)
logger = Logger(service="welt-orders")


def order_desk() -> orders.OrderDesk:
    return wiring.order_desk()


def onboarding() -> going_live.Onboarding:
    return wiring.onboarding()


api = WeltApi(app, logger, lambda header: wiring.token_verifier().caller(header), lambda: order_desk().sessions)


Params = TypeVar("Params", bound=BaseModel)


class GroupParams(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    status: GroupStatus | None = None
    limit: int = Field(default=shipping_groups.GROUP_PAGE, ge=1, le=shipping_groups.MAX_GROUP_PAGE)
    cursor: str | None = Field(default=None, max_length=2000)


class BrandPageParams(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    limit: int = Field(default=going_live.BRAND_PAGE, ge=1, le=going_live.MAX_BRAND_PAGE)
    cursor: str | None = Field(default=None, max_length=2000)


class TimelineParams(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    limit: int = Field(default=orders.TIMELINE_PAGE, ge=1, le=orders.MAX_PAGE)
    cursor: str | None = Field(default=None, max_length=2000)


def query_params(request: HttpRequest, model: type[Params]) -> Params:
    try:
        return model.model_validate({name: request.query(name) for name in model.model_fields if request.query(name)})
    except ValidationError as error:
        raise ValidationFailedError("Some query parameters are not valid.", field_problems(error, ("query",))) from None


def pool_query(request: HttpRequest) -> pool.OrderFilter:
    return query_params(request, pool.OrderFilter)


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
    return pool.list_orders(order_desk(), request.caller, pool_query(request))


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
    page = query_params(request, TimelineParams)
    return orders.order_timeline(order_desk(), request.caller, order_number, page.limit, page.cursor)


@api.route("/quotes", methods=["POST"])
def quote(request: HttpRequest) -> dict[str, Any]:
    return quotes.quote(order_desk(), request.caller, request.body(quotes.QuoteRequest))


@api.route("/shipping-groups", methods=["POST"], status=201)
def create_group(request: HttpRequest) -> dict[str, Any]:
    return shipping_groups.create_group(order_desk(), request.caller, request.body(shipping_groups.NewGroup))


@api.route("/shipping-groups", methods=["GET"])
def list_groups(request: HttpRequest) -> dict[str, Any]:
    page = query_params(request, GroupParams)
    return shipping_groups.list_groups(order_desk(), request.caller, page.limit, page.cursor)


@api.route("/shipping-groups/suggestions", methods=["GET"])
def group_suggestions(request: HttpRequest) -> dict[str, Any]:
    return group_suggestions_service.list_suggestions(order_desk(), request.caller)


@api.route("/shipping-groups/{group_id}", methods=["GET"])
def get_group(request: HttpRequest, group_id: str) -> dict[str, Any]:
    return shipping_groups.get_group(order_desk(), request.caller, group_id)


@api.route("/shipping-groups/{group_id}", methods=["DELETE"])
def dissolve_group(request: HttpRequest, group_id: str) -> dict[str, Any]:
    return shipping_groups.dissolve_group(order_desk(), request.caller, group_id)


@api.route("/shipping-groups/{group_id}/orders", methods=["POST"])
def add_to_group(request: HttpRequest, group_id: str) -> dict[str, Any]:
    addition = request.body(shipping_groups.GroupAddition)
    return shipping_groups.add_order(order_desk(), request.caller, group_id, addition)


@api.route("/shipping-groups/{group_id}/orders/{order_number}", methods=["DELETE"])
def remove_from_group(request: HttpRequest, group_id: str, order_number: str) -> dict[str, Any]:
    return shipping_groups.remove_order(order_desk(), request.caller, group_id, order_number)


@api.route("/admin/orders", methods=["GET"], staff=True)
def admin_orders(request: HttpRequest) -> dict[str, Any]:
    return pool.list_all_orders(order_desk(), request.caller, pool_query(request))


@api.route("/admin/orders/{order_number}", methods=["GET"], staff=True)
def staff_order(request: HttpRequest, order_number: str) -> dict[str, Any]:
    return production.order_for_staff(order_desk(), request.caller, order_number)


@api.route("/admin/orders/{order_number}/production", methods=["POST"], staff=True)
def move_stage(request: HttpRequest, order_number: str) -> dict[str, Any]:
    return production.move_stage(order_desk(), request.caller, order_number, request.body(production.StageChange))


@api.route("/admin/orders/{order_number}/ship", methods=["POST"], staff=True)
def ship_order(request: HttpRequest, order_number: str) -> dict[str, Any]:
    return production.ship_order(order_desk(), request.caller, order_number, request.body(production.Shipment))


@api.route("/admin/orders/{order_number}/deliver", methods=["POST"], staff=True)
def deliver_order(request: HttpRequest, order_number: str) -> dict[str, Any]:
    return production.deliver_order(order_desk(), request.caller, order_number)


@api.route("/admin/shipping-groups/{group_id}/ship", methods=["POST"], staff=True)
def ship_group(request: HttpRequest, group_id: str) -> dict[str, Any]:
    return production.ship_group(order_desk(), request.caller, group_id, request.body(production.Shipment))


@api.route("/admin/shipping-groups", methods=["GET"], staff=True)
def staff_groups(request: HttpRequest) -> dict[str, Any]:
    page = query_params(request, GroupParams)
    return production.list_groups(order_desk(), request.caller, page.status, page.limit, page.cursor)


@api.route("/admin/brands/{code}/stamps", methods=["POST"], staff=True)
def stamps_ready(request: HttpRequest, code: str) -> dict[str, Any]:
    return production.mark_stamps_ready(order_desk(), request.caller, code, request.body(production.StampsUpdate))


# ---------------------------------------------------------------- going live: brands and their teams, staff


@api.route("/admin/brands", methods=["POST"], staff=True, status=201)
def register_brand(request: HttpRequest) -> dict[str, Any]:
    return going_live.register_brand(order_desk(), request.caller, request.body(going_live.BrandRegistration))


@api.route("/admin/brands", methods=["GET"], staff=True)
def staff_brands(request: HttpRequest) -> dict[str, Any]:
    page = query_params(request, BrandPageParams)
    return going_live.list_brands(order_desk(), request.caller, page.limit, page.cursor)


@api.route("/admin/brands/{code}", methods=["GET"], staff=True)
def staff_brand(request: HttpRequest, code: str) -> dict[str, Any]:
    return going_live.get_brand(order_desk(), request.caller, code)


@api.route("/admin/brands/{code}", methods=["PATCH"], staff=True)
def edit_brand(request: HttpRequest, code: str) -> dict[str, Any]:
    version = request.version_header()
    assert version is not None
    return going_live.edit_brand(order_desk(), request.caller, code, request.body(going_live.BrandChanges), version)


@api.route("/admin/brands/{code}/users", methods=["POST"], staff=True, status=201)
def invite_brand_user(request: HttpRequest, code: str) -> dict[str, Any]:
    return going_live.invite_user(onboarding(), request.caller, code, request.body(going_live.Invitation))


@api.route("/admin/brands/{code}/users", methods=["GET"], staff=True)
def brand_team(request: HttpRequest, code: str) -> dict[str, Any]:
    return going_live.list_team(onboarding(), request.caller, code)


@api.route("/admin/brands/{code}/users/{email}/invite", methods=["POST"], staff=True)
def reinvite_brand_user(request: HttpRequest, code: str, email: str) -> dict[str, Any]:
    return going_live.resend_invitation(onboarding(), request.caller, code, unquote(email))


@api.route("/admin/brands/{code}/users/{email}/disable", methods=["POST"], staff=True)
def disable_brand_user(request: HttpRequest, code: str, email: str) -> dict[str, Any]:
    return going_live.disable_user(onboarding(), request.caller, code, unquote(email))


@api.route("/admin/brands/{code}/users/{email}/enable", methods=["POST"], staff=True)
def enable_brand_user(request: HttpRequest, code: str, email: str) -> dict[str, Any]:
    return going_live.enable_user(onboarding(), request.caller, code, unquote(email))


@api.route("/admin/staff", methods=["POST"], staff=True, status=201)
def invite_staff_user(request: HttpRequest) -> dict[str, Any]:
    return going_live.invite_user(onboarding(), request.caller, None, request.body(going_live.Invitation))


@api.route("/admin/staff", methods=["GET"], staff=True)
def staff_team(request: HttpRequest) -> dict[str, Any]:
    return going_live.list_team(onboarding(), request.caller, None)


@api.route("/admin/staff/{email}/invite", methods=["POST"], staff=True)
def reinvite_staff_user(request: HttpRequest, email: str) -> dict[str, Any]:
    return going_live.resend_invitation(onboarding(), request.caller, None, unquote(email))


@api.route("/admin/staff/{email}/disable", methods=["POST"], staff=True)
def disable_staff_user(request: HttpRequest, email: str) -> dict[str, Any]:
    return going_live.disable_user(onboarding(), request.caller, None, unquote(email))


@api.route("/admin/staff/{email}/enable", methods=["POST"], staff=True)
def enable_staff_user(request: HttpRequest, email: str) -> dict[str, Any]:
    return going_live.enable_user(onboarding(), request.caller, None, unquote(email))


@api.route("/brand/users", methods=["GET"])
def own_team(request: HttpRequest) -> dict[str, Any]:
    return going_live.own_team(onboarding(), request.caller)


@api.route("/admin/emails", methods=["GET"], staff=True)
def staff_emails(request: HttpRequest) -> dict[str, Any]:
    return emails_for_staff(order_desk().outbox, request.caller, request.query("state"))


@app.schedule(Rate(1, unit=Rate.MINUTES))
@traced
def retry_emails(event: Any) -> dict[str, int]:
    """Sends the emails whose first attempt failed."""
    return {"sent": deliver_due(wiring.outbox(), wiring.mailer(), wiring.now, per_brand_hour=caps().emails_per_brand_hour)}


def send_outbox_message(record: DynamoDBRecord) -> None:
    """Sends the message a new or changed outbox row shows waiting (a removed row has nothing left to send)."""
    from welt.adapters.dynamodb.outbox import message_waiting_in  # the stream worker's, not the API's cold start

    message_id = message_waiting_in(record, wiring.now())
    if message_id is not None:
        deliver_now(wiring.outbox(), wiring.mailer(), message_id, wiring.now, caps().emails_per_brand_hour)


@observed
def send_emails(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """The outbox table's stream handler: each failed record is reported, so only it is retried (or dead-lettered)."""
    # Loaded here: the API's cold start does not need the batch utilities.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    return process_partial_response(
        event=event, record_handler=send_outbox_message, processor=BatchProcessor(event_type=EventType.DynamoDBStreams), context=context
    )


@observed
def handler(event: dict[str, Any], context: Any) -> Any:
    """The API's Lambda entry point: the Chalice app, traced."""
    return app(event, context)
