"""/review/ and /review/<pk>/: the coordinator's list (waiting and reviewed reports, filters,
batch approval) and decisions (approve, return, reopen)."""

import re

import pytest

from tasks.models import Notification, Report
from tasks.reporting import workflow
from tests.conftest import measure_by_code

from .helpers import (
    form_data,
    grow,
    kewei_report,
    last_event_pk,
    little,
    new_events,
    period,
    queries_for,
    save,
    snapshot,
    unit,
)

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Pinned on the current code, per-request overhead included (session, user, account security,
# permissions, the plan switcher). Re-pin deliberately when a page gains a query.
REVIEW_QUEUE_QUERIES = 14


def test_submitted_report_shows_in_the_review_queue(plan, measure, url, lead_client, coordinator_client):
    lead_client.post(url, form_data(version=0, submit=True))

    page = coordinator_client.get("/review/").content.decode()

    report = kewei_report(plan, measure)
    assert f'href="/review/{report.pk}/"' in page
    assert "区科委" in page


def test_draft_does_not_show_in_the_review_queue(plan, measure, url, lead_client, coordinator_client):
    lead_client.post(url, form_data(version=0, submit=False))

    page = coordinator_client.get("/review/").content.decode()

    assert kewei_report(plan, measure).state == "draft"
    assert "没有待审核的填报。" in page


def test_return_without_a_comment_is_refused(plan, measure, coordinator_client, lead_staff):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    before = snapshot()

    response = coordinator_client.post(
        f"/review/{report.pk}/", {"action": "return", "version": report.version, "comment": "  "}
    )

    assert response.status_code == 200
    assert "退回时必须填写退回意见，说明需要修改的内容。" in response.content.decode()
    assert snapshot() == before
    assert Report.objects.get(pk=report.pk).state == "submitted"


def test_unknown_review_action_changes_nothing(plan, measure, coordinator_client, lead_staff):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    before = snapshot()

    response = coordinator_client.post(f"/review/{report.pk}/", {"action": "delete", "version": report.version})

    assert response.status_code == 200
    assert "未知的操作。" in response.content.decode()
    assert snapshot() == before


def test_coordinator_reopens_an_approved_report_and_the_unit_can_edit_again(
    plan, measure, url, lead_client, coordinator_client, lead_staff, coordinator
):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    report = workflow.approve(report, coordinator, report.version)

    mark = last_event_pk()
    response = coordinator_client.post(
        f"/review/{report.pk}/", {"action": "reopen", "version": report.version, "comment": "数据口径调整"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/measures/{measure.pk}/"
    report.refresh_from_db()
    assert (report.state, report.review_comment) == ("returned", "数据口径调整")
    [event] = new_events(mark)
    assert (event.action, event.actor, event.comment) == ("reopened", coordinator, "数据口径调整")

    mark = last_event_pk()
    response = lead_client.post(url, form_data(version=report.version, submit=True, progress="按新口径更新"))

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.progress) == ("submitted", "按新口径更新")
    [event] = new_events(mark)
    assert event.action == "resubmitted"


def test_reopen_is_refused_for_a_report_that_is_not_approved(plan, measure, coordinator_client, lead_staff):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    before = snapshot()

    response = coordinator_client.post(
        f"/review/{report.pk}/", {"action": "reopen", "version": report.version, "comment": "数据口径调整"}
    )

    assert response.status_code == 200
    assert "该填报的状态已经改变，无法执行此操作，请刷新页面。" in response.content.decode()
    assert snapshot() == before


def test_reopen_without_a_reason_is_refused(plan, measure, coordinator_client, lead_staff, coordinator):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    report = workflow.approve(report, coordinator, report.version)
    before = snapshot()

    response = coordinator_client.post(
        f"/review/{report.pk}/", {"action": "reopen", "version": report.version, "comment": "  "}
    )

    assert response.status_code == 200
    assert workflow.REOPEN_REASON_MESSAGE in response.content.decode()
    assert snapshot() == before
    report.refresh_from_db()
    assert report.state == "approved"


def test_html_in_progress_is_escaped_on_the_review_page(plan, measure, url, lead_client, coordinator_client):
    lead_client.post(url, form_data(version=0, submit=True, progress=SCRIPT, problems=f"问题{SCRIPT}"))
    report = kewei_report(plan, measure)

    page = coordinator_client.get(f"/review/{report.pk}/").content.decode()

    assert ESCAPED in page
    assert f"问题{ESCAPED}" in page
    assert SCRIPT not in page


def test_review_queue_query_count_does_not_grow_with_data(
    plan, coordinator_client, lead_staff, coordinator, django_assert_max_num_queries
):
    little(plan, measure_by_code(plan, 1, 1), lead_staff)
    queries_for(coordinator_client, "/review/")
    few, response = queries_for(coordinator_client, "/review/")
    assert few <= REVIEW_QUEUE_QUERIES
    assert response.content.decode().count('class="button primary" href="/review/') == 1

    waiting = grow(plan, coordinator)
    with django_assert_max_num_queries(few):
        many, response = queries_for(coordinator_client, "/review/")

    assert waiting > 30
    assert response.content.decode().count('class="button primary" href="/review/') == waiting
    assert many == few


# Filters, batch approval and reopening from the measure page


def review_rows(page):
    """Measure code and unit of each row of the review table, in order."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return re.findall(
        r'>(\d+\.\(\d+\))</a>.*?<td data-label="单位"[^>]*><span class="nowrap">([^<]+?)</span>', body, flags=re.DOTALL
    )


@pytest.fixture
def reviewed(plan, lead_staff, town_staff, coordinator):
    """区科委: 1.(1) approved, 2.(1) returned, 2.(2) submitted; 江桥镇: 6.(1) submitted."""
    approved = save(plan, measure_by_code(plan, 1, 1), "区科委", lead_staff, submit=True)
    workflow.approve(approved, coordinator, approved.version, "很好。")
    returned = save(plan, measure_by_code(plan, 2, 1), "区科委", lead_staff, submit=True)
    workflow.return_for_revision(returned, coordinator, returned.version, "请补充。")
    save(plan, measure_by_code(plan, 2, 2), "区科委", lead_staff, submit=True)
    save(plan, measure_by_code(plan, 6, 1), "江桥镇", town_staff, submit=True)
    save(plan, measure_by_code(plan, 1, 3), "区科委", lead_staff, submit=False)  # a draft: never listed


def test_review_lists_the_waiting_reports_by_default(reviewed, coordinator_client):
    page = coordinator_client.get("/review/").content.decode()

    assert review_rows(page) == [("2.(2)", "区科委"), ("6.(1)", "江桥镇")]
    assert "批量审核通过所选" in page


@pytest.mark.parametrize(
    "query, rows",
    [
        ("state=", [("1.(1)", "区科委"), ("2.(1)", "区科委"), ("2.(2)", "区科委"), ("6.(1)", "江桥镇")]),
        ("state=approved", [("1.(1)", "区科委")]),
        ("state=returned", [("2.(1)", "区科委")]),
        ("state=draft", []),
    ],
    ids=["all", "approved", "returned", "draft-is-not-a-choice"],
)
def test_review_filters_by_state(reviewed, coordinator_client, query, rows):
    page = coordinator_client.get(f"/review/?{query}").content.decode()

    assert review_rows(page) == rows


def test_review_filters_by_task_unit_and_period(plan, reviewed, coordinator_client):
    task_2 = plan.tasks.get(number=2)
    jiangqiao = unit("江桥镇")
    q1, q2 = period(plan), period(plan, "2024年第二季度")

    by_task = coordinator_client.get(f"/review/?state=&task={task_2.pk}").content.decode()
    by_unit = coordinator_client.get(f"/review/?state=&unit={jiangqiao.pk}").content.decode()
    this_period = coordinator_client.get(f"/review/?state=&period={q1.pk}").content.decode()
    other_period = coordinator_client.get(f"/review/?state=&period={q2.pk}").content.decode()

    assert [code for code, _ in review_rows(by_task)] == ["2.(1)", "2.(2)"]
    assert review_rows(by_unit) == [("6.(1)", "江桥镇")]
    assert len(review_rows(this_period)) == 4
    assert review_rows(other_period) == []
    assert "没有符合条件的填报。" in other_period


def test_reviewed_rows_show_the_comment_and_offer_reopen(plan, reviewed, coordinator_client):
    page = coordinator_client.get("/review/?state=approved").content.decode()
    approved = Report.objects.get(state="approved")

    assert "很好。" in page
    assert f'href="/review/{approved.pk}/#review-form">重新打开</a>' in page
    assert 'name="report"' not in page  # only waiting reports can be ticked


def test_batch_approve_asks_first_then_approves_the_chosen_reports(
    plan, reviewed, coordinator_client, coordinator, lead_staff, town_staff
):
    waiting = list(Report.objects.filter(state="submitted").order_by("pk"))
    before = snapshot()

    confirm = coordinator_client.post("/review/batch/", {"report": [r.pk for r in waiting]})

    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert "确定将以下 2 条填报审核通过吗？" in page
    assert "2.(2) 区科委 2024年第一季度（30%）" in page
    assert snapshot() == before

    data = {"report": [r.pk for r in waiting], "confirm": "1"}
    data.update({f"version_{r.pk}": r.version for r in waiting})
    response = coordinator_client.post("/review/batch/", data, follow=True)

    assert "已审核通过 2 条填报。" in response.content.decode()
    assert not Report.objects.filter(state="submitted").exists()
    for report in waiting:
        assert report.events.filter(action="approved", actor=coordinator).count() == 1
    assert Notification.objects.filter(kind="approved", user__in=[lead_staff, town_staff]).count() == 3


def test_batch_approve_skips_a_report_changed_since_the_confirmation(plan, reviewed, coordinator_client, lead_staff):
    waiting = list(Report.objects.filter(state="submitted").order_by("pk"))
    data = {"report": [r.pk for r in waiting], "confirm": "1"}
    data.update({f"version_{r.pk}": r.version for r in waiting})
    changed = waiting[0]
    save(plan, changed.measure, "区科委", lead_staff, submit=True, version=changed.version, percent=60)

    response = coordinator_client.post("/review/batch/", data, follow=True)

    page = response.content.decode()
    assert "已审核通过 1 条填报。" in page
    assert "未通过：2.(2) 区科委：保存失败：在您编辑期间，他人已修改了这份填报" in page
    assert Report.objects.get(pk=changed.pk).state == "submitted"


def test_batch_approve_without_a_choice_says_so(plan, reviewed, coordinator_client):
    response = coordinator_client.post("/review/batch/", {}, follow=True)

    assert "请先勾选要审核通过的已提交填报。" in response.content.decode()


def test_batch_approve_ignores_reports_that_are_not_waiting(plan, reviewed, coordinator_client):
    returned = Report.objects.get(state="returned")

    response = coordinator_client.post(
        "/review/batch/",
        {"report": [returned.pk], "confirm": "1", f"version_{returned.pk}": returned.version},
        follow=True,
    )

    assert "请先勾选要审核通过的已提交填报。" in response.content.decode()
    assert Report.objects.get(pk=returned.pk).state == "returned"


def test_measure_page_offers_the_coordinator_reopen_for_an_approved_report(
    plan, reviewed, client_for, coordinator, viewer
):
    approved = Report.objects.get(state="approved")
    url = f"/measures/{approved.measure_id}/"

    assert (
        f'href="/review/{approved.pk}/#review-form">重新打开</a>' in client_for(coordinator).get(url).content.decode()
    )
    assert "重新打开" not in client_for(viewer).get(url).content.decode()


def test_the_unit_sees_the_approval_comment_on_its_form(plan, reviewed, lead_client):
    approved = Report.objects.get(state="approved")

    page = lead_client.get(f"/measures/{approved.measure_id}/report/").content.decode()

    assert "协调人审核意见：</strong>很好。" in page


# --- the review page by state ---------------------------------------------------------------


def test_an_approved_report_offers_only_a_reopen_with_a_reason(
    plan, measure, lead_staff, coordinator, coordinator_client
):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    report = workflow.approve(report, coordinator, report.version, "内容翔实。")

    page = coordinator_client.get(f"/review/{report.pk}/").content.decode()

    assert "<strong>审核意见：</strong>" in page and "内容翔实。" in page
    assert page.count("<textarea") == 1
    assert "重新打开原因（必填）" in page
    assert 'value="approve"' not in page and 'value="return"' not in page
    assert "该填报目前不需要审核" not in page


def test_a_reopened_report_shows_its_reason_and_nothing_to_fill_in(
    plan, measure, lead_staff, coordinator, coordinator_client, lead_client
):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    report = workflow.approve(report, coordinator, report.version)
    report = workflow.reopen(report, coordinator, report.version, "请按新口径更新数据。")

    page = coordinator_client.get(f"/review/{report.pk}/").content.decode()

    assert "<textarea" not in page
    assert "已退回单位修改，单位重新提交后再审核。" in page
    assert "<strong>退回意见：</strong>" in page and "请按新口径更新数据。" in page
    assert "该填报目前不需要审核" not in page
    form = lead_client.get(f"/measures/{measure.pk}/report/").content.decode()
    assert "协调人退回意见：</strong>请按新口径更新数据。" in form
    todo = lead_client.get("/").content.decode()
    assert "<strong>退回意见：</strong>请按新口径更新数据。" in todo
    [notice] = Notification.objects.filter(user=lead_staff, kind="reopened")
    assert notice.body == "重新打开原因：请按新口径更新数据。"


def test_the_batch_address_opened_directly_leads_back_to_the_list(coordinator_client):
    response = coordinator_client.get("/review/batch/", follow=True)

    assert response.redirect_chain == [("/review/", 302)]
    assert "请在列表中勾选已提交的填报" in response.content.decode()
