"""The emails an emulator's SES accepted, as one JSON list (`emails_url` of `make dev` and `make dev-deployed`).

moto and ministack each keep what SES sent in a store of their own; both read here as
`[{"destination": [...], "subject": ..., "body": ...}]`, oldest first.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

EMULATORS = ("moto", "ministack")


def _read(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (the emulator on loopback)
        return json.load(response)


def sent_emails(emulator: str, aws_endpoint: str) -> list[dict[str, Any]]:
    if emulator == "moto":
        messages = _read(f"{aws_endpoint}/moto-api/data.json").get("ses", {}).get("Message", [])
        return [
            {
                "destination": (message.get("destinations") or {}).get("ToAddresses", []),
                "subject": message.get("subject"),
                "body": message.get("body"),
            }
            for message in messages
        ]
    if emulator == "ministack":
        by_account = _read(f"{aws_endpoint}/_ministack/ses/messages").get("messages", {})
        records = sorted((record for records in by_account.values() for record in records), key=lambda record: record["Timestamp"])
        return [{"destination": record["To"], "subject": record["Subject"], "body": record["BodyText"]} for record in records]
    raise ValueError(f"unknown emulator {emulator!r}: one of {EMULATORS}")
