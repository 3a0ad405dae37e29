"""Payment events a person must look at, counted as CloudWatch metrics (namespace Welt) that alarms watch."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "Welt"
LATE_SUCCESS_REFUNDED = "LateSuccessRefunded"
PAYMENT_NEEDS_REVIEW = "PaymentNeedsReview"
STUCK_PAYMENTS = "StuckPayments"
# VERI*FACTU records AEAT refused (Incorrecto), and submissions AEAT did not answer (emitted by submit-records).
AEAT_RECORDS_REJECTED = "AeatRecordsRejected"
AEAT_UNANSWERED = "AeatUnanswered"


def count(name: str, value: int = 1, payment_id: str | None = None) -> None:
    """One metric, written at once: the functions that count are not all request handlers to flush at the end."""
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as metric:
        if payment_id:
            metric.add_metadata(key="payment_id", value=payment_id)
