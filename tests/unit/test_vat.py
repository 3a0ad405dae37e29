"""Which IVA a sale carries: by where the shoes go and who buys them (Ley 37/1992)."""

from decimal import Decimal

import pytest

from welt.domain.vat import VatIdCheck, VatTreatment, vat_id_problem, vat_on, vat_rule

CONFIRMED = VatIdCheck.CONFIRMED


@pytest.mark.parametrize(
    ("country", "postal_code", "vat_id", "check", "treatment", "rate"),
    [
        ("ES", "03203", None, None, VatTreatment.DOMESTIC, 21),  # Elche, peninsula
        ("ES", "07001", "ESB03999992", CONFIRMED, VatTreatment.DOMESTIC, 21),  # Palma, Balearics
        ("DE", "10115", "DE136695976", CONFIRMED, VatTreatment.INTRA_COMMUNITY, 0),
        ("GR", "10431", "EL094259216", CONFIRMED, VatTreatment.INTRA_COMMUNITY, 0),  # Greece's prefix is EL
        ("US", "10001", None, None, VatTreatment.EXPORT, 0),
        ("CH", "8001", "DE136695976", CONFIRMED, VatTreatment.EXPORT, 0),
        ("ES", "35001", None, None, VatTreatment.EXPORT, 0),  # Las Palmas de Gran Canaria
        ("ES", "38001", None, None, VatTreatment.EXPORT, 0),  # Santa Cruz de Tenerife
        ("ES", "51001", None, None, VatTreatment.EXPORT, 0),  # Ceuta
        ("ES", "52001", None, None, VatTreatment.EXPORT, 0),  # Melilla
        ("DE", "10115", None, None, VatTreatment.EU_WITHOUT_VAT_ID, 21),
        ("DE", "10115", "DE136695976", VatIdCheck.NOT_REGISTERED, VatTreatment.EU_WITHOUT_VAT_ID, 21),
        ("DE", "10115", "DE136695976", VatIdCheck.UNCONFIRMED, VatTreatment.EU_WITHOUT_VAT_ID, 21),
        ("DE", "10115", "FR40303265045", CONFIRMED, VatTreatment.EU_WITHOUT_VAT_ID, 21),  # VAT ID of another state
    ],
)
def test_rule_follows_destination_and_buyer(country, postal_code, vat_id, check, treatment, rate):
    rule = vat_rule(country, postal_code, vat_id, check)
    assert rule.treatment is treatment
    assert rule.rate_percent == Decimal(rate)
    assert (rule.note is None) == (rate != 0)


def test_exemptions_name_their_article():
    assert "art. 25 Ley 37/1992" in (vat_rule("DE", "10115", "DE136695976", CONFIRMED).note or "")
    assert "art. 21 Ley 37/1992" in (vat_rule("US", "10001", None, None).note or "")


@pytest.mark.parametrize(("net", "vat"), [(10000, 2100), (1, 0), (3, 1), (50, 11), (12345, 2592), (0, 0)])
def test_vat_is_rounded_half_up_to_the_cent(net, vat):
    # 3 x 0.21 = 0.63 -> 1; 50 x 0.21 = 10.5 -> 11; 12345 x 0.21 = 2592.45 -> 2592
    assert vat_on(net, Decimal(21)) == vat


@pytest.mark.parametrize("vat_id", ["DE136695976", "ESB03999992", "EL094259216", "FR40303265045"])
def test_well_formed_vat_ids_pass(vat_id):
    assert vat_id_problem(vat_id) is None


@pytest.mark.parametrize("vat_id", ["DE136695977", "ES12345", "XX123456789", "GB980780684", "not a vat id"])
def test_malformed_vat_ids_are_refused_with_a_reason(vat_id):
    assert vat_id_problem(vat_id)
