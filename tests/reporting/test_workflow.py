"""The report workflow through the pages: draft, submit, return, resubmit, approve, reopen.

Every step leaves exactly one timeline entry saying who did what; refused
steps leave nothing behind. Validation, escaping and evidence files are here too.
"""

import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tasks import workflow
from tasks.models import Evidence, Report, ReportEvent
from tests.conftest import measure_by_code

from .helpers import form_data, obligation, period, save, snapshot, unit

PROGRESS = "已召开专题推进会，梳理重点企业名单。"


@pytest.fixture
def measure(plan):
    """2.(1), led by 区科委."""
    return measure_by_code(plan, 2, 1)


@pytest.fixture
def url(measure):
    return f"/measures/{measure.pk}/report/"


@pytest.fixture
def staff(client, lead_staff):
    client.force_login(lead_staff)
    return client


@pytest.fixture
def reviewer(coordinator):
    browser = Client()
    browser.force_login(coordinator)
    return browser


def kewei_report(plan, measure):
    return Report.objects.get(measure=measure, unit__name="区科委", period=period(plan))


def new_events(before_pk):
    return list(ReportEvent.objects.filter(pk__gt=before_pk).order_by("pk"))


def last_event_pk():
    last = ReportEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_full_cycle_leaves_one_event_per_step(plan, measure, url, staff, reviewer, lead_staff, coordinator):
    kewei = unit("区科委")

    # 1. Draft.
    mark = last_event_pk()
    response = staff.post(url, form_data(version=0, submit=False))
    assert response.status_code == 302
    assert response["Location"] == f"{url}?unit={kewei.pk}"
    report = kewei_report(plan, measure)
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
    response = staff.post(url, form_data(version=1, submit=True, percent=40))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.version, report.percent) == ("submitted", 2, 40)
    assert report.submitted_at is not None
    [event] = new_events(mark)
    assert (event.action, event.actor) == ("submitted", lead_staff)
    assert event.changes == {"percent": [30, 40]}

    # 3. Return with a comment.
    mark = last_event_pk()
    response = reviewer.post(
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
    page = staff.get(url).content.decode()
    assert "协调人退回意见" in page
    assert "请补充推进会纪要。" in page

    # 5. Resubmit.
    mark = last_event_pk()
    response = staff.post(url, form_data(version=3, submit=True, percent=40, problems="纪要已补充。"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.version, report.problems) == ("submitted", 4, "纪要已补充。")
    [event] = new_events(mark)
    assert (event.action, event.actor) == ("resubmitted", lead_staff)
    assert event.changes == {"problems": ["", "纪要已补充。"]}

    # 6. Approve.
    mark = last_event_pk()
    response = reviewer.post(f"/review/{report.pk}/", {"action": "approve", "version": 4, "comment": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.version) == ("approved", 5)
    [event] = new_events(mark)
    assert (event.action, event.actor, event.changes) == ("approved", coordinator, {})

    actions = list(report.events.order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["draft_saved", "submitted", "returned", "resubmitted", "approved"]


def test_timeline_on_the_measure_page_shows_every_step(plan, measure, staff, lead_staff, coordinator):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    workflow.return_for_revision(report, coordinator, report.version, "进度偏低，请说明原因。")
    save(plan, measure, "区科委", lead_staff, submit=True, percent=45)

    page = staff.get(f"/measures/{measure.pk}/").content.decode()

    timeline = page[page.index('class="timeline"') :]
    assert [m for m in re.findall(r"<strong>(.+?)</strong>", timeline)] == ["提交", "退回", "重新提交"]
    assert "意见：进度偏低，请说明原因。" in timeline
    assert "完成进度（%）：<del>30</del> → 45" in timeline


def test_submitted_report_shows_in_the_review_queue(plan, measure, url, staff, reviewer):
    staff.post(url, form_data(version=0, submit=True))

    page = reviewer.get("/review/").content.decode()

    report = kewei_report(plan, measure)
    assert f'href="/review/{report.pk}/"' in page
    assert "区科委" in page


def test_draft_does_not_show_in_the_review_queue(plan, measure, url, staff, reviewer):
    staff.post(url, form_data(version=0, submit=False))

    page = reviewer.get("/review/").content.decode()

    assert kewei_report(plan, measure).state == "draft"
    assert "没有待审核的填报。" in page


def test_return_without_a_comment_is_refused(plan, measure, reviewer, lead_staff):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    before = snapshot()

    response = reviewer.post(f"/review/{report.pk}/", {"action": "return", "version": report.version, "comment": "  "})

    assert response.status_code == 200
    assert "退回时必须填写退回意见，说明需要修改的内容。" in response.content.decode()
    assert snapshot() == before
    assert Report.objects.get(pk=report.pk).state == "submitted"


def test_unknown_review_action_changes_nothing(plan, measure, reviewer, lead_staff):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    before = snapshot()

    response = reviewer.post(f"/review/{report.pk}/", {"action": "delete", "version": report.version})

    assert response.status_code == 200
    assert "未知的操作。" in response.content.decode()
    assert snapshot() == before


def test_approved_report_cannot_be_edited(plan, measure, url, staff, lead_staff, coordinator):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    report = workflow.approve(report, coordinator, report.version)
    before = snapshot()

    response = staff.post(url, form_data(version=report.version, submit=True, progress="审核后偷偷修改"), follow=True)

    assert response.redirect_chain == [(url, 302)]
    assert "该填报已审核通过，不能修改；如需修改，请联系协调人重新打开。" in response.content.decode()
    assert snapshot() == before
    assert Report.objects.get(pk=report.pk).progress == PROGRESS


def test_approved_report_form_is_read_only(plan, measure, url, staff, lead_staff, coordinator):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    workflow.approve(report, coordinator, report.version)

    page = staff.get(url).content.decode()

    assert "该填报已审核通过，不能修改" in page
    assert re.search(r'<textarea name="progress"[^>]* disabled', page)
    assert "提交审核" not in page


def test_coordinator_reopens_an_approved_report_and_the_unit_can_edit_again(
    plan, measure, url, staff, reviewer, lead_staff, coordinator
):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    report = workflow.approve(report, coordinator, report.version)

    mark = last_event_pk()
    response = reviewer.post(
        f"/review/{report.pk}/", {"action": "reopen", "version": report.version, "comment": "数据口径调整"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/measures/{measure.pk}/"
    report.refresh_from_db()
    assert (report.state, report.review_comment) == ("returned", "数据口径调整")
    [event] = new_events(mark)
    assert (event.action, event.actor, event.comment) == ("reopened", coordinator, "数据口径调整")

    mark = last_event_pk()
    response = staff.post(url, form_data(version=report.version, submit=True, progress="按新口径更新"))

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.progress) == ("submitted", "按新口径更新")
    [event] = new_events(mark)
    assert event.action == "resubmitted"


def test_reopen_is_refused_for_a_report_that_is_not_approved(plan, measure, reviewer, lead_staff):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    before = snapshot()

    response = reviewer.post(f"/review/{report.pk}/", {"action": "reopen", "version": report.version, "comment": ""})

    assert response.status_code == 200
    assert "该填报的状态已经改变，无法执行此操作，请刷新页面。" in response.content.decode()
    assert snapshot() == before


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


def test_closing_the_current_period_stops_edits_to_its_reports(plan, measure, url, staff, reviewer, lead_staff):
    draft = save(plan, measure, "区科委", lead_staff, submit=False)
    quarter = period(plan)

    response = reviewer.post(f"/periods/{quarter.pk}/", {"action": "close"}, follow=True)

    assert "已关闭“2024年第一季度”。" in response.content.decode()
    assert period(plan).is_closed
    events_before = ReportEvent.objects.count()

    staff.post(url, form_data(version=draft.version, submit=True, progress="关闭后修改"))

    draft.refresh_from_db()
    assert (draft.progress, draft.state, draft.version) == (PROGRESS, "draft", 1)
    assert ReportEvent.objects.count() == events_before


def test_after_the_current_period_is_closed_the_form_says_so_and_writes_nowhere(plan, measure, url, staff, lead_staff):
    draft = save(plan, measure, "区科委", lead_staff, submit=False)
    quarter = period(plan)
    quarter.is_closed = True
    quarter.save()

    # The form carries the period it was opened for, as the page's hidden field does.
    first = staff.post(
        url, {**form_data(version=draft.version, submit=True, progress="关闭后修改"), "period": quarter.pk}, follow=True
    )
    second = staff.post(
        url, {**form_data(version=0, submit=True, progress="关闭后再次修改"), "period": quarter.pk}, follow=True
    )

    assert "本填报周期已关闭" in first.content.decode()
    assert "本填报周期已关闭" in second.content.decode()
    assert list(Report.objects.values_list("period__name", flat=True)) == ["2024年第一季度"]


def test_reopening_a_closed_period_lets_the_unit_edit_again(plan, measure, url, staff, reviewer, lead_staff):
    draft = save(plan, measure, "区科委", lead_staff, submit=False)
    quarter = period(plan)
    reviewer.post(f"/periods/{quarter.pk}/", {"action": "close"})

    response = reviewer.post(f"/periods/{quarter.pk}/", {"action": "open"}, follow=True)

    assert "已重新开放“2024年第一季度”。" in response.content.decode()
    assert not period(plan).is_closed
    response = staff.post(url, form_data(version=draft.version, submit=True, progress="重新开放后提交"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.progress, draft.state, draft.version) == ("重新开放后提交", "submitted", 2)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"percent": "101"}, "完成进度应在 0 到 100 之间。"),
        ({"percent": "-1"}, "完成进度应在 0 到 100 之间。"),
        ({"percent": "abc"}, "完成进度应为 0 到 100 之间的整数。"),
        ({"percent": "12.5"}, "完成进度应为 0 到 100 之间的整数。"),
        ({"percent": ""}, "请填写完成进度。"),
        ({"status": "done", "percent": "90"}, "状态为“已完成”时，完成进度应为 100%。"),
        ({"progress": ""}, "请填写进展情况。"),
        ({"progress": "   "}, "请填写进展情况。"),
    ],
    ids=[
        "over-100",
        "negative",
        "non-numeric",
        "decimal",
        "empty-percent",
        "done-not-100",
        "no-progress",
        "blank-progress",
    ],
)
def test_invalid_report_is_refused_with_a_chinese_message(plan, url, staff, overrides, message):
    before = snapshot()

    response = staff.post(url, form_data(version=0, submit=True, **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before


def test_done_at_100_percent_is_accepted(plan, measure, url, staff):
    response = staff.post(url, form_data(version=0, submit=True, status="done", percent="100"))

    assert response.status_code == 302
    report = kewei_report(plan, measure)
    assert (report.status, report.percent, report.state) == ("done", 100, "submitted")


def test_refused_form_keeps_what_the_user_typed(plan, url, staff):
    response = staff.post(url, form_data(version=0, submit=True, percent="101", progress="保留我的输入"))

    assert "保留我的输入" in response.content.decode()


SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_html_in_progress_is_escaped_on_the_measure_page(plan, measure, url, staff):
    staff.post(url, form_data(version=0, submit=True, progress=SCRIPT, problems=f"问题{SCRIPT}"))

    page = staff.get(f"/measures/{measure.pk}/").content.decode()

    assert kewei_report(plan, measure).progress == SCRIPT
    assert ESCAPED in page
    assert SCRIPT not in page


def test_html_in_progress_is_escaped_on_the_review_page(plan, measure, url, staff, reviewer):
    staff.post(url, form_data(version=0, submit=True, progress=SCRIPT, problems=f"问题{SCRIPT}"))
    report = kewei_report(plan, measure)

    page = reviewer.get(f"/review/{report.pk}/").content.decode()

    assert ESCAPED in page
    assert f"问题{ESCAPED}" in page
    assert SCRIPT not in page


def test_html_in_a_return_comment_is_escaped_on_the_form(plan, measure, url, staff, reviewer, lead_staff):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    reviewer.post(f"/review/{report.pk}/", {"action": "return", "version": report.version, "comment": SCRIPT})

    page = staff.get(url).content.decode()

    assert f"协调人退回意见：</strong>{ESCAPED}" in page
    assert SCRIPT not in page


PDF_BYTES = b"%PDF-1.4\n% evidence of the 2024 Q1 meeting\n"


def upload(name, content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_evidence_is_saved_outside_the_web_root_under_a_random_name(
    plan, measure, url, staff, lead_staff, media_root, settings
):
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload("推进会纪要.pdf")

    response = staff.post(url, data)

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    report = kewei_report(plan, measure)
    assert (evidence.report, evidence.original_name, evidence.size, evidence.uploaded_by) == (
        report,
        "推进会纪要.pdf",
        len(PDF_BYTES),
        lead_staff,
    )
    assert re.fullmatch(rf"evidence/{report.period_id}/[0-9a-f]{{32}}\.pdf", evidence.file.name)
    stored = media_root / evidence.file.name
    assert stored.read_bytes() == PDF_BYTES
    assert not stored.is_relative_to(settings.BASE_DIR / "static")
    # Nothing serves the upload folder directly: only the checking view does.
    assert staff.get("/" + evidence.file.name).status_code == 404
    assert staff.get(f"/media/{evidence.file.name}").status_code == 404


def test_several_evidence_files_are_saved_together(plan, measure, url, staff):
    data = form_data(version=0, submit=True)
    data["evidence_files"] = [upload("纪要.pdf"), upload("现场照片.JPG", b"\xff\xd8\xff jpeg")]

    response = staff.post(url, data)

    assert response.status_code == 302
    assert sorted(Evidence.objects.values_list("original_name", flat=True)) == ["现场照片.JPG", "纪要.pdf"]


@pytest.mark.parametrize("name", ["setup.exe", "通知.html", "纪要.pdf.exe", "无扩展名"])
def test_evidence_of_a_disallowed_type_is_refused_and_nothing_is_saved(plan, url, staff, media_root, name):
    before = snapshot()
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload(name, b"MZ payload")

    response = staff.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"文件“{name}”的类型不允许上传。" in page
    assert snapshot() == before
    assert list(media_root.rglob("*")) == []


def test_evidence_over_the_size_limit_is_refused_and_nothing_is_saved(plan, url, staff, media_root, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    before = snapshot()
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload("大文件.pdf", b"x" * (1024 * 1024 + 1))

    response = staff.post(url, data)

    assert response.status_code == 200
    assert "文件“大文件.pdf”超过大小上限 1.0 MB。" in response.content.decode()
    assert snapshot() == before
    assert list(media_root.rglob("*")) == []


def test_evidence_exactly_at_the_size_limit_is_accepted(plan, url, staff, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload("刚好.pdf", b"x" * (1024 * 1024))

    response = staff.post(url, data)

    assert response.status_code == 302
    assert Evidence.objects.get().size == 1024 * 1024


def test_evidence_download_returns_the_bytes_as_an_attachment_with_the_chinese_name(plan, url, staff):
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload("推进会纪要（第一季度）.pdf")
    staff.post(url, data)
    evidence = Evidence.objects.get()

    response = staff.get(f"/evidence/{evidence.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('推进会纪要（第一季度）.pdf')}"
    response.close()


def test_evidence_download_of_a_vanished_file_is_404(plan, url, staff, media_root):
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload("纪要.pdf")
    staff.post(url, data)
    evidence = Evidence.objects.get()
    (media_root / evidence.file.name).unlink()

    response = staff.get(f"/evidence/{evidence.pk}/")

    assert response.status_code == 404


def test_another_units_staff_do_not_see_an_unsubmitted_draft(plan, measure, client, lead_staff, outsider):
    save(plan, measure, "区科委", lead_staff, submit=False, progress="尚未定稿的内部情况")
    client.force_login(outsider)

    page = client.get(f"/measures/{measure.pk}/").content.decode()

    assert "尚未定稿的内部情况" not in page
