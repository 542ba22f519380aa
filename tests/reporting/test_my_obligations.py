"""/my/: the logged-in staff member's obligations this period and their report state."""

import re

from tasks.models import Report
from tasks.reporting import workflow
from tests.conftest import measure_by_code

from .helpers import grow, little, queries_for, save, unit

# Pinned on the current code, per-request overhead included (session, user, account security,
# permissions, the plan switcher). Re-pin deliberately when a page gains a query.
# 19: unit staff get the plan switcher (the plans their units are in) and the unread count.
MY_PAGE_QUERIES = 19


def my_rows(page):
    """{measure code: row html} of the /my/ table."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.DOTALL)
    return {re.search(r">(\d+\.\(\d+\))</a>", row).group(1): row for row in rows}


def test_my_page_lists_the_units_obligations_for_the_current_period(plan, lead_client, lead_staff):
    save(plan, measure_by_code(plan, 2, 1), "区科委", lead_staff, submit=True)
    save(plan, measure_by_code(plan, 2, 2), "区科委", lead_staff, submit=False)

    response = lead_client.get("/my/")

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


def test_my_page_for_a_user_without_a_unit_says_so(plan, coordinator_client):
    page = coordinator_client.get("/my/").content.decode()

    assert "您的账号没有关联任何责任单位" in page
    assert "<tbody>" not in page


def test_my_page_shows_the_returned_state(plan, lead_client, lead_staff, coordinator):
    report = save(plan, measure_by_code(plan, 1, 1), "区科委", lead_staff, submit=True)
    workflow.return_for_revision(report, coordinator, report.version, "请补充")

    rows = my_rows(lead_client.get("/my/").content.decode())

    assert ">已退回</span>" in rows["1.(1)"]
    assert Report.objects.get(pk=report.pk).state == "returned"


def test_my_page_query_count_does_not_grow_with_data(
    plan, lead_client, lead_staff, coordinator, django_assert_max_num_queries
):
    little(plan, measure_by_code(plan, 1, 1), lead_staff)
    queries_for(lead_client, "/my/")  # warm caches that only the first request fills
    few, response = queries_for(lead_client, "/my/")
    assert few <= MY_PAGE_QUERIES
    rows_before = response.content.decode().count('data-label="措施"')

    grow(plan, coordinator)
    with django_assert_max_num_queries(few):
        many, response = queries_for(lead_client, "/my/")

    rows_after = response.content.decode().count('data-label="措施"')
    assert rows_after > rows_before + 5
    assert many == few
