"""JSON as the audit trail seals it: sorted keys, no spaces, text as it is (UTF-8)."""
from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
