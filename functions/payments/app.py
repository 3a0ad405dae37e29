"""The payments API. Only its health check exists yet; payments, webhooks and invoices follow."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from chalice import Chalice

from welt.bootstrap import token_verifier
from welt.entrypoints.http import HttpRequest, WeltApi

app = Chalice(app_name="welt-payments", configure_logs=False)
logger = Logger(service="welt-payments")
api = WeltApi(app, logger, lambda header: token_verifier().caller(header))


@api.route("/health", methods=["GET"], public=True)
def health(request: HttpRequest) -> dict[str, Any]:
    return {"status": "ok"}
