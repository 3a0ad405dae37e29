"""VIES, the EU's VAT ID register: the Commission's REST service, and the local stand-in the local stack runs."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from stdnum.eu import vat as eu_vat

from welt.domain.vat import VatIdCheck, vat_id_problem

logger = logging.getLogger(__name__)

# VIES answers within seconds or not at all; a checkout should not wait longer for it.
VIES_TIMEOUT_SECONDS = 5.0


class ViesRegistry:
    """Asks the Commission's VIES REST service (`check-vat-number`) whether a VAT ID is registered."""

    def __init__(self, url: str, timeout: float = VIES_TIMEOUT_SECONDS) -> None:
        if not url.startswith("https://"):
            raise ValueError("VIES is asked over HTTPS only")
        self._url = url
        self._timeout = timeout

    def check(self, vat_id: str) -> VatIdCheck:
        compact = eu_vat.compact(vat_id)
        body = json.dumps({"countryCode": compact[:2], "vatNumber": compact[2:]}).encode()
        request = urllib.request.Request(self._url, data=body, headers={"Content-Type": "application/json"}, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                answer = json.loads(response.read())
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            logger.warning("VIES did not answer", extra={"error": type(error).__name__})
            return VatIdCheck.UNCONFIRMED
        if answer.get("valid") is True:
            return VatIdCheck.CONFIRMED
        # A member state's service being down comes back as valid=false with userError MS_UNAVAILABLE, TIMEOUT...
        if answer.get("valid") is False and answer.get("userError", "INVALID") in ("VALID", "INVALID"):
            return VatIdCheck.NOT_REGISTERED
        return VatIdCheck.UNCONFIRMED


# The local stand-in's register: every well-formed VAT ID is registered except these, so the local stack
# and the tests can show a buyer VIES does not know (a check-digit-valid German number) and VIES down.
LOCAL_UNREGISTERED = frozenset({"DE111111125"})
LOCAL_UNANSWERED = frozenset({"FR40303265045"})


class LocalVies:
    """VIES as the local stack and the tests see it: no network, a fixed register."""

    def check(self, vat_id: str) -> VatIdCheck:
        compact = eu_vat.compact(vat_id)
        if compact in LOCAL_UNANSWERED:
            return VatIdCheck.UNCONFIRMED
        if compact in LOCAL_UNREGISTERED or vat_id_problem(compact):
            return VatIdCheck.NOT_REGISTERED
        return VatIdCheck.CONFIRMED
