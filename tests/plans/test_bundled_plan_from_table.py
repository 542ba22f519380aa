"""The bundled plan's task table, written as Word and Excel the way the notice
prints it, loads as a second plan equal to the YAML fixture: measure for
measure, unit for unit, lead for lead; and back into the bundled plan without a change."""

import datetime
import re

import pytest

from tasks.models import Assignment, Period, Plan
from tasks.plans import plantable
from tasks.plans.planfile import NOTICE_FIELDS
from tasks.progress.rollup import PlanProgress
from tests.tasks.seed import SEED_PATH

from .conftest import NEW_DOC, build, load, resave, signature, snapshot
from .tables import HEADER, Row, bundled_rows, write_docx, write_xlsx

LAYOUTS = {
    "word": lambda tmp: write_docx(tmp / "任务分工.docx", bundled_rows()),
    "word, columns reordered, 备注 column": lambda tmp: write_docx(
        tmp / "任务分工.docx", bundled_rows(), order=(1, 2, 0), extra_columns=[("备注", lambda row: "")]
    ),
    "excel, note below": lambda tmp: write_xlsx(tmp / "任务分工.xlsx", bundled_rows()),
    "excel, note in a merged 备注 column": lambda tmp: write_xlsx(
        tmp / "任务分工.xlsx", bundled_rows(), note_in_column=True, order=(2, 0, 1)
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_bundled_table_loads_as_a_second_plan_equal_to_the_fixture(plan, tmp_path, layout):
    new, result = load(LAYOUTS[layout](tmp_path))
    assert new.pk != plan.pk
    assert signature(new) == signature(plan)
    assert result.updated == 0


def test_the_leads_of_5_2_come_from_the_note(plan, tmp_path):
    new, _ = load(LAYOUTS["word"](tmp_path))
    measure = new.tasks.get(number=5).measures.get(number=2)
    assert measure.each_lead_own_part
    assert [a.printed_name for a in measure.ordered_assignments() if a.is_lead] == [
        "江桥镇",
        "南翔镇",
        "安亭镇",
        "北虹办",
    ]
    assert new.lead_note == plan.lead_note


def test_the_new_plan_gets_quarterly_periods_like_the_bundled_one(plan, tmp_path):
    new, _ = load(LAYOUTS["excel, note below"](tmp_path), start_date=None, title="某行动方案（2023—2025年）")
    assert new.start_date.isoformat() == "2023-01-01" and new.end_date.isoformat() == "2025-12-31"
    fields = ("name", "start_date", "end_date", "due_date", "kind")
    assert list(Period.objects.filter(plan=new).order_by("start_date").values_list(*fields)) == list(
        Period.objects.filter(plan=plan).order_by("start_date").values_list(*fields)
    )


def test_loading_the_same_table_again_changes_nothing(plan, tmp_path):
    path = LAYOUTS["word"](tmp_path)
    load(path)
    before = snapshot()
    _, result = load(path)
    assert result.changed == 0
    assert snapshot() == before


def test_the_bundled_table_under_the_bundled_number_leaves_the_bundled_plan_as_it_is(plan, tmp_path):
    before = snapshot()
    built = build(LAYOUTS["word"](tmp_path), doc_number=plan.doc_number, title=plan.title)
    assert built.existing == plan
    _, result = plantable.load_table_plan(built)
    assert result.changed == 0
    assert snapshot() == before


def test_a_table_keeps_the_notice_sections_and_indicators_it_does_not_carry(plan, tmp_path):
    """A table has no preamble, 工作重点, headings or indicators: loading it over a plan keeps them."""
    Plan.objects.filter(pk=plan.pk).update(title="旧标题")
    built = build(LAYOUTS["word"](tmp_path), doc_number=plan.doc_number, title=plan.title)
    _, result = plantable.load_table_plan(built)

    reloaded = Plan.objects.get(pk=plan.pk)
    assert result.updated == 1  # the title
    assert reloaded.title == plan.title
    for name in [*NOTICE_FIELDS, "headings", "goals", "safeguards"]:
        assert getattr(reloaded, name) == getattr(plan, name), name
    assert reloaded.preamble and reloaded.headings
    assert reloaded.indicators.count() == 4


def test_a_new_plan_from_a_table_owes_everything_from_its_start_and_has_no_notice(plan, tmp_path, clock):
    clock(datetime.date(2025, 12, 1))  # before the new plan (2026—2028) starts
    new, _ = load(LAYOUTS["word"](tmp_path))
    assert set(Assignment.objects.filter(measure__task__plan=new).values_list("owed_from", flat=True)) == {None}
    assert (new.preamble, new.key_points, new.headings) == ("", "", {})
    assert not new.indicators.exists()
    # Its measures are owed by their units in its first period.
    progress = PlanProgress(new, Period.objects.filter(plan=new).order_by("start_date").first(), today=new.start_date)
    assert all(s.owed for state in progress.states.values() for s in state.leads + state.supports)
    assert not any(state.pending for state in progress.states.values())


def test_loading_a_new_plan_never_touches_another_plan(plan, tmp_path):
    before = signature(plan), list(Period.objects.filter(plan=plan).values_list())
    load(LAYOUTS["excel, note below"](tmp_path))
    assert (signature(plan), list(Period.objects.filter(plan=plan).values_list())) == before
    assert Plan.objects.count() == 2


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_a_table_re_saved_by_libreoffice_loads_the_same(plan, tmp_path, fmt):
    original = LAYOUTS["word" if fmt == "docx" else "excel, note below"](tmp_path)
    resaved = resave(original, fmt, tmp_path)
    new, _ = load(resaved)
    assert signature(new) == signature(plan)


# The attachment exactly as the notice prints it (from the source text).


def seed_table_rows():
    """The attachment's rows with every printed space, and the page breaks
    where the notice repeats its header."""
    text = SEED_PATH.read_text(encoding="utf-8")
    table = text[text.index("任务分工", text.index("## 附件")) :]
    note = next(line for line in table.splitlines() if line.startswith("备注："))
    table = table[: table.index("备注：")]
    rows, breaks, tasks = [], [], 0
    for line in table.splitlines():
        cells = line.split("\t")
        if len(cells) != 3:
            continue
        if cells[0] == HEADER[0]:
            if rows:
                breaks.append(tasks)
            continue
        tasks += bool(cells[0].strip())
        rows.append(Row(*cells))
    return rows, tuple(breaks), note


@pytest.mark.parametrize("writer", [write_docx, write_xlsx])
def test_the_attachment_as_printed_loads_equal_to_the_fixture(plan, tmp_path, writer):
    rows, breaks, note = seed_table_rows()
    assert breaks == (3, 6)
    assert re.search(r"5\. \(2\)", note)
    suffix = "docx" if writer is write_docx else "xlsx"
    kwargs = {"split_after": breaks} if writer is write_docx else {}
    path = writer(tmp_path / f"attachment.{suffix}", rows, note=note, **kwargs)
    new, _ = load(path, doc_number=NEW_DOC)
    assert signature(new) == signature(plan)
    assert new.lead_note == plan.lead_note
