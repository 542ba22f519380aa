"""Property-based tests: random text, numbers, dates and files never cause a 500,
always get a clear message, and never leave anything half-written."""

import datetime
import io
import string

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell

from tasks import obligations
from tasks.documents import statussheet
from tasks.models import Measure, Period, Plan, Report, ReportEvent
from tasks.plans.planfile import DEFAULT_PLAN_FILE, PlanFileError, load_plan, read_plan_file
from tasks.reporting import workflow
from tests.conftest import measure_by_code
from tests.helpers import rolled_back

EXAMPLES = hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
# What a user can type into a spreadsheet cell (openpyxl refuses control characters).
cell_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200)
numberish = st.one_of(
    st.integers(min_value=-(10**9), max_value=10**9).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    any_text,
)


def open_for_late_reporting(plan):
    """Today the plan has ended: its last period takes reports only once the
    coordinator opens it for late reporting (tasks/periods.py)."""
    import datetime

    last = Period.objects.filter(plan=plan).order_by("-end_date").first()
    last.late_until = datetime.date.today() + datetime.timedelta(days=30)
    last.save()


@pytest.fixture
def report_url(plan):
    open_for_late_reporting(plan)
    return f"/measures/{measure_by_code(plan, 1, 1).pk}/report/"


@EXAMPLES
@given(
    status=st.one_of(st.sampled_from([s for s, _ in Report.Status.choices]), any_text),
    percent=numberish,
    progress=any_text,
    problems=any_text,
    version=numberish,
    submit=st.booleans(),
)
def test_report_form_never_fails_and_never_half_writes(
    lead_staff, report_url, status, percent, progress, problems, version, submit
):
    client = Client(raise_request_exception=True)
    client.force_login(lead_staff)
    with rolled_back():
        reports, events = Report.objects.count(), ReportEvent.objects.count()
        data = {
            "status": status,
            "percent": percent,
            "progress": progress,
            "problems": problems,
            "next_steps": "",
            "version": version,
            "submit" if submit else "draft": "1",
        }
        response = client.post(report_url, data)
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            body = response.content.decode()
            assert "errorlist" in body or "他人已修改" in body or "message error" in body
            assert Report.objects.count() == reports and ReportEvent.objects.count() == events
        else:
            assert Report.objects.count() == reports + 1
            assert ReportEvent.objects.count() == events + 1


def _fixture():
    return yaml.safe_load(DEFAULT_PLAN_FILE.read_text(encoding="utf-8"))


def _mutate(data, path, value):
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text | st.dates().map(str),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=6,
)
mutation_paths = st.sampled_from(
    [
        ("plan", "doc_number"),
        ("plan", "start_date"),
        ("plan", "end_date"),
        ("plan", "title"),
        ("units", 0, "name"),
        ("units", 0, "kind"),
        ("units", 29, "members"),
        ("tasks", 0, "number"),
        ("tasks", 0, "title"),
        ("tasks", 0, "measures"),
        ("tasks", 4, "measures", 1, "leads"),
        ("tasks", 4, "measures", 1, "each_lead_own_part"),
        ("tasks", 1, "measures", 0, "units"),
        ("tasks", 1, "measures", 0, "number"),
        ("tasks", 1, "measures", 0, "text"),
        ("tasks", 1, "measures", 0, "due_date"),
        ("totals", "measures"),
        ("totals",),
    ]
)


def _table_counts():
    return (Plan.objects.count(), Measure.objects.count(), Period.objects.count())


@EXAMPLES
@given(path=mutation_paths, value=json_values)
def test_plan_loader_refuses_or_loads_whole(db, tmp_path_factory, path, value):
    path_file = tmp_path_factory.mktemp("plans") / "plan.yaml"
    path_file.write_text(yaml.safe_dump(_mutate(_fixture(), path, value), allow_unicode=True), encoding="utf-8")
    with rolled_back():
        before = _table_counts()
        try:
            spec = read_plan_file(path_file)
        except PlanFileError as exc:
            assert str(path_file) in str(exc)
            assert _table_counts() == before
            return
        load_plan(spec)
        assert Measure.objects.filter(task__plan__doc_number=spec.doc_number).count() == sum(
            len(t.measures) for t in spec.tasks
        )


@EXAMPLES
@given(content=st.binary(max_size=2000) | any_text.map(lambda t: t.encode("utf-8")))
def test_plan_loader_on_random_bytes(db, tmp_path_factory, content):
    path_file = tmp_path_factory.mktemp("plans") / "plan.yaml"
    path_file.write_bytes(content)
    with rolled_back():
        with pytest.raises(PlanFileError):
            read_plan_file(path_file)
        assert _table_counts() == (0, 0, 0)


@pytest.fixture
def exported(plan):
    period = Period.objects.current(plan, datetime.date(2024, 5, 1))
    buffer = io.BytesIO()
    statussheet.write_status_sheet(statussheet.SheetScope(plan=plan, period=period, today=period.end_date), buffer)
    return period, buffer.getvalue()


cell_values = st.one_of(
    st.none(), cell_text, st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False)
)


@EXAMPLES
@given(
    rows=st.lists(st.integers(min_value=4, max_value=60), min_size=1, max_size=5),
    columns=st.lists(st.sampled_from(["A", "C", "D", "E", "F", "G", "H", "L"]), min_size=1, max_size=4),
    values=st.lists(cell_values, min_size=1, max_size=20),
)
def test_import_validates_every_row_and_applies_all_or_nothing(plan, coordinator, exported, rows, columns, values):
    period, content = exported
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["按单位"]  # the sheet the import reads
    index = 0
    for row in rows:
        for column in columns:
            cell = sheet[f"{column}{row}"]
            if not isinstance(cell, MergedCell):  # a task cell merged down its measures
                cell.value = values[index % len(values)]
            index += 1
    edited = io.BytesIO()
    workbook.save(edited)
    edited.seek(0)
    with rolled_back():
        before = (Report.objects.count(), ReportEvent.objects.count())
        try:
            preview = statussheet.read_upload(edited, plan, period)
        except statussheet.UploadError as exc:
            assert str(exc)
            return
        for row_number, message in preview.errors:
            assert isinstance(row_number, int) and message
        assert (Report.objects.count(), ReportEvent.objects.count()) == before
        if preview.ok:
            count = statussheet.apply_changes([c.as_data() for c in preview.changes], period, coordinator)
            assert Report.objects.count() >= before[0]
            assert ReportEvent.objects.count() == before[1] + count


@EXAMPLES
@given(content=st.binary(max_size=3000))
def test_import_of_random_bytes_is_refused_with_a_message(plan, content):
    period = Period.objects.filter(plan=plan).first()
    with pytest.raises(statussheet.UploadError):
        statussheet.read_upload(io.BytesIO(content), plan, period)


def test_import_page_with_a_random_file_answers_clearly(plan, coordinator):
    open_for_late_reporting(plan)
    client = Client(raise_request_exception=True)
    client.force_login(coordinator)
    upload = SimpleUploadedFile("台账.xlsx", bytes(string.printable, "ascii"))
    response = client.post("/import/", {"action": "preview", "file": upload})
    assert response.status_code == 200
    assert "无法读取该文件" in response.content.decode()


@EXAMPLES
@given(progress=any_text.filter(lambda t: t.strip()), problems=any_text)
def test_any_report_text_exports_cleanly(plan, lead_staff, progress, problems):
    measure = measure_by_code(plan, 1, 1)
    period = Period.objects.current(plan, datetime.date(2024, 5, 1))
    with rolled_back():
        data = {"status": "in_progress", "percent": 10, "progress": progress, "problems": problems, "next_steps": ""}
        workflow.save_report(
            obligations.find(measure, lead_staff.memberships.get().unit),
            period,
            data,
            lead_staff,
            submit=True,
            version=0,
        )
        buffer = io.BytesIO()
        statussheet.write_status_sheet(statussheet.SheetScope(plan=plan, period=period, today=period.end_date), buffer)
        sheet = load_workbook(io.BytesIO(buffer.getvalue()))["台账"]
        cell = sheet["H4"]
        assert cell.data_type == "s" or cell.value is None
        if cell.value is not None:
            # XML turns carriage returns into line feeds; nothing else changes.
            expected = ILLEGAL_CHARACTERS_RE.sub("", progress.replace("\x00", "")).replace("\r\n", "\n")
            assert cell.value.replace("\r", "\n").strip() == expected.replace("\r", "\n").strip()
