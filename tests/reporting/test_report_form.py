"""/measures/<pk>/report/: the report form of a unit's obligation. What it accepts and
refuses, what it keeps on screen, when it is read-only, and the evidence files it saves.
Who may open it is in test_access_matrix.py; two people saving at once in test_concurrent_edit.py."""

import re

import pytest

from tasks.models import Evidence, Report
from tasks.reporting import workflow

from .helpers import PDF_BYTES, form_data, kewei_report, period, save, snapshot, upload

PROGRESS = "已召开专题推进会，梳理重点企业名单。"
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


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
def test_invalid_report_is_refused_with_a_chinese_message(plan, url, lead_client, overrides, message):
    before = snapshot()

    response = lead_client.post(url, form_data(version=0, submit=True, **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_draft_keeps_whatever_is_filled_in(plan, measure, url, lead_client):
    response = lead_client.post(url, form_data(version=0, submit=False, percent="", progress="", status="late"))

    assert response.status_code == 302
    report = kewei_report(plan, measure)
    assert (report.state, report.status, report.percent, report.progress) == ("draft", "late", 0, "")


def test_submitting_the_half_done_draft_asks_for_what_is_missing(plan, measure, url, lead_client):
    lead_client.post(url, form_data(version=0, submit=False, percent="", progress=""))
    draft = kewei_report(plan, measure)

    page = lead_client.post(url, form_data(version=draft.version, submit=True, percent="", progress="")).content
    page = page.decode()

    assert "请填写完成进度。" in page and "请填写进展情况。" in page
    assert kewei_report(plan, measure).state == "draft"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"percent": "101"}, "完成进度应在 0 到 100 之间。"),
        ({"status": "done", "percent": "90"}, "状态为“已完成”时，完成进度应为 100%。"),
        ({"progress": "长" * 5001}, "5000"),
    ],
    ids=["over-100", "done-not-100", "too-long"],
)
def test_a_draft_is_still_refused_what_could_never_be_stored(plan, url, lead_client, overrides, message):
    before = snapshot()

    response = lead_client.post(url, form_data(version=0, submit=False, **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before


def test_the_form_marks_what_submitting_needs(plan, url, lead_client):
    page = lead_client.get(url).content.decode()

    assert (
        '进展情况 <span class="error" aria-hidden="true">*</span><span class="visually-hidden">（提交时必填）</span>'
        in page
    )
    assert "保存草稿时可以先不填" in page


def test_done_at_100_percent_is_accepted(plan, measure, url, lead_client):
    response = lead_client.post(url, form_data(version=0, submit=True, status="done", percent="100"))

    assert response.status_code == 302
    report = kewei_report(plan, measure)
    assert (report.status, report.percent, report.state) == ("done", 100, "submitted")


def test_refused_form_keeps_what_the_user_typed(plan, url, lead_client):
    response = lead_client.post(url, form_data(version=0, submit=True, percent="101", progress="保留我的输入"))

    assert "保留我的输入" in response.content.decode()


def test_approved_report_cannot_be_edited(plan, measure, url, lead_client, lead_staff, coordinator):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    report = workflow.approve(report, coordinator, report.version)
    before = snapshot()

    response = lead_client.post(
        url, form_data(version=report.version, submit=True, progress="审核后偷偷修改"), follow=True
    )

    assert response.redirect_chain == [(url, 302)]
    assert "该填报已审核通过，不能修改；如需修改，请联系协调人重新打开。" in response.content.decode()
    assert snapshot() == before
    assert Report.objects.get(pk=report.pk).progress == PROGRESS


def test_approved_report_form_is_read_only(plan, measure, url, lead_client, lead_staff, coordinator):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    workflow.approve(report, coordinator, report.version)

    page = lead_client.get(url).content.decode()

    assert "该填报已审核通过，不能修改" in page
    assert re.search(r'<textarea name="progress"[^>]* disabled', page)
    assert "提交审核" not in page


def test_after_the_current_period_is_closed_the_form_says_so_and_writes_nowhere(
    plan, measure, url, lead_client, lead_staff
):
    draft = save(plan, measure, "区科委", lead_staff, submit=False)
    quarter = period(plan)
    quarter.is_closed = True
    quarter.save()

    # The form carries the period it was opened for, as the page's hidden field does.
    first = lead_client.post(
        url, {**form_data(version=draft.version, submit=True, progress="关闭后修改"), "period": quarter.pk}, follow=True
    )
    second = lead_client.post(
        url, {**form_data(version=0, submit=True, progress="关闭后再次修改"), "period": quarter.pk}, follow=True
    )

    assert "本填报周期已关闭" in first.content.decode()
    assert "本填报周期已关闭" in second.content.decode()
    assert list(Report.objects.values_list("period__name", flat=True)) == ["2024年第一季度"]


def test_html_in_a_return_comment_is_escaped_on_the_form(
    plan, measure, url, lead_client, coordinator_client, lead_staff
):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    coordinator_client.post(f"/review/{report.pk}/", {"action": "return", "version": report.version, "comment": SCRIPT})

    page = lead_client.get(url).content.decode()

    assert f"协调人退回意见：</strong>{ESCAPED}" in page
    assert SCRIPT not in page


def test_evidence_is_saved_outside_the_web_root_under_a_random_name(
    plan, measure, url, lead_client, lead_staff, media_root, settings
):
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload("推进会纪要.pdf")

    response = lead_client.post(url, data)

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
    assert lead_client.get("/" + evidence.file.name).status_code == 404
    assert lead_client.get(f"/media/{evidence.file.name}").status_code == 404


def test_several_evidence_files_are_saved_together(plan, measure, url, lead_client):
    data = form_data(version=0, submit=True)
    data["evidence_files"] = [upload("纪要.pdf"), upload("现场照片.JPG", b"\xff\xd8\xff jpeg")]

    response = lead_client.post(url, data)

    assert response.status_code == 302
    assert sorted(Evidence.objects.values_list("original_name", flat=True)) == ["现场照片.JPG", "纪要.pdf"]


@pytest.mark.parametrize("name", ["setup.exe", "通知.html", "纪要.pdf.exe", "无扩展名"])
def test_evidence_of_a_disallowed_type_is_refused_and_nothing_is_saved(plan, url, lead_client, media_root, name):
    before = snapshot()
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload(name, b"MZ payload")

    response = lead_client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"文件“{name}”的类型不允许上传。" in page
    assert snapshot() == before
    assert list(media_root.rglob("*")) == []


def test_evidence_over_the_size_limit_is_refused_and_nothing_is_saved(plan, url, lead_client, media_root, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    before = snapshot()
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload("大文件.pdf", b"%PDF-" + b"x" * (1024 * 1024 - 4))

    response = lead_client.post(url, data)

    assert response.status_code == 200
    assert "文件“大文件.pdf”超过大小上限 1.0 MB。" in response.content.decode()
    assert snapshot() == before
    assert list(media_root.rglob("*")) == []


def test_evidence_exactly_at_the_size_limit_is_accepted(plan, url, lead_client, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload("刚好.pdf", b"%PDF-" + b"x" * (1024 * 1024 - 5))

    response = lead_client.post(url, data)

    assert response.status_code == 302
    assert Evidence.objects.get().size == 1024 * 1024
