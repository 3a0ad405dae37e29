"""Renders an invoice as a PDF with fpdf2, AEAT's QR code drawn as vector squares from segno's matrix.

Drawing the modules as rectangles needs no imaging library (Pillow), so the QR survives a slimmed package:
fpdf2's core fonts and `rect` are all the PDF needs.
"""

from __future__ import annotations

from welt.domain.invoice import InvoiceDocument

# AEAT asks for a QR between 30 x 30 and 40 x 40 mm, error correction level M, with a clear margin around it.
QR_SIDE_MM = 35.0
QR_QUIET_ZONE_MODULES = 4


def _money(cents: int | None, currency: str) -> str:
    if cents is None:
        return ""
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{currency} {sign}{cents // 100:,}.{cents % 100:02d}"


def _latin1(text: str) -> str:
    # The core fonts are Latin-1; anything else is shown as '?' rather than failing the download.
    return text.encode("latin-1", "replace").decode("latin-1")


def draw_qr(pdf: object, text: str, x: float, y: float, side: float = QR_SIDE_MM) -> None:
    """The QR code of `text` at (x, y), `side` mm wide, each run of dark modules in a row one filled rectangle."""
    import segno

    code = segno.make(text, error="m", boost_error=False)
    matrix = code.matrix
    module = side / len(matrix)
    pdf.set_fill_color(0, 0, 0)  # type: ignore[attr-defined]
    for row, modules in enumerate(matrix):
        column = 0
        while column < len(modules):
            if not modules[column]:
                column += 1
                continue
            start = column
            while column < len(modules) and modules[column]:
                column += 1
            pdf.rect(x + start * module, y + row * module, (column - start) * module, module, style="F")  # type: ignore[attr-defined]


def render_invoice(invoice: InvoiceDocument, compress: bool = True) -> bytes:
    """The invoice's PDF: the same invoice always gives the same bytes, whoever downloads it and when."""
    # Imported here: fpdf2 takes a second to import, and only invoice downloads need it (cold starts).
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_title(f"{'Rectifying invoice' if invoice.corrects else 'Invoice'} {invoice.number}")
    pdf.set_author(invoice.seller.name)
    # fpdf2 stamps the render time and derives the file ID from it; the issue date keeps the bytes stable.
    pdf.set_creation_date(invoice.issued_at)
    pdf.add_page()
    # AEAT: the QR code first, before the invoice's content, with the VERI*FACTU legend beside it.
    draw_qr(pdf, invoice.verification_url, 10, 10)
    pdf.set_xy(10, 10 + QR_SIDE_MM + 1)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(QR_SIDE_MM, 4, "VERI*FACTU", align="C")
    pdf.set_xy(52, 10)
    pdf.set_font("Helvetica", "B", 16)
    title = "Rectifying invoice" if invoice.invoice_type.value.startswith("R") else "Invoice"
    pdf.cell(0, 10, _latin1(f"{title} {invoice.number}"), new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, f"Date: {invoice.issued_on:%d-%m-%Y}    Type: {invoice.invoice_type.value}", new_x="LEFT", new_y="NEXT")
    pdf.cell(0, 6, f"Payment: {invoice.payment_id}", new_x="LEFT", new_y="NEXT")
    if invoice.corrects and invoice.corrects_issued_on:
        pdf.cell(0, 6, f"Rectifies invoice {invoice.corrects} of {invoice.corrects_issued_on:%d-%m-%Y}", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    pdf.cell(0, 5, "Invoice verifiable at AEAT's electronic office (VERI*FACTU).", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(10 + QR_SIDE_MM + 8)

    top = pdf.get_y()
    seller = [
        invoice.seller.name,
        *invoice.seller.address,
        f"NIF: {invoice.seller.nif}",
        f"VAT ID: {invoice.seller.vat_id}",
        invoice.seller.email,
    ]
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
    parts = (
        []
        if invoice.corrects
        else [("Manufacturing", invoice.manufacturing), ("Shipping", invoice.shipping), ("Customization", invoice.customization)]
    )
    for label, amount in (
        *parts,
        ("Net (taxable base)", invoice.net),
        (f"IVA {invoice.vat_rate_percent}%", invoice.vat),
        ("Total", invoice.total),
    ):
        pdf.set_font("Helvetica", "B" if label == "Total" else "", 10)
        pdf.cell(155, 6, label, align="R")
        pdf.cell(35, 6, _money(amount, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", size=8)
    if invoice.vat_note:
        pdf.set_font("Helvetica", "B", 9)
        pdf.multi_cell(0, 4, _latin1(invoice.vat_note), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=8)
    if invoice.corrects and invoice.corrects_issued_on:
        # The rectifying invoice's legal mention (art. 15 of the invoicing regulation, RD 1619/2012): that it
        # rectifies, which invoice, why, and that it states the difference.
        pdf.multi_cell(
            0,
            4,
            f"Rectifying invoice by differences (R1) of invoice {invoice.corrects} of {invoice.corrects_issued_on:%d-%m-%Y}: "
            "the amount refunded lowers the taxable base (art. 80 Ley 37/1992). Refunded to the card that paid.",
        )
    else:
        pdf.multi_cell(0, 4, "Paid in full by card. Prices rounded per pair; IVA computed on the net and rounded half up to the cent.")
    return bytes(pdf.output())
