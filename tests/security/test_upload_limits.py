"""Uploaded workbooks are checked against size, ratio, sheet, row and cell
limits before anything parses them, quickly and in little memory; evidence
files are counted while they arrive; the import preview lists a bounded
number of row errors."""

import datetime
import io
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.urls import reverse

from jiading_ads.uploads import UploadRefused, check_xlsx
from security.models import AuditEvent
from tasks.models import Indicator, IndicatorValue, Report
from tasks.plans import tableread
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


def traced(data):
    """Peak Python memory of checking `data`, and the message. Memory, not time:
    a bound that held only by reading everything would show here on any machine,
    busy or not (time is the benchmarks' business)."""
    tracemalloc.start()
    try:
        message = refused(data)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, message


def test_a_small_file_that_unpacks_to_a_huge_string_is_refused_by_its_uncompressed_size():
    bomb = xlsx(shared=(b"a" * (1024 * 1024) for _ in range(60)))
    assert len(bomb) < 200 * 1024

    peak, message = traced(bomb)

    assert "解压后为 60.0 MB" in message and "超过上限 50.0 MB" in message
    assert peak < 2 * 1024 * 1024


def test_a_part_compressed_a_thousandfold_is_refused_by_its_ratio():
    message = refused(xlsx(shared=[b"\x30" * (2 * 1024 * 1024)]))
    assert "压缩比" in message and "超过上限 200 倍" in message


def test_a_sheet_of_many_rows_is_refused_by_its_row_count_in_little_memory():
    chunks = (
        "".join(f'<row r="{n}"><c><v>{n * 7919 % 100003}</v></c></row>' for n in range(k, k + 10000))
        for k in range(1, 200_000, 10000)
    )
    sheet = xlsx(sheet_chunks=chunks)

    peak, message = traced(sheet)

    assert message == "工作表“sheet1.xml”的行数超过上限 5000 行。"
    # Memory of a whole server process is test_parser_bounds.py's; this is the check's own share.
    assert peak < 4 * 1024 * 1024


def test_too_many_sheets_are_refused():
    assert refused(xlsx(sheets=21)) == "工作簿包含的工作表超过上限 20 个。"


def test_a_cell_longer_than_the_limit_is_refused():
    message = refused(xlsx(shared=[("长" * 10001).encode()]))
    assert "超过上限 10000 个字符" in message


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


IN_A_PERIOD = datetime.date(2024, 3, 20)  # inside 2024年第一季度, which takes reports


def test_the_trackers_own_export_passes_within_the_limits(plan, client_for, coordinator):
    export = client_for(coordinator).get(reverse("tasks:export_status")).content

    check_xlsx(io.BytesIO(export))  # no UploadRefused


def test_import_page_names_the_limit_and_records_the_refusal(plan, client_for, coordinator, clock):
    clock(IN_A_PERIOD)
    bomb = SimpleUploadedFile("台账.xlsx", xlsx(shared=(b"a" * (1024 * 1024) for _ in range(60))))

    response = client_for(coordinator).post(reverse("tasks:import_status"), {"action": "preview", "file": bomb})

    assert response.status_code == 200
    assert "解压后" in response.content.decode() and "50.0 MB" in response.content.decode()
    assert AuditEvent.objects.filter(kind="sheet_imported", result="failure", detail__contains="解压后").exists()


def test_preview_lists_fifty_row_errors_and_counts_the_rest(plan, client_for, coordinator, clock):
    clock(IN_A_PERIOD)
    client = client_for(coordinator)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("tasks:export_status")).content))
    sheet = workbook["按单位"]  # the fill-in sheet, the one the import reads
    header = next(row for row in sheet.iter_rows() if any(cell.value == "完成进度" for cell in row))
    percent = next(cell.column for cell in header if cell.value == "完成进度")
    for row in range(header[0].row + 1, header[0].row + 1 + 72):
        sheet.cell(row=row, column=percent, value="一百")  # 完成进度: not a number
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = client.post(
        reverse("tasks:import_status"),
        {"action": "preview", "file": SimpleUploadedFile("台账.xlsx", buffer.getvalue())},
    )

    page = response.content.decode()
    assert len(response.context["preview"].errors) == 72
    assert page.count('<td data-label="行号" class="where">') == 50
    assert "另有 22 行错误未列出" in page


@pytest.fixture
def small_uploads(settings, tmp_path):
    """Files past 64 KB are dropped as they arrive; what is kept goes to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_FILE_BYTES = 64 * 1024
    settings.EVIDENCE_MAX_BYTES = 64 * 1024


@pytest.fixture
def received(monkeypatch):
    """The bytes that reach the handlers after LimitedUploadHandler, chunk by chunk."""
    seen = []
    original = MemoryFileUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        seen.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(MemoryFileUploadHandler, "receive_data_chunk", spy)
    return seen


def big_pdf():
    return SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024))


def test_an_evidence_file_over_the_limit_is_dropped_while_it_arrives(
    plan, client_for, lead_staff, clock, small_uploads, received
):
    clock(IN_A_PERIOD)
    url = reverse("tasks:report_form", args=[measure_by_code(plan, 1, 1).pk])

    response = client_for(lead_staff).post(
        url,
        {
            "status": "in_progress",
            "percent": "10",
            "progress": "进展",
            "version": "0",
            "evidence_files": big_pdf(),
            "submit": "1",
        },
    )

    assert response.status_code == 200
    assert "文件“big.pdf”超过大小上限 64.0 KB" in response.content.decode()
    assert not Report.objects.exists()
    # The later handlers saw at most the bytes up to the limit, never the 5 MB.
    assert sum(received) <= 64 * 1024 + 64 * 1024


def test_an_indicator_evidence_file_over_the_limit_is_dropped_and_named(plan, client_for, small_uploads, received):
    """Indicator values take evidence like reports: the same limit, the same message, nothing saved."""
    indicator = Indicator.objects.filter(plan=plan, unit__name="区市场监管局").order_by("pk").first()
    staff = make_user("shichangjianguan", units=["区市场监管局"])
    url = reverse("tasks:indicator_value_form", args=[indicator.pk, indicator.years[-1]])

    response = client_for(staff).post(
        url,
        {"value": "12", "source": "区统计局统计数据", "note": "", "version": "0", "evidence_files": big_pdf()},
    )

    assert response.status_code == 200
    assert "文件“big.pdf”超过大小上限 64.0 KB" in response.content.decode()
    assert not IndicatorValue.objects.exists()
    assert sum(received) <= 64 * 1024 + 64 * 1024


def test_a_task_table_over_the_limit_is_dropped_and_named_on_the_plan_import_page(
    plan, client_for, system_admin, small_uploads, received
):
    table = SimpleUploadedFile("任务分工.docx", b"PK\x03\x04" + b"0" * (5 * 1024 * 1024))

    response = client_for(system_admin).post(
        reverse("tasks:plan_import"),
        {"action": "preview", "file": table, "doc_number": "嘉府发〔2026〕9号", "title": "某行动方案"},
    )

    assert response.status_code == 200
    assert "文件“任务分工.docx”超过大小上限 64.0 KB" in response.content.decode()
    assert sum(received) <= 64 * 1024 + 64 * 1024


@pytest.mark.parametrize(
    "workbook, limit",
    [
        (xlsx(shared=[b"\x30" * (2 * 1024 * 1024)]), "压缩比"),
        (xlsx(extra={"xl/sharedStrings.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY x "x">]><sst/>'}), "DOCTYPE"),
        (xlsx(sheets=21), "工作表超过上限 20 个"),
    ],
    ids=["ratio", "doctype", "sheets"],
)
def test_an_excel_task_table_is_held_to_the_workbook_limits_too(workbook, limit):
    """A plan's task table in Excel passes the same checks as an uploaded 台账, before openpyxl reads it."""
    with pytest.raises(tableread.TableError) as caught:
        tableread.read_table(workbook, "任务分工.xlsx")

    assert limit in str(caught.value)
