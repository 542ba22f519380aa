"""Two people editing one report: the later save is refused, nothing is overwritten, nothing typed is lost."""

import re

import pytest

from tasks.models import Evidence, Report, ReportEvent
from tasks.reporting import workflow

from .helpers import fields, form_data, obligation, period, save, snapshot, upload

CONFLICT = "他人已修改"


@pytest.fixture
def first(lead_client):
    """kewei's browser."""
    return lead_client


@pytest.fixture
def second(client_for, second_kewei):
    """kewei2's browser: the same unit, another person."""
    return client_for(second_kewei)


def version_in_form(page):
    return int(re.search(r'<input type="hidden" name="version" value="(\d+)"', page).group(1))


def test_second_save_on_a_stale_version_is_refused_and_keeps_both_texts(plan, measure, url, first, second, lead_staff):
    draft = save(plan, measure, "区科委", lead_staff, submit=False)
    loaded_first = version_in_form(first.get(url).content.decode())
    loaded_second = version_in_form(second.get(url).content.decode())
    assert loaded_first == loaded_second == draft.version

    saved = first.post(url, form_data(version=loaded_first, submit=True, progress="甲：已完成企业走访"))
    assert saved.status_code == 302
    events_after_first = ReportEvent.objects.count()

    refused = second.post(url, form_data(version=loaded_second, submit=True, progress="乙：已起草扶持政策"))

    assert refused.status_code == 200
    page = refused.content.decode()
    assert CONFLICT in page
    assert workflow.CONFLICT_MESSAGE in page
    report = Report.objects.get(pk=draft.pk)
    assert (report.progress, report.updated_by, report.version) == ("甲：已完成企业走访", lead_staff, 2)
    assert ReportEvent.objects.count() == events_after_first
    # The second person's text is still on screen, the first person's saved text beside it.
    assert re.search(r'<textarea name="progress"[^>]*>\s*乙：已起草扶持政策</textarea>', page)
    assert "他人刚保存的最新内容（版本 2）" in page
    assert "甲：已完成企业走访" in page
    # The form now carries the latest version, so a deliberate second save goes through.
    assert version_in_form(page) == 2


def test_second_attempt_after_the_refusal_succeeds(plan, measure, url, first, second, lead_staff, second_kewei):
    draft = save(plan, measure, "区科委", lead_staff, submit=False)
    first.post(url, form_data(version=draft.version, submit=True, progress="甲：已完成企业走访"))
    refused = second.post(url, form_data(version=draft.version, submit=True, progress="乙：已起草扶持政策"))

    retried = second.post(
        url,
        form_data(version=version_in_form(refused.content.decode()), submit=True, progress="乙：已起草扶持政策"),
    )

    assert retried.status_code == 302
    report = Report.objects.get(pk=draft.pk)
    assert (report.progress, report.updated_by, report.version) == ("乙：已起草扶持政策", second_kewei, 3)
    assert list(report.events.order_by("pk").values_list("action", "actor__username")) == [
        ("draft_saved", "kewei"),
        ("submitted", "kewei"),
        ("edited", "kewei2"),
    ]


def test_two_people_creating_the_same_new_report_the_second_is_refused(plan, measure, url, first, second, lead_staff):
    assert version_in_form(first.get(url).content.decode()) == 0
    assert version_in_form(second.get(url).content.decode()) == 0
    first.post(url, form_data(version=0, submit=False, progress="甲的草稿"))

    refused = second.post(url, form_data(version=0, submit=False, progress="乙的草稿"))

    assert refused.status_code == 200
    assert CONFLICT in refused.content.decode()
    assert list(Report.objects.values_list("progress", "updated_by")) == [("甲的草稿", lead_staff.pk)]
    assert ReportEvent.objects.count() == 1


def test_coordinator_approving_a_version_the_unit_has_since_edited_is_refused(
    plan, measure, url, first, client_for, coordinator, lead_staff
):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    reviewer = client_for(coordinator)
    seen = version_in_form(reviewer.get(f"/review/{report.pk}/").content.decode())
    first.post(url, form_data(version=report.version, submit=True, percent=55))
    before = snapshot()

    response = reviewer.post(f"/review/{report.pk}/", {"action": "approve", "version": seen, "comment": ""})

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert snapshot() == before
    assert Report.objects.get(pk=report.pk).state == "submitted"


def test_save_report_with_a_stale_version_raises_conflict(plan, measure, lead_staff, second_kewei):
    report = save(plan, measure, "区科委", lead_staff, submit=False)
    save(plan, measure, "区科委", lead_staff, submit=False, progress="新内容", version=report.version)

    with pytest.raises(workflow.Conflict) as refused:
        workflow.save_report(
            obligation(measure, "区科委"),
            period(plan),
            fields(progress="基于旧版本的内容"),
            second_kewei,
            submit=True,
            version=report.version,
        )

    assert CONFLICT in str(refused.value)
    report.refresh_from_db()
    assert (report.progress, report.state, report.version) == ("新内容", "draft", 2)
    assert report.events.count() == 2


def test_save_report_with_a_version_for_a_report_that_does_not_exist_raises_conflict(plan, measure, lead_staff):
    with pytest.raises(workflow.Conflict):
        workflow.save_report(obligation(measure, "区科委"), period(plan), fields(), lead_staff, submit=False, version=3)

    assert not Report.objects.exists()


def test_approve_with_a_stale_version_raises_conflict(plan, measure, lead_staff, coordinator):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    stale = report.version
    save(plan, measure, "区科委", lead_staff, submit=True, percent=60)

    with pytest.raises(workflow.Conflict):
        workflow.approve(report, coordinator, stale)

    report.refresh_from_db()
    assert (report.state, report.percent) == ("submitted", 60)
    assert not report.events.filter(action="approved").exists()


def test_return_with_a_stale_version_raises_conflict(plan, measure, lead_staff, coordinator):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    stale = report.version
    save(plan, measure, "区科委", lead_staff, submit=True, percent=60)

    with pytest.raises(workflow.Conflict):
        workflow.return_for_revision(report, coordinator, stale, "请补充")

    report.refresh_from_db()
    assert (report.state, report.review_comment) == ("submitted", "")


def test_second_creation_of_the_same_new_report_raises_conflict(plan, measure, lead_staff, second_kewei):
    owed, quarter = obligation(measure, "区科委"), period(plan)
    workflow.save_report(owed, quarter, fields(progress="甲"), lead_staff, submit=False, version=0)

    with pytest.raises(workflow.Conflict):
        workflow.save_report(owed, quarter, fields(progress="乙"), second_kewei, submit=False, version=0)

    assert list(Report.objects.values_list("progress", "version")) == [("甲", 1)]
    assert ReportEvent.objects.count() == 1


def test_creation_racing_another_creation_raises_conflict_not_a_database_error(
    plan, measure, lead_staff, second_kewei, monkeypatch
):
    """Both read "no report yet" before either wrote: the unique constraint decides, as a Conflict."""
    owed, quarter = obligation(measure, "区科委"), period(plan)
    workflow.save_report(owed, quarter, fields(progress="甲"), lead_staff, submit=False, version=0)
    manager = Report.objects
    real_filter = manager.filter
    looked_up = []

    def stale_lookup(*args, **kwargs):
        if not looked_up:
            looked_up.append(kwargs)
            return manager.none()  # what the second request read before the first committed
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(manager, "filter", stale_lookup)

    with pytest.raises(workflow.Conflict):
        workflow.save_report(owed, quarter, fields(progress="乙"), second_kewei, submit=False, version=0)

    assert looked_up, "the lookup of the existing report was not intercepted"
    monkeypatch.undo()
    assert list(Report.objects.values_list("progress", "version")) == [("甲", 1)]
    assert ReportEvent.objects.count() == 1


def test_a_refused_stale_save_keeps_no_evidence_file(plan, measure, url, first, second, lead_staff, media_root):
    draft = save(plan, measure, "区科委", lead_staff, submit=False)
    first.post(url, form_data(version=draft.version, submit=True, progress="甲：已完成企业走访"))
    data = form_data(version=draft.version, submit=True, progress="乙：附上纪要")
    data["evidence_files"] = upload("纪要.pdf")

    refused = second.post(url, data)

    assert CONFLICT in refused.content.decode()
    assert not Evidence.objects.exists()
    assert list(media_root.rglob("*.pdf")) == []
