"""The whole process in a real browser (Debian's chromium), as four officers would play it.

commune submits → district returns with a comment → commune fixes and resubmits → district
approves → PV05 verifies and records recognition → the inspector finds it all in the trail.
Screenshots go to SCREENSHOT_DIR (docs/screenshots with `make screenshots`).
"""
import os
import re
import sys
import threading
import traceback
from collections import deque
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from criteria.samples import passing_facts
from workflow_app import create_app
from workflow_app.clock import today_in_vietnam
from workflow_app.demo import seed_demo
from workflow_app.dossiers import queries
from workflow_app.extensions import db
from workflow_app.models import Dossier

from .conftest import _missing, base_config, migrate_schema
from .files import PDF

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "demo-mat-khau"
YEAR = 2024
# The browser logs a refused background request (a wrong date: 422) as a failed load; that is the
# page working. Any other console error fails the test.
# Bootstrap scrolls smoothly unless motion is reduced, and a click while the page still glides may
# land beside its button. A save whose request never left the browser was seen in a few full runs
# on two busy cores (the suspected cause): motion is reduced, and submit() tells all if it recurs.
CONTEXT = {"locale": "vi-VN", "reduced_motion": "reduce"}
REFUSAL = re.compile(r"Failed to load resource: the server responded with a status of 422 ")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    config = base_config(f"sqlite:///{root / 'browser.sqlite3'}", root / "uploads")
    config["WTF_CSRF_ENABLED"] = True  # a real browser sends real CSRF tokens
    config["TESTING"] = False
    app = create_app(config)
    with app.app_context():
        migrate_schema()
        seed_demo(PASSWORD)
        db.session.commit()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        _missing("chromium", f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Officer:
    """One person at one browser: signs in, clicks, types, and takes screenshots."""

    def __init__(self, browser, base, shots, username):
        self.context = browser.new_context(**CONTEXT, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(90_000)  # CI's two cores also run the rest of the suite
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.errors, self.sent = [], deque(maxlen=8)  # the last requests, told if a click leads nowhere
        self.page.on("request", lambda r: self.sent.append(f"{r.method} {r.url}"))
        self.page.on("requestfinished", lambda r: self.sent.append(f"done {r.method} {r.url}"))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" and not REFUSAL.match(m.text) else None)
        self.base, self.shots = base, shots
        self.page.goto(f"{base}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.submit("#submit")
        assert self.page.url == f"{base}/", self.page.url

    def go(self, path):
        self.page.goto(self.base + path)
        if self.page.locator(".mermaid").count():
            self.page.wait_for_selector("[data-testid=diagram] svg")  # drawn after load: wait for the layout

    def submit(self, selector):
        from playwright.sync_api import TimeoutError as Timeout

        try:
            with self.page.expect_navigation():
                self.page.click(selector)
        except Timeout:
            raise AssertionError(self.stuck(selector)) from None

    def stuck(self, selector):
        """What was going on when a click led nowhere: the server's threads, the page as drawn."""
        name = re.sub(r"\W+", "-", selector).strip("-")
        self.page.screenshot(path=str(self.shots / f"stuck-{name}.png"), full_page=True)
        (self.shots / f"stuck-{name}.html").write_text(self.page.content(), encoding="utf-8")
        threads = {t.ident: t.name for t in threading.enumerate()}
        stacks = "\n".join(f"--- {threads.get(ident, ident)}\n" + "".join(traceback.format_stack(frame))
                            for ident, frame in sys._current_frames().items())
        sent = "\n".join(self.sent)
        return f"no page came after clicking {selector} (url {self.page.url}); page saved in {self.shots}\n" \
               f"the browser's last requests:\n{sent}\n{stacks}"

    def attach(self, criterion, doc_type, day, path):
        """Attach a file at a criterion, in the background: the page is not loaded again."""
        card = self.page.locator(f'[id="c-{criterion}"] .upload-form')
        card.locator("select[name=document_type]").select_option(doc_type)
        card.locator("input[name=issued_on]").fill(day)
        if path is not None:
            card.locator("input[type=file]").set_input_files(str(path))
        return self.in_background(lambda: card.locator("button:has-text('Đính kèm')").click())

    def in_background(self, action):
        """Do what sends a form in the background; wait for its answer; return the message shown
        (the refusal's, or the confirmation's). Asserts the page was not loaded again."""
        self.page.evaluate("window.samePage = true; document.getElementById('flashes').innerHTML = ''; "
                           "document.getElementById('refusal-area').innerHTML = ''")
        action()
        self.page.wait_for_selector("#flashes .alert, [data-testid=refusal]")
        assert self.page.evaluate("window.samePage === true"), "the page was loaded again"
        return self.text("#flashes") + self.text("#refusal-area")

    def shot(self, name, full_page=False):
        self.page.wait_for_timeout(300)
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full_page)

    def state(self):
        """The dossier's state, from the badge in the page heading."""
        return self.page.get_attribute("[data-state]", "data-state")

    def text(self, selector="body"):
        return self.page.inner_text(selector)

    def close(self):
        assert self.errors == [], self.errors
        self.context.close()


def test_the_whole_process(server, browser, shots, tmp_path):
    app, base = server
    evidence = tmp_path / "tai-lieu.pdf"
    evidence.write_bytes(PDF)

    # 1. Commune police of Xã Mỹ Cẩm open their dossier and fill it in.
    xa = Officer(browser, base, shots, "xa29269")
    xa.shot("01-trang-chu-cong-an-xa")
    xa.go("/dossiers/new")
    xa.page.select_option("#criteria_set", "xa-ntm-19.2")
    xa.page.fill("#year", str(YEAR))
    xa.submit("button[type=submit].btn-primary")
    dossier_path = re.sub(r"^https?://[^/]+", "", xa.page.url).split("#")[0]
    assert re.fullmatch(r"/dossiers/\d+", dossier_path)
    with app.app_context():
        cset = queries.criteria_set_of(db.session.get(Dossier, int(dossier_path.rsplit("/", 1)[1])))
    facts = passing_facts(cset, YEAR)
    facts.values["is_key_complex_area"] = False  # no transformation plan needed
    # The figures are typed first and not saved yet: attaching files must not lose them.
    for name, value in facts.values.items():
        field = xa.page.locator(f'[name="{name}"][form="sheet-form"]')
        if cset.inputs[name].type in ("yes_no", "rating"):
            field.select_option("yes" if value is True else "no" if value is False else value)
        else:
            field.fill(str(value))
    typed = {name: xa.page.input_value(f'[name="{name}"][form="sheet-form"]') for name in facts.values}
    # A wrong date is refused at its field; the date typed and the file chosen stay.
    message = xa.attach("I.1", "nghi_quyet_dang_uy", f"15/13/{YEAR}", evidence)
    assert "Hãy chọn lại tệp" not in message  # the file chosen is still chosen
    upload = xa.page.locator('[id="c-I.1"] .upload-form')
    assert "ngày/tháng/năm" in xa.text('[id="c-I.1"] .upload-form')
    assert upload.locator("input[name=issued_on]").input_value() == f"15/13/{YEAR}"
    assert upload.locator("input[type=file]").evaluate("el => el.files.length") == 1
    xa.shot("02a-xa-ngay-van-ban-sai")
    upload.locator("input[name=issued_on]").fill(f"15/02/{YEAR}")
    assert "Đã đính kèm tệp." in xa.in_background(lambda: upload.locator("button:has-text('Đính kèm')").click())
    for criterion, doc_type in (("I.1", "ke_hoach_ubnd"), ("I.2", "ke_hoach_nam_tinh_hinh"),
                                ("I.6", "ke_hoach_phong_trao"), ("I.6", "qd_an_toan_antt")):
        assert "Đã đính kèm tệp." in xa.attach(criterion, doc_type, f"14/02/{YEAR}", evidence)
    assert {name: xa.page.input_value(f'[name="{name}"][form="sheet-form"]') for name in facts.values} == typed
    # A document's date is corrected without sending the file again.
    card = xa.page.locator('[id="c-I.2"]')
    card.locator("summary:has-text('Sửa loại hoặc ngày')").first.click()
    card.locator("[name=issued_on]").first.fill(f"15/02/{YEAR}")
    assert "Đã sửa thông tin văn bản." in xa.in_background(lambda: card.locator("button:has-text('Lưu')").first.click())
    assert f"ban hành 15/02/{YEAR}" in xa.text('[id="c-I.2"]')
    assert {name: xa.page.input_value(f'[name="{name}"][form="sheet-form"]') for name in facts.values} == typed
    for code in facts.attestations:
        xa.page.check(f'input[name="attest__{code}"][value="yes"]')
        xa.page.fill(f'textarea[name="attest_comment__{code}"]', "Đã triển khai, có biên bản lưu tại Công an xã.")
    xa.submit("[data-testid=save-sheet]")
    assert "Đã lưu." in xa.text()
    assert xa.page.inner_text("[data-testid=counts]").startswith("8")
    xa.shot("02-ho-so-xa-da-nhap-so-lieu")
    xa.submit("button[data-trigger=submit]")
    assert xa.state() == "commune_submitted"

    # 2. The district police disagree on I.6 and return the dossier with a comment.
    huyen = Officer(browser, base, shots, "huyen844")
    assert "Xã Mỹ Cẩm" in huyen.text("[data-testid=waiting]")
    huyen.shot("03-trang-chu-cong-an-huyen")
    huyen.go(dossier_path)
    for criterion in cset.criteria:
        verdict = "disagree" if criterion.code == "I.6" else "agree"
        huyen.page.check(f'input[name="verdict__{criterion.code}"][value="{verdict}"]')
    huyen.page.fill('textarea[name="verdict_comment__I.6"]', "Quyết định công nhận an toàn về ANTT đã hết hạn, đề nghị bổ sung bản mới.")
    huyen.submit("[data-testid=save-verdicts]")
    assert 'data-trigger="approve" disabled' in huyen.page.content()
    huyen.shot("04-huyen-tham-dinh", full_page=False)
    huyen.page.fill("#t-return_to_commune-comment", "Đề nghị xã bổ sung theo ý kiến tại tiêu chí I.6.")
    huyen.submit("button[data-trigger=return_to_commune]")
    assert huyen.state() == "returned"

    # 3. The commune sees why at the top, the comment beside I.6, attaches the new decision and resubmits.
    xa.go("/")
    assert "Xã Mỹ Cẩm" in xa.text("[data-testid=waiting]")
    xa.go(dossier_path)
    notice = xa.text("[data-testid=return-notice]")
    assert "Đề nghị xã bổ sung theo ý kiến tại tiêu chí I.6." in notice and "I.6" in xa.text("[data-testid=disputed]")
    xa.shot("05-xa-xem-y-kien-tra-lai")
    assert "Quyết định công nhận an toàn về ANTT đã hết hạn" in xa.text('[id="c-I.6"]')
    assert xa.page.locator("[data-testid=disputed-I\\.6]").count() == 1
    assert "Đã đính kèm tệp." in xa.attach("I.6", "qd_an_toan_antt", f"20/03/{YEAR}", evidence)
    xa.submit("button[data-trigger=submit]")
    assert xa.state() == "commune_submitted"

    # 4. The district agrees now, and approves.
    huyen.go(dossier_path)
    huyen.page.check('input[name="verdict__I.6"][value="agree"]')
    huyen.page.fill('textarea[name="verdict_comment__I.6"]', "Đã bổ sung quyết định mới.")
    huyen.submit("[data-testid=save-verdicts]")
    huyen.submit("button[data-trigger=approve]")
    assert huyen.state() == "district_reviewed"

    # 5. PV05 verifies and records the recognition decision.
    pv05 = Officer(browser, base, shots, "pv05")
    assert "Xã Mỹ Cẩm" in pv05.text("[data-testid=waiting]")
    pv05.go(dossier_path)
    for criterion in cset.criteria:
        pv05.page.check(f'input[name="verdict__{criterion.code}"][value="agree"]')
    pv05.submit("[data-testid=save-verdicts]")
    pv05.submit("button[data-trigger=verify]")
    assert pv05.state() == "pv05_verified"
    today = today_in_vietnam().strftime("%d/%m/%Y")
    pv05.page.fill("#t-recognize-number", f"{YEAR}/QĐ-CAT")
    pv05.page.fill("#t-recognize-date", today)
    pv05.page.fill("#t-recognize-authority", "Giám đốc Công an tỉnh Trà Vinh")
    pv05.shot("06-pv05-ghi-nhan-quyet-dinh")
    pv05.submit("button[data-trigger=recognize]")
    assert pv05.state() == "recognized"
    assert f"Quyết định công nhận số {YEAR}/QĐ-CAT ngày {today}" in pv05.text()
    pv05.page.wait_for_selector("[data-testid=diagram] svg")
    pv05.shot("07-ho-so-da-cong-nhan")
    pv05.go("/reports/dashboard")
    pv05.shot("08-tong-hop-toan-tinh")

    # 6. The inspector finds every step in the trail, and the chain intact.
    thanhtra = Officer(browser, base, shots, "thanhtra")
    dossier_id = dossier_path.rsplit("/", 1)[1]
    thanhtra.go(f"/audit/?dossier={dossier_id}")
    trail_text = thanhtra.text("[data-testid=audit-table]")
    for step in ("Gửi hồ sơ", "Trả lại xã", "Thông qua, gửi PV05", "Xác minh", "Công nhận"):
        assert step in trail_text, step
    assert "Đề nghị xã bổ sung theo ý kiến tại tiêu chí I.6." in trail_text
    thanhtra.shot("09-thanh-tra-nhat-ky")
    thanhtra.submit("[data-testid=verify-chain]")
    assert "Nhật ký toàn vẹn" in thanhtra.text("[data-testid=chain-status]")
    thanhtra.shot("10-thanh-tra-kiem-tra-toan-ven")
    xa.go("/login")
    for officer in (xa, huyen, pv05, thanhtra):
        officer.close()


def test_login_page_screenshot(server, browser, shots):
    _app, base = server
    context = browser.new_context(**CONTEXT, viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "xa29269")
    page.fill("#password", "sai")
    with page.expect_navigation():
        page.click("#submit")
    assert "Sai tên đăng nhập hoặc mật khẩu." in page.inner_text("body")
    assert page.input_value("#username") == "xa29269"
    page.screenshot(path=str(shots / "00-dang-nhap.png"))
    context.close()


def signed_in(browser, base, username, width, height):
    """A fresh browser context of that size, signed in as the user: (context, page)."""
    context = browser.new_context(**CONTEXT, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("#submit")
    return context, page


@pytest.mark.parametrize("username, pages", [
    ("xa29266", ["/", "/dossiers/"]),
    ("huyen844", ["/", "/dossiers/", "/notifications", "/account"]),
    ("pv05", ["/", "/dossiers/", "/reports/dashboard", "/audit/", "/dossiers/bulk"]),
    ("thanhtra", ["/", "/audit/", "/audit/verify", "/audit/access"]),
    ("admin", ["/", "/admin/users", "/admin/calendar"]),
])
def test_one_line_menu_on_a_laptop_and_nothing_wider_than_a_phone(server, browser, username, pages):
    _app, base = server
    for width in (1366, 390):
        context, page = signed_in(browser, base, username, width, 800)
        for path in pages:
            page.goto(base + path)
            if width == 1366:
                assert page.evaluate("document.querySelector('nav').getBoundingClientRect().height") < 70, path
            else:
                assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        context.close()


def test_on_a_phone_a_returned_dossier_and_the_overview_read_without_sideways_scrolling(server, browser, shots):
    app, base = server
    with app.app_context():
        returned = db.session.scalars(select(Dossier).where(Dossier.state == "returned").order_by(Dossier.id)).first()
        commune = f"xa{returned.unit.code}"
    for username, path, name, present in (
            (commune, f"/dossiers/{returned.id}", "11-dien-thoai-ho-so-bi-tra-lai", "[data-testid=return-notice]"),
            ("pv05", "/reports/dashboard", "12-dien-thoai-tong-hop", "[data-testid=dashboard-cards]")):
        context, page = signed_in(browser, base, username, 390, 844)
        page.goto(base + path)
        assert page.locator(present).is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / f"{name}.png"))
        context.close()


def test_a_printed_dossier_shows_the_content_only(server, browser):
    app, base = server
    with app.app_context():
        dossier = db.session.scalars(select(Dossier).where(Dossier.state == "recognized").order_by(Dossier.id)).first()
    context, page = signed_in(browser, base, "pv05", 1366, 900)
    page.goto(f"{base}/dossiers/{dossier.id}")
    page.emulate_media(media="print")
    for hidden in ("nav.navbar", "#actions", "#records", "#sections", "footer.app-footer"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator("#criteria .criterion").first.is_visible() and page.locator("#history").is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('#history')).breakBefore") == "page"
    context.close()


def test_on_a_phone_the_unread_count_and_the_due_dates_show_without_opening_anything(server, browser):
    _app, base = server
    context, page = signed_in(browser, base, "huyen844", 390, 844)
    assert page.locator("[data-testid=bell]").is_visible()  # not folded into the menu
    # The due column fits the screen in both lists, the one sent on too, whose states are the
    # longest ("Huyện đã thẩm định": it wraps inside its cell).
    for listed in ("waiting", "sent"):
        table = page.locator(f"[data-testid={listed}]")
        due = table.locator("tbody tr td:last-child").first  # the one due first: a date
        assert re.fullmatch(r"\d\d/\d\d/\d{4}", due.inner_text().strip()), listed
        for cell in (table.locator("th", has_text="Hạn xử lý"), due):
            box = cell.bounding_box()
            assert cell.is_visible() and box["x"] + box["width"] <= 390, listed
    context.close()


def test_the_ministry_reads_the_country_at_a_desk_and_on_a_phone_then_opens_a_province(server, browser, shots):
    _app, base = server
    for width, height, name, present in ((1366, 900, "13-tong-hop-toan-quoc", "[data-testid=national-table]"),
                                         (390, 844, "14-dien-thoai-toan-quoc", "[data-testid=national-cards]")):
        context, page = signed_in(browser, base, "bocongan", width, height)
        assert page.url == f"{base}/reports/national"  # the ministry's home is the country
        assert page.locator(present).is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        context.close()
    context, page = signed_in(browser, base, "bocongan", 1366, 900)
    row = page.locator("[data-testid=province-legacy-84]")
    assert "Tỉnh Trà Vinh" in row.inner_text() and "7/85" in row.inner_text()  # the demo's recognized xã
    with page.expect_navigation():
        row.get_by_role("link", name="Tỉnh Trà Vinh").click()
    assert page.locator("h1").inner_text().startswith("Tổng hợp toàn tỉnh: Tỉnh Trà Vinh")
    assert page.locator("[data-testid=province-total]").is_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="← Tổng hợp toàn quốc").click()
    assert page.url.startswith(f"{base}/reports/national")
    context.close()
