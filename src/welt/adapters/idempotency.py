"""Request idempotency on Powertools' DynamoDB persistence: one result per key, other payloads refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from welt.domain.errors import FieldProblem, IdempotencyKeyReusedError, RequestInProgressError

# Stripe keeps keys for 24 hours; a retry later than that is a new request.
KEY_LIFETIME_SECONDS = 24 * 60 * 60


class PowertoolsIdempotency:
    def __init__(self, table_name: str, client: Any, lambda_context: Callable[[], Any] | None = None) -> None:
        # With the Lambda context, a request that dies mid-way frees its key when the invocation times out.
        self._lambda_context = lambda_context
        self._store = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
        self._config = IdempotencyConfig(
            event_key_jmespath="[scope, key]",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=KEY_LIFETIME_SECONDS,
            use_local_cache=False,
            # Keys and payloads are hashed with SHA-256, not Powertools' default md5.
            hash_function="sha256",
        )

    def run(self, scope: str, key: str, payload: dict[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        # The scope is part of the hashed key, so one fixed prefix serves every use.
        @idempotent_function(data_keyword_argument="request", persistence_store=self._store, config=self._config, key_prefix="welt")
        def once(request: dict[str, Any]) -> dict[str, Any]:
            return work()

        context = self._lambda_context() if self._lambda_context else None
        if context is not None:
            self._config.register_lambda_context(context)
        try:
            return once(request={"scope": scope, "key": key, "payload": payload})
        except IdempotencyValidationError:
            raise IdempotencyKeyReusedError(
                "This Idempotency-Key was already used for a different request.",
                [FieldProblem(("header", "Idempotency-Key"), "use a new key for a new request")],
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgressError("A request with this Idempotency-Key is still in progress; retry shortly.") from None
