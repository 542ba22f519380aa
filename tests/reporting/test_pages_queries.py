"""/my/, /review/ and /measures/<pk>/: what they show, and query counts that stay flat as data grows."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tasks import obligations, workflow
from tasks.models import Assignment, Evidence, Measure, Report
from tests.conftest import make_user, measure_by_code

from .helpers import period, save, unit

# Pinned on the current code, per-request overhead included (session, user, account security,
# groups, permissions, the plan switcher). Re-pin deliberately when a page gains a query.
MY_PAGE_QUERIES = 18
REVIEW_QUEUE_QUERIES = 11
MEASURE_PAGE_QUERIES = 18

PERIODS = ["2023年第四季度", "2024年第一季度"]
GROWN_MEASURES = [(1, 1), (1, 3), (2, 1), (5, 2), (6, 1)]


def little(plan, measure, user):
    """A little data on `measure`: its first obligation has one submitted report this quarter."""
    first = obligations.for_measure(measure)[0]
    writer = (
        user
        if user.memberships.filter(unit=first.unit).exists()
        else make_user(f"staff{first.unit.pk}", units=[first.unit.name])
    )
    return workflow.save_report(
        first,
        period(plan),
        {"status": "in_progress", "percent": 10, "progress": "少量数据", "problems": "", "next_steps": ""},
        writer,
        submit=True,
        version=0,
    )


def queries_for(browser, url):
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url)
    assert response.status_code == 200
    return len(captured), response


def grow(plan, coordinator):
    """Many reports with events and evidence, across units and periods, plus more duties for 区科委.

    Every obligation of GROWN_MEASURES reports for two quarters (the first approved), and the
    latest report of each carries an evidence file. Returns the number of reports awaiting review.
    """
    kewei = unit("区科委")
    for position, measure in enumerate(Measure.objects.filter(task__plan=plan, task__number__in=[3, 4]), start=50):
        if not measure.assignments.filter(unit=kewei).exists():
            Assignment.objects.create(
                measure=measure, unit=kewei, position=position, role="support", printed_name="区科委"
            )
    owed = [o for code in GROWN_MEASURES for o in obligations.for_measure(measure_by_code(plan, *code))]
    assert len(owed) > 30
    writers = {u.memberships.get().unit_id: u for u in User.objects.filter(username__startswith="staff")}
    for o in owed:
        writer = writers.get(o.unit.pk) or make_user(f"staff{o.unit.pk}", units=[o.unit.name])
        writers[o.unit.pk] = writer
        for name in PERIODS:
            quarter = period(plan, name)
            existing = Report.objects.filter(measure=o.measure, unit=o.unit, period=quarter).first()
            report = workflow.save_report(
                o,
                quarter,
                {
                    "status": "in_progress",
                    "percent": 40,
                    "progress": f"{o.unit.name}{name}进展",
                    "problems": "",
                    "next_steps": "",
                },
                writer,
                submit=True,
                version=existing.version if existing else 0,
            )
            if name != PERIODS[-1]:
                workflow.approve(report, coordinator, report.version)
        Evidence.objects.create(
            report=report,
            file=ContentFile(b"%PDF", name="x.pdf"),
            original_name=f"{o.unit.name}.pdf",
            size=4,
            uploaded_by=writer,
        )
    return Report.objects.filter(state="submitted").count()


@pytest.fixture
def lead_browser(lead_staff):
    browser = Client()
    browser.force_login(lead_staff)
    return browser


@pytest.fixture
def reviewer(coordinator):
    browser = Client()
    browser.force_login(coordinator)
    return browser


def test_my_page_query_count_does_not_grow_with_data(
    plan, lead_browser, lead_staff, coordinator, django_assert_max_num_queries
):
    little(plan, measure_by_code(plan, 1, 1), lead_staff)
    queries_for(lead_browser, "/my/")  # warm caches that only the first request fills
    few, response = queries_for(lead_browser, "/my/")
    assert few <= MY_PAGE_QUERIES
    rows_before = response.content.decode().count('data-label="措施"')

    grow(plan, coordinator)
    with django_assert_max_num_queries(few):
        many, response = queries_for(lead_browser, "/my/")

    rows_after = response.content.decode().count('data-label="措施"')
    assert rows_after > rows_before + 5
    assert many == few


def test_review_queue_query_count_does_not_grow_with_data(
    plan, reviewer, lead_staff, coordinator, django_assert_max_num_queries
):
    little(plan, measure_by_code(plan, 1, 1), lead_staff)
    queries_for(reviewer, "/review/")
    few, response = queries_for(reviewer, "/review/")
    assert few <= REVIEW_QUEUE_QUERIES
    assert response.content.decode().count('class="button primary" href="/review/') == 1

    waiting = grow(plan, coordinator)
    with django_assert_max_num_queries(few):
        many, response = queries_for(reviewer, "/review/")

    assert waiting > 30
    assert response.content.decode().count('class="button primary" href="/review/') == waiting
    assert many == few


@pytest.mark.parametrize("code", [(2, 1), (6, 1), (5, 2)])
def test_measure_page_query_count_does_not_grow_with_data(
    plan, reviewer, coordinator, code, django_assert_max_num_queries
):
    measure = measure_by_code(plan, *code)
    url = f"/measures/{measure.pk}/"
    little(plan, measure, coordinator)
    queries_for(reviewer, url)
    few, response = queries_for(reviewer, url)
    assert few <= MEASURE_PAGE_QUERIES
    assert response.content.decode().count('class="event event-') == 1

    grow(plan, coordinator)
    with django_assert_max_num_queries(few):
        many, response = queries_for(reviewer, url)

    page = response.content.decode()
    assert page.count('class="event event-') == 3 * len(obligations.for_measure(measure)) + 1
    assert "佐证材料" in page
    assert many == few


# --- what /my/ shows -------------------------------------------------------------------------------


def my_rows(page):
    """{measure code: row html} of the /my/ table."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.DOTALL)
    return {re.search(r">(\d+\.\(\d+\))</a>", row).group(1): row for row in rows}


def test_my_page_lists_the_units_obligations_for_the_current_period(plan, lead_browser, lead_staff):
    save(plan, measure_by_code(plan, 2, 1), "区科委", lead_staff, submit=True)
    save(plan, measure_by_code(plan, 2, 2), "区科委", lead_staff, submit=False)

    response = lead_browser.get("/my/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "当前填报周期：<strong>2024年第一季度</strong>，截止 <strong>2024-04-10</strong>" in page
    rows = my_rows(page)
    assert list(rows) == ["1.(1)", "1.(3)", "2.(1)", "2.(2)", "5.(2)", "6.(4)", "6.(6)"]
    kewei = unit("区科委")
    for code, role, state in [
        ("1.(1)", "牵头", "未填报"),
        ("1.(3)", "配合", "未填报"),
        ("2.(1)", "牵头", "已提交"),
        ("2.(2)", "牵头", "草稿"),
        ("5.(2)", "配合", "未填报"),
        ("6.(6)", "配合", "未填报"),
    ]:
        row = rows[code]
        measure = measure_by_code(plan, *map(int, re.findall(r"\d+", code)))
        assert f">{role}</span>" in row
        assert "2024-04-10" in row
        assert f">{state}</span>" in row
        assert f'href="/measures/{measure.pk}/report/?unit={kewei.pk}"' in row


def test_town_staff_sees_duties_that_come_through_the_collective(plan, client, town_staff):
    client.force_login(town_staff)

    page = client.get("/my/").content.decode()

    rows = my_rows(page)
    assert ">牵头</span>" in rows["6.(1)"]
    assert "（作为各街镇成员）" in rows["6.(1)"]
    assert ">配合</span>" in rows["2.(1)"]
    assert "（作为各街镇成员）" in rows["2.(1)"]
    assert ">牵头</span>" in rows["5.(2)"]
    assert "（作为各街镇成员）" not in rows["5.(2)"]
    jiangqiao = unit("江桥镇")
    assert f'href="/measures/{measure_by_code(plan, 6, 1).pk}/report/?unit={jiangqiao.pk}"' in rows["6.(1)"]
    assert "1.(1)" not in rows


def test_my_page_for_a_user_without_a_unit_says_so(plan, reviewer):
    page = reviewer.get("/my/").content.decode()

    assert "您的账号没有关联任何责任单位" in page
    assert "<tbody>" not in page


def test_my_page_shows_the_returned_state(plan, lead_browser, lead_staff, coordinator):
    report = save(plan, measure_by_code(plan, 1, 1), "区科委", lead_staff, submit=True)
    workflow.return_for_revision(report, coordinator, report.version, "请补充")

    rows = my_rows(lead_browser.get("/my/").content.decode())

    assert ">已退回</span>" in rows["1.(1)"]
    assert Report.objects.get(pk=report.pk).state == "returned"
