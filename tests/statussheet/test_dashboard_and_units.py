"""The dashboard (/), the unit list (/units/) and one unit's page (/units/<pk>/)."""

import datetime
import re

import pytest

from departments.models import Unit
from tasks import obligations
from tasks.models import Report
from tests.conftest import measure_by_code
from tests.helpers import unit

from .helpers import (
    EXPECTED_PERCENT,
    document_measures,
    queries_as_reports_grow,
    report,
)


def units_with_obligations(plan):
    """Every unit that owes a report somewhere in the plan (collectives expanded)."""
    members = obligations.collective_members()
    found = {}
    for measure in document_measures(plan):
        for owed in obligations.for_measure(measure, members):
            found[owed.unit.pk] = owed.unit
    return sorted(found.values(), key=lambda u: (u.sort_order, u.name))


def table_rows(body, caption):
    """The <tr> bodies of the first table after `caption`."""
    start = body.index(caption)
    tbody = body[body.index("<tbody>", start) : body.index("</tbody>", start)]
    return re.findall(r"<tr>(.*?)</tr>", tbody, flags=re.DOTALL)


def cell(row, label):
    return re.search(rf'<td data-label="{label}">(.*?)</td>', row, flags=re.DOTALL).group(1)


def stat(body, label):
    """The big number of a dashboard/unit stat box."""
    return re.search(rf'{label}</div><div class="value">([^<]*)</div>', body).group(1)


@pytest.fixture
def reported(plan, lead_staff, current_period):
    """区科委: 1.(1) 推进中 40%, 2.(2) 已完成 this quarter."""
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, percent=40)
    report(measure_by_code(plan, 2, 2), "区科委", current_period, lead_staff, status=Report.Status.DONE, percent=100)


# --- Dashboard ---------------------------------------------------------------------


def test_dashboard_shows_the_plan_its_current_period_and_due_date(as_coordinator):
    response = as_coordinator.get("/")
    body = response.content.decode()

    assert response.status_code == 200
    assert "<h1>嘉定区数字广告业高质量发展行动方案（2023—2025年）</h1>" in body
    assert "当前填报周期：<strong>2024年第二季度</strong>，截止 <strong>2024-07-10</strong>" in body


def test_dashboard_shows_plan_percent_and_expected_progress(as_coordinator, reported):
    body = as_coordinator.get("/").content.decode()

    # Task 1: (40 + 0 × 4) / 5 = 8; task 2: (0 + 100) / 2 = 50; the nine others 0.
    assert stat(body, "方案完成进度") == f"{round((8 + 50) / 11, 1)}%"
    assert stat(body, r"序时进度（时间已过）") == f"{EXPECTED_PERCENT}%"
    assert "2023-01-01 至 2025-12-31" in body


def test_dashboard_counts_measures_by_light(as_coordinator, reported):
    body = as_coordinator.get("/").content.decode()

    counts = dict(re.findall(r'<span class="light (\w+)">[^<]+</span> 措施</div><div class="value">(\d+)</div>', body))
    assert counts == {"red": "40", "yellow": "0", "green": "1", "done": "1"}
    assert '<span class="state">推进中 1</span>' in body
    assert '<span class="state">未填报 40</span>' in body


def test_dashboard_chart_has_one_bar_per_task(plan, as_coordinator, reported):
    body = as_coordinator.get("/").content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    bars = re.findall(r'<g transform="translate\(0, \d+\)">(.*?)</g>', svg, flags=re.DOTALL)

    assert len(bars) == plan.tasks.count() == 11
    assert "1. 发展数字广告新型业态" in bars[0]
    assert 'fill="#1f4e8c"' in bars[0]
    assert 'width="33.6"' in bars[0]  # 8% of 420
    assert 'width="210.0"' in bars[1]  # 50%
    assert ">8.0%</text>" in bars[0]
    # The expected-progress line: 45.7% of the 420-wide bar after a 230 margin.
    assert 'x1="421.9"' in svg


def test_dashboard_has_a_row_per_unit(plan, as_coordinator, reported):
    body = as_coordinator.get("/").content.decode()
    rows = table_rows(body, "各单位填报情况")

    expected = units_with_obligations(plan)
    assert [re.search(r">([^<]+)</a>", cell(r, "单位")).group(1) for r in rows] == [u.name for u in expected]
    assert "各街镇" not in [u.name for u in expected]
    kewei = next(r for r in rows if ">区科委</a>" in r)
    assert f'href="/units/{unit("区科委").pk}/"' in kewei
    assert cell(kewei, "承担事项") == "7"
    assert cell(kewei, "其中牵头") == "3"
    assert cell(kewei, "本期已提交") == "2"


def test_dashboard_shows_the_main_goals(as_coordinator):
    body = as_coordinator.get("/").content.decode()
    goals = body[body.index("<h2>主要目标</h2>") :]

    assert "全区广告经营主体相比十三五末增加 40%" in goals
    assert "广告年营收两位数增长" in goals


def test_anonymous_visitor_is_sent_to_login(plan, client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


# --- Units -------------------------------------------------------------------------


def test_unit_list_has_a_row_per_unit_with_its_counts(plan, as_coordinator, reported):
    response = as_coordinator.get("/units/")
    rows = table_rows(response.content.decode(), "<h1>责任单位</h1>")

    assert response.status_code == 200
    assert len(rows) == len(units_with_obligations(plan))
    by_name = {re.search(r">([^<]+)</a>", cell(r, "单位")).group(1): r for r in rows}
    for name in ["区科委", "江桥镇"]:
        owed = obligations.for_units([unit(name)], plan)
        assert cell(by_name[name], "承担事项") == str(len(owed))
        assert cell(by_name[name], "其中牵头") == str(sum(o.is_lead for o in owed))
    assert cell(by_name["江桥镇"], "类型") == "镇"
    assert cell(by_name["区科委"], "本期已提交") == "2"
    # (40 + 0 + 0 + 100 + 0 + 0 + 0) / 7 obligations
    assert "20.0%" in cell(by_name["区科委"], "平均进度")


def test_unit_list_counts_overdue_obligations_after_the_due_date(
    plan, as_coordinator, coordinator, lead_staff, clock, settings
):
    # After the plan: the last open period (2025年第四季度, due 2026-01-12) is current and overdue.
    settings.PASSWORD_MAX_AGE_DAYS = 10 * 365  # the accounts of 2024 keep their passwords past the clock's jump
    clock(datetime.date(2026, 1, 20))
    as_coordinator.force_login(coordinator)  # the session of 2024 has expired
    last = plan.periods.get(name="2025年第四季度")
    report(measure_by_code(plan, 1, 1), "区科委", last, lead_staff, percent=60)

    rows = table_rows(as_coordinator.get("/units/").content.decode(), "<h1>责任单位</h1>")
    kewei = next(r for r in rows if ">区科委</a>" in r)

    assert cell(kewei, "本期已提交") == "1"
    assert '<span class="light red">6</span>' in cell(kewei, "逾期未报")


def test_town_page_shows_obligations_through_each_town_and_5_2_as_lead(plan, as_coordinator):
    jiangqiao = unit("江桥镇")
    response = as_coordinator.get(f"/units/{jiangqiao.pk}/")
    body = response.content.decode()
    rows = table_rows(body, "承担的措施")
    owed = obligations.for_units([jiangqiao], plan)
    by_code = {re.search(r">(\d+\.\(\d+\))</a>", r).group(1): r for r in rows}

    assert response.status_code == 200
    assert "<h1>江桥镇</h1>" in body
    assert "属于：各街镇、各相关街镇" in body
    assert list(by_code) == [o.measure.code for o in owed]
    assert '<span class="role lead">牵头</span>' in by_code["5.(2)"]
    assert "（作为各街镇成员）" not in by_code["5.(2)"]
    assert '<span class="role lead">牵头</span>' in by_code["6.(1)"]
    assert "（作为各街镇成员）" in by_code["6.(1)"]
    assert '<span class="role support">配合</span>' in by_code["2.(1)"]
    assert "（作为各相关街镇成员）" in by_code["9.(1)"]
    assert stat(body, "承担事项") == str(len(owed))
    assert f"其中牵头 {sum(o.is_lead for o in owed)}" in body


def test_unit_page_shows_this_periods_report_state(plan, as_coordinator, town_staff, current_period):
    report(measure_by_code(plan, 5, 2), "江桥镇", current_period, town_staff, percent=30)
    report(measure_by_code(plan, 6, 1), "江桥镇", current_period, town_staff, percent=20, submit=False)

    body = as_coordinator.get(f"/units/{unit('江桥镇').pk}/").content.decode()
    rows = {re.search(r">(\d+\.\(\d+\))</a>", r).group(1): r for r in table_rows(body, "承担的措施")}

    assert '<span class="state submitted">已提交</span>' in cell(rows["5.(2)"], "本期填报")
    assert cell(rows["5.(2)"], "进度") == "30%"
    assert '<span class="state draft">草稿</span>' in cell(rows["6.(1)"], "本期填报")
    assert cell(rows["6.(1)"], "进度") == "0%"  # a draft does not count
    assert cell(rows["3.(1)"], "本期填报") == "未填报"
    assert stat(body, "本期已提交") == "1"


def test_collective_unit_page_lists_its_members(plan, as_coordinator):
    collective = unit("各街镇")
    body = as_coordinator.get(f"/units/{collective.pk}/").content.decode()

    for member in collective.members.all():
        assert f'<a href="/units/{member.pk}/">{member.name}</a>' in body
    assert "该单位在本方案中没有直接承担的措施。" in body


def test_unknown_unit_is_404(plan, as_coordinator):
    missing = (Unit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000

    assert as_coordinator.get(f"/units/{missing}/").status_code == 404


# --- Queries ------------------------------------------------------------------------


# The dashboard also reads the goal indicators and their values (two queries), whether a
# final evaluation has started and whether demo history is there, and the coordinator's
# 待办 (reports waiting, periods closing, the unread count: three more); /units/ also reads the plan's periods
# and every report's key for the on-time rate over the whole plan; every page, the unread
# count and the user's units for the navigation.
PAGE_QUERIES = {"/": 23, "/units/": 19, "unit": 25}


@pytest.mark.parametrize("page", ["/", "/units/", "unit"])
def test_page_query_count_is_pinned_and_flat_as_reports_grow(
    plan, as_coordinator, lead_staff, django_assert_max_num_queries, page
):
    # 区科委: the unit with a few reports (a unit's page loads its reports only once it has any).
    url = f"/units/{unit('区科委').pk}/" if page == "unit" else page
    pinned = django_assert_max_num_queries(PAGE_QUERIES[page])

    few, many, response = queries_as_reports_grow(as_coordinator, url, None, plan, lead_staff, pinned)

    assert many == few
    assert response.status_code == 200
    # The bulk reports' 50 % shows (as the average, or on the unit's rows beside its own two reports).
    assert ("50%" if page == "unit" else "50.0%") in response.content.decode()
