"""The orders API: catalog, checkout, the order pool, edits, cancellation, quotes and staff listings."""

from __future__ import annotations

from copy import deepcopy
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from chalice import Chalice, Rate
from pydantic import BaseModel, ConfigDict, Field

from welt.bootstrap import wiring
from welt.config import caps
from welt.domain.errors import (
    ForbiddenError,
    MalformedRequestError,
    NotFoundError,
    PreconditionRequiredError,
    ServiceUnavailableError,
    StateConflictError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
    VersionMismatchError,
)
from welt.domain.shipping_group import GroupStatus
from welt.entrypoints.http import HttpRequest, WeltApi
from welt.entrypoints.observability import observed, traced
from welt.entrypoints.operations import links_to
from welt.services import address_book, orders, production, quotes, shipping_groups, stamps
from welt.services import group_suggestions as group_suggestions_service
from welt.services import onboarding as going_live
from welt.services import order_pool as pool
from welt.services.notifications import deliver_due, deliver_now, emails_for_staff
from welt.services.resources import (
    BrandList,
    BrandResource,
    Catalog,
    GroupSuggestionList,
    Health,
    OrderPage,
    OrderResource,
    Quote,
    SavedAddressList,
    SavedAddressResource,
    ShippingGroupList,
    ShippingGroupResource,
    StaffBrand,
    StaffEmailList,
    StaffShippingGroupList,
    StampsReady,
    TeamList,
    TeamMemberResource,
    Timeline,
    catalog_resource,
)
from welt.services.resources.stamps import ArtworkLink, ArtworkUploadForm, StampsResource

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


class GroupParams(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    status: GroupStatus | None = None
    limit: int = Field(default=shipping_groups.GROUP_PAGE, ge=1, le=shipping_groups.MAX_GROUP_PAGE, description="Groups per page.")
    cursor: str | None = Field(default=None, max_length=2000, description="The `next_cursor` of the previous page, with the same filters.")


class BrandPageParams(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    limit: int = Field(default=going_live.BRAND_PAGE, ge=1, le=going_live.MAX_BRAND_PAGE, description="Brands per page.")
    cursor: str | None = Field(default=None, max_length=2000, description="The `next_cursor` of the previous page, with the same filters.")


class EmailListParams(BaseModel):
    """The staff email listing's query, as the document shows it; the service checks it (a wrong state is 422)."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    state: Literal["DEAD"] | None = None


class TimelineParams(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    limit: int = Field(default=orders.TIMELINE_PAGE, ge=1, le=orders.MAX_PAGE, description="Events per page.")
    cursor: str | None = Field(default=None, max_length=2000, description="The `next_cursor` of the previous page, with the same filters.")


@api.route("/health", methods=["GET"], public=True, operation="health", tags=("Health",), answer="The API is up.")
def health(request: HttpRequest) -> Health:
    """Health check

    Both APIs answer it, without a token.
    """
    return {"status": "ok"}


@api.route(
    "/catalog",
    methods=["GET"],
    operation="getCatalog",
    tags=("Catalog and brand",),
    callers=(
        "brand",
        "staff",
    ),
    answer="The catalog.",
)
def catalog(request: HttpRequest) -> Catalog:
    """The catalog

    Models and the materials each allows per part, material surcharges, order type rules and price factors,
    shipping zones and the one-time stamp fee. Prices in checkout and quotes are computed from it on the server.
    """
    _ = request.caller  # the catalog is for signed-in users only
    return catalog_resource(order_desk().catalog)


@api.route(
    "/brand",
    methods=["GET"],
    operation="getBrand",
    tags=("Catalog and brand",),
    answer="The brand.",
    errors=(ForbiddenError,),
)
def brand(request: HttpRequest) -> BrandResource:
    """Your brand

    The caller's brand (from the token), its labeling default and the status of its custom stamps.
    """
    return orders.brand_profile(order_desk(), request.caller)


CHECKOUT_EXAMPLE = {
    "type": "MTO",
    "design": {
        "model": "derby",
        "materials": {"upper": "calf-tan", "lining": "leather-natural", "sole": "leather-sole"},
        "design_ref": "3D-7731",
    },
    "sizes": [{"size": "EU42", "pairs": 1}],
    "labeling": "UNLABELED",
    "shipping_address": {
        "name": "Mara Jensen",
        "company": "Demo Atelier",
        "line1": "Torstrasse 101",
        "city": "Berlin",
        "postal_code": "10119",
        "country": "DE",
        "phone": "+49 30 1234567",
        "email": "mara@dmo.example",
    },
    "billing": {
        "name": "Demo Atelier GmbH",
        "vat_id": "DE123456788",
        "email": "accounts@dmo.example",
        "address": {"line1": "Torstrasse 101", "city": "Berlin", "postal_code": "10119", "country": "DE"},
    },
}


@api.route(
    "/orders",
    methods=["POST"],
    status=201,
    operation="checkout",
    links=links_to("order_number", "getOrder", "editOrder", "cancelOrder", "getOrderTimeline", versioned=("editOrder",)),
    tags=("Orders",),
    answer="The new order (or, for a retry with the same key, the order the first request placed).",
    request=orders.Checkout,
    example=CHECKOUT_EXAMPLE,
    errors=(
        MalformedRequestError,
        ForbiddenError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
        PreconditionRequiredError,
    ),
    headers=("IdempotencyKey",),
    answer_headers=("ETag",),
)
def place_order(request: HttpRequest) -> OrderResource:
    """Check out an order

    Places one order: one design, one size run, one shipment. The server prices it (any price in the body is
    ignored), gives it the brand's next order number and emails the confirmation to the billing email.
    The order starts as `PENDING_PAYMENT` / `UNPAID`.

    `Idempotency-Key` is required: sending the same key and body again (a retry after a dropped connection)
    answers with the first order instead of placing another. The same key with another body is 422
    (`/problems/idempotency-key-reused`); while the first request is still running it is 409
    (`/problems/request-in-progress`). Keys are kept for 24 hours per brand.

    A brand's first order must state `labeling`; later orders default to the brand's last choice.
    """
    key = request.idempotency_key()
    raw = request.json()
    form = request.body(orders.Checkout, raw)
    return orders.checkout(order_desk(), request.caller, form, key, raw)


@api.route(
    "/orders/check",
    methods=["POST"],
    operation="checkCheckout",
    tags=("Orders",),
    answer="The checkout would be accepted: its costs, as placing it now would price it.",
    request=orders.Checkout,
    example=deepcopy(CHECKOUT_EXAMPLE),  # its own copy: the document shows it whole, not as a reference to placing's
    errors=(
        MalformedRequestError,
        ForbiddenError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
)
def check_checkout(request: HttpRequest) -> Quote:
    """Check a checkout without placing it

    The same body as `POST /orders`, checked by the same rules (design and size run, the postcode's shape for
    its country, plain email addresses, the VAT ID, the brand's first labeling) and priced as placing it now
    would price it; a problem is 422 with each field's `loc`, as placing would answer it. Nothing is written:
    no order, no order number, no Idempotency-Key (none is needed). Checkout forms call it at the end of each step.
    """
    return orders.check_checkout(order_desk(), request.caller, request.body(orders.Checkout))


@api.route(
    "/orders",
    methods=["GET"],
    operation="listOrders",
    query_fields=("status", "type", "q", "created_from", "created_to", "limit", "cursor"),
    tags=("Orders",),
    answer="One page of the order pool.",
    query=pool.OrderFilter,
    errors=(
        MalformedRequestError,
        ForbiddenError,
        ValidationFailedError,
    ),
)
def order_pool(request: HttpRequest) -> OrderPage:
    """The order pool

    The brand's orders, newest first, a page at a time. Follow `next_cursor` (pass it as `cursor` with the
    same filters) until it is `null`. A cursor only works for the listing and filters it was issued for.
    """
    return pool.list_orders(order_desk(), request.caller, request.query_model(pool.OrderFilter))


@api.route(
    "/orders/{order_number}",
    methods=["GET"],
    operation="getOrder",
    tags=("Orders",),
    callers=(
        "brand",
        "staff",
    ),
    answer="The order.",
    errors=(NotFoundError,),
    answer_headers=("ETag",),
)
def get_order(request: HttpRequest, order_number: str) -> OrderResource:
    """One order

    One order with its costs and `version` (also sent as `ETag`). Another brand's order answers 404, exactly
    like a missing one. An unpaid order is priced with the brand's stamps status of today, so a stamp fee
    already paid no longer shows on open orders.
    """
    return orders.get_order(order_desk(), request.caller, order_number)


@api.route(
    "/orders/{order_number}",
    methods=["PATCH"],
    operation="editOrder",
    tags=("Orders",),
    answer="The edited order, with its new version.",
    request=orders.OrderEdit,
    example={"sizes": [{"size": "EU43", "pairs": 1}]},
    errors=(
        MalformedRequestError,
        ForbiddenError,
        NotFoundError,
        StateConflictError,
        VersionMismatchError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
        PreconditionRequiredError,
    ),
    headers=("IfMatch",),
    answer_headers=("ETag",),
)
def edit_order(request: HttpRequest, order_number: str) -> OrderResource:
    """Edit an unpaid order

    Changes the design, sizes, labeling, shipping address or billing of an order that is `PENDING_PAYMENT`,
    `UNPAID` and in no shipping group; costs are computed again. Send `If-Match` with the `version` you last
    read: a newer version answers 412 and changes nothing. Fields you leave out stay as they are; the order
    type cannot change.
    """
    version = request.version_header()
    assert version is not None
    edit = request.body(orders.OrderEdit)
    return orders.edit_order(order_desk(), request.caller, order_number, edit, version)


@api.route(
    "/orders/{order_number}/cancel",
    methods=["POST"],
    operation="cancelOrder",
    tags=("Orders",),
    answer="The cancelled order.",
    errors=(
        MalformedRequestError,
        ForbiddenError,
        NotFoundError,
        StateConflictError,
        VersionMismatchError,
    ),
    headers=("IfMatchOptional",),
    answer_headers=("ETag",),
)
def cancel_order(request: HttpRequest, order_number: str) -> OrderResource:
    """Cancel an unpaid order

    Cancels an order that is `PENDING_PAYMENT`, `UNPAID` and in no shipping group. Cancelling a cancelled order
    answers the order again. `If-Match` is optional; when sent, it must name the current version.
    """
    return orders.cancel_order(order_desk(), request.caller, order_number, request.version_header(required=False))


@api.route(
    "/orders/{order_number}/events",
    methods=["GET"],
    operation="getOrderTimeline",
    tags=("Orders",),
    callers=(
        "brand",
        "staff",
    ),
    answer="The timeline.",
    query=TimelineParams,
    errors=(
        MalformedRequestError,
        NotFoundError,
        ValidationFailedError,
    ),
)
def order_events(request: HttpRequest, order_number: str) -> Timeline:
    """The order's timeline

    Every change to the order, oldest first, a page at a time: follow `next_cursor` until it is `null`.
    """
    page = request.query_model(TimelineParams)
    return orders.order_timeline(order_desk(), request.caller, order_number, page.limit, page.cursor)


@api.route(
    "/quotes",
    methods=["POST"],
    operation="quote",
    tags=("Quotes",),
    answer="The costs.",
    request=quotes.QuoteRequest,
    example={
        "order": {
            "type": "MINI_BULK",
            "design": {"model": "derby", "materials": {"upper": "calf-tan", "lining": "leather-natural", "sole": "leather-sole"}},
            "sizes": [{"size": "EU40", "pairs": 4}, {"size": "EU41.5", "pairs": 6}],
            "labeling": "UNLABELED",
            "country": "DE",
        }
    },
    errors=(
        MalformedRequestError,
        ForbiddenError,
        NotFoundError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
)
def quote(request: HttpRequest) -> Quote:
    """Price without saving

    Either `order` (a would-be order, priced as checkout would price it) or `order_numbers` (existing orders
    priced as one shipment, with what that saves against shipping each alone). Nothing is stored.
    """
    return quotes.quote(order_desk(), request.caller, request.body(quotes.QuoteRequest))


@api.route(
    "/shipping-groups",
    methods=["POST"],
    status=201,
    operation="createShippingGroup",
    links=links_to("group_id", "getShippingGroup", "addOrderToShippingGroup", "dissolveShippingGroup", field="shipping_group_id"),
    tags=("Shipping groups",),
    answer="The new group, with its costs and shipping savings.",
    request=shipping_groups.NewGroup,
    example={"order_numbers": ["00041-DMO", "00042-DMO", "00043-DMO"]},
    errors=(
        MalformedRequestError,
        ForbiddenError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
    answer_headers=("ETag",),
)
def create_group(request: HttpRequest) -> ShippingGroupResource:
    """Group orders into one shipment

    2 to 20 orders of the brand, all `MTO`, `PENDING_PAYMENT`, `UNPAID`, in no other group, with the same
    shipping address (compared field by field, ignoring case and spacing). Breaking a rule of the orders
    themselves (type, address) is 422; a state that forbids it now (paid, in another group, a payment in
    progress) is 409.
    """
    return shipping_groups.create_group(order_desk(), request.caller, request.body(shipping_groups.NewGroup))


@api.route(
    "/shipping-groups",
    methods=["GET"],
    operation="listShippingGroups",
    query_fields=("limit", "cursor"),
    tags=("Shipping groups",),
    answer="The groups.",
    query=GroupParams,
    errors=(
        MalformedRequestError,
        ValidationFailedError,
        ForbiddenError,
    ),
)
def list_groups(request: HttpRequest) -> ShippingGroupList:
    """The brand's shipping groups

    Every group of the brand that was not dissolved, with costs and savings, newest first, a page at a time:
    follow `next_cursor` until it is `null`. A page holds at most 100 orders, so it may end before `limit`.
    """
    page = request.query_model(GroupParams)
    return shipping_groups.list_groups(order_desk(), request.caller, page.limit, page.cursor)


@api.route(
    "/shipping-groups/suggestions",
    methods=["GET"],
    operation="listShippingGroupSuggestions",
    tags=("Shipping groups",),
    answer="The suggestions (an empty list when no two orders could ship together).",
    errors=(ForbiddenError,),
)
def group_suggestions(request: HttpRequest) -> GroupSuggestionList:
    """Orders that could ship together

    Every set of the brand's orders that could form a shipping group now: `MTO`, `PENDING_PAYMENT`, `UNPAID`,
    in no group, to the same address (compared as `POST /shipping-groups` compares them), 2 to 20 orders. More
    than 20 orders to one address are split into as few sets as fit, of near-equal size. The biggest
    `shipping_savings` come first, then the set with the newest order; within a set the newest order comes first.
    Send a set's `order_numbers` to `POST /shipping-groups` to create the group. Reads at most the brand's
    1000 newest open orders.
    """
    return group_suggestions_service.list_suggestions(order_desk(), request.caller)


@api.route(
    "/shipping-groups/{group_id}",
    methods=["GET"],
    operation="getShippingGroup",
    tags=("Shipping groups",),
    callers=(
        "brand",
        "staff",
    ),
    answer="The group.",
    errors=(NotFoundError,),
    answer_headers=("ETag",),
)
def get_group(request: HttpRequest, group_id: str) -> ShippingGroupResource:
    """One shipping group"""
    return shipping_groups.get_group(order_desk(), request.caller, group_id)


@api.route(
    "/shipping-groups/{group_id}",
    methods=["DELETE"],
    operation="dissolveShippingGroup",
    tags=("Shipping groups",),
    answer="The dissolved group.",
    errors=(
        ForbiddenError,
        NotFoundError,
        StateConflictError,
    ),
    answer_headers=("ETag",),
)
def dissolve_group(request: HttpRequest, group_id: str) -> ShippingGroupResource:
    """Dissolve an unpaid group

    Only while the group is `OPEN` (unpaid, no payment in progress). Its orders are on their own again.
    """
    return shipping_groups.dissolve_group(order_desk(), request.caller, group_id)


@api.route(
    "/shipping-groups/{group_id}/orders",
    methods=["POST"],
    operation="addOrderToShippingGroup",
    tags=("Shipping groups",),
    answer="The group with the order added.",
    request=shipping_groups.GroupAddition,
    example={"order_number": "00044-DMO"},
    errors=(
        MalformedRequestError,
        ForbiddenError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
    answer_headers=("ETag",),
)
def add_to_group(request: HttpRequest, group_id: str) -> ShippingGroupResource:
    """Add an order to an unpaid group

    The order must meet the same rules as at creation; a group holds at most 20 orders.
    """
    addition = request.body(shipping_groups.GroupAddition)
    return shipping_groups.add_order(order_desk(), request.caller, group_id, addition)


@api.route(
    "/shipping-groups/{group_id}/orders/{order_number}",
    methods=["DELETE"],
    operation="removeOrderFromShippingGroup",
    tags=("Shipping groups",),
    answer="The group without the order.",
    errors=(
        ForbiddenError,
        NotFoundError,
        StateConflictError,
    ),
    answer_headers=("ETag",),
)
def remove_from_group(request: HttpRequest, group_id: str, order_number: str) -> ShippingGroupResource:
    """Take an order out of an unpaid group

    A group keeps at least 2 orders; to go below, dissolve it.
    """
    return shipping_groups.remove_order(order_desk(), request.caller, group_id, order_number)


@api.route(
    "/admin/orders",
    methods=["GET"],
    staff=True,
    operation="listAllOrders",
    tags=("Staff",),
    answer="One page of orders.",
    query=pool.OrderFilter,
    errors=(
        MalformedRequestError,
        ValidationFailedError,
    ),
)
def admin_orders(request: HttpRequest) -> OrderPage:
    """Every brand's orders

    Newest first, a page at a time, with the same cursor rules as the order pool.
    """
    return pool.list_all_orders(order_desk(), request.caller, request.query_model(pool.OrderFilter))


@api.route(
    "/admin/orders/{order_number}",
    methods=["GET"],
    staff=True,
    operation="getOrderForStaff",
    tags=("Staff",),
    answer="The order.",
    errors=(NotFoundError,),
    answer_headers=("ETag",),
)
def staff_order(request: HttpRequest, order_number: str) -> OrderResource:
    """Any brand's order"""
    return production.order_for_staff(order_desk(), request.caller, order_number)


@api.route(
    "/admin/orders/{order_number}/production",
    methods=["POST"],
    staff=True,
    operation="moveProductionStage",
    tags=("Staff",),
    answer="The order at its new stage.",
    request=production.StageChange,
    example={"stage": "STITCHING"},
    errors=(
        MalformedRequestError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
    answer_headers=("ETag",),
)
def move_stage(request: HttpRequest, order_number: str) -> OrderResource:
    """Move an order to a production stage

    Forward only (a stage already passed is 409); moving to the current stage changes nothing. An order
    waiting for custom stamps cannot move on until the brand's stamps are `READY`.
    """
    return production.move_stage(order_desk(), request.caller, order_number, request.body(production.StageChange))


@api.route(
    "/admin/orders/{order_number}/production/undo",
    methods=["POST"],
    staff=True,
    operation="undoProductionStageMove",
    tags=("Staff",),
    answer="The order back at the stage it left.",
    request=production.StageMoveUndo,
    example={"version": 7},
    errors=(
        MalformedRequestError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
    answer_headers=("ETag",),
)
def undo_stage_move(request: HttpRequest, order_number: str) -> OrderResource:
    """Undo a production stage move

    Send the `version` the move answered. Within a minute of that move, and only if nothing changed the order
    since, the order goes back to the stage it left, recorded on its timeline as `STAGE_MOVE_UNDONE`. After the
    minute, after any later change (another move included), or a second time, the answer is 409 and nothing changes.
    """
    return production.undo_stage_move(order_desk(), request.caller, order_number, request.body(production.StageMoveUndo))


@api.route(
    "/admin/orders/{order_number}/ship",
    methods=["POST"],
    staff=True,
    operation="shipOrder",
    tags=("Staff",),
    answer="The shipped order.",
    request=production.Shipment,
    example={
        "carrier": "DHL Express",
        "tracking_number": "JD014600006281230704",
        "tracking_url": "https://www.dhl.com/track?id=JD014600006281230704",
    },
    errors=(
        MalformedRequestError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
    answer_headers=("ETag",),
)
def ship_order(request: HttpRequest, order_number: str) -> OrderResource:
    """Ship an order

    For an order at `READY_TO_SHIP` that is in no shipping group (a group ships as a whole). Sends the
    shipped email once. Repeating the request with the same tracking number answers the shipped order again.
    """
    return production.ship_order(order_desk(), request.caller, order_number, request.body(production.Shipment))


@api.route(
    "/admin/orders/{order_number}/deliver",
    methods=["POST"],
    staff=True,
    operation="deliverOrder",
    tags=("Staff",),
    answer="The delivered order.",
    errors=(
        NotFoundError,
        StateConflictError,
    ),
    answer_headers=("ETag",),
)
def deliver_order(request: HttpRequest, order_number: str) -> OrderResource:
    """Mark a shipped order delivered

    Delivering a delivered order answers it again.
    """
    return production.deliver_order(order_desk(), request.caller, order_number)


@api.route(
    "/admin/shipping-groups/{group_id}/ship",
    methods=["POST"],
    staff=True,
    operation="shipShippingGroup",
    tags=("Staff",),
    answer="The shipped group.",
    request=production.Shipment,
    errors=(
        MalformedRequestError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
    answer_headers=("ETag",),
)
def ship_group(request: HttpRequest, group_id: str) -> ShippingGroupResource:
    """Ship a paid group

    Once every order of a `PAID` group is at `READY_TO_SHIP`, all of them ship under one tracking number, with
    one shipped email. Repeating it with the same tracking number answers the group again.
    """
    return production.ship_group(order_desk(), request.caller, group_id, request.body(production.Shipment))


@api.route(
    "/admin/shipping-groups",
    methods=["GET"],
    staff=True,
    operation="listAllShippingGroups",
    tags=("Staff",),
    answer="The groups, each with its brand.",
    query=GroupParams,
    errors=(
        MalformedRequestError,
        ValidationFailedError,
    ),
)
def staff_groups(request: HttpRequest) -> StaffShippingGroupList:
    """Every brand's shipping groups

    Every group that was not dissolved, of every brand, newest first, a page at a time; `status=PAID` lists the
    groups to ship. A page holds at most 100 orders, so it may end before `limit`.
    """
    page = request.query_model(GroupParams)
    return production.list_groups(order_desk(), request.caller, page.status, page.limit, page.cursor)


@api.route(
    "/admin/brands/{code}/stamps",
    methods=["POST"],
    staff=True,
    operation="markStampsReady",
    tags=("Staff",),
    answer="The brand, and the orders that moved on.",
    request=production.StampsUpdate,
    errors=(
        MalformedRequestError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
)
def stamps_ready(request: HttpRequest, code: str) -> StampsReady:
    """The brand's custom stamps are made

    Sets the brand's stamps to `READY` and moves every paid order of the brand waiting at `AWAITING_STAMPS` on
    to `CUTTING` (listed in `orders_released`). Repeating it moves only what still waits.
    """
    return production.mark_stamps_ready(order_desk(), request.caller, code, request.body(production.StampsUpdate))


# ---------------------------------------------------------------- going live: brands and their teams, staff


@api.route(
    "/admin/brands",
    methods=["POST"],
    staff=True,
    status=201,
    operation="registerBrand",
    links=links_to("code", "getBrandForStaff", "editBrand", "listBrandUsers", "inviteBrandUser", versioned=("editBrand",)),
    tags=("Staff",),
    answer="The brand, at version 1.",
    request=going_live.BrandRegistration,
    example={
        "code": "XYZ",
        "name": "Xyz Shoes",
        "legal_name": "Xyz Shoes S.L.",
        "vat_id": "ESB12345674",
        "contact_email": "accounts@xyz.example",
        "billing_address": {"line1": "Calle Mayor 5", "city": "Elche", "postal_code": "03201", "country": "ES"},
    },
    errors=(
        MalformedRequestError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
    answer_headers=("ETag",),
)
def register_brand(request: HttpRequest) -> StaffBrand:
    """Register a brand

    Registers a brand under a free three-letter code (its order numbers read `00001-XYZ`). The VAT ID, if given,
    must be a well-formed EU VAT ID (country prefix, format and check digits); it is stored without spaces. The
    billing details fill a checkout's `billing` when the buyer sends none. A taken code is 409 and changes nothing.
    """
    return going_live.register_brand(order_desk(), request.caller, request.body(going_live.BrandRegistration))


@api.route(
    "/admin/brands",
    methods=["GET"],
    staff=True,
    operation="listBrands",
    tags=("Staff",),
    answer="The brands.",
    query=BrandPageParams,
    errors=(
        MalformedRequestError,
        ValidationFailedError,
    ),
)
def staff_brands(request: HttpRequest) -> BrandList:
    """Every brand

    The registered brands by code, a page at a time, each with its labeling default, the status of its custom
    stamps, its billing details and its `version`.
    """
    page = request.query_model(BrandPageParams)
    return going_live.list_brands(order_desk(), request.caller, page.limit, page.cursor)


@api.route(
    "/admin/brands/{code}",
    methods=["GET"],
    staff=True,
    operation="getBrandForStaff",
    tags=("Staff",),
    answer="The brand.",
    errors=(NotFoundError,),
    answer_headers=("ETag",),
)
def staff_brand(request: HttpRequest, code: str) -> StaffBrand:
    """One brand

    The brand with its billing details and `version` (send it back as `If-Match` to edit).
    """
    return going_live.get_brand(order_desk(), request.caller, code)


@api.route(
    "/admin/brands/{code}",
    methods=["PATCH"],
    staff=True,
    operation="editBrand",
    tags=("Staff",),
    answer="The edited brand, with its new version.",
    request=going_live.BrandChanges,
    example={"contact_email": "billing@xyz.example"},
    errors=(
        MalformedRequestError,
        NotFoundError,
        VersionMismatchError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
        PreconditionRequiredError,
    ),
    headers=("IfMatch",),
    answer_headers=("ETag",),
)
def edit_brand(request: HttpRequest, code: str) -> StaffBrand:
    """Edit a brand's names, VAT ID, contact or billing address

    Fields left out stay as they are; `vat_id: null` removes the VAT ID. The code never changes. Send `If-Match`
    with the `version` you last read: a newer version answers 412 and changes nothing. Orders already placed keep
    the billing they were placed with.
    """
    version = request.version_header()
    assert version is not None
    return going_live.edit_brand(order_desk(), request.caller, code, request.body(going_live.BrandChanges), version)


@api.route(
    "/admin/brands/{code}/users",
    methods=["POST"],
    staff=True,
    status=201,
    operation="inviteBrandUser",
    tags=("Staff",),
    answer="The invited user.",
    request=going_live.Invitation,
    example={"email": "ana@xyz.example", "name": "Ana Ruiz"},
    errors=(
        MalformedRequestError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
)
def invite_brand_user(request: HttpRequest, code: str) -> TeamMemberResource:
    """Invite a user of the brand

    Creates the user in the user pool with the brand fixed on their account and a temporary password Welt makes,
    and emails them an invitation (exactly once) with the sign-in address and a line `Temporary password: ...`.
    The temporary password works for 7 days; at the first sign-in the user chooses their own. An email that
    already has an account is 409.
    """
    return going_live.invite_user(onboarding(), request.caller, code, request.body(going_live.Invitation))


@api.route(
    "/admin/brands/{code}/users",
    methods=["GET"],
    staff=True,
    operation="listBrandUsers",
    tags=("Staff",),
    answer="The brand's users.",
    errors=(NotFoundError,),
)
def brand_team(request: HttpRequest, code: str) -> TeamList:
    """A brand's users

    Everyone with access to the brand, by email, with their state (`invited`, `active`, `disabled`).
    """
    return going_live.list_team(onboarding(), request.caller, code)


@api.route(
    "/admin/brands/{code}/users/{email}/invite",
    methods=["POST"],
    staff=True,
    operation="resendBrandInvitation",
    tags=("Staff",),
    answer="The user, invited again.",
    errors=(NotFoundError,),
)
def reinvite_brand_user(request: HttpRequest, code: str, email: str) -> TeamMemberResource:
    """Send a new invitation

    A new temporary password replaces the user's password, in a new invitation email; they choose their own again at sign-in.
    """
    return going_live.resend_invitation(onboarding(), request.caller, code, unquote(email))


@api.route(
    "/admin/brands/{code}/users/{email}/disable",
    methods=["POST"],
    staff=True,
    operation="disableBrandUser",
    tags=("Staff",),
    answer="The disabled user.",
    errors=(
        NotFoundError,
        StateConflictError,
    ),
)
def disable_brand_user(request: HttpRequest, code: str, email: str) -> TeamMemberResource:
    """Take a user's access away

    The user can no longer sign in and their refresh tokens are revoked; an ID token already issued works until it
    expires (at most one hour).
    """
    return going_live.disable_user(onboarding(), request.caller, code, unquote(email))


@api.route(
    "/admin/brands/{code}/users/{email}/enable",
    methods=["POST"],
    staff=True,
    operation="enableBrandUser",
    tags=("Staff",),
    answer="The user.",
    errors=(NotFoundError,),
)
def enable_brand_user(request: HttpRequest, code: str, email: str) -> TeamMemberResource:
    """Give a disabled user access again"""
    return going_live.enable_user(onboarding(), request.caller, code, unquote(email))


@api.route(
    "/admin/staff",
    methods=["POST"],
    staff=True,
    status=201,
    operation="inviteStaffUser",
    tags=("Staff",),
    answer="The invited staff user.",
    request=going_live.Invitation,
    example={"email": "lea@factory.example", "name": "Lea Costa"},
    errors=(
        MalformedRequestError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
)
def invite_staff_user(request: HttpRequest) -> TeamMemberResource:
    """Invite a staff user

    Like inviting a brand's user, into the `staff` group (every brand's data and the `/admin` routes).
    """
    return going_live.invite_user(onboarding(), request.caller, None, request.body(going_live.Invitation))


@api.route("/admin/staff", methods=["GET"], staff=True, operation="listStaffUsers", tags=("Staff",), answer="The staff users.")
def staff_team(request: HttpRequest) -> TeamList:
    """The factory's staff users"""
    return going_live.list_team(onboarding(), request.caller, None)


@api.route(
    "/admin/staff/{email}/invite",
    methods=["POST"],
    staff=True,
    operation="resendStaffInvitation",
    tags=("Staff",),
    answer="The staff user, invited again.",
    errors=(NotFoundError,),
)
def reinvite_staff_user(request: HttpRequest, email: str) -> TeamMemberResource:
    """Send a staff user a new invitation"""
    return going_live.resend_invitation(onboarding(), request.caller, None, unquote(email))


@api.route(
    "/admin/staff/{email}/disable",
    methods=["POST"],
    staff=True,
    operation="disableStaffUser",
    tags=("Staff",),
    answer="The disabled staff user.",
    errors=(
        NotFoundError,
        StateConflictError,
    ),
)
def disable_staff_user(request: HttpRequest, email: str) -> TeamMemberResource:
    """Take a staff user's access away

    As for a brand's user; staff cannot disable themselves (409).
    """
    return going_live.disable_user(onboarding(), request.caller, None, unquote(email))


@api.route(
    "/admin/staff/{email}/enable",
    methods=["POST"],
    staff=True,
    operation="enableStaffUser",
    tags=("Staff",),
    answer="The staff user.",
    errors=(NotFoundError,),
)
def enable_staff_user(request: HttpRequest, email: str) -> TeamMemberResource:
    """Give a disabled staff user access again"""
    return going_live.enable_user(onboarding(), request.caller, None, unquote(email))


@api.route(
    "/brand/users",
    methods=["GET"],
    operation="listOwnTeam",
    tags=("Catalog and brand",),
    answer="Your brand's users.",
    errors=(ForbiddenError,),
)
def own_team(request: HttpRequest) -> TeamList:
    """Your brand's team

    Everyone with access to your brand and their state. Factory staff invite and remove users: ask the factory to
    add a colleague or take someone's access away.
    """
    return going_live.own_team(onboarding(), request.caller)


ADDRESS_EXAMPLE = {
    "label": "Berlin store",
    "address": {
        "name": "Mara Jensen",
        "company": "Demo Atelier",
        "line1": "Torstrasse 101",
        "city": "Berlin",
        "postal_code": "10119",
        "country": "DE",
        "phone": "+49 30 1234567",
        "email": "mara@dmo.example",
    },
}


@api.route(
    "/brand/addresses",
    methods=["GET"],
    operation="listSavedAddresses",
    tags=("Catalog and brand",),
    answer="Your brand's saved shipping addresses, oldest first.",
    errors=(ForbiddenError,),
)
def saved_addresses(request: HttpRequest) -> SavedAddressList:
    """Your saved shipping addresses

    The addresses your brand keeps to choose at checkout (at most 50), each under a name of your own.
    """
    return address_book.list_addresses(order_desk(), request.caller)


@api.route(
    "/brand/addresses",
    methods=["POST"],
    status=201,
    operation="saveAddress",
    tags=("Catalog and brand",),
    answer="The saved address (or, for a retry with the same key, the address the first request saved).",
    request=address_book.AddressForm,
    example=ADDRESS_EXAMPLE,
    errors=(
        MalformedRequestError,
        ForbiddenError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
        PreconditionRequiredError,
    ),
    headers=("IdempotencyKey",),
)
def save_address(request: HttpRequest) -> SavedAddressResource:
    """Save a shipping address

    Keeps an address for later checkouts. `Idempotency-Key` is required: the same key again answers the address
    it saved; with another body it is 422 (`/problems/idempotency-key-reused`). A brand keeps at most 50 (409).
    """
    key = request.idempotency_key()
    return address_book.save_address(order_desk(), request.caller, request.body(address_book.AddressForm), key)


@api.route(
    "/brand/addresses/{address_id}",
    methods=["PUT"],
    operation="replaceAddress",
    tags=("Catalog and brand",),
    answer="The address as now saved.",
    request=address_book.AddressForm,
    example=ADDRESS_EXAMPLE,
    errors=(
        MalformedRequestError,
        ForbiddenError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
    ),
)
def replace_address(request: HttpRequest, address_id: str) -> SavedAddressResource:
    """Change a saved address

    Its name and address replaced as sent. Orders already placed keep the address they were placed with.
    """
    return address_book.replace_address(order_desk(), request.caller, address_id, request.body(address_book.AddressForm))


@api.route(
    "/brand/addresses/{address_id}",
    methods=["DELETE"],
    operation="removeAddress",
    tags=("Catalog and brand",),
    answer="The addresses your brand still keeps.",
    errors=(ForbiddenError, NotFoundError, StateConflictError),
)
def remove_address(request: HttpRequest, address_id: str) -> SavedAddressList:
    """Remove a saved address

    Orders already placed keep the address they were placed with.
    """
    return address_book.remove_address(order_desk(), request.caller, address_id)


# ---------------------------------------------------------------- custom stamps: artwork, proof, approval, date

STAMP_STEP_ERRORS = (
    MalformedRequestError,
    ForbiddenError,
    StateConflictError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)


@api.route(
    "/brand/stamps",
    methods=["GET"],
    operation="getStamps",
    tags=("Custom stamps",),
    answer="Where your custom stamps stand, with every step so far.",
    errors=(ForbiddenError,),
)
def own_stamps(request: HttpRequest) -> StampsResource:
    """Your custom stamps

    The step your stamps are at (`AWAITING_ARTWORK`, `ARTWORK_RECEIVED`, `PROOF_SENT`, `CHANGES_ASKED`,
    `PROOF_APPROVED`, `MADE`), the day staff expect them, your artwork, the proof to approve, and the steps so far.
    Send `revision` back with your next step.
    """
    return stamps.own_stamps(order_desk(), request.caller)


@api.route(
    "/brand/stamps/upload-form",
    methods=["POST"],
    operation="createArtworkUploadForm",
    tags=("Custom stamps",),
    answer="The form to upload one file with, straight to the factory's private storage.",
    request=stamps.UploadRequest,
    example={"content_type": "image/png"},
    errors=(MalformedRequestError, ForbiddenError, UnsupportedMediaTypeError, ValidationFailedError, ServiceUnavailableError),
)
def artwork_upload_form(request: HttpRequest) -> ArtworkUploadForm:
    """Get a form to upload your stamp artwork

    POST the file to `url` as `multipart/form-data` with every field of `fields` and the file last, as `file`,
    within 15 minutes. The storage refuses another type than the one chosen, and files over 10 MB. Then send
    `key` to `POST /brand/stamps/artwork`.
    """
    return stamps.upload_form(order_desk(), request.caller, request.body(stamps.UploadRequest))


@api.route(
    "/brand/stamps/artwork",
    methods=["POST"],
    operation="sendArtwork",
    tags=("Custom stamps",),
    answer="Your stamps, with the artwork received.",
    request=stamps.ArtworkSent,
    example={"key": "artwork/DMO/0f8e4c2b9a7d41e3b5c6d7e8f9a0b1c2.png", "file_name": "logo.png", "revision": 0},
    errors=(*STAMP_STEP_ERRORS, NotFoundError, ServiceUnavailableError),
)
def send_artwork(request: HttpRequest) -> StampsResource:
    """Tell the factory your artwork is uploaded

    Welt checks the file under `key`: uploaded with your form (404 otherwise), at most 10 MB, and an SVG, PDF or
    PNG by its content (422 otherwise). New artwork replaces the one before until you approve a proof.
    """
    return stamps.receive_artwork(order_desk(), request.caller, request.body(stamps.ArtworkSent))


@api.route(
    "/brand/stamps/artwork",
    methods=["GET"],
    operation="downloadOwnArtwork",
    tags=("Custom stamps",),
    answer="A link that downloads your artwork for 5 minutes.",
    errors=(ForbiddenError, NotFoundError, ServiceUnavailableError),
)
def own_artwork(request: HttpRequest) -> ArtworkLink:
    """Download your stamp artwork"""
    return stamps.own_artwork_link(order_desk(), request.caller)


@api.route(
    "/brand/stamps/approval",
    methods=["POST"],
    operation="approveStampProof",
    tags=("Custom stamps",),
    answer="Your stamps, with the proof approved.",
    request=stamps.ProofAnswer,
    example={"revision": 2},
    errors=STAMP_STEP_ERRORS,
)
def approve_stamp_proof(request: HttpRequest) -> StampsResource:
    """Approve the proof of your stamp

    Only a proof that was sent (`PROOF_SENT`) can be approved (409 otherwise). The factory then makes the stamps.
    """
    return stamps.approve_proof(order_desk(), request.caller, request.body(stamps.ProofAnswer))


@api.route(
    "/brand/stamps/changes",
    methods=["POST"],
    operation="askStampChanges",
    tags=("Custom stamps",),
    answer="Your stamps, with the changes asked.",
    request=stamps.ChangesAsked,
    example={"revision": 2, "comment": "Make the logo 20% smaller, please."},
    errors=STAMP_STEP_ERRORS,
)
def ask_stamp_changes(request: HttpRequest) -> StampsResource:
    """Ask for changes to the proof of your stamp

    Your comment goes to the factory, which sends a new proof (or you upload new artwork).
    """
    return stamps.ask_changes(order_desk(), request.caller, request.body(stamps.ChangesAsked))


@api.route(
    "/admin/brands/{code}/stamps",
    methods=["GET"],
    staff=True,
    operation="getStampsForStaff",
    tags=("Staff",),
    answer="Where the brand's stamps stand, with every step so far.",
    errors=(NotFoundError,),
)
def staff_stamps(request: HttpRequest, code: str) -> StampsResource:
    """A brand's custom stamps"""
    return stamps.stamps_for_staff(order_desk(), request.caller, code)


@api.route(
    "/admin/brands/{code}/stamps/artwork",
    methods=["GET"],
    staff=True,
    operation="downloadArtwork",
    tags=("Staff",),
    answer="A link that downloads the brand's artwork for 5 minutes.",
    errors=(NotFoundError, ServiceUnavailableError),
)
def staff_artwork(request: HttpRequest, code: str) -> ArtworkLink:
    """Download a brand's stamp artwork"""
    return stamps.artwork_link_for_staff(order_desk(), request.caller, code)


@api.route(
    "/admin/brands/{code}/stamps/proof",
    methods=["POST"],
    staff=True,
    operation="sendStampProof",
    tags=("Staff",),
    answer="The brand's stamps, with the proof sent.",
    request=stamps.ProofSent,
    example={"revision": 1, "note": "Stamp 30 x 12 mm, blind embossed on the insole heel, as drawn."},
    errors=(*STAMP_STEP_ERRORS, NotFoundError),
)
def send_stamp_proof(request: HttpRequest, code: str) -> StampsResource:
    """Send the brand a proof of its stamp

    Once the brand's artwork is in (`ARTWORK_RECEIVED`), or after it asked for changes; a new proof replaces the
    one before. The brand is emailed to approve it.
    """
    return stamps.send_proof(order_desk(), request.caller, code, request.body(stamps.ProofSent))


@api.route(
    "/admin/brands/{code}/stamps/expected-date",
    methods=["PUT"],
    staff=True,
    operation="setStampsExpectedDate",
    tags=("Staff",),
    answer="The brand's stamps, with the date they are expected.",
    request=stamps.ExpectedDate,
    example={"revision": 3, "expected_on": "2026-12-18"},
    errors=(*STAMP_STEP_ERRORS, NotFoundError),
)
def set_stamps_expected_date(request: HttpRequest, code: str) -> StampsResource:
    """Set the day the brand's stamps are expected

    Today or later (422 otherwise), until the stamps are made. The brand sees it and is emailed.
    """
    return stamps.set_expected_date(order_desk(), request.caller, code, request.body(stamps.ExpectedDate))


@api.route(
    "/admin/emails",
    methods=["GET"],
    staff=True,
    operation="listEmailsForStaff",
    tags=("Staff",),
    answer="The emails, each with its brand and why it was given up.",
    query=EmailListParams,
    errors=(
        MalformedRequestError,
        ValidationFailedError,
    ),
)
def staff_emails(request: HttpRequest) -> StaffEmailList:
    """Emails that could not be delivered

    Emails of every brand in the given state, the most recent first (at most 100). `DEAD` (the only state
    listed, and the default): the mail service refused the address for good (SES `MessageRejected` or
    `InvalidParameterValue`), or sending failed 30 times (about a day); such an email is never retried.
    Emails past a brand's hourly cap (`WELT_EMAILS_PER_BRAND_HOUR`, default 200) are not listed: they are held
    and sent in the next hour.
    """
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
