import datetime

import pytest

from tests.browser.conftest import log_in, log_out, screenshot
from tests.conftest import PASSWORD, measure_by_code

pytestmark = pytest.mark.browser


def test_submit_return_resubmit_approve_shows_on_the_timeline(page, live_server, lead_staff, coordinator, plan):
    measure = measure_by_code(plan, 1, 1)
    # Today the plan has ended: its last period takes reports only once the
    # coordinator opens it for late reporting (as seed_demo does for make run).
    last = plan.periods.order_by("-end_date").first()
    last.late_until = datetime.date.today() + datetime.timedelta(days=30)
    last.save()

    log_in(page, live_server, lead_staff.username, PASSWORD)
    page.goto(f"{live_server.url}/my/")
    row = page.locator("tr", has_text="1.(1)")
    assert "牵头" in row.inner_text()
    row.locator("a.button").click()
    page.select_option("#id_status", "in_progress")
    page.fill("#id_percent", "40")
    page.fill("#id_progress", "已建成众创空间两处。")
    page.click("button[name=submit]")
    assert "已提交" in page.inner_text(".messages")
    screenshot(page, "report-submitted")
    log_out(page)

    log_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/review/")
    page.locator("tr", has_text="1.(1)").locator("a.button").click()
    page.fill("#id_comment", "请补充众创空间名称。")
    page.click("button[value=return]")
    assert "已退回" in page.inner_text(".messages")
    log_out(page)

    log_in(page, live_server, lead_staff.username, PASSWORD)
    page.goto(f"{live_server.url}/measures/{measure.pk}/report/")
    assert "请补充众创空间名称。" in page.inner_text("main")
    page.fill("#id_progress", "已建成“嘉创空间”“南翔数字港”两处众创空间。")
    page.fill("#id_percent", "45")
    page.click("button[name=submit]")
    log_out(page)

    log_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/review/")
    page.locator("tr", has_text="1.(1)").locator("a.button").click()
    page.click("button[value=approve]")
    assert "已审核通过" in page.inner_text(".messages")

    page.goto(f"{live_server.url}/measures/{measure.pk}/")
    timeline = page.inner_text("ol.timeline")
    for action in ["提交", "退回", "重新提交", "审核通过"]:
        assert action in timeline
    assert page.locator("ol.timeline > li").count() == 4
    assert "45%" in page.inner_text("main")
    screenshot(page, "measure-timeline")
