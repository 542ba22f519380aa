"""Bounded parsers: each attack file of the release probe is refused before
openpyxl or python-docx reads it, within 5 seconds and with the server
growing by under 300 MB, on the 台账 import and the plan import alike, and
the pages say why. Measured in a fresh process (ru_maxrss), as a server
worker would be."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiading_ads import uploads
from security.models import AuditEvent

from . import attack_files

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 5
GROWTH_MB = 300


def probe(tmp_path, name, data, entry):
    """Read `data` as the server would, in a fresh process; (seconds, MB grown, message)."""
    path = tmp_path / name
    path.write_bytes(data)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiading_ads.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("upload_probe.py")), str(path), entry],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["seconds"], result["grown_mb"], result["message"]


ATTACKS = {
    # 台账 import: a unit liaison's upload at /import/
    "row 1,048,576": ("台账.xlsx", attack_files.row_numbered, "import", "第 1048576 行，超过上限 5000 行"),
    "sheet outside xl/worksheets, 200,000 rows": (
        "台账.xlsx",
        lambda: attack_files.sheet_stored_elsewhere(200_000),
        "import",
        "行数超过上限 5000 行",
    ),
    "sheet outside xl/worksheets, 900,000 rows": (
        "台账.xlsx",
        lambda: attack_files.sheet_stored_elsewhere(900_000),
        "import",
        "超过",
    ),
    "dimension A1:XFD1048576": ("台账.xlsx", attack_files.dimension, "import", "数据范围 A1:XFD1048576"),
    "DOCTYPE across 64 KiB": ("台账.xlsx", attack_files.doctype_across_the_boundary, "import", "DOCTYPE"),
    # plan import: an administrator's upload at /plans/import/
    "gridSpan 2,000,000": ("任务分工.docx", attack_files.grid_span, "plan", "横跨 2000000 列"),
    "gridBefore 2,000,000": (
        "任务分工.docx",
        lambda: attack_files.grid_span(element="gridBefore"),
        "plan",
        "前后空出 2000000 列",
    ),
    "table of 20,000 rows": ("任务分工.docx", attack_files.table_rows, "plan", "超过上限 5000 行"),
    "merged A1:AN100000": ("任务分工.xlsx", attack_files.merged_range, "plan", "合并单元格 A1:AN100000"),
    "row 1,048,576 in a task table": ("任务分工.xlsx", attack_files.row_numbered, "plan", "第 1048576 行"),
    "DOCTYPE in a task table": (
        "任务分工.docx",
        lambda: attack_files.doctype_across_the_boundary(part="word/styles.xml"),
        "plan",
        "DOCTYPE",
    ),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_attack_file_is_refused_quickly_and_in_little_memory(tmp_path, attack):
    name, make, entry, reason = ATTACKS[attack]

    seconds, grown_mb, message = probe(tmp_path, name, make(), entry)

    assert message is not None and reason in message, message
    assert seconds < SECONDS, f"{attack}: {seconds:.2f} s"
    assert grown_mb < GROWTH_MB, f"{attack}: +{grown_mb:.0f} MB"


def test_the_attack_files_are_what_the_parsers_would_read():
    """Each file is a workbook or document the libraries open as such: the
    refusal is the check's, not the file's being broken."""
    workbook = openpyxl.load_workbook(io.BytesIO(attack_files.row_numbered()), read_only=True)
    rows = workbook["按单位"].iter_rows(min_row=1_048_576, max_row=1_048_576, values_only=True)
    assert list(rows) == [("1. 任务", "(1) 措施", "区科委")]
    hidden = openpyxl.load_workbook(io.BytesIO(attack_files.sheet_stored_elsewhere(50)), read_only=True)
    assert hidden.sheetnames == ["按单位"]
    assert next(hidden["按单位"].iter_rows(min_row=50, max_row=50, values_only=True)) == ("行50",)
    assert "hidden/data.bin" in zipfile.ZipFile(io.BytesIO(attack_files.sheet_stored_elsewhere(50))).namelist()
    document = docx.Document(io.BytesIO(attack_files.grid_span()))
    assert document.tables[0]._tbl.tr_lst[0].tc_lst[0].grid_span == 2_000_000
    merged = zipfile.ZipFile(io.BytesIO(attack_files.merged_range())).read("xl/worksheets/sheet1.xml")
    assert b'<mergeCell ref="A1:AN100000"/>' in merged


@pytest.mark.parametrize("chunk", [1, 7, 4096, 64 * 1024])
@pytest.mark.parametrize("at", [0, 3, 64 * 1024 - 4, 64 * 1024 - 1, 64 * 1024 + 5])
def test_the_doctype_is_found_wherever_the_reads_fall(monkeypatch, chunk, at):
    """Expat sees the declaration itself: no read size or offset splits it."""
    monkeypatch.setattr(uploads, "CHUNK", chunk)
    at = max(at, 60)  # after the XML declaration and the comment's markers
    data = attack_files.doctype_across_the_boundary(at=at)
    with pytest.raises(uploads.UploadRefused, match="DOCTYPE"):
        uploads.check_office_file(io.BytesIO(data))


def test_a_utf16_part_is_checked_too():
    sheet = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="900000"><c r="A900000"><v>1</v></c></row></sheetData></worksheet>'
    ).encode("utf-16")
    data = attack_files._patched(attack_files.small_workbook(), {"xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(uploads.UploadRefused, match="第 900000 行"):
        uploads.check_office_file(io.BytesIO(data))


def test_the_trackers_own_files_pass(plan, client_for, coordinator, tmp_path):
    """The 台账 export and a task table written by export_plan are well within the limits."""
    from django.core.management import call_command

    assert uploads.check_office_file(io.BytesIO(client_for(coordinator).get(reverse("tasks:export_status")).content))
    for name in ("任务分工.docx", "任务分工.xlsx"):
        call_command("export_plan", str(tmp_path / name), stdout=io.StringIO())
        assert uploads.check_office_file(io.BytesIO((tmp_path / name).read_bytes())) == name.rsplit(".", 1)[1]


# The pages: each refusal is shown with its reason and recorded


def test_the_import_page_refuses_the_row_attack_and_says_why(plan, client_for, lead_staff, clock):
    import datetime

    clock(datetime.date(2024, 3, 20))
    upload = SimpleUploadedFile("台账.xlsx", attack_files.row_numbered())

    response = client_for(lead_staff).post(reverse("tasks:import_status"), {"action": "preview", "file": upload})

    assert response.status_code == 200
    assert "第 1048576 行，超过上限 5000 行" in response.content.decode()
    assert AuditEvent.objects.filter(kind="sheet_imported", result="failure", detail__contains="1048576").exists()


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("任务分工.docx", attack_files.grid_span, "横跨 2000000 列"),
        ("任务分工.xlsx", attack_files.merged_range, "合并单元格 A1:AN100000"),
    ],
    ids=["gridspan", "merged"],
)
def test_the_plan_import_page_refuses_and_says_why(plan, client_for, system_admin, name, make, reason):
    response = client_for(system_admin).post(
        reverse("tasks:plan_import"),
        {
            "action": "preview",
            "file": SimpleUploadedFile(name, make()),
            "doc_number": "嘉府发〔2026〕9号",
            "title": "某行动方案",
        },
    )

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert AuditEvent.objects.filter(kind="plan_loaded", result="failure", detail__contains=reason).exists()
