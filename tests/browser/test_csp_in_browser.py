"""Content-Security-Policy: each role's main pages, Django admin included, load
in Chromium without a single CSP violation (no inline script or style)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import Unit
from tasks.models import Indicator
from tasks.reporting import workflow
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD, make_user, measure_by_code
from tests.helpers import obligation, unit

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


# The daily loop's pages (issue 10): 待办, notifications, review with filters and
# batch, chase confirmations, contacts, and the report form with 撤回, 沿用上期
# and evidence deletion, each with something on it.

DAILY_LOOP_DAY = datetime.date(2024, 3, 20)  # inside 2024年第一季度, which takes reports


@pytest.fixture
def daily_loop(plan, lead_staff, coordinator, clock, settings, tmp_path):
    """区科委 with a submitted report carrying a file (1.(1)), last quarter's
    approved report to copy (1.(3)) and a returned one (2.(1))."""
    settings.MEDIA_ROOT = tmp_path / "media"
    clock(DAILY_LOOP_DAY)
    fields = {"status": "in_progress", "percent": 30, "progress": "已召开推进会。", "problems": "", "next_steps": ""}
    quarter, last = plan.periods.get(name="2024年第一季度"), plan.periods.get(name="2023年第四季度")

    def save(code, period, **kwargs):
        owed = obligation(measure_by_code(plan, *code), "区科委")
        return workflow.save_report(owed, period, fields, lead_staff, submit=True, version=0, **kwargs)

    submitted = save((1, 1), quarter, evidence=[SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4\n%%EOF\n")])
    earlier = save((1, 3), last)
    workflow.approve(earlier, coordinator, earlier.version, "很好。")
    returned = save((2, 1), quarter)
    workflow.return_for_revision(returned, coordinator, returned.version, "请补充数据。")
    return {"submitted": submitted, "copy_from": earlier, "unit": unit("区科委")}


def test_daily_loop_pages_of_unit_staff_have_no_csp_violation(page, live_server, lead_staff, daily_loop, violations):
    submitted, kewei = daily_loop["submitted"], daily_loop["unit"]
    copy_measure = daily_loop["copy_from"].measure_id
    log_in(page, live_server, lead_staff.username, PASSWORD)
    visit(
        page,
        live_server,
        [
            "/",
            "/dashboard/",
            "/notifications/",
            "/notifications/settings/",
            f"/units/{kewei.pk}/contacts/",
            f"/measures/{submitted.measure_id}/report/?unit={kewei.pk}",  # 撤回 and 删除 offered
            f"/measures/{submitted.measure_id}/withdraw/?unit={kewei.pk}",  # the confirmation
            f"/evidence/{submitted.evidence.get().pk}/delete/",  # the confirmation
            f"/measures/{copy_measure}/report/?unit={kewei.pk}",  # 沿用上期 offered
            f"/measures/{copy_measure}/report/?unit={kewei.pk}&copy=previous",
        ],
        "daily-loop-staff",
    )
    assert "沿用上期" in page.inner_text("main")
    assert violations == []


def test_daily_loop_pages_of_the_coordinator_have_no_csp_violation(
    page, live_server, plan, coordinator, daily_loop, violations
):
    kewei, submitted = daily_loop["unit"], daily_loop["submitted"]
    task = submitted.measure.task
    log_in(page, live_server, coordinator.username, PASSWORD)
    visit(
        page,
        live_server,
        [
            "/",
            "/dashboard/",
            "/notifications/",
            f"/review/?state=approved&task={task.pk}&unit={kewei.pk}",
            "/review/?state=returned",
            f"/units/{kewei.pk}/",
            f"/units/{kewei.pk}/chase/",  # the confirmations
            f"/measures/{submitted.measure_id}/chase/?unit={kewei.pk}",
            "/chase/",
        ],
        "daily-loop-coordinator",
    )
    page.goto(f"{live_server.url}/review/")
    page.check(f"input[name=report][value='{submitted.pk}']")
    page.click("button:has-text('批量审核通过所选')")
    assert "确认通过 1 条" in page.inner_text("main")
    screenshot(page, "csp-review-batch-confirmation")
    assert violations == []


def test_the_chinese_404_page_in_debug_mode_has_no_csp_violation(
    page, live_server, plan, lead_staff, violations, settings
):
    """Django's technical 404 page carries an inline style; the Chinese page does not."""
    settings.DEBUG = True
    log_in(page, live_server, lead_staff.username, PASSWORD)
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    page.wait_for_load_state("networkidle")
    assert violations == []
    assert "页面不存在" in page.inner_text("body")


def test_the_chinese_403_and_404_pages_have_no_csp_violation(page, live_server, plan, outsider, violations):
    """A refusal and an unknown address, as users meet them: the Chinese pages, no inline style."""
    measure = measure_by_code(plan, 1, 1)
    kewei = Unit.objects.get(name="区科委")
    log_in(page, live_server, outsider.username, PASSWORD)

    refused = page.goto(f"{live_server.url}/measures/{measure.pk}/report/?unit={kewei.pk}")
    page.wait_for_load_state("networkidle")
    assert refused.status == 403 and refused.headers.get("content-security-policy")
    assert "无权访问" in page.inner_text("main")
    screenshot(page, "csp-403")
    missing = page.goto(f"{live_server.url}/units/999999/")
    page.wait_for_load_state("networkidle")
    assert missing.status == 404 and missing.headers.get("content-security-policy")
    assert "页面不存在" in page.inner_text("main")

    assert violations == []
