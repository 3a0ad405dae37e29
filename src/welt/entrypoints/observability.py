"""Powertools Tracer and Metrics around each Lambda entry point (each app keeps its own Logger)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Metrics, Tracer

# Alarms in infra/observability_stack.py read these names: StuckPayments, PaymentNeedsReview, LateSuccessRefunded.
NAMESPACE = "Welt"

# Outside Lambda (tests, the local stack) the tracer switches itself off; in Lambda it patches boto3 and HTTP
# clients so every AWS and Stripe call is a subsegment of the invocation's trace.
tracer = Tracer()
metrics = Metrics(namespace=NAMESPACE)

Handler = Callable[[Any, Any], Any]


def observed(handler: Handler) -> Handler:
    """The handler traced, with a cold-start metric, and whatever metrics it added flushed when it returns."""
    # Responses carry addresses and emails: they stay out of the traces.
    return tracer.capture_lambda_handler(metrics.log_metrics(handler, capture_cold_start_metric=True),
                                         capture_response=False)
