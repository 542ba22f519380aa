"""Content-Security-Policy: each role's main pages, Django admin included, load
in Chromium without a single CSP violation (no inline script or style)."""

import pytest

from departments.models import Unit
from tasks.models import Indicator
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD, make_user, measure_by_code

pytestmark = pytest.mark.browser


def visit(page, live_server, paths, name):
    for n, path in enumerate(paths):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "Content-Security-Policy" in response.headers.get("content-security-policy", "") or response.headers.get(
            "content-security-policy"
        ), path
        page.wait_for_load_state("networkidle")
        if n == 0:
            screenshot(page, f"csp-{name}")


def test_the_detector_sees_a_violation(page, live_server, plan, violations):
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")
    page.wait_for_timeout(200)
    assert violations, "an inline style must be reported, or this test proves nothing"


def test_unit_staff_pages_have_no_csp_violation(page, live_server, plan, lead_staff, violations):
    measure = measure_by_code(plan, 1, 1)
    last = plan.periods.order_by("-end_date").first()
    last.late_until = last.due_date.replace(year=2099)
    last.save()
    unit = Unit.objects.get(name="区科委")
    log_in(page, live_server, lead_staff.username, PASSWORD)
    visit(
        page,
        live_server,
        [
            "/",
            "/tasks/",
            "/my/",
            "/measures/",
            f"/measures/{measure.pk}/",
            f"/measures/{measure.pk}/report/",
            "/units/",
            f"/units/{unit.pk}/",
            "/import/",
            "/indicators/",
            "/accounts/password_change/",
        ],
        "staff",
    )
    assert violations == []


def test_indicator_pages_of_the_responsible_unit_have_no_csp_violation(page, live_server, plan, violations):
    """The indicators' SVG charts and the value form, as 区市场监管局 enters a value."""
    make_user("shichangjianguan", units=["区市场监管局"])
    indicator = Indicator.objects.filter(plan=plan).order_by("pk").first()
    log_in(page, live_server, "shichangjianguan", PASSWORD)
    visit(
        page,
        live_server,
        ["/indicators/", f"/indicators/{indicator.pk}/", f"/indicators/{indicator.pk}/{indicator.years[-1]}/"],
        "indicators",
    )
    assert violations == []


def test_coordinator_and_viewer_pages_have_no_csp_violation(page, live_server, plan, coordinator, viewer, violations):
    log_in(page, live_server, coordinator.username, PASSWORD)
    visit(
        page,
        live_server,
        ["/", "/tasks/", "/review/", "/periods/", "/measures/?sort=-percent", "/import/", "/indicators/"],
        "coordinator",
    )
    page.click("text=退出")
    log_in(page, live_server, viewer.username, PASSWORD)
    visit(page, live_server, ["/", "/tasks/", "/measures/", "/units/", "/indicators/"], "viewer")
    assert violations == []


def test_auditor_and_security_admin_pages_have_no_csp_violation(
    page, live_server, plan, auditor, security_admin, violations
):
    log_in(page, live_server, auditor.username, PASSWORD)
    visit(page, live_server, ["/audit/"], "auditor")
    page.click("text=退出")
    log_in(page, live_server, security_admin.username, PASSWORD)
    visit(
        page,
        live_server,
        [
            "/security/lockouts/",
            "/security/two-factor/",
            "/admin/",
            "/admin/auth/user/",
            f"/admin/auth/user/{security_admin.pk}/change/",
        ],
        "secadmin",
    )
    assert violations == []


def test_admin_pages_with_widgets_have_no_csp_violation(page, live_server, plan, system_admin, violations):
    collective = Unit.objects.get(name="各街镇")
    log_in(page, live_server, system_admin.username, PASSWORD)
    visit(
        page,
        live_server,
        [
            "/admin/",
            "/admin/tasks/measure/",
            f"/admin/departments/unit/{collective.pk}/change/",  # filter_horizontal (SelectFilter2.js)
            "/admin/departments/membership/add/",  # autocomplete (select2)
            "/admin/tasks/plan/",  # its 导入行动方案 link
            "/plans/import/",
        ],
        "admin",
    )
    page.goto(f"{live_server.url}/admin/departments/membership/add/")
    page.click(".select2-selection")  # opens the autocomplete, which fetches and draws
    page.wait_for_timeout(500)
    assert violations == []


def test_two_factor_enrolment_page_has_no_csp_violation(page, live_server, plan, coordinator, violations, settings):
    settings.TWO_FACTOR_REQUIRED = True
    log_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/")
    assert "/accounts/two-factor/setup/" in page.url
    assert page.locator("svg.qr").is_visible()
    screenshot(page, "two-factor-setup")
    assert violations == []
