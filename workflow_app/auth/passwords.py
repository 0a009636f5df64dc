"""Which passwords are accepted: long enough, and not easy to guess (zxcvbn's estimate), with
the reason in the user's language when one is refused."""
from __future__ import annotations

from flask_babel import gettext as _

from ..errors import ValidationFailed
from ..units.operations import search_key

MIN_LENGTH = 8
# zxcvbn scores 0–4; below 2 a password falls to an offline guess in well under a day, and the
# lists it checks hold the passwords that are tried first ("12345678", "password", …).
MIN_SCORE = 2
# Words anyone would try against this application, besides the user's own name and unit.
CONTEXT_WORDS = ["antt", "congan", "anninh", "trattu", "pv05", "travinh", "canbo", "demo", "matkhau"]


def check_password(password: str, *, username: str = "", full_name: str = "", unit_name: str = "") -> None:
    """Refuse a password that is short, or easy to guess for who it belongs to; say why."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(_("The password must have at least %(n)d characters.", n=MIN_LENGTH), field="password")
    if username and username.lower() in password.lower():
        raise ValidationFailed(_("The password must not contain the username."), field="password")
    personal = set()
    for text in (username, full_name, unit_name):
        folded = search_key(text)  # officers type their names without accents too
        personal |= {text, folded, folded.replace(" ", ""), *folded.split()}
    personal = sorted(w for w in personal if len(w) > 2)
    # Its dictionaries hold about 12 MB: loaded by the first password checked, not by every worker.
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password[:100], user_inputs=personal + CONTEXT_WORDS)
    if estimate["score"] >= MIN_SCORE:
        return
    raise ValidationFailed(
        _("This password is too easy to guess: %(why)s. Use a few words joined together, "
          "for example “chuyen-an-ninh-xom-7”.", why=_reason(estimate["sequence"])),
        field="password",
    )


def _reason(matches: list[dict]) -> str:
    patterns = {m.get("pattern") for m in matches}
    dictionaries = {m.get("dictionary_name") for m in matches if m.get("pattern") == "dictionary"}
    if "user_inputs" in dictionaries:
        return _("it contains your name, your unit or the name of the application")
    if "passwords" in dictionaries:
        return _("it is, or is built on, a commonly used password")
    if "repeat" in patterns:
        return _("it repeats the same characters")
    if "sequence" in patterns:
        return _("it is a sequence such as 1234 or abcd")
    if "spatial" in patterns:
        return _("it follows the keys of the keyboard")
    if "date" in patterns or "regex" in patterns:
        return _("it is mostly a date or a year")
    return _("it is made of common words")
