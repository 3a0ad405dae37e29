"""Addresses take the officially assigned ISO 3166-1 alpha-2 codes: Welt's own table, kept equal to pycountry's."""

from __future__ import annotations

import pycountry
import pytest
from pydantic import ValidationError

from welt.domain.countries import COUNTRY_CODES
from welt.domain.model import PostalAddress


def test_the_table_is_iso_3166_1_as_pycountry_has_it() -> None:
    assert {country.alpha_2 for country in pycountry.countries} == COUNTRY_CODES


POSTCODES = {"DE": "10119", "ES": "03201", "GB": "SW1A 1AA", "US": "95014", "JP": "100-0001", "AX": "22100", "ZW": "any"}


@pytest.mark.parametrize(("code", "postal_code"), POSTCODES.items())
def test_an_address_takes_an_assigned_code(code: str, postal_code: str) -> None:
    assert PostalAddress(line1="Calle Mayor 1", city="Elche", postal_code=postal_code, country=code).country == code


@pytest.mark.parametrize("code", ["XX", "UK", "EU", "ZZ", "XK"])
def test_an_address_refuses_a_code_that_is_not_assigned(code: str) -> None:
    with pytest.raises(ValidationError, match="ISO 3166-1"):
        PostalAddress(line1="Calle Mayor 1", city="Elche", postal_code="03201", country=code)
