"""Uploaded workbooks are checked against size, ratio, sheet, row and cell
limits before anything parses them, quickly and in little memory; evidence
files are counted while they arrive; the import preview lists a bounded
number of row errors."""

import io
import time
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiading_ads.uploads import UploadRefused, check_xlsx
from security.models import AuditEvent
from tasks.models import Report
from tests.conftest import make_user, measure_by_code

WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>{sheets}</sheets></workbook>'
)
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"


def xlsx(*, sheets=1, rows=3, shared=None, extra=None, sheet_chunks=None):
    """A minimal workbook as bytes; `sheet_chunks` streams sheet1's rows without building them in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        names = "".join(f'<sheet name="S{n}" sheetId="{n}"/>' for n in range(1, sheets + 1))
        archive.writestr("xl/workbook.xml", WORKBOOK.format(sheets=names))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(SHEET_HEAD.encode())
            for chunk in sheet_chunks or [
                "".join(
                    f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(1, rows + 1)
                )
            ]:
                part.write(chunk.encode() if isinstance(chunk, str) else chunk)
            part.write(SHEET_TAIL.encode())
        if shared is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
                for chunk in shared:
                    part.write(chunk)
                part.write(b"</t></si></sst>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refused(data):
    with pytest.raises(UploadRefused) as caught:
        check_xlsx(io.BytesIO(data))
    return str(caught.value)


def timed(data):
    """Seconds and peak Python memory of checking `data`, and the message."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        message = refused(data)
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return elapsed, peak, message


def test_a_small_file_that_unpacks_to_a_huge_string_is_refused_by_its_uncompressed_size():
    bomb = xlsx(shared=(b"a" * (1024 * 1024) for _ in range(60)))
    assert len(bomb) < 200 * 1024

    elapsed, peak, message = timed(bomb)

    assert "解压后" in message and "超过上限 50.0 MB" in message
    assert elapsed < 0.5 and peak < 2 * 1024 * 1024


def test_a_part_compressed_a_thousandfold_is_refused_by_its_ratio():
    message = refused(xlsx(shared=[b"\x30" * (2 * 1024 * 1024)]))
    assert "压缩比" in message and "超过上限 100 倍" in message


def test_a_sheet_of_a_million_rows_is_refused_by_its_row_count_quickly_and_in_little_memory():
    chunks = (
        "".join(f'<row r="{n}"><c><v>{n * 7919 % 100003}</v></c></row>' for n in range(k, k + 10000))
        for k in range(1, 10**6, 10000)
    )
    sheet = xlsx(sheet_chunks=chunks)
    assert len(sheet) < 8 * 1024 * 1024

    elapsed, peak, message = timed(sheet)

    assert message == "工作表的行数超过上限 5000 行。"
    assert elapsed < 0.5 and peak < 4 * 1024 * 1024


def test_too_many_sheets_are_refused():
    assert refused(xlsx(sheets=21)) == "工作簿包含的工作表超过上限 20 个。"


def test_a_cell_longer_than_the_limit_is_refused():
    message = refused(xlsx(shared=[("长" * 10001).encode()]))
    assert "10001 个字符" in message and "超过上限 10000 个字符" in message


def test_xml_with_a_doctype_is_refused():
    doctype = b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><sst><si><t>&lol;</t></si></sst>'
    message = refused(xlsx(extra={"xl/sharedStrings.xml": doctype}))
    assert "DOCTYPE" in message


@pytest.mark.parametrize("data", [b"not a zip at all", b"PK\x03\x04garbage", b""])
def test_a_file_that_is_not_a_workbook_is_refused(data):
    assert "不是有效的 .xlsx" in refused(data)


def test_a_corrupt_part_is_refused_not_a_crash():
    good = bytearray(xlsx(rows=2000))
    good[400:480] = b"\x00" * 80
    message = refused(bytes(good))
    assert "损坏" in message or "不是有效的" in message


def test_the_trackers_own_export_passes_within_the_limits(plan, client):
    coordinator = make_user("coordinator", groups=["协调人"])
    client.force_login(coordinator)
    export = client.get(reverse("tasks:export_status")).content

    started = time.perf_counter()
    check_xlsx(io.BytesIO(export))
    assert time.perf_counter() - started < 0.5


def test_import_page_names_the_limit_and_records_the_refusal(plan, client, settings):
    settings.REPORTING_GRACE_DAYS = 100000  # the plan's last period still takes reports today
    coordinator = make_user("coordinator", groups=["协调人"])
    client.force_login(coordinator)
    bomb = SimpleUploadedFile("台账.xlsx", xlsx(shared=(b"a" * (1024 * 1024) for _ in range(60))))

    response = client.post(reverse("tasks:import_status"), {"action": "preview", "file": bomb})

    assert response.status_code == 200
    assert "解压后" in response.content.decode() and "50.0 MB" in response.content.decode()
    assert AuditEvent.objects.filter(kind="sheet_imported", result="failure", detail__contains="解压后").exists()


def test_preview_lists_fifty_row_errors_and_counts_the_rest(plan, client, settings):
    settings.REPORTING_GRACE_DAYS = 100000
    coordinator = make_user("coordinator", groups=["协调人"])
    client.force_login(coordinator)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("tasks:export_status")).content))
    sheet = workbook["台账"]
    for row in range(3, 3 + 42):
        sheet.cell(row=row, column=6, value="一百")  # 完成进度: not a number
    for row in range(45, 45 + 30):
        sheet.cell(row=row, column=2, value="(99) 不存在的措施")
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = client.post(
        reverse("tasks:import_status"),
        {"action": "preview", "file": SimpleUploadedFile("台账.xlsx", buffer.getvalue())},
    )

    page = response.content.decode()
    assert len(response.context["preview"].errors) == 72
    assert page.count('<td data-label="行号">') == 50
    assert "另有 22 行错误未列出" in page


def test_an_evidence_file_over_the_limit_is_dropped_while_it_arrives(plan, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_FILE_BYTES = 64 * 1024
    settings.EVIDENCE_MAX_BYTES = 64 * 1024
    staff = make_user("kewei", units=["区科委"])
    client.force_login(staff)
    measure = measure_by_code(plan, 1, 1)
    url = reverse("tasks:report_form", args=[measure.pk])
    received = []

    from django.core.files.uploadhandler import MemoryFileUploadHandler

    original = MemoryFileUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        received.append(len(raw_data))
        return original(self, raw_data, start)

    MemoryFileUploadHandler.receive_data_chunk = spy
    try:
        with _today("2024-03-20"):
            response = client.post(
                url,
                {
                    "status": "in_progress",
                    "percent": "10",
                    "progress": "进展",
                    "version": "0",
                    "evidence_files": SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024)),
                    "submit": "1",
                },
            )
    finally:
        MemoryFileUploadHandler.receive_data_chunk = original

    assert response.status_code == 200
    assert "文件“big.pdf”超过大小上限 64.0 KB" in response.content.decode()
    assert not Report.objects.exists()
    # The later handlers saw at most the bytes up to the limit, never the 5 MB.
    assert sum(received) <= 64 * 1024 + 64 * 1024


def _today(day):
    import datetime

    import time_machine

    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T12:00:00+08:00"), tick=False)
