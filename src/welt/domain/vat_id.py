"""EU VAT IDs: the one check of their format and check digits (python-stdnum), for brands and whoever else needs it."""

from __future__ import annotations


def vat_id_problem(vat_id: str) -> str | None:
    """Why `vat_id` is not a well-formed EU VAT ID (country prefix, format, check digits), or None when it is.

    Well-formed is not registered: whether the number is live in VIES is another question, asked elsewhere.
    """
    # Loaded on first use: stdnum's country modules are not needed by a cold start.
    from stdnum.eu import vat
    from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

    reasons: list[tuple[type[ValidationError], str]] = [
        (InvalidComponent, "must start with an EU country prefix such as ES or DE"),
        (InvalidLength, "has the wrong length for its country"),
        (InvalidChecksum, "has wrong check digits; check it for a typing error"),
        (InvalidFormat, "is not in its country's VAT ID format"),
    ]
    try:
        vat.validate(vat_id)
    except ValidationError as error:
        return next((reason for kind, reason in reasons if isinstance(error, kind)), "is not a valid EU VAT ID")
    return None


def compact_vat_id(vat_id: str) -> str:
    """The VAT ID as stored and printed: upper case, no spaces, dots or dashes (`es b-12345674` -> `ESB12345674`)."""
    from stdnum.eu import vat

    return str(vat.compact(vat_id))
