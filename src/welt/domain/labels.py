"""The words people read for the order desk's codes (emails and documents): one table, the same words as the
backoffice's web/js/labels.js, so a code such as PENDING_PAYMENT or UNLABELED never reaches a person."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from welt.domain.model import Labeling, OrderStatus, OrderType, PaymentStatus, ProductionStage, StampStatus
from welt.domain.shipping_group import GroupStatus

ORDER_STATUS: dict[OrderStatus, str] = {
    OrderStatus.PENDING_PAYMENT: "Awaiting payment",
    OrderStatus.WORK_IN_PROCESS: "In production",
    OrderStatus.SHIPPED: "Shipped",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.CANCELLED: "Cancelled",
}

PAYMENT_STATUS: dict[PaymentStatus, str] = {
    PaymentStatus.UNPAID: "Unpaid",
    PaymentStatus.PROCESSING: "Payment in progress",
    PaymentStatus.PAID: "Paid",
    PaymentStatus.PARTIALLY_REFUNDED: "Partly refunded",
    PaymentStatus.REFUNDED: "Refunded",
}

STAGE: dict[ProductionStage, str] = {
    ProductionStage.AWAITING_STAMPS: "Awaiting stamps",
    ProductionStage.CUTTING: "Cutting",
    ProductionStage.STITCHING: "Stitching",
    ProductionStage.LASTING: "Lasting",
    ProductionStage.FINISHING: "Finishing",
    ProductionStage.PACKING: "Packing",
    ProductionStage.READY_TO_SHIP: "Ready to ship",
}

LABELING: dict[Labeling, str] = {Labeling.UNLABELED: "Unlabeled", Labeling.CUSTOM_STAMPS: "Custom stamps"}

ORDER_TYPE: dict[OrderType, str] = {OrderType.MTO: "MTO", OrderType.MINI_BULK: "Mini bulk", OrderType.BULK: "Bulk"}

STAMP_STATUS: dict[StampStatus, str] = {
    StampStatus.NONE: "No stamps yet",
    StampStatus.IN_DEVELOPMENT: "In development",
    StampStatus.READY: "Ready",
}

GROUP_STATUS: dict[GroupStatus, str] = {
    GroupStatus.OPEN: "Awaiting payment",
    GroupStatus.PAYMENT_IN_PROGRESS: "Payment in progress",
    GroupStatus.PAID: "Paid",
    GroupStatus.SHIPPED: "Shipped",
    GroupStatus.DISSOLVED: "Dissolved",
}

_TABLES: dict[type[Enum], Mapping[Any, str]] = {
    OrderStatus: ORDER_STATUS,
    PaymentStatus: PAYMENT_STATUS,
    ProductionStage: STAGE,
    Labeling: LABELING,
    OrderType: ORDER_TYPE,
    StampStatus: STAMP_STATUS,
    GroupStatus: GROUP_STATUS,
}


def words(code: Enum) -> str:
    """The words for any of the codes above."""
    return _TABLES[type(code)][code]
