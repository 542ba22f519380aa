"""Screens that used to defeat people, measured in Chromium: /review/'s action column at
desktop widths, /measures/'s statuses on one line, indicator chart labels apart, a long
measure page folded, and a day's work done with the keyboard alone."""

import datetime
from decimal import Decimal

import pytest

from tasks.indicators import values as indicators
from tasks.reporting import workflow
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD, make_user, measure_by_code
from tests.helpers import final_period, obligation

pytestmark = pytest.mark.browser

TODAY = datetime.date(2026, 3, 20)  # the plan has ended; its 终期评估 is open
FIELDS = {"status": "in_progress", "percent": 30, "progress": "已召开专题推进会。", "problems": "", "next_steps": ""}
EVALUATION = {
    **FIELDS,
    "completion": "mostly",
    "percent": 88,
    "problems": "第三个平台选址未定。",
    "next_steps": "2026年6月底前完成。",
}


@pytest.fixture(autouse=True)
def today(clock):
    return clock(TODAY)


@pytest.fixture
def waiting(plan, coordinator):
    """Final evaluations from the units with the longest names, some approved with long
    comments: the widest rows /review/ shows."""
    final = final_period(plan, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), datetime.date(2026, 4, 10))
    reports = []
    for code, unit_name in [
        ((5, 1), "工业区管委会"),
        ((5, 2), "江桥镇"),
        ((6, 8), "区市场监管局"),
        ((1, 1), "区科委"),
    ]:
        staff = make_user(f"staff{len(reports)}", units=[unit_name])
        owed = obligation(measure_by_code(plan, *code), unit_name)
        reports.append(workflow.save_report(owed, final, EVALUATION, staff, submit=True, version=0))
    for report in reports[:2]:
        workflow.approve_evaluation(report, coordinator, report.version, "措施推进有力，成效明显。" * 6)
    return reports


@pytest.mark.parametrize("query", ["", "?state=approved"])
def test_review_shows_every_column_at_desktop_widths(page, live_server, coordinator, waiting, query):
    log_in(page, live_server, coordinator.username, PASSWORD)
    for width in (1280, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/review/{query}")
        fit = page.evaluate(
            """() => {
              const box = document.querySelector('.table-scroll').getBoundingClientRect();
              const table = document.querySelector('table.review-table').getBoundingClientRect();
              const buttons = Array.from(document.querySelectorAll('td.cell-action a.button'));
              return {box: box.right, table: table.right,
                      buttons: buttons.map(b => b.getBoundingClientRect().right), count: buttons.length};
            }"""
        )
        assert fit["count"] >= 2
        assert fit["table"] <= fit["box"] + 0.5, f"{width} px: the table is wider than its box"
        assert max(fit["buttons"]) <= fit["box"], f"{width} px: an action button is cut"
        screenshot(page, f"review-{width}{'-approved' if query else ''}")


def test_measure_statuses_stay_on_one_line_at_1280(page, live_server, plan, coordinator):
    log_in(page, live_server, coordinator.username, PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/measures/")
    lines = page.evaluate(
        """() => Array.from(document.querySelectorAll('td[data-label="状态"]')).map(td => {
             const range = document.createRange();
             range.selectNodeContents(td);
             return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size;
           })"""
    )
    assert lines and set(lines) == {1}


def test_indicator_chart_labels_never_overlap(page, live_server, plan, coordinator):
    market = make_user("shichangjianguan", units=["区市场监管局"])
    # The demo's values: small counts next to a small axis, large ones next to a large axis.
    series = {1: {2022: 0, 2023: 1, 2024: 2, 2025: 3}, 2: {2022: 2, 2023: 4, 2024: 6}, 3: {2020: 12500, 2021: 13400}}
    series[3].update({2022: 14600, 2023: 15900, 2024: 17000, 2025: 17900})
    series[4] = {2022: 86, 2023: 96.3, 2024: 107.4, 2025: 116.9}
    for number, values in series.items():
        indicator = plan.indicators.get(number=number)
        if indicator.target_value is None:
            indicator.target_value = {1: 3, 2: 10}[number]
            indicator.save()
        for year, value in values.items():
            data = {"value": Decimal(str(value)), "source": "统计", "note": ""}
            row = indicators.save_value(indicator, year, data, market, submit=True, version=0)
            indicators.approve(row, coordinator, row.version)
    log_in(page, live_server, coordinator.username, PASSWORD)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/indicators/")
        overlaps = page.evaluate(
            """() => {
              const found = [];
              document.querySelectorAll('svg.indicator-chart').forEach((svg, n) => {
                const boxes = Array.from(svg.querySelectorAll('text'))
                  .map(t => [t.textContent, t.getBoundingClientRect()]);
                for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
                  const [a, p] = boxes[i], [b, q] = boxes[j];
                  if (p.left < q.right - 0.5 && q.left < p.right - 0.5 && p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5)
                    found.push('chart ' + (n + 1) + ': «' + a + '» over «' + b + '»');
                }
                const frame = svg.getBoundingClientRect();
                boxes.forEach(([t, r]) => { if (r.left < frame.left - 0.5 || r.right > frame.right + 0.5) found.push('chart ' + (n + 1) + ': «' + t + '» off the edge'); });
              });
              return found;
            }"""
        )
        assert overlaps == [], f"{width} px"
        screenshot(page, f"indicator-charts-{width}")
    assert "116.9 亿元" in page.inner_text("main") and "116.90" not in page.inner_text("main")


def test_a_long_measure_page_opens_on_its_newest_period(page, live_server, plan, lead_staff, coordinator):
    measure = measure_by_code(plan, 1, 1)
    owed = obligation(measure, "区科委")
    for period in plan.periods.order_by("end_date")[:12]:
        report = workflow.save_report(owed, period, FIELDS, lead_staff, submit=True, version=0)
        workflow.approve(report, coordinator, report.version, "好。")
    log_in(page, live_server, coordinator.username, PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/measures/{measure.pk}/")
    folded = page.locator("details.timeline-more")
    assert folded.count() == 11  # one per earlier period
    assert not folded.first.evaluate("d => d.open")
    newest = page.locator(".timeline-period").first.inner_text()
    assert newest.startswith("2025年第四季度")
    height = page.evaluate("document.documentElement.scrollHeight")
    folded.first.locator("summary").click()
    assert folded.first.evaluate("d => d.open")
    assert page.evaluate("document.documentElement.scrollHeight") > height
    screenshot(page, "measure-timeline-folded")


def _tab_to(page, target, limit=250):
    """Press Tab until `target` (a selector or a locator) has the focus; fails after `limit` presses."""
    locator = page.locator(target).first if isinstance(target, str) else target
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} is not reachable with Tab")


def test_a_days_work_with_the_keyboard_alone(page, live_server, plan, lead_staff, coordinator):
    """Log in, open the returned report from 待办, correct it and submit; the coordinator
    approves it; the phone menu opens with the keyboard. No mouse."""
    final = final_period(plan, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), datetime.date(2026, 4, 10))
    owed = obligation(measure_by_code(plan, 1, 1), "区科委")
    report = workflow.save_report(owed, final, EVALUATION, lead_staff, submit=True, version=0)
    workflow.return_for_revision(report, coordinator, report.version, "请补充平台名称。")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    _tab_to(page, "#id_username")
    page.keyboard.type(lead_staff.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "待办"
    _tab_to(page, "a.button:has-text('修改并重新提交')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "#id_progress")
    page.keyboard.press("Control+End")
    page.keyboard.type("平台名称：嘉创空间。")
    _tab_to(page, "button[name=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已提交，等待协调人审核。" in page.inner_text(".messages")
    _tab_to(page, page.get_by_role("button", name="退出", exact=True))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    log_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/review/")
    _tab_to(page, "td.cell-action a.button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "#id_assessment")
    page.keyboard.type("基本完成，后续跟踪选址。")
    _tab_to(page, "button[value=approve]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已审核通过" in page.inner_text(".messages")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dashboard/")
    assert not page.locator("nav.site-nav").is_visible()
    _tab_to(page, "#nav-toggle")
    outline = page.evaluate("getComputedStyle(document.querySelector('.nav-toggle-label')).outlineStyle")
    assert outline != "none"  # the focus shows on the menu button
    page.keyboard.press("Space")
    assert page.locator("nav.site-nav").is_visible()
    _tab_to(page, "nav.site-nav a:has-text('措施进展')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/measures/")
