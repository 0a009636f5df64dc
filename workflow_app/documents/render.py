"""A document as PDF (WeasyPrint, fonts embedded, A4) and as .docx (python-docx), from one model."""
from __future__ import annotations

from flask import render_template

from .model import Document

# The renderers' libraries are loaded on first use: a worker that never prints stays small.


def qr_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=1)


def pdf(document: Document) -> bytes:
    from weasyprint import HTML  # loaded on first use: it brings pango

    html = render_template("documents/record.html", doc=document,
                           qr=qr_data_uri(document.check_url) if document.check_url else None)
    return HTML(string=html).write_pdf()


def docx(document: Document) -> bytes:
    """The same document, for an office to edit (number it, adjust it) before signing."""
    from .word import write

    return write(document)
