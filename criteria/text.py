"""Bilingual text for reasons and labels: Vietnamese first, English second (no Flask here)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Text:
    vi: str
    en: str

    def get(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi

    def __str__(self) -> str:
        return self.vi

    def to_dict(self) -> dict:
        return {"vi": self.vi, "en": self.en}

    @classmethod
    def parse(cls, raw) -> "Text":
        """Read {"vi": ..., "en": ...}; a bare string serves both languages."""
        if isinstance(raw, str):
            return cls(raw, raw)
        return cls(raw["vi"], raw.get("en") or raw["vi"])

    @classmethod
    def join(cls, parts: list["Text"], sep: str = "; ") -> "Text":
        return cls(sep.join(p.vi for p in parts), sep.join(p.en for p in parts))


def number(value, lang: str) -> str:
    """2.5 -> "2,5" in Vietnamese, "2.5" in English; at most two decimals, no trailing zeros."""
    if type(value) is int and -1000 < value < 1000:  # the common case, on the evaluator's hot path
        return str(value)
    if isinstance(value, bool):
        raise TypeError("a yes/no value is not a number")
    if isinstance(value, int):
        text = f"{value:,}"
        return text.replace(",", ".") if lang == "vi" else text
    rounded = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "vi" else text


def numbers(value) -> Text:
    return Text(number(value, "vi"), number(value, "en"))


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")
