"""A document as .docx (python-docx), from the same model as the PDF."""
from __future__ import annotations

import io

from docx import Document as Docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from .model import Document, Heading, Paragraph, Table

FONT = "Liberation Serif"  # metric-compatible with Times New Roman; every Vietnamese diacritic


def _run(paragraph, text: str, *, bold=False, italic=False, size=13, upper=False):
    run = paragraph.add_run(text.upper() if upper else text)
    run.bold, run.italic, run.font.size, run.font.name = bold, italic, Pt(size), FONT
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return run


def _centered(cell_or_doc, text: str, **kw):
    p = cell_or_doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(0)
    _run(p, text, **kw)
    return p


def _borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "4")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def write(document: Document) -> bytes:
    """The document as .docx, for an office to edit (number it, adjust it) before signing."""
    out = Docx()
    section = out.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = out.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)

    head = out.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    left.width, right.width = Cm(7), Cm(9.5)
    left.paragraphs[0].text = ""
    _centered(left, document.superior, size=13, upper=True)
    _centered(left, document.issuer, bold=True, size=13)
    _centered(left, document.number_line, size=13)
    if not document.kind:
        _centered(left, document.summary, size=12)
    _centered(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12)
    _centered(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13)
    _centered(right, document.dated_line, italic=True, size=13)

    if document.kind:
        _centered(out, document.kind, bold=True, size=14).paragraph_format.space_before = Pt(12)
        _centered(out, document.summary, bold=True, size=13).paragraph_format.space_after = Pt(12)
    for block in document.body:
        if isinstance(block, Heading):
            _run(out.add_paragraph(), block.text, bold=True)
        elif isinstance(block, Paragraph):
            p = out.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            if block.indent:
                p.paragraph_format.first_line_indent = Cm(1.27)
            _run(p, block.text, bold=block.bold, italic=block.italic)
        elif isinstance(block, Table):
            table = out.add_table(rows=1, cols=len(block.headers))
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            _borders(table)
            for cell, text in zip(table.rows[0].cells, block.headers):
                _run(cell.paragraphs[0], text, bold=True, size=11)
            for row in block.rows + ([block.total] if block.total else []):
                cells = table.add_row().cells
                for cell, text in zip(cells, row):
                    _run(cell.paragraphs[0], text, size=11, bold=row is block.total)
            total = sum(block.widths)
            for row in table.rows:
                for cell, width in zip(row.cells, block.widths):
                    cell.width = Cm(16.5 * width / total)

    foot = out.add_table(rows=1, cols=2)
    recipients, signers = foot.rows[0].cells
    _run(recipients.paragraphs[0], "Nơi nhận:", bold=True, italic=True, size=12)
    for line in document.recipients:
        _run(recipients.add_paragraph(), f"- {line}", size=11)
    signers.paragraphs[0].text = ""
    for signer in document.signers:
        _centered(signers, signer.title, bold=True)
        for _ in range(3):
            signers.add_paragraph()
        _centered(signers, signer.name, bold=True)
        _centered(signers, signer.note, italic=True, size=10)
    if document.seal:
        _run(out.add_paragraph(), f"Mã niêm phong nhật ký: {document.seal}. Kiểm tra: {document.check_url}",
             italic=True, size=9)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
