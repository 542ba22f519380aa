"""/ as a home: unit staff's 待办, and the coordinator's 待办 at the top of the dashboard."""

import datetime
import re

from departments import roles
from tasks.reporting import workflow
from tests.conftest import make_user, measure_by_code

from .helpers import grow, little, put_report, queries_for, save

D = datetime.date
Q4_2023 = "2023年第四季度"
# Pinned on the current code: the 待办 page computes progress for the user's measures only.
# 20: the plan selector of unit staff (the plans their units are in).
TODO_PAGE_QUERIES = 22  # 20, and the returned indicator values and the last 催报 of each unit


def section(page, heading):
    """The HTML of the 待办 section whose heading starts with `heading`, up to the next one."""
    start = page.index(f"<h2>{heading}")
    end = page.find("<h2>", start + 1)
    return page[start : end if end != -1 else len(page)]


def stat(page, label):
    return re.search(rf'{label}</div><div class="value">([^<]*)</div>', page).group(1)


def cards(html):
    return re.findall(r'class="ob-code" href="/measures/\d+/">([^<]+)</a>', html)


def test_unit_staffs_home_lists_returned_overdue_and_due_obligations_returned_first(
    plan, lead_client, lead_staff, coordinator
):
    # 1.(3) was reported last quarter, so it is only due; the other untouched ones are overdue.
    put_report(plan, measure_by_code(plan, 1, 3), "区科委", period_name=Q4_2023, percent=20)
    returned = save(plan, measure_by_code(plan, 1, 1), "区科委", lead_staff, submit=True)
    workflow.return_for_revision(returned, coordinator, returned.version, "请补充众创空间的名称。")
    save(plan, measure_by_code(plan, 2, 1), "区科委", lead_staff, submit=True)
    approved = save(plan, measure_by_code(plan, 2, 2), "区科委", lead_staff, submit=True)
    workflow.approve(approved, coordinator, approved.version, "内容翔实。")

    response = lead_client.get("/")

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "tasks/todo.html"
    page = response.content.decode()
    assert (stat(page, "被退回"), stat(page, "已逾期"), stat(page, "待填报")) == ("1", "3", "1")
    assert (stat(page, "已提交待审核"), stat(page, "已通过")) == ("1", "1")
    assert "截止 <strong>2024-04-10</strong>" in page
    headings = [h for h in re.findall(r"<h2>([^（<]+)", page) if h != "未读消息 "]
    assert headings[:5] == ["被退回，需修改后重新提交", "已逾期未提交", "待填报", "已提交，等待审核", "已审核通过"]
    assert cards(section(page, "被退回")) == ["1.(1)"]
    assert "退回意见：</strong>请补充众创空间的名称。" in section(page, "被退回")
    assert cards(section(page, "已逾期")) == ["5.(2)", "6.(4)", "6.(6)"]
    assert section(page, "已逾期").count("上期未报") == 3
    assert cards(section(page, "待填报")) == ["1.(3)"]
    assert "审核意见：</strong>内容翔实。" in section(page, "已审核通过")
    assert 'href="/dashboard/"' in page


def test_returned_card_leads_to_the_units_form(plan, lead_client, lead_staff, coordinator):
    report = save(plan, measure_by_code(plan, 1, 1), "区科委", lead_staff, submit=True)
    workflow.return_for_revision(report, coordinator, report.version, "请补充。")

    page = section(lead_client.get("/").content.decode(), "被退回")

    form = f"/measures/{report.measure_id}/report/?unit={report.unit_id}&amp;period={report.period_id}"
    assert f'href="{form}">修改并重新提交</a>' in page


def test_todo_says_when_everything_is_in(plan, lead_client, lead_staff):
    for code in [(1, 1), (1, 3), (2, 1), (2, 2), (5, 2), (6, 4), (6, 6)]:
        save(plan, measure_by_code(plan, *code), "区科委", lead_staff, submit=True)

    page = lead_client.get("/").content.decode()

    assert "本期需要填报的事项都已提交。" in page
    assert stat(page, "已提交待审核") == "7"


def test_first_quarter_of_the_plan_has_nothing_overdue_before_its_due_date(plan, lead_staff, client_for, clock):
    clock(D(2023, 3, 20))

    page = client_for(lead_staff).get("/").content.decode()

    assert (stat(page, "已逾期"), stat(page, "待填报")) == ("0", "7")


def test_after_the_due_date_every_missing_report_is_overdue_and_counted_in_days(
    plan, lead_staff, client_for, clock, settings
):
    settings.PASSWORD_MAX_AGE_DAYS = 10000
    clock(D(2026, 1, 14))  # 2025年第四季度, due 2026-01-12, is the plan's last period

    page = client_for(lead_staff).get("/").content.decode()

    assert stat(page, "已逾期") == "7"
    assert "已逾期 2 天" in page


def test_coordinators_home_is_the_dashboard_with_their_todo_on_top(
    plan, client_for, coordinator, lead_staff, town_staff, clock
):
    clock(D(2024, 4, 5))  # 2024年第一季度 is due on 2024-04-10: within 7 days
    save(plan, measure_by_code(plan, 1, 1), "区科委", lead_staff, submit=True)
    save(plan, measure_by_code(plan, 6, 1), "江桥镇", town_staff, submit=True)

    response = client_for(coordinator).get("/")

    page = response.content.decode()
    assert [t.name for t in response.templates][0] == "tasks/dashboard.html"
    todo = page[page.index("我的待办") : page.index("各项工作任务进度")]
    assert page.index("我的待办") < page.index("方案完成进度")
    assert re.search(r'待审核的填报</div>\s*<div class="value">2</div>', todo)
    assert 'href="/review/"' in todo
    overdue_units = int(re.search(r'逾期未报的单位</div>\s*<div class="value">(\d+)</div>', todo).group(1))
    assert overdue_units == 29  # every unit with duties (twelve 街镇): nobody reported 2023年第四季度
    assert "区科委（6 项）" in todo  # 1.(1) is in
    assert 'href="/chase/"' in todo
    assert "2024年第一季度 · 2024-04-10" in todo


def test_viewer_sees_the_dashboard_without_a_todo(plan, client_for, viewer):
    page = client_for(viewer).get("/").content.decode()

    assert "各项工作任务进度" in page
    assert "我的待办" not in page


def test_unit_staff_with_a_role_too_get_the_dashboard(plan, client_for):
    both = make_user("kewei_leader", units=["区科委"], groups=[roles.VIEWER])

    response = client_for(both).get("/")

    assert [t.name for t in response.templates][0] == "tasks/dashboard.html"


def test_the_dashboard_is_one_click_away_for_unit_staff(plan, lead_client):
    todo = lead_client.get("/").content.decode()
    dashboard = lead_client.get("/dashboard/").content.decode()

    assert '<a href="/dashboard/">总览</a>' in todo
    assert "各项工作任务进度" in dashboard
    assert "我的待办" not in dashboard


def test_todo_page_query_count_does_not_grow_with_data(
    plan, lead_client, lead_staff, coordinator, django_assert_max_num_queries
):
    little(plan, measure_by_code(plan, 1, 1), lead_staff)
    queries_for(lead_client, "/")
    few, _ = queries_for(lead_client, "/")
    assert few <= TODO_PAGE_QUERIES

    grow(plan, coordinator)
    with django_assert_max_num_queries(few):
        many, response = queries_for(lead_client, "/")

    assert many == few
    assert stat(response.content.decode(), "已提交待审核") != "0"
