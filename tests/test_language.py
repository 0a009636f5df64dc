"""No English on a Vietnamese page: every page of every role, and the refusals, in Vietnamese."""
import html as html_lib
import re
from datetime import date
from pathlib import Path

import pytest

from .conftest import TEST_PASSWORD

COMMUNE = "29269"
# English words that no Vietnamese page text contains (Vietnamese words without accents, such as
# "an", "in", "to" or "ban", are left out on purpose).
ENGLISH = {"the", "this", "that", "please", "must", "field", "required", "valid", "invalid", "value", "number",
           "between", "characters", "access", "page", "token", "missing", "choice", "recognized", "should",
           "your", "you", "and", "of", "for", "with", "not", "is", "are", "log", "date", "integer", "request",
           "error", "found", "allowed", "submit", "save", "cancel", "dossier", "district", "commune", "criteria"}
KEPT = re.compile(r"<(script|style)\b.*?</\1>|<pre\b.*?</pre>", re.S)  # diagram source and code are not prose


def english_in(page: str) -> list[str]:
    text = KEPT.sub(" ", page)
    text = re.sub(r'<a [^>]*href="/lang/en[^"]*"[^>]*>.*?</a>', " ", text, flags=re.S)  # the switch to English
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", text))
    # "commune_officer" or "commune1" is a name (a login), not English words
    words = [w for w in re.findall(r"[A-Za-z0-9_]+", text) if w.isalpha()]
    return sorted({w for w in words if w.lower() in ENGLISH})


@pytest.fixture
def everyone(people, make_dossier):
    make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    make_dossier(COMMUNE, "xa-dien-hinh-antt", "draft")
    make_dossier("844", "huyen-ntm-9.4", "draft")
    return people


def signed_in(app, user):
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    return client


def pages_of(role):
    common = ["/", "/dossiers/", "/dossiers/?year=1999", "/dossiers/1", "/dossiers/2", "/dossiers/99999"]
    return common + {
        "commune_officer": ["/dossiers/new", "/reports/dashboard"],
        "district_officer": ["/dossiers/3", "/dossiers/new"],
        "pv05_officer": ["/reports/dashboard?year=2024", "/audit/", "/audit/?since=31/02/2024", "/audit/verify"],
        "inspector": ["/audit/?dossier=x", "/audit/verify"],
        "admin": ["/admin/users", "/admin/users/new"],
    }[role]


@pytest.mark.parametrize("role", ["commune_officer", "district_officer", "pv05_officer", "inspector", "admin"])
def test_every_page_of_every_role_is_in_vietnamese(app, everyone, role):
    client = signed_in(app, everyone[role])
    for path in pages_of(role):
        page = client.get(path).get_data(as_text=True)
        assert english_in(page) == [], path


def test_refusals_are_in_vietnamese(app, everyone):
    anonymous = app.test_client()
    page = anonymous.get("/dossiers/", follow_redirects=True).get_data(as_text=True)
    assert "Hãy đăng nhập để vào trang này." in page and english_in(page) == []
    assert english_in(anonymous.post("/login", data={}).get_data(as_text=True)) == []
    commune = signed_in(app, everyone["commune_officer"])
    for path, data in [("/dossiers/new", {"criteria_set": "xa-ntm-19.2", "year": "hai nghìn"}),
                       ("/dossiers/new", {"criteria_set": "xa-ntm-19.2", "year": "1999"}),
                       ("/dossiers/2/evidence", {"document_type": "ke_hoach_nam_tinh_hinh", "issued_on": "15/13/2025"}),
                       ("/dossiers/2/transitions/withdraw", {"version": "1", "comment": ""})]:
        assert english_in(commune.post(path, data=data).get_data(as_text=True)) == [], path
    admin = signed_in(app, everyone["admin"])
    page = admin.post("/admin/users/new", data={"username": "", "full_name": "", "password": "123"}).get_data(as_text=True)
    assert "Trường này không được để trống." in page and english_in(page) == []


def test_a_form_without_its_csrf_token_is_refused_in_vietnamese(app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = app.test_client().post("/login", data={"username": "x", "password": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Thiếu mã bảo vệ biểu mẫu" in page and english_in(page) == []


def test_the_detector_finds_english():
    assert english_in("<p>This field is required.</p>") == ["This", "field", "is", "required"]
    assert english_in("<p>Trường này không được để trống; an ninh, in ấn</p>") == []


def test_no_message_is_hidden_from_the_catalogue_in_an_f_string():
    """`_()` inside an f-string's braces is invisible to the extractor, so it is never translated."""
    root = Path(__file__).resolve().parent.parent / "workflow_app"
    found = [f"{p.name}:{n}" for p in root.rglob("*.py") for n, line in enumerate(p.read_text().splitlines(), 1)
             if re.search(r"\{_l?\(|\{gettext\(", line)]
    assert found == []


@pytest.mark.parametrize("source, lang, expected", [
    # translated, the variable formatted in and escaped like any value on a page
    ("{{ _('Due %(day)s', day='<b>01/06/2025</b>') }}", "vi", "Hạn &lt;b&gt;01/06/2025&lt;/b&gt;"),
    ("{{ _('Due %(day)s', day='01/06/2025') }}", "en", "Due 01/06/2025"),
    ("{{ _('%(n)d working day(s) overdue', n=3) }}", "vi", "Quá hạn 3 ngày làm việc"),
    ("{{ _('No such text 100%%') }}", "vi", "No such text 100%"),  # always formatted, as Jinja's gettext
])
def test_templates_translate_format_and_escape(app, source, lang, expected):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(lang):  # as in the pages' .html templates: escaped
        assert app.jinja_env.from_string(f"{{% autoescape true %}}{source}{{% endautoescape %}}").render() == expected


@pytest.mark.parametrize("lang, state, due_on, late, badge, due", [
    ("vi", "returned", None, 0, '<span class="badge text-bg-warning" data-state="returned">Bị trả lại</span>',
     '<span class="text-muted">—</span>'),
    ("en", "commune_submitted", date(2026, 6, 1), 0,
     '<span class="badge text-bg-info" data-state="commune_submitted">Submitted by the commune</span>',
     '<span class="text-nowrap">01/06/2026</span>'),
    ("vi", "district_reviewed", date(2026, 6, 1), 3,
     '<span class="badge text-bg-primary" data-state="district_reviewed">Huyện đã thẩm định</span>',
     '<span class="badge text-bg-danger" data-testid="overdue-7" title="Hạn 01/06/2026">Quá hạn 3 ngày làm việc</span>'),
    ("en", "pv05_verified", date(2026, 6, 1), 1,
     '<span class="badge text-bg-primary" data-state="pv05_verified">Verified by PV05</span>',
     '<span class="badge text-bg-danger" data-testid="overdue-7" title="Due 01/06/2026">1 working day(s) overdue</span>'),
    ("vi", "<b>", None, 0, '<span class="badge text-bg-secondary" data-state="&lt;b&gt;">&lt;b&gt;</span>',
     '<span class="text-muted">—</span>'),  # a state unknown to the labels: as it is, escaped
])
def test_a_dossiers_marks_in_either_language(app, lang, state, due_on, late, badge, due):
    """The state's badge and the due date, as the lists and the dossier page show them: the badge
    in the state's colour, the due date red with the working days past it when overdue."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    dossier = SimpleNamespace(id=7, state=state, due_on=due_on)
    with app.test_request_context(), force_locale(lang):
        page = app.jinja_env.from_string("{% autoescape true %}{{ state_badge(d.state) }}|{{ due_mark(d, late) }}"
                                         "{% endautoescape %}").render(d=dossier, late=late)
    assert page == f"{badge}|{due}"
