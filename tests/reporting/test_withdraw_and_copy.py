"""撤回 is the only way a submitted report goes back to draft (tasks/workflow.py), after a
confirmation; 沿用上期 starts this period's form from last period's report, marked as such
until edited."""

import pytest

from security.models import AuditEvent
from tasks.models import Report
from tasks.reporting import workflow

from .helpers import form_data, kewei_report, last_event_pk, new_events, obligation, period, save, snapshot

Q4_2023 = "2023年第四季度"


@pytest.fixture
def submitted(plan, measure, lead_staff):
    return save(plan, measure, "区科委", lead_staff, submit=True, progress="第一季度已走访企业 20 家。")


# 撤回


def test_saving_a_draft_over_a_submitted_report_is_refused_by_the_workflow(plan, measure, submitted, lead_staff):
    before = snapshot()

    with pytest.raises(workflow.NotAllowed, match="该填报已提交，正在等待审核，不能保存为草稿；如需修改，请先撤回。"):
        save(plan, measure, "区科委", lead_staff, submit=False, progress="想改回草稿")

    assert snapshot() == before


def test_the_form_of_a_submitted_report_offers_withdraw_not_draft(plan, url, submitted, lead_client):
    page = lead_client.get(url).content.decode()

    assert 'name="draft"' not in page
    assert "更新提交内容" in page
    withdraw = f"/measures/{submitted.measure_id}/withdraw/?unit={submitted.unit_id}&amp;period={submitted.period_id}"
    assert f'href="{withdraw}">撤回</a>' in page


def test_a_forged_draft_post_on_a_submitted_report_changes_nothing(plan, url, submitted, lead_client):
    before = snapshot()

    response = lead_client.post(url, form_data(version=submitted.version, submit=False), follow=True)

    assert "该填报已提交，正在等待审核，不能保存为草稿；如需修改，请先撤回。" in response.content.decode()
    assert snapshot() == before


def test_withdraw_asks_first(plan, measure, submitted, lead_client):
    before = snapshot()

    response = lead_client.get(f"/measures/{measure.pk}/withdraw/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "确定撤回区科委“2.(1)”2024年第一季度的填报吗？" in page
    assert f'name="version" value="{submitted.version}"' in page
    assert snapshot() == before


def test_withdraw_takes_the_report_back_to_draft_on_the_timeline_and_in_the_audit_trail(
    plan, measure, submitted, lead_client, lead_staff, coordinator_client
):
    since = last_event_pk()

    response = lead_client.post(f"/measures/{measure.pk}/withdraw/", {"version": submitted.version}, follow=True)

    assert "已撤回，填报恢复为草稿；修改后请重新提交。" in response.content.decode()
    report = kewei_report(plan, measure)
    assert (report.state, report.version, report.progress) == (
        "draft",
        submitted.version + 1,
        "第一季度已走访企业 20 家。",
    )
    assert [(e.action, e.actor) for e in new_events(since)] == [("withdrawn", lead_staff)]
    record = AuditEvent.objects.get(kind=AuditEvent.Kind.REPORT_WITHDRAWN)
    assert (record.username, record.detail) == ("kewei", "已提交 → 草稿")
    assert "没有待审核的填报。" in coordinator_client.get("/review/").content.decode()
    # Now a draft can be saved again.
    assert lead_client.post(f"/measures/{measure.pk}/report/", form_data(version=report.version)).status_code == 302


def test_a_reviewed_report_cannot_be_withdrawn(plan, measure, submitted, lead_client, coordinator):
    workflow.approve(submitted, coordinator, submitted.version)
    before = snapshot()

    response = lead_client.post(f"/measures/{measure.pk}/withdraw/", {"version": submitted.version + 1}, follow=True)

    assert "没有可以撤回的填报" in response.content.decode()
    assert snapshot() == before


def test_a_stale_withdraw_is_refused(plan, measure, submitted, lead_staff):
    with pytest.raises(workflow.Conflict):
        workflow.withdraw(submitted, lead_staff, submitted.version - 1)
    assert kewei_report(plan, measure).state == "submitted"


def test_withdraw_of_a_returned_report_is_refused_by_the_workflow(plan, measure, submitted, lead_staff, coordinator):
    returned = workflow.return_for_revision(submitted, coordinator, submitted.version, "请补充。")

    with pytest.raises(workflow.NotAllowed, match="只有已提交、尚未审核的填报可以撤回"):
        workflow.withdraw(returned, lead_staff, returned.version)


def test_resubmitting_after_a_withdraw_is_a_plain_submission(plan, measure, submitted, lead_staff):
    draft = workflow.withdraw(submitted, lead_staff, submitted.version)
    since = last_event_pk()

    save(plan, measure, "区科委", lead_staff, submit=True, version=draft.version, percent=35)

    assert [e.action for e in new_events(since)] == ["submitted"]


# 沿用上期


@pytest.fixture
def last_quarter(plan, measure, lead_staff, coordinator):
    """区科委's approved 2.(1) report of 2023年第四季度."""
    report = save(
        plan,
        measure,
        "区科委",
        lead_staff,
        period_name=Q4_2023,
        submit=True,
        percent=25,
        progress="去年第四季度：制定工作方案。",
        next_steps="开展企业走访。",
    )
    return workflow.approve(report, coordinator, report.version)


def test_the_form_offers_last_periods_report_as_a_starting_point(plan, url, last_quarter, lead_client):
    page = lead_client.get(url).content.decode()

    assert "沿用上期（2023年第四季度）的填报内容" in page
    assert "去年第四季度：制定工作方案。" not in page  # not filled in until asked


def test_copying_fills_the_form_and_says_so(plan, url, last_quarter, lead_client):
    page = lead_client.get(f"{url}?copy=previous").content.decode()

    assert "以下内容沿用自2023年第四季度的填报（已通过）" in page
    assert "去年第四季度：制定工作方案。</textarea>" in page
    assert 'value="25"' in page
    assert f'<input type="hidden" name="copied_from" value="{last_quarter.pk}">' in page
    assert not Report.objects.filter(period=period(plan)).exists()


def test_a_copy_saved_unchanged_stays_marked_until_edited(
    plan, measure, url, last_quarter, lead_client, coordinator_client
):
    data = form_data(percent=25, progress="去年第四季度：制定工作方案。", next_steps="开展企业走访。")
    data["copied_from"] = last_quarter.pk

    lead_client.post(url, data)

    report = kewei_report(plan, measure)
    assert report.copied_from == last_quarter
    assert "沿用上期，未修改" in lead_client.get(url).content.decode()
    record = AuditEvent.objects.get(kind=AuditEvent.Kind.REPORT_DRAFT_SAVED, object_id=str(report.pk))
    assert "沿用2023年第四季度的填报" in record.detail

    # Submitted unchanged: the coordinator sees the mark too.
    lead_client.post(
        url,
        form_data(
            version=report.version,
            submit=True,
            percent=25,
            progress="去年第四季度：制定工作方案。",
            next_steps="开展企业走访。",
        ),
    )
    report = kewei_report(plan, measure)
    assert report.copied_from == last_quarter
    assert "沿用上期，未修改" in coordinator_client.get(f"/review/{report.pk}/").content.decode()

    # Edited: the mark goes.
    workflow.withdraw(report, report.updated_by, report.version)
    lead_client.post(url, form_data(version=report.version + 1, percent=40, progress="本季度走访企业 20 家。"))
    report = kewei_report(plan, measure)
    assert report.copied_from is None
    assert "沿用上期，未修改" not in lead_client.get(url).content.decode()


def test_a_copy_edited_before_the_first_save_is_not_marked(plan, measure, url, last_quarter, lead_client):
    data = form_data(percent=30, progress="本季度新的进展。")
    data["copied_from"] = last_quarter.pk

    lead_client.post(url, data)

    assert kewei_report(plan, measure).copied_from is None


def test_a_forged_source_of_another_units_report_is_ignored(plan, measure, url, lead_client, co_organizer, lead_staff):
    theirs = save(plan, measure, "区委网信办", co_organizer, period_name=Q4_2023, submit=True, progress="网信办的内容")
    data = form_data(progress="网信办的内容")
    data["copied_from"] = theirs.pk

    lead_client.post(url, data)

    assert kewei_report(plan, measure).copied_from is None
    assert workflow._still_copied(theirs, obligation(measure, "区科委"), period(plan), {}) is None


def test_there_is_nothing_to_copy_without_an_earlier_submitted_report(plan, url, lead_client):
    assert "沿用上期" not in lead_client.get(url).content.decode()


def test_a_submitted_report_offers_no_copy(plan, url, last_quarter, submitted, lead_client):
    assert "沿用上期" not in lead_client.get(url).content.decode()


def test_previous_report_is_the_latest_official_one_of_an_earlier_period(plan, measure, last_quarter, lead_staff):
    save(plan, measure, "区科委", lead_staff, period_name="2023年第三季度", submit=True, progress="更早")
    save(plan, measure, "区科委", lead_staff, period_name="2024年第二季度", submit=True, progress="更晚")

    found = workflow.previous_report(obligation(measure, "区科委"), period(plan))

    assert found == last_quarter
