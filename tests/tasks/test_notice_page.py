"""/tasks/ as the whole notice: every section in the document's order, each task's narrative and
责任部门 beside its measures, and each measure's live state."""

import datetime
import html
import re

import pytest

from tasks import obligations
from tasks.models import Period, Plan
from tasks.progress.rollup import PlanProgress
from tasks.reporting import workflow
from tests.conftest import measure_by_code

from .seed import body_tasks, notice_sections


@pytest.fixture
def page(client_for, lead_staff):
    response = client_for(lead_staff).get("/tasks/")
    assert response.status_code == 200
    return response.content.decode()


def text_of(body):
    """The page as a reader sees it: tags dropped, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", body)))


def squeezed(text):
    return re.sub(r"\s+", "", text)


SECTION_ORDER = [
    "header",
    "doc_number",
    "notice_title",
    "addressees",
    "notice_text",
    "notice_attachment",
    "preamble",
    "guidance",
    "goals",
    "key_points",
    "safeguards",
    "attachment_note",
    "attachment_title",
]


def test_every_section_of_the_source_is_on_the_page_in_the_documents_order(page):
    shown = text_of(page[page.index('id="notice"') :])  # after the table of contents
    sections = notice_sections()
    positions = []
    for name in SECTION_ORDER:
        for paragraph in sections[name].splitlines():
            assert squeezed(paragraph) in shown, f"{name}: {paragraph[:30]}"
        positions.append(shown.index(squeezed(sections[name].splitlines()[0])))
    assert positions == sorted(positions)


def test_headings_one_to_five_appear_in_order_with_the_tasks_under_four(page, plan):
    shown = text_of(page[page.index('id="plan-body"') :])  # after the table of contents
    headings = list(notice_sections()["headings"].values())
    positions = [shown.index(h) for h in headings]
    assert positions == sorted(positions)
    four, five = positions[3], positions[4]
    for task in plan.tasks.all():
        assert four < shown.index(squeezed(task.heading)) < five


@pytest.mark.parametrize("number", range(1, 12))
def test_each_tasks_narrative_and_departments_sit_beside_its_measures(page, plan, number):
    narrative, departments = body_tasks()[number]
    start = page.index(f'id="task-{number}"')
    end = page.index('id="task-', start + 1) if number < 11 else page.index('id="section-safeguards"')
    task = page[start:end]
    narrative_block = task[task.index('class="task-narrative"') : task.index('class="measures"')]
    assert narrative in html.unescape(narrative_block)
    assert f"（责任部门：{'、'.join(departments)}）" in html.unescape(narrative_block)
    for measure in plan.tasks.get(number=number).measures.all():
        assert f'id="measure-{measure.pk}"' in task


def test_key_points_and_safeguards_show_each_points_lead_in_bold(page):
    assert "<strong>1. 强化科技创新。</strong>充分发挥嘉定科创中心" in page
    assert "<strong>4. 推进数字广告社会共治。</strong>发挥上海市广告协会" in page


def test_goals_link_to_the_indicators(page):
    goals = page[page.index('id="section-goals"') : page.index('id="section-key_points"')]
    assert 'href="/indicators/"' in goals


def measure_state(page, measure):
    start = page.index(f'id="measure-{measure.pk}"')
    fragment = page[start : page.index("</li>", start)]
    return fragment[fragment.index('class="measure-state"') :]


def test_each_measure_shows_its_live_state_from_progress(clock, client_for, plan, lead_staff, coordinator):
    today = clock(datetime.date(2025, 12, 20))
    measure = measure_by_code(plan, 1, 1)  # led by 区科委
    period = Period.objects.get(plan=plan, name="2025年第四季度")
    owed = [o for o in obligations.for_measure(measure) if o.is_lead][0]
    fields = {"status": "in_progress", "percent": 65, "progress": "推进中", "problems": "", "next_steps": ""}
    report = workflow.save_report(owed, period, fields, lead_staff, submit=True, version=0)
    workflow.approve(report, coordinator, report.version)

    page = client_for(lead_staff).get("/tasks/").content.decode()
    state = measure_state(page, measure)
    expected = PlanProgress(plan, Period.objects.current(plan, today), today=today).states[measure.pk]

    assert "完成 65.0%" in state
    assert f'<span class="light {expected.light}">{expected.light.label}</span>' in state
    assert f'<span class="state">{expected.status_label}</span>' in state
    assert f'href="/measures/{measure.pk}/"' in state


def test_measure_without_reports_says_so(page, plan):
    state = measure_state(page, measure_by_code(plan, 11, 3))
    assert '<span class="state">未填报</span>' in state
    assert "完成 0.0%" in state


def test_page_reads_on_a_phone(page):
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'class="toc"' in page


def test_notice_sections_left_empty_are_not_shown_as_blank_headings(client_for, plan, lead_staff):
    Plan.objects.filter(pk=plan.pk).update(header="", notice_title="", key_points="")
    page = client_for(lead_staff).get("/tasks/").content.decode()
    assert 'class="red-header"' not in page
    assert "<h1" in page


def test_a_plan_without_the_notices_sections_shows_its_tasks_alone(client_for, plan, lead_staff):
    """As a plan loaded from its task table: no empty headings, no empty narrative column."""
    Plan.objects.filter(pk=plan.pk).update(guidance="", goals="", key_points="", safeguards="")
    plan.tasks.filter(number=1).update(narrative="", departments="")

    page = client_for(lead_staff).get("/tasks/").content.decode()

    for key in ["guidance", "goals", "key_points", "safeguards"]:
        assert f'id="section-{key}"' not in page and f'href="#section-{key}"' not in page
    assert 'id="section-tasks"' in page
    first, second = page[page.index('id="task-1"') : page.index('id="task-2"')], page[page.index('id="task-2"') :]
    assert 'class="task-body measures-only"' in first and "task-narrative" not in first
    assert 'class="task-narrative"' in second[: second.index('class="measures"')]


def test_auditor_gets_403(client_for, auditor):
    assert client_for(auditor).get("/tasks/").status_code == 403
