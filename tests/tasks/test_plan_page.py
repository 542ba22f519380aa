"""/tasks/: the plan's measures as the attachment shows them, and the Chinese login page in front of it.

The page around them (the whole notice, the live state) is tested in test_notice_page.py.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Unit
from tasks.models import Assignment, Measure, Plan
from tests.conftest import PASSWORD, measure_by_code

from .plan_facts import TASK_TITLES

LEAD_MARK = '<span class="role lead">牵头</span>'


@pytest.fixture
def staff_client(client_for, lead_staff):
    return client_for(lead_staff)


@pytest.fixture
def warm_staff_client(staff_client):
    """Logged in and past the first request, which writes session and account bookkeeping."""
    assert staff_client.get("/tasks/").status_code == 200
    return staff_client


def measure_fragment(body, measure):
    """The HTML of one measure's list item."""
    start = body.index(f'id="measure-{measure.pk}"')
    return body[start : body.index("</li>", start)]


def test_anonymous_visitor_is_redirected_to_login(client, plan):
    response = client.get("/tasks/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/tasks/"


def test_staff_member_sees_all_42_measures(staff_client, plan):
    response = staff_client.get("/tasks/")
    assert response.status_code == 200
    body = response.content.decode()
    measures = Measure.objects.filter(task__plan=plan)
    assert len(measures) == 42
    for measure in measures:
        assert f'id="measure-{measure.pk}"' in body
        assert measure.text in body
    assert len(re.findall(r'id="measure-\d+"', body)) == 42


def test_staff_member_sees_all_11_task_headings_in_order(staff_client, plan):
    body = staff_client.get("/tasks/").content.decode()
    positions = [body.index(f"{number}. {title}") for number, title in sorted(TASK_TITLES.items())]
    assert positions == sorted(positions)


def test_page_shows_the_plan_title_and_doc_number(staff_client, plan):
    body = staff_client.get("/tasks/").content.decode()
    assert "嘉定区数字广告业高质量发展行动方案（2023—2025年）" in body
    assert "嘉府发〔2023〕2号" in body


def test_task_10_shows_its_printed_numbers_1_and_3(staff_client, plan):
    body = staff_client.get("/tasks/").content.decode()
    for number in (1, 3):
        fragment = measure_fragment(body, measure_by_code(plan, 10, number))
        assert f"({number})" in fragment


def test_single_lead_is_marked_after_the_first_unit_only(staff_client, plan):
    body = staff_client.get("/tasks/").content.decode()
    fragment = measure_fragment(body, measure_by_code(plan, 1, 3))
    assert fragment.count(LEAD_MARK) == 1
    assert f"区商务委{LEAD_MARK}" in fragment
    for co_organizer in ["区文化旅游局", "区科委", "区委宣传部"]:
        assert f">{co_organizer}</span>" in fragment


def test_measure_5_2_marks_its_four_leads_and_not_its_co_organizers(staff_client, plan):
    body = staff_client.get("/tasks/").content.decode()
    fragment = measure_fragment(body, measure_by_code(plan, 5, 2))
    assert fragment.count(LEAD_MARK) == 4
    for lead in ["江桥镇", "南翔镇", "安亭镇", "北虹办"]:
        assert f">{lead}{LEAD_MARK}" in fragment
    for co_organizer in ["区商务委", "区市场局", "区经委", "区科委"]:
        assert f">{co_organizer}</span>" in fragment
        assert f"{co_organizer}{LEAD_MARK}" not in fragment


def test_units_appear_in_document_order_with_printed_names(staff_client, plan):
    body = staff_client.get("/tasks/").content.decode()
    fragment = measure_fragment(body, measure_by_code(plan, 2, 1))
    names = ["区科委", "区委网信办", "区经委", "区行政服务中心(大数据中心)", "各街镇"]
    positions = [fragment.index(f">{name}") for name in names]
    assert positions == sorted(positions)


def test_measure_text_is_escaped(staff_client, plan):
    task = plan.tasks.get(number=11)
    measure = Measure.objects.create(
        task=task, number=4, text='<script>alert("x")</script> & 测试', due_date=plan.end_date
    )
    Assignment.objects.create(
        measure=measure,
        unit=Unit.objects.get(name="区委宣传部"),
        position=1,
        role="lead",
        printed_name="区委宣传部",
    )
    body = staff_client.get("/tasks/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 测试" in body
    assert '<script>alert("x")' not in body


def test_page_without_a_plan_says_none_is_loaded(staff_client, plan):
    Plan.objects.all().delete()
    response = staff_client.get("/tasks/")
    assert response.status_code == 200
    assert "尚未载入行动方案" in response.content.decode()


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_query_count_is_pinned(warm_staff_client, plan, django_assert_max_num_queries):
    # The notice, its tasks and measures with their units (as before), plus the
    # live state: the current period, the plan's periods, collective members,
    # the report keys and the latest reports; the navigation's unread count and
    # the plans a unit's staff may choose among (the selector).
    with django_assert_max_num_queries(17):
        response = warm_staff_client.get("/tasks/")
    assert response.status_code == 200


def test_query_count_does_not_grow_with_measures_and_assignments(warm_staff_client, plan):
    staff_client = warm_staff_client
    before = count_queries(staff_client, "/tasks/")
    task = plan.tasks.get(number=6)
    units = list(Unit.objects.filter(name__in=["区经委", "区科委", "各街镇"]).order_by("name"))
    for number in range(100, 130):
        measure = Measure.objects.create(task=task, number=number, text=f"补充措施{number}", due_date=plan.end_date)
        Assignment.objects.bulk_create(
            Assignment(
                measure=measure,
                unit=unit,
                position=position,
                role="lead" if position == 1 else "support",
                printed_name=unit.name,
            )
            for position, unit in enumerate(units, start=1)
        )
    after = count_queries(staff_client, "/tasks/")
    assert after == before
    assert "补充措施129" in staff_client.get("/tasks/").content.decode()


# The login page in front of it


def test_login_page_is_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in ["登录", "用户名", "密码"]:
        assert text in body
    assert 'lang="zh-Hans"' in body


def test_wrong_password_shows_a_chinese_error_and_does_not_log_in(client, lead_staff):
    response = client.post("/accounts/login/", {"username": "kewei", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_right_password_logs_in_and_returns_to_the_plan(client, lead_staff):
    response = client.post("/accounts/login/", {"username": "kewei", "password": PASSWORD, "next": "/tasks/"})
    assert response.status_code == 302
    assert response["Location"] == "/tasks/"
    assert client.session["_auth_user_id"] == str(lead_staff.pk)
