"""Check values for a set's data sheet: the web forms and the API both go through here."""
from __future__ import annotations

from typing import Any, Mapping

from .model import CriteriaSet, InputError
from .text import Text


def validate_values(
    cset: CriteriaSet, raw: Mapping[str, Any], current: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Text]]:
    """Return (clean values, errors by field). `current` holds the values already saved,
    so that a part is checked against a whole that is not in this change."""
    clean: dict[str, Any] = {}
    errors: dict[str, Text] = {}
    for name, value in raw.items():
        spec = cset.inputs.get(name)
        if spec is None:
            errors[name] = Text("không phải là trường của bộ tiêu chí này", "is not a field of this criteria set")
            continue
        try:
            clean[name] = spec.coerce(value)
        except InputError as exc:
            errors[name] = Text(f"{spec.label.vi}: {exc.text.vi}", f"{spec.label.en}: {exc.text.en}")
    merged = {**(current or {}), **clean}
    for spec in cset.inputs.values():
        if not spec.at_most or (spec.name not in clean and spec.at_most not in clean):
            continue
        part, total = merged.get(spec.name), merged.get(spec.at_most)
        if part is None or total is None or part <= total:
            continue
        whole = cset.inputs[spec.at_most]
        if spec.name in clean:  # the part changed: it may not exceed its whole
            errors[spec.name] = Text(
                f"{spec.label.vi}: {part} lớn hơn {whole.label.vi.lower()} ({total})",
                f"{spec.label.en}: {part} is more than {whole.label.en.lower()} ({total})",
            )
        else:  # the whole was lowered below a part already saved
            errors[whole.name] = Text(
                f"{whole.label.vi}: {total} nhỏ hơn {spec.label.vi.lower()} ({part})",
                f"{whole.label.en}: {total} is less than {spec.label.en.lower()} ({part})",
            )
    return clean, errors
