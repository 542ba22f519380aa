"""/review/ and /review/<pk>/: the coordinator's queue and decisions (approve, return, reopen)."""

from tasks import workflow
from tasks.models import Report
from tests.conftest import measure_by_code

from .helpers import (
    form_data,
    grow,
    kewei_report,
    last_event_pk,
    little,
    new_events,
    queries_for,
    save,
    snapshot,
)

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Pinned on the current code, per-request overhead included (session, user, account security,
# permissions, the plan switcher). Re-pin deliberately when a page gains a query.
REVIEW_QUEUE_QUERIES = 10


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
        f"/review/{report.pk}/", {"action": "reopen", "version": report.version, "comment": ""}
    )

    assert response.status_code == 200
    assert "该填报的状态已经改变，无法执行此操作，请刷新页面。" in response.content.decode()
    assert snapshot() == before


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
