"""Evidence files: which types are accepted, names kept with their extension, a unit deleting
its own file before approval, and the timeline saying which files came with each submission."""

import pytest

from security.models import AuditEvent
from tasks.models import Evidence, ReportEvent
from tasks.reporting import workflow

from .helpers import form_data, kewei_report, snapshot, upload


def submit_with(lead_client, url, *names, version=0):
    data = form_data(version=version, submit=True)
    data["evidence_files"] = [upload(name) for name in names]
    response = lead_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-2000:]


@pytest.mark.parametrize("name", ["公文.ofd", "总结.wps", "台账.et", "汇报.dps", "纪要.PDF"])
def test_ofd_and_wps_files_are_accepted(plan, url, lead_client, name):
    submit_with(lead_client, url, name)

    assert Evidence.objects.get().original_name == name


@pytest.mark.parametrize("name", ["材料.zip", "材料.rar", "材料.7z", "材料.tar.gz"])
def test_archives_are_refused_with_their_own_message(plan, url, lead_client, media_root, name):
    before = snapshot()
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload(name, b"PK\x03\x04")

    response = lead_client.post(url, data)

    assert response.status_code == 200
    assert f"文件“{name}”是压缩包，不能作为佐证材料上传；请解压后上传其中的文件。" in response.content.decode()
    assert snapshot() == before
    assert list(media_root.rglob("*")) == []


def test_the_form_lists_the_allowed_types(plan, url, lead_client):
    page = lead_client.get(url).content.decode()

    assert "可上传 pdf、doc、docx、xls、xlsx、ppt、pptx、jpg、jpeg、png、txt、ofd、wps、et、dps，不接受压缩包。" in page
    assert 'accept=".pdf,.doc,' in page and ".zip" not in page


def test_a_long_file_name_keeps_its_extension(plan, url, lead_client):
    long_name = "关于嘉定区数字广告业高质量发展行动方案落实情况的报告" * 8 + ".docx"
    assert len(long_name) > 200

    submit_with(lead_client, url, long_name)

    kept = Evidence.objects.get().original_name
    assert len(kept) == 200
    assert kept.endswith("….docx")
    assert kept.startswith("关于嘉定区数字广告业")


def test_the_timeline_says_which_files_came_with_each_submission(
    plan, measure, url, lead_client, coordinator, client_for
):
    submit_with(lead_client, url, "纪要.pdf", "照片.jpg")
    report = kewei_report(plan, measure)
    workflow.return_for_revision(report, coordinator, report.version, "请补充签到表。")
    submit_with(lead_client, url, "签到表.pdf", version=report.version + 1)

    events = {e.action: e.files for e in ReportEvent.objects.filter(report=report)}
    assert events["submitted"] == ["纪要.pdf", "照片.jpg"]
    assert events["resubmitted"] == ["签到表.pdf"]
    assert events["returned"] == []
    page = client_for(coordinator).get(f"/measures/{measure.pk}/").content.decode()
    assert "随附文件：纪要.pdf、照片.jpg" in page
    assert "随附文件：签到表.pdf" in page


def test_each_upload_and_download_is_audited(plan, url, lead_client):
    submit_with(lead_client, url, "纪要.pdf")
    evidence = Evidence.objects.get()

    response = lead_client.get(f"/evidence/{evidence.pk}/")

    uploaded = AuditEvent.objects.get(kind=AuditEvent.Kind.EVIDENCE_UPLOADED)
    downloaded = AuditEvent.objects.get(kind=AuditEvent.Kind.EVIDENCE_DOWNLOADED)
    for record in (uploaded, downloaded):
        assert (record.username, record.object_repr) == ("kewei", "2.(1) 区科委 2024年第一季度")
        assert record.detail == f"纪要.pdf（{evidence.size} 字节）"
    # Last: closing a streamed response ends the request, and the test's database connection with it.
    response.close()


def test_the_unit_deletes_its_own_file_before_approval(
    plan, measure, url, lead_client, media_root, django_capture_on_commit_callbacks
):
    submit_with(lead_client, url, "错传的文件.pdf", "纪要.pdf")
    wrong = Evidence.objects.get(original_name="错传的文件.pdf")
    stored = media_root / wrong.file.name
    assert stored.exists()
    form = lead_client.get(url).content.decode()
    assert f'href="/evidence/{wrong.pk}/delete/">删除</a>' in form

    confirm = lead_client.get(f"/evidence/{wrong.pk}/delete/").content.decode()
    assert "确定删除佐证材料“错传的文件.pdf”吗？" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(f"/evidence/{wrong.pk}/delete/", follow=True)

    assert "已删除佐证材料“错传的文件.pdf”。" in response.content.decode()
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["纪要.pdf"]
    assert not stored.exists()
    event = ReportEvent.objects.get(action=ReportEvent.Action.FILE_DELETED)
    assert (event.files, event.actor.username) == (["错传的文件.pdf"], "kewei")
    record = AuditEvent.objects.get(kind=AuditEvent.Kind.EVIDENCE_DELETED)
    assert record.detail.startswith("错传的文件.pdf（")
    assert "删除的文件：错传的文件.pdf" in lead_client.get(f"/measures/{measure.pk}/").content.decode()


def test_an_approved_reports_file_cannot_be_deleted(plan, measure, url, lead_client, coordinator, lead_staff):
    submit_with(lead_client, url, "纪要.pdf")
    report = kewei_report(plan, measure)
    workflow.approve(report, coordinator, report.version)
    evidence = Evidence.objects.get()
    before = snapshot()

    response = lead_client.post(f"/evidence/{evidence.pk}/delete/", follow=True)

    assert "该填报已审核通过，不能修改" in response.content.decode()
    assert snapshot() == before
    assert "/delete/" not in lead_client.get(url).content.decode()
    with pytest.raises(workflow.NotAllowed):
        workflow.delete_evidence(evidence, lead_staff)


def test_the_coordinator_cannot_delete_a_units_file(plan, url, lead_client, coordinator_client):
    submit_with(lead_client, url, "纪要.pdf")
    evidence = Evidence.objects.get()
    before = snapshot()

    response = coordinator_client.post(f"/evidence/{evidence.pk}/delete/")

    assert response.status_code == 403
    assert "只有该单位的联络员可以删除其佐证材料。" in response.content.decode()
    assert snapshot() == before


# The content, not only the name (the release probe stored an executable named .pdf)


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("纪要.pdf", b"MZ\x90\x00\x03 a Windows program", "可执行程序"),
        ("照片.jpg", b"\x7fELF\x02\x01\x01 a Linux program", "可执行程序"),
        ("说明.txt", b"#!/bin/sh\nrm -rf /\n", "可执行程序"),
        ("说明.txt", "<html><body><script>alert(1)</script></body></html>".encode(), "网页"),
        ("报告.pdf", b"<!DOCTYPE html><html><script>alert(1)</script>", "内容与扩展名 .pdf 不符"),
        ("表格.xlsx", b"PK\x03\x04 not really a zip", "不是 .xlsx 文件"),
        ("公文.docx", None, "内容与扩展名 .docx 不符"),  # a zip, but a workbook's
        ("照片.png", b"%PDF-1.4 a pdf named png", "内容与扩展名 .png 不符"),
    ],
    ids=[
        "exe-as-pdf",
        "elf-as-jpg",
        "script-as-txt",
        "html-as-txt",
        "html-as-pdf",
        "junk-xlsx",
        "xlsx-as-docx",
        "pdf-as-png",
    ],
)
def test_evidence_is_checked_by_content_whatever_its_name(plan, url, lead_client, media_root, name, content, reason):
    from .helpers import sample_content

    before = snapshot()
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload(name, content if content is not None else sample_content("x.xlsx"))

    response = lead_client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"文件“{name}”未通过检查" in page and reason in page
    assert snapshot() == before
    assert list(media_root.rglob("*")) == []


@pytest.mark.parametrize("name", ["纪要.pdf", "照片.JPG", "截图.png", "公文.ofd", "总结.wps", "报告.docx", "说明.txt"])
def test_real_files_of_each_type_pass_the_content_check(plan, url, lead_client, name):
    submit_with(lead_client, url, name)

    assert Evidence.objects.get().original_name == name
