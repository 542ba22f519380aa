"""The report workflow (tasks/workflow.py) end to end: draft, submit, return, resubmit,
approve, reopen, each leaving exactly one timeline entry saying who did what."""

import pytest

from tasks.models import Report
from tasks.reporting import workflow

from .helpers import form_data, kewei_report, last_event_pk, new_events, obligation, period, unit

PROGRESS = "已召开专题推进会，梳理重点企业名单。"


def test_full_cycle_leaves_one_event_per_step(
    plan, measure, url, lead_client, coordinator_client, lead_staff, coordinator
):
    kewei = unit("区科委")

    # 1. Draft.
    mark = last_event_pk()
    response = lead_client.post(url, form_data(version=0, submit=False))
    assert response.status_code == 302
    report = kewei_report(plan, measure)
    assert response["Location"] == f"{url}?unit={kewei.pk}&period={report.period_id}"
    assert (report.state, report.version, report.updated_by) == ("draft", 1, lead_staff)
    [event] = new_events(mark)
    assert (event.action, event.actor, event.comment) == ("draft_saved", lead_staff, "")
    assert event.changes == {
        "status": [None, "in_progress"],
        "percent": [None, 30],
        "progress": [None, PROGRESS],
    }

    # 2. Submit, changing only the percent.
    mark = last_event_pk()
    response = lead_client.post(url, form_data(version=1, submit=True, percent=40))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.version, report.percent) == ("submitted", 2, 40)
    assert report.submitted_at is not None
    [event] = new_events(mark)
    assert (event.action, event.actor) == ("submitted", lead_staff)
    assert event.changes == {"percent": [30, 40]}

    # 3. Return with a comment.
    mark = last_event_pk()
    response = coordinator_client.post(
        f"/review/{report.pk}/", {"action": "return", "version": 2, "comment": "请补充推进会纪要。"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/review/"
    report.refresh_from_db()
    assert (report.state, report.version, report.review_comment) == ("returned", 3, "请补充推进会纪要。")
    [event] = new_events(mark)
    assert (event.action, event.actor, event.comment, event.changes) == (
        "returned",
        coordinator,
        "请补充推进会纪要。",
        {},
    )

    # 4. The unit sees the comment on its form.
    page = lead_client.get(url).content.decode()
    assert "协调人退回意见" in page
    assert "请补充推进会纪要。" in page

    # 5. Resubmit.
    mark = last_event_pk()
    response = lead_client.post(url, form_data(version=3, submit=True, percent=40, problems="纪要已补充。"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.version, report.problems) == ("submitted", 4, "纪要已补充。")
    [event] = new_events(mark)
    assert (event.action, event.actor) == ("resubmitted", lead_staff)
    assert event.changes == {"problems": ["", "纪要已补充。"]}

    # 6. Approve.
    mark = last_event_pk()
    response = coordinator_client.post(f"/review/{report.pk}/", {"action": "approve", "version": 4, "comment": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.version) == ("approved", 5)
    [event] = new_events(mark)
    assert (event.action, event.actor, event.changes) == ("approved", coordinator, {})

    actions = list(report.events.order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["draft_saved", "submitted", "returned", "resubmitted", "approved"]


def test_save_report_in_a_closed_period_is_refused(plan, measure, lead_staff):
    quarter = period(plan)
    quarter.is_closed = True
    quarter.save()

    with pytest.raises(workflow.NotAllowed, match="本填报周期已关闭，不能再填报或修改。"):
        workflow.save_report(
            obligation(measure, "区科委"),
            quarter,
            {"status": "in_progress", "percent": 10, "progress": "x", "problems": "", "next_steps": ""},
            lead_staff,
            submit=True,
            version=0,
        )
    assert not Report.objects.exists()
