"""Renders an invoice as a PDF with fpdf2."""

from __future__ import annotations

from welt.domain.invoice import InvoiceDocument


def _money(cents: int | None, currency: str) -> str:
    if cents is None:
        return ""
    return f"{currency} {cents // 100:,}.{cents % 100:02d}"


def _latin1(text: str) -> str:
    # The core fonts are Latin-1; anything else is shown as '?' rather than failing the download.
    return text.encode("latin-1", "replace").decode("latin-1")


def render_invoice(invoice: InvoiceDocument, compress: bool = True) -> bytes:
    """The invoice's PDF: the same invoice always gives the same bytes, whoever downloads it and when."""
    # Imported here: fpdf2 takes a second to import, and only invoice downloads need it (cold starts).
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_author(invoice.seller.name)
    # fpdf2 stamps the render time and derives the file ID from it; the issue date keeps the bytes stable.
    pdf.set_creation_date(invoice.issued_at)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(f"Invoice {invoice.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, f"Date: {invoice.issued_at.date().isoformat()}    Payment: {invoice.payment_id}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    top = pdf.get_y()
    seller = [invoice.seller.name, *invoice.seller.address, f"VAT ID: {invoice.seller.vat_id}", invoice.seller.email]
    buyer = invoice.buyer
    address = buyer.address
    buyer_lines = [
        buyer.company or buyer.name,
        buyer.name if buyer.company else "",
        address.line1,
        address.line2 or "",
        f"{address.postal_code} {address.city}",
        address.region or "",
        address.country,
        f"VAT ID: {buyer.vat_id}" if buyer.vat_id else "",
        buyer.email,
    ]
    for x, title, block in ((10, "Seller", seller), (110, "Bill to", [text for text in buyer_lines if text])):
        pdf.set_xy(x, top)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(90, 6, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        for text in block:
            pdf.set_x(x)
            pdf.cell(90, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + 55))
    pdf.ln(4)

    with pdf.table(col_widths=(100, 20, 35, 35), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row(["Description", "Qty", "Unit price", "Amount"])
        for line in invoice.lines:
            table.row(
                [
                    _latin1(line.description),
                    str(line.quantity),
                    _money(line.unit_price, invoice.currency),
                    _money(line.amount, invoice.currency),
                ]
            )
    pdf.ln(4)
    for label, amount in (
        ("Manufacturing", invoice.manufacturing),
        ("Shipping", invoice.shipping),
        ("Customization", invoice.customization),
        ("Total", invoice.total),
    ):
        pdf.set_font("Helvetica", "B" if label == "Total" else "", 10)
        pdf.cell(155, 6, label, align="R")
        pdf.cell(35, 6, _money(amount, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(
        0, 4, "Paid in full by card. Prices in euro cents rounded per pair. Intra-EU B2B supplies with a valid VAT ID: reverse charge."
    )
    return bytes(pdf.output())
