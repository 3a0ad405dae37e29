"""Powertools Tracer and Metrics around each Lambda entry point (each app keeps its own Logger).

Both are built at the first invocation, not at import: the tracer loads the X-Ray SDK, which a cold start
should not pay before it has a request to trace.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics, Tracer

# Alarms in infra/observability_stack.py read these names: StuckPayments, PaymentNeedsReview, LateSuccessRefunded.
NAMESPACE = "Welt"

Handler = Callable[[Any, Any], Any]
Function = TypeVar("Function", bound=Callable[..., Any])


@functools.lru_cache(maxsize=1)
def tracer() -> Tracer:
    """Outside Lambda (tests, the local stack) the tracer switches itself off; in Lambda it patches boto3 and HTTP
    clients so every AWS and Stripe call is a subsegment of the invocation's trace."""
    from aws_lambda_powertools import Tracer

    return Tracer()


@functools.lru_cache(maxsize=1)
def metrics() -> Metrics:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=NAMESPACE)


def observed(handler: Handler) -> Handler:
    """The handler traced, with a cold-start metric, and whatever metrics it added flushed when it returns."""

    @functools.lru_cache(maxsize=1)
    def wrapped() -> Handler:
        # Responses carry addresses and emails: they stay out of the traces.
        return tracer().capture_lambda_handler(metrics().log_metrics(handler, capture_cold_start_metric=True), capture_response=False)

    @functools.wraps(handler)
    def entry(event: Any, context: Any) -> Any:
        return wrapped()(event, context)

    return entry


def traced(function: Function) -> Function:
    """A scheduled function as a subsegment of its invocation's trace."""

    @functools.lru_cache(maxsize=1)
    def wrapped() -> Callable[..., Any]:
        return tracer().capture_method(function)

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        return wrapped()(*args, **kwargs)

    return call  # type: ignore[return-value]
