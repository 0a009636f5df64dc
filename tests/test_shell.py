"""The UI shell: language, dates and times, local assets, security headers."""
import re
from datetime import date, datetime, timezone

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from workflow_app.formatting import format_date_vn, format_datetime_vn


def test_vietnamese_by_default_english_on_request(client):
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)
    client.get("/lang/en")
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.get("/lang/vi")
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_404(client):
    assert client.get("/lang/fr").status_code == 404


def test_dates_are_dd_mm_yyyy_in_ho_chi_minh_time(app):
    with app.test_request_context():
        # 17:30 UTC on 31/12 is already 1 January in Vietnam (UTC+7).
        assert format_datetime_vn(datetime(2024, 12, 31, 17, 30, tzinfo=timezone.utc)) == "01/01/2025 00:30"
        assert format_datetime_vn(datetime(2024, 12, 31, 17, 30)) == "01/01/2025 00:30"  # naive = UTC
        assert format_date_vn(date(2025, 3, 31)) == "31/03/2025"
        assert format_date_vn(datetime(2024, 12, 31, 17, 30, tzinfo=timezone.utc)) == "01/01/2025"  # the day in Vietnam
        with force_locale("en"):  # the same numbers in English
            assert format_datetime_vn(datetime(2025, 6, 1, 0, 5, tzinfo=timezone.utc)) == "01/06/2025 07:05"


def test_pages_load_nothing_from_outside(client):
    page = client.get("/login").get_data(as_text=True)
    external = re.findall(r'(?:src|href)="(https?:)?//', page)
    assert external == []
    assert client.get("/static/vendor/bootstrap/bootstrap.min.css").status_code == 200
    assert client.get("/static/vendor/bootstrap/bootstrap.bundle.min.js").status_code == 200


def test_security_headers(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "default-src 'self'" in csp
    assert "unsafe-eval" not in csp and "http" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_or_style_in_pages(client):
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert " style=" not in page


@pytest.mark.parametrize("status, path", [(404, "/no-such-page")])
def test_error_pages_are_in_vietnamese(client, status, path):
    response = client.get(path)
    assert response.status_code == status
    assert "Không tìm thấy" in response.get_data(as_text=True)


def test_vietnamese_catalogue_translates_every_message():
    import workflow_app

    root = __import__("pathlib").Path(workflow_app.__file__).parent.parent
    method_map = [("workflow_app/**.py", "python"), ("criteria/**.py", "python"),
                  ("states/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "_ln": (1, 2), "lazy_ngettext": (1, 2)}
    extracted = {
        msg if isinstance(msg, str) else msg[0]
        for _f, _l, msg, _c, _ctx in extract_from_dir(str(root), method_map, keywords=keywords)
    }
    with open(root / "workflow_app/translations/vi/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted - translated)
    assert missing == [], f"untranslated messages: {missing}"
