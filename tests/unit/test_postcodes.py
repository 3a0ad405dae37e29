"""Postcodes are checked against their country's format, from a table kept equal to Google's address data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from welt.domain.addresses import STORED
from welt.domain.model import PostalAddress
from welt.domain.postcodes import postcode_problem

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from postcodes import TABLE, postcode_formats  # noqa: E402


def test_the_committed_table_equals_the_librarys_data():
    assert json.loads(TABLE.read_text()) == postcode_formats()


@pytest.mark.parametrize(
    ("country", "postal_code"),
    [("ES", "03201"), ("DE", "10119"), ("GB", "sw1a 1aa"), ("NL", "1234 AB"), ("US", "22162-1010"), ("HK", "anything")],
)
def test_a_postcode_in_its_countrys_shape_passes(country, postal_code):
    assert postcode_problem(country, postal_code) is None


@pytest.mark.parametrize(
    ("country", "postal_code", "example"),
    [("DE", "ABCDEFGHIJK", "26133"), ("ES", "2803", "28039"), ("NL", "10119", "1234 AB"), ("US", "9501", "95014")],
)
def test_a_postcode_out_of_shape_names_the_country_and_an_example(country, postal_code, example):
    assert postcode_problem(country, postal_code) == f"must be a postcode of {country}, such as {example}"


def test_an_address_refuses_its_postcode_at_the_postcode_field():
    address = {"line1": "Hauptstraße 1", "city": "Berlin", "country": "DE", "postal_code": "ABCDEFGHIJK"}
    with pytest.raises(ValidationError) as refused:
        PostalAddress.model_validate(address)
    [problem] = refused.value.errors()
    assert problem["loc"] == ("postal_code",)
    assert problem["msg"] == "must be a postcode of DE, such as 26133"


def test_an_address_with_a_refused_country_is_not_also_refused_for_its_postcode():
    with pytest.raises(ValidationError) as refused:
        PostalAddress.model_validate({"line1": "Calle 1", "city": "Elche", "country": "XX", "postal_code": "03201"})
    assert [problem["loc"] for problem in refused.value.errors()] == [("country",)]


def test_a_stored_address_is_read_as_it_was_written_even_if_the_format_has_tightened_since():
    stored = {"line1": "Hauptstraße 1", "city": "Berlin", "country": "DE", "postal_code": "1011"}
    assert PostalAddress.model_validate(stored, context=STORED).postal_code == "1011"
