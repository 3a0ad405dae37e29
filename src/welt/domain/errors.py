"""Domain errors. Each maps to one HTTP status in the entry points, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldProblem:
    """One field that failed validation: where it is and what is wrong with it."""

    loc: tuple[str | int, ...]
    msg: str


@dataclass
class WeltError(Exception):
    """Base of every error the service layer raises on purpose."""

    detail: str
    errors: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


class MalformedRequestError(WeltError):
    """The request cannot be read at all: bad JSON, a bad header, a forged cursor."""


class AuthenticationError(WeltError):
    """No usable identity: the token is missing, malformed, expired or wrongly signed."""


class ForbiddenError(WeltError):
    """A known caller asks for something their role does not allow."""


class NotFoundError(WeltError):
    """The object does not exist for this caller (another brand's object included)."""


class StateConflictError(WeltError):
    """The object's current state does not allow the change."""


class VersionMismatchError(WeltError):
    """`If-Match` names a version that is no longer current."""


class ValidationFailedError(WeltError):
    """The request is readable but breaks a rule, field by field."""


class PreconditionRequiredError(WeltError):
    """A header the operation needs (`If-Match`, `Idempotency-Key`) is missing."""


class UnsupportedMediaTypeError(WeltError):
    """The body is not JSON."""


class IdempotencyKeyReusedError(WeltError):
    """An `Idempotency-Key` already used for a different request body."""


class RequestInProgressError(WeltError):
    """The first request with this `Idempotency-Key` is still being processed."""


class ServiceUnavailableError(WeltError):
    """Something Welt depends on cannot answer right now; nothing was changed and the same request may be sent again."""


@dataclass
class TooManyRequestsError(WeltError):
    """A cap on how often something may be done is reached; it may be tried again after `retry_after` seconds."""

    retry_after: int = 3600
