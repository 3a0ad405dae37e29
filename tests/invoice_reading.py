"""Reads an invoice PDF as a person (or AEAT's app) would: its page rendered to pixels, the QR code scanned."""

from __future__ import annotations

import pypdfium2
import zxingcpp


def qr_codes_in(pdf: bytes, scale: float = 4.0) -> list[str]:
    """The text of every QR code on the PDF's first page, rendered at `scale` x 72 dpi."""
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    bitmap = page.render(scale=scale, grayscale=True)
    # PDFium's objects are closed child first: the pixels are copied out before the bitmap goes.
    pixels = bitmap.to_numpy().copy()
    bitmap.close()
    page.close()
    document.close()
    return [found.text for found in zxingcpp.read_barcodes(pixels) if found.format == zxingcpp.BarcodeFormat.QRCode]


def page_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    text_page = page.get_textpage()
    text = str(text_page.get_text_range())
    text_page.close()
    page.close()
    document.close()
    return text
