"""Opaque page cursors: signed, bound to one listing of one caller, useless anywhere else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from welt.domain.errors import FieldProblem, MalformedRequestError


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorSigner:
    """Turns a storage position into a token only this service can read back, for the same scope."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the cursor secret must have at least 16 bytes")
        self._secret = secret

    def _sign(self, scope: str, body: bytes) -> bytes:
        return hmac.new(self._secret, scope.encode() + b"\x00" + body, hashlib.sha256).digest()

    def issue(self, scope: str, position: dict[str, Any]) -> str:
        body = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(body)}.{_b64(self._sign(scope, body))}"

    def start_of(self, scope: str, cursor: str | None) -> dict[str, Any] | None:
        """Where a page starts: the position in the caller's cursor, or None for the first page."""
        return self.read(scope, cursor) if cursor else None

    def after(self, scope: str, last_key: dict[str, Any] | None) -> str | None:
        """The cursor of the next page, or None when this page was the last."""
        return self.issue(scope, last_key) if last_key else None

    def read(self, scope: str, token: str) -> dict[str, Any]:
        """The position in `token`, if it was issued for `scope`; otherwise a 400."""
        invalid = MalformedRequestError(
            "The cursor is not valid for this listing; start again without one.",
            [FieldProblem(("query", "cursor"), "not a cursor issued for this listing")],
        )
        try:
            body_part, sig_part = token.split(".")
            body, signature = _unb64(body_part), _unb64(sig_part)
        except ValueError:
            raise invalid from None
        if not hmac.compare_digest(signature, self._sign(scope, body)):
            raise invalid
        position = json.loads(body)
        if not isinstance(position, dict):
            raise invalid
        return position
