"""Helpers for the status-sheet tests: reports through the workflow, reading exported sheets."""

import datetime
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import obligations
from tasks.documents import statussheet
from tasks.models import Measure, Period, Report
from tasks.reporting import workflow
from tests.helpers import obligation

TODAY = datetime.date(2024, 5, 15)
CURRENT_PERIOD = "2024年第二季度"
PREVIOUS_PERIOD = "2024年第一季度"
# Days of the plan (2023-01-01 to 2025-12-31, 1096 days) elapsed by 2024-05-15: 501.
EXPECTED_PERCENT = 45.7
# The 台账 sheet, for reading: one row per measure.
HEADERS = [
    "工作任务",
    "具体措施",
    "责任单位",
    "牵头单位",
    "状态",
    "完成进度",
    "审核状态",
    "进展情况",
    "存在问题",
    "下一步计划",
    "填报单位",
    "填报时间",
    "配合单位进展",
]
# The 按单位 sheet, filled in and uploaded: one row per (measure, unit) obligation.
FILL_IN_HEADERS = [
    "单位",
    "角色",
    "具体措施",
    "状态",
    "完成进度",
    "进展情况",
    "存在问题",
    "下一步计划",
    "信号灯",
    "审核状态",
    "填报时间",
    "校验",
]
HEADER_ROW = 3
FIRST_DATA_ROW = 4


def report(measure, unit_name, period, user, *, submit=True, **overrides):
    """Create or update a report through the workflow, as the report form would."""
    data = {
        "status": Report.Status.IN_PROGRESS,
        "percent": 40,
        "progress": f"{unit_name}已召开专题推进会。",
        "problems": "",
        "next_steps": "",
    }
    data.update(overrides)
    owed = obligation(measure, unit_name)
    existing = Report.objects.filter(measure=measure, unit=owed.unit, period=period).first()
    return workflow.save_report(owed, period, data, user, submit=submit, version=existing.version if existing else 0)


def bulk_reports(plan, period_names, *, leads=True, supports=True):
    """A submitted report for every obligation in the named periods, written straight to the database.

    For query-count tests: many reports without going through the workflow.
    Obligations that already have a report in a period keep it.
    """
    periods = list(Period.objects.filter(plan=plan, name__in=period_names))
    assert len(periods) == len(period_names)
    members = obligations.collective_members()
    measures = Measure.objects.filter(task__plan=plan).select_related("task").with_assignments()
    rows = []
    for measure in measures:
        for owed in obligations.for_measure(measure, members):
            if (owed.is_lead and not leads) or (not owed.is_lead and not supports):
                continue
            for period in periods:
                rows.append(
                    Report(
                        measure=measure,
                        unit=owed.unit,
                        period=period,
                        role=owed.role,
                        status=Report.Status.IN_PROGRESS,
                        percent=50,
                        progress=f"{owed.unit.name}{period.name}进展",
                        state=Report.State.SUBMITTED,
                        submitted_at=datetime.datetime(2024, 5, 1, 9, 0, tzinfo=datetime.UTC),
                    )
                )
    Report.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def document_measures(plan):
    """The plan's measures in document order, units loaded."""
    return list(Measure.objects.filter(task__plan=plan).select_related("task").with_assignments().in_document_order())


def workbook_of(response):
    """The xlsx of a response, opened with openpyxl."""
    return openpyxl.load_workbook(io.BytesIO(response.content))


def xlsx_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def raw_parts(content):
    """{part name: text} of every XML part of an xlsx file."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml")}


def data_rows(sheet):
    """The 台账 data rows as dicts keyed by header, with the sheet row number under "row"."""
    header = [cell.value for cell in sheet[HEADER_ROW]]
    rows = []
    for number in range(FIRST_DATA_ROW, sheet.max_row + 1):
        row = dict(zip(header, [cell.value for cell in sheet[number]], strict=True))
        row["row"] = number
        rows.append(row)
    return rows


def measure_codes(sheet):
    """The measure of each 台账 data row as "5.(2)", carrying the merged task cell down."""
    codes, task = [], None
    for row in data_rows(sheet):
        if row["工作任务"]:
            task = row["工作任务"].split(".", 1)[0]
        codes.append(f"{task}.{row['具体措施'].split(' ', 1)[0]}")
    return codes


def row_of(sheet, code):
    """The 台账 data row (as a dict) of the measure with this code."""
    for found, row in zip(measure_codes(sheet), data_rows(sheet), strict=True):
        if found == code:
            return row
    raise AssertionError(f"{code} is not in the sheet")


def a_few_reports(plan, user):
    """Two submitted reports of 区科委 this quarter: the starting point of the query-count tests.

    Some queries only run once there is a report, so counts are compared
    between a few reports and many, not between none and many.
    """
    period = Period.objects.get(plan=plan, name=CURRENT_PERIOD)
    for number in (1, 2):
        measure = Measure.objects.get(task__plan=plan, task__number=2, number=number)
        report(measure, "区科委", period, user, progress=f"区科委 2.({number}) 进展")


def fill_in_rows(sheet):
    """The 按单位 data rows as dicts keyed by header, with the sheet row number under "row"."""
    rows = []
    for number, values in enumerate(sheet.iter_rows(min_row=FIRST_DATA_ROW, values_only=True), start=FIRST_DATA_ROW):
        row = dict(zip(FILL_IN_HEADERS, values, strict=True))
        row["row"] = number
        row["code"] = (row["具体措施"] or "").split(" ", 1)[0]
        rows.append(row)
    return rows


def fill_in_row(sheet, code, unit_name):
    """The 按单位 row of `unit_name`'s obligation on measure `code`."""
    for row in fill_in_rows(sheet):
        if row["code"] == code and row["单位"] == unit_name:
            return row
    raise AssertionError(f"no 按单位 row for {unit_name} on {code}")


def fill_in_column(name):
    return FILL_IN_HEADERS.index(name) + 1


def type_in(workbook, code, unit_name, **cells):
    """Type into the 按单位 row of `unit_name` on measure `code`, as a unit would; keys are headers."""
    sheet = workbook["按单位"]
    row = fill_in_row(sheet, code, unit_name)["row"]
    for name, value in cells.items():
        sheet.cell(row, fill_in_column(name)).value = value
    return row


# --- The /measures/ table -------------------------------------------------------------------

MEASURE_LIST_URL = "/measures/"
ALL_CODES_PAGE_1 = 25


def page_codes(response):
    """The measure codes in the table on the page, top to bottom."""
    return re.findall(r'<td data-label="措施"><a href="/measures/\d+/">([^<]+)</a></td>', response.content.decode())


def all_codes(client, params):
    """The measure codes of every page of the filtered table, in its order.

    One request: the rows of all pages come from the table in the context,
    and the first page's HTML must show the first of them.
    """
    response = client.get(MEASURE_LIST_URL, params)
    assert response.status_code == 200
    codes = [row.record.measure.code for row in response.context["table"].rows]
    assert page_codes(response) == codes[:ALL_CODES_PAGE_1]
    return codes


def queries_as_reports_grow(client, url, params, plan, user, pinned):
    """(queries of a GET with a few reports, with every obligation reported in two
    quarters, the last response). `pinned`: django_assert_max_num_queries(n), held
    over the GET with a few reports."""
    a_few_reports(plan, user)
    client.get(url, params)  # the first request of a session sets up its security record
    with pinned:
        client.get(url, params)
    _, few = count_queries(lambda: client.get(url, params))
    assert bulk_reports(plan, [PREVIOUS_PERIOD, CURRENT_PERIOD]) > 150
    response, many = count_queries(lambda: client.get(url, params))
    return few, many, response


def count_queries(function):
    """Run `function` and return (its result, the number of queries it made)."""
    with CaptureQueriesContext(connection) as queries:
        result = function()
    return result, len(queries)


# --- Uploading ------------------------------------------------------------------------------

IMPORT_URL = "/import/"
SESSION_KEY = "statussheet_import"


def upload(client, content, name="台账.xlsx"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content), "action": "preview"})


def preview_of(response):
    assert response.status_code == 200
    return response.context["preview"]


def apply(client):
    return client.post(IMPORT_URL, {"action": "apply"}, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def read_back(content, plan, period, unit_ids=None):
    """statussheet.read_upload of xlsx bytes: the preview the import would show."""
    return statussheet.read_upload(io.BytesIO(content), plan, period, unit_ids)


def export_bytes(scope):
    buffer = io.BytesIO()
    statussheet.write_status_sheet(scope, buffer)
    return buffer.getvalue()


# --- LibreOffice ----------------------------------------------------------------------------

REPOSITORY = Path(__file__).resolve().parents[2]
UNO_PYTHON = "/usr/bin/python3"


class LibreOffice:
    """Debian's LibreOffice, headless, with a private profile and the repository's font aliases."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.profile = workdir / "profile"
        fonts = workdir / "fonts.conf"
        fonts.write_text(
            '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
            '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
            f"<include>{REPOSITORY / 'fontconfig' / '99-jiading-cjk.conf'}</include></fontconfig>"
        )
        self.env = {**os.environ, "FONTCONFIG_FILE": str(fonts)}
        self.count = 0

    def convert(self, contents, to="xlsx"):
        """Each xlsx (bytes) opened and saved again as `to` by LibreOffice, in one run."""
        self.count += 1
        source = self.workdir / f"in{self.count}"
        target = self.workdir / f"out{self.count}"
        source.mkdir()
        paths = []
        for index, content in enumerate(contents):
            path = source / f"sheet{index}.xlsx"
            path.write_bytes(content)
            paths.append(str(path))
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{self.profile}",
                "--headless",
                "--convert-to",
                to,
                "--outdir",
                str(target),
                *paths,
            ],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        return [(target / f"sheet{index}.{to}").read_bytes() for index in range(len(contents))]

    def edit(self, content, edits):
        """The xlsx (bytes) after typing `edits` into its 按单位 sheet in LibreOffice and saving it (see lo_edit.py)."""
        self.count += 1
        source, target = self.workdir / f"edit{self.count}.xlsx", self.workdir / f"edited{self.count}.xlsx"
        spec = self.workdir / f"edit{self.count}.json"
        source.write_bytes(content)
        spec.write_text(json.dumps(edits, ensure_ascii=False), encoding="utf-8")
        subprocess.run(
            [
                UNO_PYTHON,
                str(Path(__file__).with_name("lo_edit.py")),
                str(source),
                str(target),
                str(self.workdir / "uno"),
                str(spec),
            ],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        return target.read_bytes()

    def row_heights(self, content):
        """{sheet: [[row, height, height LibreOffice needs], ...]} (see lo_row_heights.py)."""
        self.count += 1
        path = self.workdir / f"heights{self.count}.xlsx"
        path.write_bytes(content)
        output = subprocess.run(
            [UNO_PYTHON, str(Path(__file__).with_name("lo_row_heights.py")), str(path), str(self.workdir / "uno")],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return json.loads(output.stdout)


def require_libreoffice():
    """Skip without LibreOffice, except under CI=true, where its absence fails the run."""
    missing = None
    if not shutil.which("soffice"):
        missing = "no LibreOffice (apt-get install libreoffice-calc-nogui)"
    elif subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True).returncode:
        missing = "no LibreOffice Python bridge (apt-get install python3-uno)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing + " — required under CI=true")
        pytest.skip(missing)
