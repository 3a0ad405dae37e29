"""Sends the outbox's emails through Amazon SES."""

from __future__ import annotations

from typing import Any


class SesMailer:
    def __init__(self, client: Any, sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, to: str, subject: str, body: str) -> None:
        self._client.send_email(
            Source=self._sender,
            Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
        )
