"""Accessibility (WCAG 2.0 AA, GB/T 37668-2019; 适老化) in Chromium, every page of every role.

For each page of each role — unit staff, the unit responsible for the indicators,
coordinator, viewer, 管理员, 安全管理员, 审计员, anonymous — Django admin and the error
pages included, each with something on it (reports in every state, a chase with a
note, indicator values, notifications):

- axe-core finds no serious or critical violation, at 1280 px and on a phone (390 px);
- every visible link, button and field takes the keyboard focus and shows it;
- at 200 % zoom (a 1280 px window lays the page out in 640 CSS px), on a phone, and
  at 1280 px with a 20 px default font, nothing needs horizontal scrolling and no
  text is cut off.

A test then checks that these pages cover every page of the URLconf (downloads and
form targets aside), and the keyboard journeys do a day's work without a mouse.
What this does not check is stated in the README (Accessibility).
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import loader
from django.urls import Resolver404, URLResolver, get_resolver, resolve
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments import roles
from security import keys
from tasks.followup import reminders
from tasks.indicators import values as indicators
from tasks.progress.rollup import PlanProgress
from tasks.reporting import workflow
from tests.browser.accessibility import (
    DESKTOP,
    PHONE,
    ZOOMED,
    axe_problems,
    focus_problems,
    layout_problems,
    set_large_font,
)
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD, make_user, measure_by_code
from tests.helpers import obligation, unit

pytestmark = pytest.mark.browser

TODAY = datetime.date(2024, 3, 20)  # inside 2024年第一季度 (due 2024-04-10)
FIELDS = {"status": "in_progress", "percent": 30, "progress": "已召开专题推进会。", "problems": "", "next_steps": ""}

# Every route of the URLconf is visited below, but these: files (no page to look at),
# form targets that only answer a POST with a redirect, and password reset by email,
# which is off (its pages answer the 404 page, which is checked).
NOT_PAGES = {
    "export/status.xlsx": "a download",
    "export/bulletin.docx": "a download",
    "export/final-report.docx": "a download",
    "evidence/<int:pk>/": "a download",
    "indicators/evidence/<int:pk>/": "a download",
    "favicon.ico": "an icon",
    "accounts/logout/": "a form target (POST)",
    "plans/select/": "a form target (POST)",
    "notifications/read-all/": "a form target (POST)",
    "notifications/<int:pk>/": "opens what the notification is about (a redirect)",
    "indicators/values/<int:pk>/review/": "a form target (POST)",
    "security/two-factor/<int:pk>/reset/": "a form target (POST)",
    "security/key-resets/<int:pk>/": "a form target (POST; its form is on /security/two-factor/)",
    "accounts/password_reset/": "off unless DJANGO_PASSWORD_RESET=1: the 404 page",
    "accounts/password_reset/done/": "off unless DJANGO_PASSWORD_RESET=1: the 404 page",
    "accounts/reset/<uidb64>/<token>/": "off unless DJANGO_PASSWORD_RESET=1: the 404 page",
    "accounts/reset/done/": "off unless DJANGO_PASSWORD_RESET=1: the 404 page",
}
VISITED = set()


@pytest.fixture(autouse=True)
def today(clock):
    return clock(TODAY)


@pytest.fixture
def scene(plan, lead_staff, coordinator, settings, tmp_path):
    """区科委 with reports in every state (1.(1) submitted with a file, 2.(1) approved with a
    comment, 2.(2) returned, 1.(3) a draft), chased with a note; the indicators' values
    in every state; so that every page shows its full set of parts."""
    settings.MEDIA_ROOT = tmp_path / "media"
    quarter = plan.periods.get(name="2024年第一季度")

    def save(code, submit=True, **kwargs):
        owed = obligation(measure_by_code(plan, *code), "区科委")
        return workflow.save_report(owed, quarter, FIELDS, lead_staff, submit=submit, version=0, **kwargs)

    submitted = save((1, 1), evidence=[SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4\n%%EOF\n")])
    approved = save((2, 1))
    approved = workflow.approve(approved, coordinator, approved.version, "内容翔实。")
    returned = save((2, 2))
    returned = workflow.return_for_revision(returned, coordinator, returned.version, "请补充具体数据。")
    save((1, 3), submit=False)
    kewei = unit("区科委")
    [overdue] = [states for owing, states in PlanProgress(plan, quarter).overdue_by_unit() if owing == kewei]
    reminders.chase(quarter, kewei, overdue, coordinator, note="请本周内补报，联系人：王科长 59990000。")

    market = make_user("shichangjianguan", units=["区市场监管局"])
    businesses = plan.indicators.get(number=3)
    value = {"value": 1200, "source": "区统计局年度统计", "note": ""}
    row = indicators.save_value(businesses, 2020, value, market, submit=True, version=0)
    indicators.approve(row, coordinator, row.version)
    row = indicators.save_value(businesses, 2021, value, market, submit=True, version=0)
    indicators.return_for_revision(row, coordinator, row.version, "请附统计报表。")
    indicators.save_value(businesses, 2022, value, market, submit=True, version=0)
    return {
        "kewei": kewei,
        "quarter": quarter,
        "submitted": submitted,
        "approved": approved,
        "returned": returned,
        "market": market,
        "businesses": businesses,
    }


def check(page, live_server, path, name, status=200):
    """Every check of the module on one page; the problems found, one line each."""
    url = f"{live_server.url}{path}"
    page.set_viewport_size(DESKTOP)
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status == status, f"{path}: {response.status}"
    try:
        VISITED.add(resolve(path.split("?")[0]).route)
    except Resolver404:
        pass  # the 404 page of an unknown address
    problems = [f"axe at 1280 px: {p}" for p in axe_problems(page)]
    problems += [f"keyboard: {p}" for p in focus_problems(page)]
    problems += [f"at 1280 px: {p}" for p in layout_problems(page)]
    screenshot(page, f"a11y-{name}")
    page.set_viewport_size(ZOOMED)
    problems += [f"at 200 % zoom: {p}" for p in layout_problems(page)]
    page.set_viewport_size(PHONE)
    problems += [f"axe on a phone: {p}" for p in axe_problems(page)]
    problems += [f"on a phone: {p}" for p in layout_problems(page)]
    screenshot(page, f"a11y-{name}-phone")
    page.set_viewport_size(DESKTOP)
    set_large_font(page)
    problems += [f"with a 20 px font: {p}" for p in layout_problems(page)]
    return [f"{path} {p}" for p in problems]


def check_all(page, live_server, paths, role):
    problems = []
    for n, entry in enumerate(paths):
        path, status = entry if isinstance(entry, tuple) else (entry, 200)
        problems += check(page, live_server, path, f"{role}-{n}", status)
    return problems


def test_unit_staff_pages(page, live_server, plan, lead_staff, scene):
    kewei, submitted = scene["kewei"], scene["submitted"]
    m11, m21, m22, m13 = (measure_by_code(plan, *code).pk for code in [(1, 1), (2, 1), (2, 2), (1, 3)])
    log_in(page, live_server, lead_staff.username, PASSWORD)
    problems = check_all(
        page,
        live_server,
        [
            "/",
            "/dashboard/",
            "/tasks/",
            "/my/",
            "/measures/",
            f"/measures/{m11}/",
            f"/measures/{m11}/report/?unit={kewei.pk}",  # submitted: 撤回, files
            f"/measures/{m21}/report/?unit={kewei.pk}",  # approved, read-only
            f"/measures/{m22}/report/?unit={kewei.pk}",  # returned, with the comment
            f"/measures/{m13}/report/?unit={kewei.pk}",  # a draft
            f"/measures/{m11}/withdraw/?unit={kewei.pk}",
            f"/evidence/{submitted.evidence.get().pk}/delete/",
            "/units/",
            f"/units/{kewei.pk}/",
            f"/units/{kewei.pk}/contacts/",
            "/import/",
            "/indicators/",
            f"/indicators/{scene['businesses'].pk}/",
            "/notifications/",
            "/notifications/settings/",
            "/accounts/password_change/",
        ],
        "staff",
    )
    assert not problems, "\n".join(problems)


def test_the_indicator_units_pages(page, live_server, plan, scene):
    businesses = scene["businesses"]
    log_in(page, live_server, scene["market"].username, PASSWORD)
    problems = check_all(
        page,
        live_server,
        ["/", "/indicators/", f"/indicators/{businesses.pk}/", f"/indicators/{businesses.pk}/2021/"],
        "indicator-unit",
    )
    assert not problems, "\n".join(problems)


def test_coordinator_pages(page, live_server, plan, coordinator, scene):
    kewei, quarter = scene["kewei"], scene["quarter"]
    m11 = measure_by_code(plan, 1, 1).pk
    log_in(page, live_server, coordinator.username, PASSWORD)
    problems = check_all(
        page,
        live_server,
        [
            "/",
            "/dashboard/",
            "/tasks/",
            "/review/",
            "/review/?state=approved",
            f"/review/{scene['submitted'].pk}/",
            f"/review/{scene['approved'].pk}/",
            f"/review/{scene['returned'].pk}/",
            "/periods/",
            "/measures/?sort=-percent",
            f"/measures/{m11}/",
            "/units/",
            f"/units/{kewei.pk}/",
            f"/units/{kewei.pk}/chase/",  # a repeat: the last chase shown
            f"/measures/{measure_by_code(plan, 1, 3).pk}/chase/?unit={kewei.pk}",
            "/chase/",
            "/import/",
            "/indicators/",
            f"/indicators/{scene['businesses'].pk}/",  # review and reopen forms
            "/notifications/",
            "/my/",
            "/accounts/two-factor/setup/",
            (f"/periods/{quarter.pk}/", 405),  # a form's address opened as a page
        ],
        "coordinator",
    )
    # The batch approval's confirmation, reached as people reach it.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/review/")
    page.check(f"input[name=report][value='{scene['submitted'].pk}']")
    page.click("button:has-text('批量审核通过所选')")
    page.wait_for_load_state("networkidle")
    assert "确认通过 1 条" in page.inner_text("main")
    problems += [f"/review/batch/ (confirmation) axe: {p}" for p in axe_problems(page)]
    problems += [f"/review/batch/ (confirmation) keyboard: {p}" for p in focus_problems(page)]
    VISITED.add("review/batch/")
    assert not problems, "\n".join(problems)


def test_viewer_pages(page, live_server, plan, viewer, scene):
    log_in(page, live_server, viewer.username, PASSWORD)
    problems = check_all(
        page,
        live_server,
        [
            "/",
            "/tasks/",
            "/measures/",
            f"/measures/{measure_by_code(plan, 5, 2).pk}/",
            "/units/",
            "/indicators/",
            ("/review/", 403),
        ],
        "viewer",
    )
    assert not problems, "\n".join(problems)


def test_administrators_pages(page, live_server, plan, system_admin, scene):
    collective = unit("各街镇")
    log_in(page, live_server, system_admin.username, PASSWORD)
    problems = check_all(
        page,
        live_server,
        [
            "/admin/",
            "/admin/tasks/plan/",
            f"/admin/tasks/plan/{plan.pk}/change/",
            "/admin/tasks/measure/",
            f"/admin/tasks/measure/{measure_by_code(plan, 1, 1).pk}/change/",
            "/admin/tasks/reminderlog/",
            "/admin/departments/unit/",
            f"/admin/departments/unit/{scene['kewei'].pk}/change/",  # an inline of liaisons
            f"/admin/departments/unit/{collective.pk}/change/",  # filter_horizontal
            "/admin/departments/membership/add/",  # autocomplete
            "/plans/import/",
        ],
        "admin",
    )
    assert not problems, "\n".join(problems)


def test_security_administrators_pages(page, live_server, plan, security_admin, auditor, scene):
    # A reset of a key holder's second factor asked by another 安全管理员: the overview
    # shows its approval form, which this page's check then covers.
    colleague = make_user("secadmin2", groups=[roles.SECURITY_ADMIN], staff=True)
    keys.request_reset(auditor, keys.KeyReset.Kind.TWO_FACTOR, colleague)
    log_in(page, live_server, security_admin.username, PASSWORD)
    problems = check_all(
        page,
        live_server,
        [
            "/admin/",
            "/admin/auth/user/",
            f"/admin/auth/user/{scene['market'].pk}/change/",
            "/admin/auth/user/add/",
            "/admin/auth/group/",
            "/security/lockouts/",
            "/security/two-factor/",
        ],
        "secadmin",
    )
    assert not problems, "\n".join(problems)


def test_auditors_pages(page, live_server, plan, auditor, scene):
    log_in(page, live_server, auditor.username, PASSWORD)
    problems = check_all(page, live_server, ["/audit/", "/audit/?result=denied"], "auditor")
    assert not problems, "\n".join(problems)


def test_the_second_login_step(page, live_server, plan, viewer):
    TOTPDevice.objects.create(user=viewer, name="动态口令", confirmed=True)
    log_in(page, live_server, viewer.username, PASSWORD)
    assert check(page, live_server, "/accounts/two-factor/", "two-factor-verify") == []


def test_anonymous_and_error_pages(page, live_server, plan, lead_staff, settings):
    problems = check_all(
        page,
        live_server,
        [
            "/accounts/login/",
            ("/no-such-page/", 404),
            ("/accounts/password_reset/", 404),
        ],
        "anonymous",
    )
    # The pages rendered without the site's templates' context: the 400, 500 and 503.
    for template, status in [("400.html", 400), ("500.html", 500), ("503.html", 503)]:
        page.route(f"**/__{status}", _serve(loader.get_template(template).render(), status))
        page.set_viewport_size(DESKTOP)
        page.goto(f"{live_server.url}/__{status}")
        page.wait_for_load_state("networkidle")
        problems += [f"{template} axe: {p}" for p in axe_problems(page)]
        page.set_viewport_size(PHONE)
        problems += [f"{template} on a phone: {p}" for p in layout_problems(page)]
    # The lockout page, after five wrong passwords.
    page.set_viewport_size(DESKTOP)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", lead_staff.username)
        page.fill("#id_password", "wrong-password-1")
        page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "锁定" in page.inner_text("body")
    problems += [f"lockout page axe: {p}" for p in axe_problems(page)]
    screenshot(page, "a11y-locked-out")
    assert not problems, "\n".join(problems)


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern)


def _serve(body, status):
    """A Playwright route handler answering with `body`: a page the live server cannot be made to show."""

    def fulfil(route):
        route.fulfill(status=status, body=body, content_type="text/html; charset=utf-8")

    return fulfil


def test_every_page_of_the_urlconf_is_checked():
    """Runs last in the module: the pages visited above cover the URLconf (Django admin
    is covered by its index, changelists and change forms of each kind above)."""
    if len(VISITED) < 10:
        pytest.skip("run with the whole module: the other tests record the pages they visit")
    routes = {route for route in _routes(get_resolver().url_patterns) if not route.startswith("admin/")}
    missing = sorted(routes - VISITED - set(NOT_PAGES))
    assert missing == [], "pages no accessibility test opens"
