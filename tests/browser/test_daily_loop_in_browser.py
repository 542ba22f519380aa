"""The daily loop in a real browser: a unit is told of a return, reads the comment and
resubmits; the coordinator chases and the unit sees it; layouts on a desktop and a phone."""

import datetime

import pytest

from tasks.models import Notification, ReminderLog, Report
from tasks.reporting import workflow
from tests.browser.conftest import log_in, log_out, screenshot
from tests.conftest import PASSWORD, measure_by_code
from tests.helpers import obligation, unit

pytestmark = pytest.mark.browser

TODAY = datetime.date(2024, 3, 20)  # inside 2024年第一季度 (due 2024-04-10); nobody reported 2023年第四季度
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def today(clock):
    """The live server runs in this process, so the moved clock holds for its views too."""
    return clock(TODAY)


def submit(plan, code, unit_name, user, progress="已召开专题推进会。", percent=30):
    quarter = plan.periods.get(name="2024年第一季度")
    fields = {"status": "in_progress", "percent": percent, "progress": progress, "problems": "", "next_steps": ""}
    return workflow.save_report(
        obligation(measure_by_code(plan, *code), unit_name), quarter, fields, user, submit=True, version=0
    )


def test_a_unit_is_told_of_a_return_reads_the_comment_and_resubmits(page, live_server, plan, lead_staff, coordinator):
    submit(plan, (1, 1), "区科委", lead_staff)

    log_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/review/")
    page.locator("tr", has_text="1.(1)").locator("a.button").click()
    page.fill("#id_comment", "请补充众创空间的名称和入驻企业数量。")
    page.click("button[value=return]")
    assert "已退回" in page.inner_text(".messages")
    log_out(page)

    log_in(page, live_server, lead_staff.username, PASSWORD)
    assert page.inner_text("header .badge") == "1"  # unread, in the navigation
    assert page.locator("h1").inner_text() == "待办"
    returned = page.locator("h2:has-text('被退回') + .cards .ob-card")
    assert "请补充众创空间的名称和入驻企业数量。" in returned.inner_text()
    screenshot(page, "todo-with-a-return")

    page.click("header a.nav-messages")
    page.click(".message-title:has-text('被退回')")
    assert "/measures/" in page.url and "/report/" in page.url
    assert "协调人退回意见：请补充众创空间的名称和入驻企业数量。" in page.inner_text("main")
    assert page.locator("header .badge").count() == 0  # read now
    screenshot(page, "report-form-with-the-return-comment")

    page.fill("#id_progress", "已建成“嘉创空间”“南翔数字港”两处众创空间，入驻企业 35 家。")
    page.click("button[name=submit]")
    assert "已提交，等待协调人审核。" in page.inner_text(".messages")
    report = Report.objects.get(measure=measure_by_code(plan, 1, 1), unit=unit("区科委"))
    assert report.state == Report.State.SUBMITTED
    assert report.events.order_by("-pk").first().action == "resubmitted"

    page.goto(f"{live_server.url}/")
    assert "已提交，等待审核（1）" in page.inner_text("main")


def test_the_coordinator_chases_and_the_unit_sees_it(page, live_server, plan, lead_staff, coordinator):
    log_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/units/{unit('区科委').pk}/")
    page.click("a:has-text('催报（7 项逾期未报）')")
    assert "确定向区科委催报（7 项逾期未报）吗？" in page.inner_text("main")
    screenshot(page, "chase-confirmation")
    page.click("button:has-text('确认催报')")
    assert "已催报：区科委（2024年第一季度）。" in page.inner_text(".messages")
    assert "协调人催报" in page.inner_text("table.chase-log")
    screenshot(page, "unit-page-after-a-chase")
    assert ReminderLog.objects.filter(unit__name="区科委", source="manual").count() == 1
    log_out(page)

    log_in(page, live_server, lead_staff.username, PASSWORD)
    unread = page.locator("section.unread")
    assert "催报：区科委2024年第一季度尚有 7 项措施未提交" in unread.inner_text()
    unread.locator(".message-title", has_text="催报").click()  # a button that opens it (a POST)
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/?plan={plan.pk}"  # the 待办 of the chase's plan, where the work is
    assert Notification.objects.get(user=lead_staff, kind="chased").read_at is not None


def test_the_coordinator_chases_every_overdue_unit_from_the_dashboard(
    page, live_server, plan, coordinator, lead_staff, town_staff
):
    log_in(page, live_server, coordinator.username, PASSWORD)
    assert "我的待办" in page.inner_text("main")
    page.click("a:has-text('一键催报')")
    page.click("button:has-text('确认催报')")
    assert "已催报：区科委、江桥镇（2024年第一季度）。" in page.inner_text(".messages")


def single_line_failures(page, selector):
    """Elements matching `selector` whose text takes more than one line (counted from the
    line boxes of their text, so a tall table cell with one line of text passes)."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)].filter(el => {
            if (!el.offsetParent) return false;
            const range = document.createRange();
            range.selectNodeContents(el);
            const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top / 4)));
            return tops.size > 1;
        }).map(el => el.outerHTML.slice(0, 120))""",
        selector,
    )


def test_badges_dates_and_buttons_keep_to_one_line_on_a_desktop(page, live_server, plan, lead_staff, coordinator):
    for code in [(1, 1), (2, 1), (2, 2)]:
        submit(plan, code, "区科委", lead_staff)
    page.set_viewport_size(DESKTOP)
    short_words = ".state, .light, .role, .button, .badge"

    log_in(page, live_server, lead_staff.username, PASSWORD)
    page.goto(f"{live_server.url}/my/")
    assert single_line_failures(page, f"{short_words}, td[data-label='截止日期'], td[data-label='进度']") == []
    screenshot(page, "my-desktop")

    log_out(page)
    log_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/review/?state=")
    assert single_line_failures(page, f"{short_words}, td[data-label='周期'], td[data-label='状态与进度']") == []
    screenshot(page, "review-desktop")
    page.goto(f"{live_server.url}/units/{unit('区科委').pk}/")
    assert single_line_failures(page, f"{short_words}, td[data-label='进度'], td[data-label='手机']") == []
    screenshot(page, "unit-desktop")
    page.goto(f"{live_server.url}/")
    screenshot(page, "dashboard-desktop")


def test_my_obligations_fit_a_phone_in_a_few_lines_each(page, live_server, plan, lead_staff):
    submit(plan, (1, 1), "区科委", lead_staff)
    page.set_viewport_size(PHONE)
    log_in(page, live_server, lead_staff.username, PASSWORD)

    page.goto(f"{live_server.url}/my/")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    heights = page.eval_on_selector_all("table.obligations tbody tr", "rows => rows.map(r => r.offsetHeight)")
    assert len(heights) == 7
    assert max(heights) <= 5 * line + 24, heights  # four lines of text and the padding
    screenshot(page, "my-phone")
    page.goto(f"{live_server.url}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("header .header-unread").count() == 0  # nothing unread
    screenshot(page, "todo-phone")


def test_the_dashboard_chart_stays_readable_on_a_phone(page, live_server, plan, coordinator, lead_staff):
    submit(plan, (1, 1), "区科委", lead_staff)
    page.set_viewport_size(PHONE)
    log_in(page, live_server, coordinator.username, PASSWORD)

    page.goto(f"{live_server.url}/dashboard/")

    assert not page.locator("svg.chart-wide").is_visible()
    labels = page.locator(".chart-narrow .chart-label")
    assert labels.count() == 11
    assert labels.first.inner_text() == "1. 发展数字广告新型业态"
    sizes = page.eval_on_selector_all(
        ".chart-narrow .chart-label, .chart-value", "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert min(sizes) >= 13
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The units stay a table of one line each (a card per unit made the page 14,000 px tall).
    rows = page.locator("table.unit-summary tbody tr")
    assert rows.count() == 29
    assert max(rows.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")) < 60
    assert page.locator("table.unit-summary").bounding_box()["width"] <= PHONE["width"]
    screenshot(page, "dashboard-phone")
    page.goto(f"{live_server.url}/review/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "review-phone")


def test_the_messages_line_up_with_the_page_on_a_desktop(page, live_server, plan, lead_staff, coordinator):
    """A message is a card as wide as the page, not an item styled as the notice of /tasks/
    (whose `.notice` is centred at 1,100 px)."""
    report = submit(plan, (1, 1), "区科委", lead_staff)
    workflow.return_for_revision(report, coordinator, report.version, "请补充数据。")
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, lead_staff.username, PASSWORD)

    page.goto(f"{live_server.url}/notifications/")

    heading, card = page.locator("main h1").bounding_box(), page.locator(".message-list li").first.bounding_box()
    main = page.locator("main").bounding_box()
    assert abs(card["x"] - heading["x"]) <= 1
    assert card["width"] >= main["width"] - 40  # the content width of main
    screenshot(page, "notifications-desktop")
