"""The invariant: any 台账 uploaded back unmodified changes nothing and finds no error.

Whatever the reports hold (line breaks from a browser, control characters,
text that starts like a formula, emoji, 2,000 characters), whatever their
state (submitted, approved, returned, carried over from last quarter, a
draft), for measures with several leads and measures of collective units,
for every role's export; read back as openpyxl wrote it and as LibreOffice
saves it again.
"""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks import obligations
from tasks.documents.statussheet import SheetScope
from tasks.models import Measure, Period, Report
from tests.helpers import rolled_back

from .helpers import CURRENT_PERIOD, PREVIOUS_PERIOD, TODAY, export_bytes, preview_of, read_back, upload

# Text a report may hold: what a browser sends and what a careless paste brings.
SPECIAL_TEXTS = [
    "第一行\r\n第二行",
    "旧系统的换行\r结尾",
    "控制字符\x01\x07\x1b在中间\x0b\x0c",
    "=SUM(A1)",
    "+86 139",
    "-1",
    "@负责人",
    "#N/A",
    "完成 👍🏻 🚀",
    "前后有空格  ",
    "\t制表符",
    "长文本。" * 500,  # 2,000 characters
    "",
]
report_text = st.one_of(
    st.sampled_from(SPECIAL_TEXTS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120),
)
STATES = [Report.State.SUBMITTED, Report.State.APPROVED, Report.State.RETURNED, Report.State.DRAFT]

# Obligations that stress the layout: a lead, a co-organizer, two of 5.(2)'s four
# leads, members of 各街镇 (6.(1), led by the collective), and units that lead
# one measure and co-organize another.
OBLIGATIONS = [
    ("1.(1)", "区科委"),
    ("2.(1)", "区委网信办"),
    ("2.(1)", "区科委"),
    ("5.(2)", "江桥镇"),
    ("5.(2)", "南翔镇"),
    ("5.(2)", "区市场监管局"),
    ("6.(1)", "江桥镇"),
    ("6.(1)", "南翔镇"),
    ("3.(4)", "区人力资源社会保障局"),
    ("9.(1)", "区市场监管局"),
]

report_specs = st.lists(
    st.fixed_dictionaries(
        {
            "obligation": st.sampled_from(OBLIGATIONS),
            "period": st.sampled_from([CURRENT_PERIOD, PREVIOUS_PERIOD]),
            "state": st.sampled_from(STATES),
            "status": st.sampled_from(Report.Status.values),
            "percent": st.integers(0, 100),
            "progress": report_text,
            "problems": report_text,
            "next_steps": report_text,
        }
    ),
    min_size=1,
    max_size=8,
)


def write_reports(plan, specs):
    """The reports as they may stand in the database, written directly (any text, any state)."""
    periods = {p.name: p for p in Period.objects.filter(plan=plan)}
    measures = {m.code: m for m in Measure.objects.filter(task__plan=plan).select_related("task").with_assignments()}
    members = obligations.collective_members()
    written = {}
    for spec in specs:
        code, unit_name = spec["obligation"]
        owed = next(o for o in obligations.for_measure(measures[code], members) if o.unit.name == unit_name)
        period = periods[spec["period"]]
        percent = 100 if spec["status"] == Report.Status.DONE else spec["percent"]
        Report.objects.update_or_create(
            measure=owed.measure,
            unit=owed.unit,
            period=period,
            defaults={
                "role": owed.role,
                "state": spec["state"],
                "status": spec["status"],
                "percent": percent,
                "progress": spec["progress"].replace("\x00", ""),
                "problems": spec["problems"].replace("\x00", ""),
                "next_steps": spec["next_steps"].replace("\x00", ""),
                "review_comment": "请补充数据" if spec["state"] == Report.State.RETURNED else "",
                "submitted_at": datetime.datetime(2024, 5, 1, 9, 30, tzinfo=datetime.UTC),
            },
        )
        written[owed.unit.pk] = owed.unit
    return list(written.values())


def every_roles_export(plan, period, units):
    """(label, xlsx bytes, unit ids the uploader may import for): the coordinator's and each unit's."""
    exports = [("coordinator", export_bytes(SheetScope(plan=plan, period=period, today=TODAY)), None)]
    for unit in units:
        mine = frozenset({unit.pk})
        exports.append(
            (unit.name, export_bytes(SheetScope(plan=plan, period=period, today=TODAY, unit_ids=mine)), mine)
        )
    return exports


def assert_nothing_changes(plan, period, label, content, unit_ids, *, also_as=None):
    preview = read_back(content, plan, period, unit_ids)
    assert (label, preview.errors, preview.changes) == (label, [], [])
    assert preview.unchanged + preview.ignored > 0
    if also_as is not None:
        # A unit may send back the coordinator's whole sheet: other units' rows are ignored.
        preview = read_back(content, plan, period, also_as)
        assert (label, preview.errors, preview.changes) == (label, [], [])


PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def period(current_period):
    return current_period


@PROPERTY
@given(specs=report_specs)
def test_every_unmodified_export_comes_back_as_no_change(plan, period, specs):
    with rolled_back():
        units = write_reports(plan, specs)
        for label, content, unit_ids in every_roles_export(plan, period, units):
            also = frozenset({units[0].pk}) if unit_ids is None else None
            assert_nothing_changes(plan, period, label, content, unit_ids, also_as=also)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=report_specs)
def test_every_export_resaved_by_libreoffice_comes_back_as_no_change(plan, period, libreoffice, specs):
    with rolled_back():
        units = write_reports(plan, specs)
        exports = every_roles_export(plan, period, units)
        resaved = libreoffice.convert([content for _, content, _ in exports])
        for (label, _, unit_ids), content in zip(exports, resaved, strict=True):
            assert_nothing_changes(plan, period, f"{label} via LibreOffice", content, unit_ids)


def test_every_special_text_survives_libreoffice_in_every_state(plan, period, libreoffice):
    """The awkward texts side by side, in every state, through one LibreOffice save."""
    specs = [
        {
            "obligation": OBLIGATIONS[i % len(OBLIGATIONS)],
            "period": CURRENT_PERIOD if i % 3 else PREVIOUS_PERIOD,
            "state": STATES[i % len(STATES)],
            "status": Report.Status.values[i % 4],
            "percent": (i * 37) % 101,
            "progress": text or "进展",
            "problems": SPECIAL_TEXTS[(i + 3) % len(SPECIAL_TEXTS)],
            "next_steps": SPECIAL_TEXTS[(i + 7) % len(SPECIAL_TEXTS)],
        }
        for i, text in enumerate(SPECIAL_TEXTS)
    ]
    units = write_reports(plan, specs)
    exports = every_roles_export(plan, period, units)
    for (label, _, unit_ids), content in zip(exports, libreoffice.convert([c for _, c, _ in exports]), strict=True):
        assert_nothing_changes(plan, period, f"{label} via LibreOffice", content, unit_ids)


def test_browser_exports_of_every_role_come_back_unchanged(
    plan, period, client_for, coordinator, lead_staff, town_staff
):
    write_reports(
        plan,
        [
            {
                "obligation": obligation,
                "period": CURRENT_PERIOD,
                "state": Report.State.SUBMITTED,
                "status": Report.Status.IN_PROGRESS,
                "percent": 40,
                "progress": "第一行\r\n第二行",
                "problems": "=A1",
                "next_steps": "",
            }
            for obligation in OBLIGATIONS
        ],
    )
    for user in (coordinator, lead_staff, town_staff):
        client = client_for(user)
        content = client.get("/export/status.xlsx").content
        preview = preview_of(upload(client, content))
        assert (user.username, preview.errors, preview.changes, preview.ok) == (user.username, [], [], False)
        assert preview.unchanged > 0
