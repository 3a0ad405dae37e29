"""Sends the outbox's emails through Amazon SES."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from welt.services.ports import UndeliverableAddressError

# SES's answers that say this message can never be sent to this address (a retry gets the same answer).
REFUSED_FOR_GOOD = ("MessageRejected", "InvalidParameterValue")


class SesMailer:
    def __init__(self, client: Any, sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, to: str, subject: str, body: str) -> None:
        try:
            self._client.send_email(
                Source=self._sender,
                Destination={"ToAddresses": [to]},
                Message={"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in REFUSED_FOR_GOOD:
                raise UndeliverableAddressError(f"SES {code}: {error.response.get('Error', {}).get('Message', '')}") from None
            raise
