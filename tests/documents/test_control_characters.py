"""Text that cannot break a document: control characters are removed where
text enters (the report form, the 台账 import, any save of the plan's data)
and where it leaves (the 通报, the 终期评估报告, the task table, the 台账), so a
stored text never makes an export fail. The release probe: a report holding
\\x0b or \\x01 made /export/bulletin.docx and /export/final-report.docx
answer 500 for the whole plan."""

import io

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from tasks.documents.statussheet.importing import parse_text
from tasks.models import Measure, Period, Plan, Report
from tasks.reporting import workflow
from tests.conftest import measure_by_code

from .helpers import all_text

CONTROL = "推进\x0b顺利\x01，已完成\x08阶段任务\x1f。"
CLEAN = "推进顺利，已完成阶段任务。"


@pytest.fixture
def stored_with_control_characters(plan, lead_staff):
    """A report of the current period whose texts hold control characters, as
    stored before entries were cleaned (a queryset update sends no signal)."""
    from tests.documents.test_bulletin import owed

    period = Period.objects.get(plan=plan, name="2025年第四季度")
    fields = {"status": "in_progress", "percent": 50, "progress": "x", "problems": "", "next_steps": ""}
    saved = workflow.save_report(owed(plan, (1, 1), "区科委"), period, fields, lead_staff, submit=True, version=0)
    Report.objects.filter(pk=saved.pk).update(progress=CONTROL, problems=CONTROL, next_steps=CONTROL)
    Measure.objects.filter(pk=saved.measure_id).update(text="措施\x0b正文\x01")
    Plan.objects.filter(pk=plan.pk).update(lead_note="排名第一的为牵头单位\x0b。")
    return saved


@pytest.mark.parametrize("url", ["/export/bulletin.docx", "/export/final-report.docx"])
def test_the_word_documents_are_written_whatever_a_stored_text_holds(
    stored_with_control_characters, coordinator, client_for, url
):
    response = client_for(coordinator).get(url)

    assert response.status_code == 200
    text = all_text(
        docx.Document(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    )
    assert "\x0b" not in text and "\x01" not in text


def test_the_status_sheet_is_written_whatever_a_stored_text_holds(
    stored_with_control_characters, coordinator, client_for
):
    response = client_for(coordinator).get(reverse("tasks:export_status"))

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [c.value for sheet in workbook for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(CLEAN in value for value in values)
    assert not any("\x0b" in value or "\x01" in value for value in values)


@pytest.mark.parametrize("name", ["任务分工.docx", "任务分工.xlsx"])
def test_the_task_table_is_written_whatever_a_stored_text_holds(stored_with_control_characters, tmp_path, name):
    call_command("export_plan", str(tmp_path / name), stdout=io.StringIO())

    assert (tmp_path / name).stat().st_size > 0


def test_the_report_form_removes_control_characters_before_saving(plan, lead_staff, client_for):
    measure = measure_by_code(plan, 1, 1)
    data = {
        "status": "in_progress",
        "percent": "40",
        "progress": CONTROL,
        "problems": "\x01",
        "next_steps": "下一步\x0c计划",
        "version": "0",
        "submit": "1",
    }

    response = client_for(lead_staff).post(reverse("tasks:report_form", args=[measure.pk]), data)

    assert response.status_code == 302
    report = Report.objects.get(measure=measure, unit__name="区科委")
    assert (report.progress, report.problems, report.next_steps) == (CLEAN, "", "下一步计划")


def test_a_text_of_control_characters_only_is_empty(plan, lead_staff, client_for):
    measure = measure_by_code(plan, 1, 1)
    data = {"status": "in_progress", "percent": "40", "progress": "\x0b\x01", "version": "0", "submit": "1"}

    response = client_for(lead_staff).post(reverse("tasks:report_form", args=[measure.pk]), data)

    assert response.status_code == 200
    assert "请填写进展情况" in response.content.decode()


def test_any_save_of_the_plans_data_removes_them(plan):
    """The admin, a command or the shell: the models' own saves."""
    measure = measure_by_code(plan, 1, 1)
    measure.text = "措施\x0b正文\x01"
    measure.save()

    assert Measure.objects.get(pk=measure.pk).text == "措施正文"


def test_the_status_sheet_import_removes_them():
    """A cell can bring them in as an escape (_x000B_), which openpyxl turns back into the character."""
    assert parse_text("进展\x0b说明\x01") == "进展说明"
