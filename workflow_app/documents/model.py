"""A Vietnamese administrative document as data (layout of Nghị định 30/2020/NĐ-CP, Phụ lục I):
the issuing body, number and symbol, place and date, type and summary, body, signature blocks and
"Nơi nhận". One model, two renderings (PDF and .docx)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Unit names begin with their type; a document's place is the name without it ("Mỹ Cẩm").
UNIT_TYPE_WORDS = ("Thành phố", "Thị trấn", "Thị xã", "Huyện", "Phường", "Tỉnh", "Quận", "Xã")


def place_name(unit_name: str) -> str:
    for word in UNIT_TYPE_WORDS:
        if unit_name.startswith(word + " "):
            return unit_name[len(word) + 1:]
    return unit_name


def dated(place: str, day: date) -> str:
    """"Trà Vinh, ngày 05 tháng 02 năm 2024": days below 10 and the months 1 and 2 take a leading
    zero, the other months do not (Nghị định 30/2020/NĐ-CP, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


@dataclass
class Paragraph:
    text: str
    bold: bool = False
    italic: bool = False
    indent: bool = True  # the body's first-line indent


@dataclass
class Heading:
    text: str


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[int]  # relative column widths
    total: list[str] | None = None  # a closing row in bold


@dataclass
class Signer:
    title: str  # "TRƯỞNG CÔNG AN XÃ", upper case
    name: str
    note: str = ""  # "Ký ngày 15/03/2025 (nhật ký số 124)"


@dataclass
class Document:
    superior: str  # "CÔNG AN HUYỆN CÀNG LONG"
    issuer: str  # "CÔNG AN XÃ MỸ CẨM"
    symbol: str  # the part after the number: "BC-CAX"
    place: str
    day: date
    kind: str  # "BÁO CÁO", "BIÊN BẢN"; empty for a letter (công văn)
    summary: str
    body: list[Paragraph | Heading | Table] = field(default_factory=list)
    signers: list[Signer] = field(default_factory=list)  # right-most last
    recipients: list[str] = field(default_factory=list)
    seal: str = ""  # the audit seal the document reflects, as printed
    check_url: str = ""  # where its QR code leads
    draft: bool = False  # not yet sealed by a step of the process

    @property
    def number_line(self) -> str:
        return f"Số:        /{self.symbol}"

    @property
    def dated_line(self) -> str:
        return dated(self.place, self.day)

    @property
    def file_stem(self) -> str:
        return self.summary
