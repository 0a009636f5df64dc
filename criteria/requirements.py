"""Requirement kinds. Each checks one condition of a criterion and says why, with the numbers."""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Protocol

from .model import DocumentType, InputSpec
from .text import Text, day, number, numbers

MET, NOT_MET, INCOMPLETE = "met", "not_met", "incomplete"


@dataclass(frozen=True)
class RequirementResult:
    status: str
    reason: Text


class Context(Protocol):
    """What a requirement reads while one criterion is evaluated (criteria.evaluator provides it)."""

    facts: Any  # criteria.Facts

    def spec(self, name: str) -> InputSpec: ...
    def value(self, name: str) -> Any: ...
    def attestation(self) -> Any: ...
    def document_type(self, code: str) -> DocumentType: ...
    def result_of(self, code: str) -> Any: ...


class Sample(Protocol):
    """Facts being gathered so that every requirement is met (criteria.samples provides it)."""

    values: dict

    def attest(self, criterion: str) -> None: ...
    def attach(self, document_type: str) -> None: ...


class SpecError(ValueError):
    """A requirement in a data file is malformed."""


def combine(statuses) -> str:
    """Not met if anything fails on complete data; else incomplete while anything is missing."""
    if NOT_MET in statuses:
        return NOT_MET
    if INCOMPLETE in statuses:
        return INCOMPLETE
    return MET


def _missing(*specs: InputSpec) -> RequirementResult:
    return RequirementResult(
        INCOMPLETE,
        Text("Chưa nhập: " + ", ".join(s.label.vi for s in specs), "Not entered: " + ", ".join(s.label.en for s in specs)),
    )


def _pct(value: Fraction, toward: str | None = None) -> Text:
    """A percentage with two decimals at most. `toward` "down" or "up" rounds that way instead of
    to the nearest, so that a figure shown beside a verdict never contradicts it (4.9995 % of a
    decrease that fails "at least 5 %" shows as 4,99 %, not 5 %)."""
    if toward is None:
        return numbers(float(value))
    scaled = value * 100
    whole = math.floor(scaled) if toward == "down" else math.ceil(scaled)
    return numbers(float(Fraction(whole, 100)))


class Requirement:
    kind: ClassVar[str]
    fields: ClassVar[tuple[str, ...]] = ()
    # Input names among the fields, validated against the data sheet by the loader.
    input_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, raw: dict):
        self.raw = raw
        unknown = set(raw) - set(self.fields) - {"kind", "interpretation", "label"}
        if unknown:
            raise SpecError(f"{self.kind}: unknown key(s) {', '.join(sorted(unknown))}")
        for name in self.fields:
            if name not in raw and name not in self.optional:
                raise SpecError(f"{self.kind}: missing key {name!r}")
        self.label = Text.parse(raw["label"]) if "label" in raw else None
        self.interpretation = Text.parse(raw["interpretation"]) if "interpretation" in raw else None

    optional: ClassVar[tuple[str, ...]] = ()

    def inputs(self) -> set[str]:
        return {self.raw[f] for f in self.input_fields}

    def nested(self) -> list[Requirement]:
        """Requirements inside this one (a conditional's branch)."""
        return []

    def to_dict(self) -> dict:
        return dict(self.raw)

    def check(self, ctx: Context) -> RequirementResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def sample(self, sample: Sample, criterion: str) -> None:
        """Add to `sample` facts under which this requirement is met (for demo data and tests).

        Requirements met through other criteria or other dossiers add nothing.
        """


# --- single-value rules ------------------------------------------------------------------------

_OPS = {
    "eq": (lambda v, t: v == t, "bằng", "equal to"),
    "ge": (lambda v, t: v >= t, "ít nhất", "at least"),
    "le": (lambda v, t: v <= t, "không quá", "at most"),
    "gt": (lambda v, t: v > t, "trên", "more than"),
    "lt": (lambda v, t: v < t, "dưới", "less than"),
}


class NumberRule(Requirement):
    """A count or percentage compared with a fixed number: {"input", "op", "value"}."""

    kind = "number"
    fields = ("input", "op", "value")
    input_fields = ("input",)
    _PASSING_STEP = {"eq": 0, "ge": 0, "le": 0, "gt": 1, "lt": -1}

    def sample(self, sample, criterion):
        sample.values.setdefault(self.raw["input"], max(self.raw["value"] + self._PASSING_STEP[self.raw["op"]], 0))

    def __init__(self, raw):
        super().__init__(raw)
        if raw["op"] not in _OPS:
            raise SpecError(f"number: op must be one of {', '.join(_OPS)}")
        if isinstance(raw["value"], bool) or not isinstance(raw["value"], (int, float)):
            raise SpecError("number: value must be a number")

    def check(self, ctx):
        spec = ctx.spec(self.raw["input"])
        value = ctx.value(spec.name)
        if value is None:
            return _missing(spec)
        test, op_vi, op_en = _OPS[self.raw["op"]]
        target = self.raw["value"]
        ok = test(value, target)
        return RequirementResult(
            MET if ok else NOT_MET,
            Text(
                f"{spec.label.vi}: {number(value, 'vi')} (yêu cầu {op_vi} {number(target, 'vi')})",
                f"{spec.label.en}: {number(value, 'en')} (required: {op_en} {number(target, 'en')})",
            ),
        )


def _yes_no_text(value: bool) -> Text:
    return Text("Có", "Yes") if value else Text("Không", "No")


class YesNoRule(Requirement):
    """A yes/no input that must have the given answer: {"input", "value"}."""

    kind = "yes_no"
    fields = ("input", "value")
    input_fields = ("input",)

    def sample(self, sample, criterion):
        sample.values.setdefault(self.raw["input"], self.raw["value"])

    def __init__(self, raw):
        super().__init__(raw)
        if not isinstance(raw["value"], bool):
            raise SpecError("yes_no: value must be true or false")

    def check(self, ctx):
        spec = ctx.spec(self.raw["input"])
        value = ctx.value(spec.name)
        if value is None:
            return _missing(spec)
        want = self.raw["value"]
        got, need = _yes_no_text(value), _yes_no_text(want)
        return RequirementResult(
            MET if value == want else NOT_MET,
            Text(f"{spec.label.vi}: {got.vi} (yêu cầu: {need.vi})", f"{spec.label.en}: {got.en} (required: {need.en})"),
        )


class RatingRule(Requirement):
    """An ordered rating at or above a level: {"input", "at_least"}."""

    kind = "rating"
    fields = ("input", "at_least")
    input_fields = ("input",)

    def sample(self, sample, criterion):
        sample.values.setdefault(self.raw["input"], self.raw["at_least"])

    def check(self, ctx):
        spec = ctx.spec(self.raw["input"])
        value = ctx.value(spec.name)
        if value is None:
            return _missing(spec)
        scale, need = spec.scale, self.raw["at_least"]
        ok = scale.rank(value) >= scale.rank(need)
        top = scale.rank(need) == len(scale.levels) - 1
        got_l, need_l = scale.label(value), scale.label(need)
        return RequirementResult(
            MET if ok else NOT_MET,
            Text(
                f"{spec.label.vi}: {got_l.vi} (yêu cầu: {need_l.vi}{'' if top else ' trở lên'})",
                f"{spec.label.en}: {got_l.en} (required: {need_l.en}{'' if top else ' or better'})",
            ),
        )


# --- comparisons with the previous year -------------------------------------------------------


class _PrevCur(Requirement):
    fields = ("prev", "cur")
    input_fields = ("prev", "cur")
    passing = (20, 19)  # (previous year, this year): down 5 %

    def sample(self, sample, criterion):
        sample.values.setdefault(self.raw["prev"], self.passing[0])
        sample.values.setdefault(self.raw["cur"], self.passing[1])

    def values(self, ctx):
        prev_spec, cur_spec = ctx.spec(self.raw["prev"]), ctx.spec(self.raw["cur"])
        prev, cur = ctx.value(prev_spec.name), ctx.value(cur_spec.name)
        missing = [s for s, v in ((prev_spec, prev), (cur_spec, cur)) if v is None]
        label = self.label or cur_spec.label
        return prev, cur, missing, label

    @staticmethod
    def change(prev: int, cur: int, met: bool | None = None) -> Text:
        """"(giảm 2,5%)" / "(tăng 12,5%)" / "(không đổi)"; a decrease that falls short of what is
        required (met False) is rounded down, never up to the figure it missed."""
        if prev == cur:
            return Text("không đổi", "unchanged")
        if prev == 0:
            return Text("tăng", "up")
        toward = "down" if met is False and cur < prev else None
        pct = _pct(abs(Fraction(prev - cur, prev)) * 100, toward)
        if cur < prev:
            return Text(f"giảm {pct.vi}%", f"down {pct.en}%")
        return Text(f"tăng {pct.vi}%", f"up {pct.en}%")


class Reduce5(_PrevCur):
    """"kéo giảm ít nhất 05%": cur <= 0.95 × prev; when prev = 0, cur must be 0."""

    kind = "reduce5"
    fields = ("prev", "cur", "pct")
    optional = ("pct",)

    def check(self, ctx):
        prev, cur, missing, label = self.values(ctx)
        if missing:
            return _missing(*missing)
        pct = Fraction(str(self.raw.get("pct", 5)))
        pct_t = _pct(pct)
        arrow = f"{number(prev, 'vi')} → {number(cur, 'vi')}", f"{number(prev, 'en')} → {number(cur, 'en')}"
        if prev == 0:
            ok = cur == 0
            return RequirementResult(
                MET if ok else NOT_MET,
                Text(
                    f"{label.vi}: {arrow[0]}; năm trước không có vụ nào nên năm nay phải không có vụ nào",
                    f"{label.en}: {arrow[1]}; none the year before, so none are allowed this year",
                ),
            )
        ok = cur * 100 <= prev * (100 - pct)
        most = prev * (100 - pct) // 100  # the largest count that is still down pct %
        change = self.change(prev, cur, ok)
        return RequirementResult(
            MET if ok else NOT_MET,
            Text(
                f"{label.vi}: {arrow[0]} ({change.vi}), yêu cầu giảm ít nhất {pct_t.vi}%: "
                f"không quá {number(int(most), 'vi')}",
                f"{label.en}: {arrow[1]} ({change.en}), required: down at least {pct_t.en}%: "
                f"at most {number(int(most), 'en')}",
            ),
        )


class NotUp(_PrevCur):
    """"được kiềm chế, giảm so với năm trước": cur <= prev."""

    kind = "not_up"

    def check(self, ctx):
        prev, cur, missing, label = self.values(ctx)
        if missing:
            return _missing(*missing)
        arrow = f"{number(prev, 'vi')} → {number(cur, 'vi')}", f"{number(prev, 'en')} → {number(cur, 'en')}"
        if cur < prev:
            verdict = Text("giảm", "reduced")
        elif cur == prev:
            verdict = Text("kiềm chế, không tăng", "held at the same level")
        else:
            verdict = Text("tăng, yêu cầu kiềm chế hoặc giảm so với năm trước", "up; required: held or reduced")
        return RequirementResult(
            MET if cur <= prev else NOT_MET,
            Text(f"{label.vi}: {arrow[0]} ({verdict.vi})", f"{label.en}: {arrow[1]} ({verdict.en})"),
        )


class Addicts(_PrevCur):
    """TC11: none; over 10 people, down at least 20 %; 1 to 10 people, down at least 2 (or to none)."""

    kind = "addicts"
    passing = (5, 3)

    def check(self, ctx):
        prev, cur, missing, label = self.values(ctx)
        if missing:
            return _missing(*missing)
        arrow = f"{number(prev, 'vi')} → {number(cur, 'vi')}", f"{number(prev, 'en')} → {number(cur, 'en')}"
        if prev == 0:
            ok = cur == 0
            rule = Text("năm trước không có người nghiện, năm nay phải không có", "none the year before, so none allowed")
        elif prev > 10:
            ok = cur * 10 <= prev * 8
            limit = (prev * 8) // 10
            rule = Text(
                f"trên 10 người phải giảm ít nhất 20% (còn tối đa {limit})",
                f"over 10 people: down at least 20% (at most {limit} left)",
            )
        else:
            limit = max(prev - 2, 0)
            ok = cur <= limit
            rule = Text(
                f"từ 10 người trở xuống phải giảm ít nhất 2 người (còn tối đa {limit})",
                f"10 people or fewer: down at least 2 people (at most {limit} left)",
            )
        return RequirementResult(
            MET if ok else NOT_MET,
            Text(
                f"{label.vi}: {arrow[0]} ({self.change(prev, cur, ok).vi}); {rule.vi}",
                f"{label.en}: {arrow[1]} ({self.change(prev, cur, ok).en}); {rule.en}",
            ),
        )


# --- shares -----------------------------------------------------------------------------------


class Full(Requirement):
    """"100%": part = total (a total of 0 is met)."""

    kind = "full"
    fields = ("part", "total")
    input_fields = ("part", "total")

    def sample(self, sample, criterion):
        total = sample.values.setdefault(self.raw["total"], 10)
        sample.values.setdefault(self.raw["part"], total)

    def check(self, ctx):
        part_spec, total_spec = ctx.spec(self.raw["part"]), ctx.spec(self.raw["total"])
        part, total = ctx.value(part_spec.name), ctx.value(total_spec.name)
        missing = [s for s, v in ((part_spec, part), (total_spec, total)) if v is None]
        if missing:
            return _missing(*missing)
        label = self.label or part_spec.label
        ok = part == total
        share = (Text("không có đối tượng nào", "none to count") if total == 0
                 else _pct(Fraction(part, total) * 100, None if ok else "down"))
        share_vi = share.vi if total == 0 else f"{share.vi}%"
        share_en = share.en if total == 0 else f"{share.en}%"
        return RequirementResult(
            MET if ok else NOT_MET,
            Text(
                f"{label.vi}: {number(part, 'vi')}/{number(total, 'vi')} ({share_vi}), yêu cầu 100%",
                f"{label.en}: {number(part, 'en')}/{number(total, 'en')} ({share_en}), required: 100%",
            ),
        )


class Recidivism(Requirement):
    """TC29: reoffended / released strictly below the limit (1.5 %); none released is met."""

    kind = "recidivism"
    fields = ("released", "reoffended", "below_pct")
    input_fields = ("released", "reoffended")

    def sample(self, sample, criterion):
        sample.values.setdefault(self.raw["released"], 100)
        sample.values.setdefault(self.raw["reoffended"], 1)

    def check(self, ctx):
        rel_spec, re_spec = ctx.spec(self.raw["released"]), ctx.spec(self.raw["reoffended"])
        released, reoffended = ctx.value(rel_spec.name), ctx.value(re_spec.name)
        missing = [s for s, v in ((rel_spec, released), (re_spec, reoffended)) if v is None]
        if missing:
            return _missing(*missing)
        limit = Fraction(str(self.raw["below_pct"]))
        limit_t = _pct(limit)
        label = self.label or Text("Tỷ lệ tái phạm", "Reoffending rate")
        if released == 0:
            return RequirementResult(
                MET,
                Text(f"{label.vi}: không có người được đặc xá, tha tù", f"{label.en}: nobody was released"),
            )
        rate = Fraction(reoffended, released) * 100
        rate_t = _pct(rate, "down" if rate < limit else None)  # 1,4999 % is below 1,5 %: never shown as 1,5 %
        return RequirementResult(
            MET if rate < limit else NOT_MET,
            Text(
                f"{label.vi}: {reoffended}/{released} = {rate_t.vi}%, yêu cầu dưới {limit_t.vi}%",
                f"{label.en}: {reoffended}/{released} = {rate_t.en}%, required: below {limit_t.en}%",
            ),
        )


# --- what people declare and attach ------------------------------------------------------------


class Attest(Requirement):
    """An officer declares the criterion met or not, with a note."""

    kind = "attest"

    def sample(self, sample, criterion):
        sample.attest(criterion)

    def check(self, ctx):
        attestation = ctx.attestation()
        if attestation is None:
            return RequirementResult(
                INCOMPLETE, Text("Chưa có xác nhận của cán bộ", "No officer's attestation yet")
            )
        note = f": {attestation.note}" if attestation.note else ""
        if attestation.met:
            return RequirementResult(MET, Text(f"Cán bộ xác nhận đạt{note}", f"Attested as met{note}"))
        return RequirementResult(NOT_MET, Text(f"Cán bộ xác nhận chưa đạt{note}", f"Attested as not met{note}"))


class DocumentRule(Requirement):
    """An attached document of a type; with in_q1, issued 1 January – 31 March of the dossier's year."""

    kind = "document"
    fields = ("type", "in_q1")
    optional = ("in_q1",)

    def sample(self, sample, criterion):
        sample.attach(self.raw["type"])

    def check(self, ctx):
        doc_type = ctx.document_type(self.raw["type"])
        documents = [d for d in ctx.facts.documents if d.type == doc_type.code]
        if not documents:
            return RequirementResult(
                INCOMPLETE, Text(f"Chưa đính kèm: {doc_type.label.vi}", f"Not attached: {doc_type.label.en}")
            )
        if not self.raw.get("in_q1"):
            return RequirementResult(
                MET,
                Text(f"Đã đính kèm: {doc_type.label.vi}", f"Attached: {doc_type.label.en}"),
            )
        year = ctx.facts.year
        dated = [d for d in documents if d.issued_on is not None]
        in_q1 = [d for d in dated if d.issued_on.year == year and d.issued_on.month <= 3]
        if in_q1:
            when = day(min(d.issued_on for d in in_q1))
            return RequirementResult(
                MET,
                Text(
                    f"{doc_type.label.vi} ban hành ngày {when}, trong quý I năm {year}",
                    f"{doc_type.label.en} issued on {when}, within the first quarter of {year}",
                ),
            )
        if not dated:
            return RequirementResult(
                INCOMPLETE,
                Text(f"{doc_type.label.vi}: chưa nhập ngày ban hành", f"{doc_type.label.en}: issue date not entered"),
            )
        when = ", ".join(day(d.issued_on) for d in sorted(dated, key=lambda d: d.issued_on))
        return RequirementResult(
            NOT_MET,
            Text(
                f"{doc_type.label.vi} ban hành ngày {when}, yêu cầu ban hành trong quý I năm {year} (01/01 – 31/03)",
                f"{doc_type.label.en} issued on {when}; required: within the first quarter of {year} (1 Jan – 31 Mar)",
            ),
        )


# --- criteria built from other criteria or other dossiers --------------------------------------


class Includes(Requirement):
    """The listed criteria of the same set are all met."""

    kind = "includes"
    fields = ("criteria",)

    def __init__(self, raw):
        super().__init__(raw)
        if not isinstance(raw["criteria"], list) or not raw["criteria"]:
            raise SpecError("includes: criteria must be a non-empty list of codes")

    def check(self, ctx):
        codes = self.raw["criteria"]
        results = {code: ctx.result_of(code) for code in codes}
        not_met = [c for c, r in results.items() if r.status == NOT_MET]
        incomplete = [c for c, r in results.items() if r.status == INCOMPLETE]
        listed = f"{codes[0]} – {codes[-1]}" if len(codes) > 2 else ", ".join(codes)
        if not not_met and not incomplete:
            return RequirementResult(MET, Text(f"Đạt đủ các tiêu chí {listed}", f"All of {listed} met"))
        parts_vi, parts_en = [], []
        if not_met:
            parts_vi.append("chưa đạt " + ", ".join(not_met))
            parts_en.append("not met: " + ", ".join(not_met))
        if incomplete:
            parts_vi.append("chưa đủ dữ liệu " + ", ".join(incomplete))
            parts_en.append("incomplete: " + ", ".join(incomplete))
        return RequirementResult(
            NOT_MET if not_met else INCOMPLETE,
            Text(f"Phải đạt các tiêu chí {listed}: " + "; ".join(parts_vi), f"{listed} must be met: " + "; ".join(parts_en)),
        )


class Aggregate(Requirement):
    """At least min_share_pct % (rounded up) of the district's xã hold a live recognition under `set`,
    or under a set that counts for it (the loader fills `counting`)."""

    kind = "aggregate"
    fields = ("set", "min_share_pct")

    def __init__(self, raw):
        super().__init__(raw)
        self.counting: tuple[str, ...] = (raw["set"],)

    def check(self, ctx):
        provider, unit_code = ctx.facts.aggregates, ctx.facts.unit_code
        set_code, share = self.raw["set"], self.raw["min_share_pct"]
        label = self.label or Text(set_code, set_code)
        if provider is None or unit_code is None:
            return RequirementResult(
                INCOMPLETE, Text(f"{label.vi}: chưa tính được số xã đạt", f"{label.en}: commune counts unavailable")
            )
        standing = provider.recognized_communes(unit_code, self.counting, ctx.facts.year)
        total = len(standing.communes)
        have = [c for c in standing.communes if c.code in standing.recognized]
        lacking = [c for c in standing.communes if c.code not in standing.recognized]
        if total == 0:
            return RequirementResult(
                NOT_MET, Text(f"{label.vi}: huyện không có xã nào để xét", f"{label.en}: the district has no xã")
            )
        needed = -(-share * total // 100)  # ceil without floating point
        ok = len(have) >= needed
        rule_vi = "tất cả" if share == 100 else f"ít nhất {needed} ({share}%, làm tròn lên)"
        rule_en = "all" if share == 100 else f"at least {needed} ({share}%, rounded up)"
        text_vi = f"{label.vi}: {len(have)}/{total} xã, yêu cầu {rule_vi}"
        text_en = f"{label.en}: {len(have)}/{total} communes, required: {rule_en}"
        if not ok and lacking:
            text_vi += "; chưa đạt: " + ", ".join(c.name for c in lacking)
            text_en += "; not yet: " + ", ".join(c.name for c in lacking)
        return RequirementResult(MET if ok else NOT_MET, Text(text_vi, text_en))


class When(Requirement):
    """Requirements that apply only when a yes/no input has a given answer: {"input", "equals", "then"}."""

    kind = "when"
    fields = ("input", "equals", "then")
    input_fields = ("input",)

    def __init__(self, raw):
        super().__init__(raw)
        if not isinstance(raw["equals"], bool):
            raise SpecError("when: equals must be true or false")
        if not isinstance(raw["then"], list) or not raw["then"]:
            raise SpecError("when: then must be a non-empty list of requirements")
        self.then = [build_requirement(r) for r in raw["then"]]

    def nested(self) -> list[Requirement]:
        return self.then

    def sample(self, sample, criterion):
        sample.values.setdefault(self.raw["input"], self.raw["equals"])
        for req in self.then:
            req.sample(sample, criterion)

    def inputs(self) -> set[str]:
        names = {self.raw["input"]}
        for req in self.then:
            names |= req.inputs()
        return names

    def check(self, ctx):
        spec = ctx.spec(self.raw["input"])
        value = ctx.value(spec.name)
        if value is None:
            return _missing(spec)
        answer = _yes_no_text(value)
        if value != self.raw["equals"]:
            return RequirementResult(
                MET,
                Text(f"{spec.label.vi}: {answer.vi}, nên không yêu cầu", f"{spec.label.en}: {answer.en}, so not required"),
            )
        results = [req.check(ctx) for req in self.then]
        return RequirementResult(
            combine([r.status for r in results]),
            Text(
                f"{spec.label.vi}: {answer.vi}; " + "; ".join(r.reason.vi for r in results),
                f"{spec.label.en}: {answer.en}; " + "; ".join(r.reason.en for r in results),
            ),
        )


KINDS: dict[str, type[Requirement]] = {
    cls.kind: cls
    for cls in (NumberRule, YesNoRule, RatingRule, Reduce5, NotUp, Addicts, Full, Recidivism, Attest,
                DocumentRule, Includes, Aggregate, When)
}


def build_requirement(raw: Any) -> Requirement:
    if not isinstance(raw, dict) or "kind" not in raw:
        raise SpecError("a requirement must be an object with a 'kind'")
    cls = KINDS.get(raw["kind"])
    if cls is None:
        raise SpecError(f"unknown requirement kind {raw['kind']!r} (known: {', '.join(KINDS)})")
    return cls(raw)
