"""Stripe's event as it arrives at the webhook route, for the API document: Stripe's shape, kept out of the services.

The payments service never reads this: the Stripe adapter verifies the signature and reads the body into Welt's
own `StripeEvent` (welt.services.ports.payments).
"""

from __future__ import annotations

from typing import Annotated, NotRequired

from pydantic import Field
from typing_extensions import TypedDict


class StripeEventData(TypedDict):
    object: NotRequired[dict[str, object]]


class StripeEvent(TypedDict):
    """A Stripe event, as Stripe sends it. Welt reads `id`, `type` and `data.object`."""

    id: Annotated[str, Field(examples=["evt_1QJ0xXXXXXXXXXXXX"])]
    type: Annotated[str, Field(examples=["payment_intent.succeeded"])]
    data: NotRequired[StripeEventData]
