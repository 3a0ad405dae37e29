"""DynamoDB implementations of the repositories and of the store that commits each business change."""

from welt.adapters.dynamodb.brands import DynamoBrandRepository
from welt.adapters.dynamodb.groups import DynamoShippingGroupRepository
from welt.adapters.dynamodb.orders import DynamoOrderRepository
from welt.adapters.dynamodb.outbox import DynamoOutbox
from welt.adapters.dynamodb.payments import DynamoEventLog, DynamoInvoiceRegister, DynamoPaymentRepository
from welt.adapters.dynamodb.sessions import DynamoSessionRegistry
from welt.adapters.dynamodb.store import DynamoStore

__all__ = [
    "DynamoBrandRepository",
    "DynamoEventLog",
    "DynamoInvoiceRegister",
    "DynamoOrderRepository",
    "DynamoOutbox",
    "DynamoPaymentRepository",
    "DynamoSessionRegistry",
    "DynamoShippingGroupRepository",
    "DynamoStore",
]
