"""What the entry points talk to: `wiring`, each part built by the composition root (welt.bootstrap) on first use.

The apps, workers and tests import it as `from welt.bootstrap import wiring`; it reads the live builders only when
a part is first asked for, so importing it builds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from welt.adapters.cognito import CognitoTokenVerifier
    from welt.services.onboarding import Onboarding
    from welt.services.orders import OrderDesk
    from welt.services.payments import PaymentDesk
    from welt.services.payments.submitting import SubmissionQueue
    from welt.services.ports import Clock, Mailer, Outbox


def _root() -> Any:
    """The composition root, imported when a part is first built (it imports this module to hand out `wiring`)."""
    from welt import bootstrap

    return bootstrap


class Wiring:
    """What the entry points talk to: each part built live on first use, once per container, unless handed in.

    Tests hand theirs in with `use(...)` for the length of a `with` block; the apps never build anything themselves.
    """

    def __init__(self) -> None:
        self._parts: dict[str, Any] = {}
        self._lambda_context: Callable[[], Any] | None = None

    def _part(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._parts:
            self._parts[name] = build()
        return self._parts[name]

    def in_lambda(self, lambda_context: Callable[[], Any]) -> None:
        """Where the payment desk's idempotent work reads the time left (the payments function's context)."""
        self._lambda_context = lambda_context

    def order_desk(self) -> OrderDesk:
        return self._part("order_desk", _root().live_order_desk)  # type: ignore[no-any-return]

    def payment_desk(self) -> PaymentDesk:
        return self._part("payment_desk", lambda: _root().live_payment_desk(self._lambda_context))  # type: ignore[no-any-return]

    def onboarding(self) -> Onboarding:
        return self._part("onboarding", lambda: _root().live_onboarding(self.order_desk()))  # type: ignore[no-any-return]

    def token_verifier(self) -> CognitoTokenVerifier:
        return self._part("token_verifier", _root().live_token_verifier)  # type: ignore[no-any-return]

    def submission_queue(self) -> SubmissionQueue:
        return self._part("submission_queue", _root().live_submission_queue)  # type: ignore[no-any-return]

    def outbox(self) -> Outbox:
        return self._part("outbox", _root().live_outbox)  # type: ignore[no-any-return]

    def mailer(self) -> Mailer:
        return self._part("mailer", _root().live_mailer)  # type: ignore[no-any-return]

    def now(self) -> datetime:
        clock = self._parts.get("clock")
        return clock() if clock is not None else _root().utc_now()

    @contextmanager
    def use(
        self,
        *,
        order_desk: OrderDesk | None = None,
        payment_desk: PaymentDesk | None = None,
        onboarding: Onboarding | None = None,
        token_verifier: CognitoTokenVerifier | None = None,
        outbox: Outbox | None = None,
        mailer: Mailer | None = None,
        clock: Clock | None = None,
    ) -> Iterator[Wiring]:
        """These parts instead of the live ones inside the block; the ones before it afterwards."""
        given = {
            "order_desk": order_desk,
            "payment_desk": payment_desk,
            "onboarding": onboarding,
            "token_verifier": token_verifier,
            "outbox": outbox,
            "mailer": mailer,
            "clock": clock,
        }
        before = dict(self._parts)
        self._parts.update({name: part for name, part in given.items() if part is not None})
        try:
            yield self
        finally:
            self._parts = before


wiring = Wiring()
