"""The words an order, its payment, production and a brand's stamps stand in."""

from __future__ import annotations

from enum import StrEnum


class OrderType(StrEnum):
    MTO = "MTO"
    MINI_BULK = "MINI_BULK"
    BULK = "BULK"


class Labeling(StrEnum):
    UNLABELED = "UNLABELED"
    CUSTOM_STAMPS = "CUSTOM_STAMPS"


class StampStatus(StrEnum):
    NONE = "NONE"
    IN_DEVELOPMENT = "IN_DEVELOPMENT"
    READY = "READY"


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    WORK_IN_PROCESS = "WORK_IN_PROCESS"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class PaymentStatus(StrEnum):
    UNPAID = "UNPAID"
    PROCESSING = "PROCESSING"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"


class ProductionStage(StrEnum):
    AWAITING_STAMPS = "AWAITING_STAMPS"
    CUTTING = "CUTTING"
    STITCHING = "STITCHING"
    LASTING = "LASTING"
    FINISHING = "FINISHING"
    PACKING = "PACKING"
    READY_TO_SHIP = "READY_TO_SHIP"
