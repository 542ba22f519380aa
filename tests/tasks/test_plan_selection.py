"""Which plans a user reads and chooses between (tasks/access.py: readable_plans,
default_plan, can_read_plan): those who see every unit, any plan; unit staff the
plans their units owe reports in and the bundled plan, which all staff read.
A second plan here lists 区科委 and a unit that only it knows."""

import datetime
import re

import pytest

from departments.models import Unit
from tasks import periods
from tasks.models import Assignment, Indicator, Measure, Plan, Task
from tests.conftest import make_user, measure_by_code

D = datetime.date
NEW_DOC = "嘉府发〔2026〕5号"


@pytest.fixture
def newer_plan(plan):
    """嘉府发〔2026〕5号: measure 1.(1) led by 区科委 with 区数据局 (a unit no other plan lists),
    measure 1.(2) for 各街镇; a goal indicator of 区数据局."""
    newer = Plan.objects.create(
        title="嘉定区数据要素行动方案（2026—2027年）",
        doc_number=NEW_DOC,
        issuer="上海市嘉定区人民政府",
        start_date=D(2026, 1, 1),
        end_date=D(2027, 12, 31),
    )
    task = Task.objects.create(plan=newer, number=1, title="数据要素")
    first = Measure.objects.create(task=task, number=1, text="建设数据要素市场。", due_date=newer.end_date)
    second = Measure.objects.create(task=task, number=2, text="各街镇推进数据应用。", due_date=newer.end_date)
    data_bureau = Unit.objects.create(name="区数据局", kind=Unit.Kind.GOVERNMENT)
    for position, (measure, name, role) in enumerate(
        [(first, "区科委", "lead"), (first, "区数据局", "support"), (second, "各街镇", "lead")], start=1
    ):
        unit = Unit.objects.get(name=name)
        Assignment.objects.create(measure=measure, unit=unit, position=position, role=role, printed_name=name)
    Indicator.objects.create(
        plan=newer,
        number=1,
        name="数据企业",
        measure_unit="家",
        target_kind=Indicator.TargetKind.choices[0][0],
        target_value=10,
        target_year=2027,
        unit=data_bureau,
    )
    periods.ensure_quarterly_periods(newer)
    return newer


@pytest.fixture
def newcomer(newer_plan):
    """shujuju, staff of 区数据局, which only the newer plan lists."""
    return make_user("shujuju", units=["区数据局"])


def selector(response):
    """The plan ids the page's plan selector offers, sorted; [] when it shows none."""
    found = re.search(r'<select id="plan-select" name="plan">(.*?)</select>', response.content.decode(), re.S)
    return sorted(int(pk) for pk in re.findall(r'<option value="(\d+)"', found.group(1))) if found else []


def test_unit_staff_whose_units_are_in_two_plans_get_a_selector_of_those_two(plan, newer_plan, lead_staff, client_for):
    response = client_for(lead_staff).get("/")

    assert (selector(response)) == sorted([plan.pk, newer_plan.pk])


def test_unit_staff_choose_their_other_plan_and_my_page_follows(plan, newer_plan, lead_staff, client_for):
    browser = client_for(lead_staff)

    response = browser.post("/plans/select/", {"plan": newer_plan.pk, "next": "/my/"})

    assert response.status_code == 302 and response["Location"] == "/my/"
    page = browser.get("/my/").content.decode()
    assert "建设数据要素市场。" in page
    assert measure_by_code(plan, 1, 1).text not in page


def test_staff_of_a_collective_member_reach_a_plan_through_the_collective(plan, newer_plan, town_staff, client_for):
    browser = client_for(town_staff)

    assert browser.post("/plans/select/", {"plan": newer_plan.pk, "next": "/my/"}).status_code == 302
    assert "各街镇推进数据应用。" in browser.get("/my/").content.decode()


def test_unit_staff_cannot_choose_a_plan_their_units_are_not_in(plan, newer_plan, outsider, client_for):
    browser = client_for(outsider)

    assert browser.post("/plans/select/", {"plan": newer_plan.pk}).status_code == 404
    page = browser.get(f"/tasks/?plan={newer_plan.pk}").content.decode()
    assert plan.title in page and newer_plan.title not in page
    assert selector(browser.get("/")) == []


def test_staff_of_a_unit_only_the_newer_plan_lists_land_on_it_and_may_read_the_bundled_plan(
    plan, newer_plan, newcomer, client_for
):
    browser = client_for(newcomer)

    my_page = browser.get("/my/")

    assert my_page.context["plan"] == newer_plan
    assert "建设数据要素市场。" in my_page.content.decode()
    assert (selector(my_page)) == sorted([plan.pk, newer_plan.pk])
    assert browser.get(f"/measures/{measure_by_code(plan, 1, 1).pk}/").status_code == 200


@pytest.mark.parametrize(
    "person, status",
    [("lead_staff", 200), ("newcomer", 200), ("outsider", 404), ("coordinator", 200), ("viewer", 200)],
)
def test_a_measure_of_a_plan_is_read_by_its_units_and_those_who_see_everything(
    plan, newer_plan, newcomer, client_for, request, person, status
):
    measure = newer_plan.tasks.get().measures.get(number=1)

    response = client_for(request.getfixturevalue(person)).get(f"/measures/{measure.pk}/")

    assert response.status_code == status


@pytest.mark.parametrize("person, status", [("newcomer", 200), ("outsider", 404), ("coordinator", 200)])
def test_an_indicator_of_a_plan_is_read_by_its_units_and_those_who_see_everything(
    plan, newer_plan, newcomer, client_for, request, person, status
):
    indicator = newer_plan.indicators.get()

    response = client_for(request.getfixturevalue(person)).get(f"/indicators/{indicator.pk}/")

    assert response.status_code == status


def test_the_todo_and_the_dashboard_offer_the_selector_and_follow_the_choice(plan, newer_plan, lead_staff, client_for):
    browser = client_for(lead_staff)
    assert browser.get("/").context["plan"] == plan  # 待办 of the bundled plan by default

    browser.post("/plans/select/", {"plan": newer_plan.pk})
    todo, dashboard = browser.get("/"), browser.get("/dashboard/")

    assert todo.context["plan"] == newer_plan and dashboard.context["plan"] == newer_plan
    assert selector(todo) == selector(dashboard) == sorted([plan.pk, newer_plan.pk])
    assert "1.(1)" in todo.content.decode() and measure_by_code(plan, 1, 3).code not in todo.content.decode()
    assert 'id="plan-select"' not in browser.get("/notifications/").content.decode()


def test_those_who_see_everything_choose_any_plan(plan, newer_plan, coordinator, client_for):
    browser = client_for(coordinator)

    assert (selector(browser.get("/"))) == sorted([plan.pk, newer_plan.pk])
    assert browser.post("/plans/select/", {"plan": newer_plan.pk, "next": "/tasks/"}).status_code == 302
    assert newer_plan.title in browser.get("/tasks/").content.decode()


def test_the_selector_shows_the_plan_of_the_page_and_stays_off_pages_of_one_measure(
    plan, newer_plan, lead_staff, client_for
):
    browser = client_for(lead_staff)
    browser.post("/plans/select/", {"plan": newer_plan.pk})
    measure = measure_by_code(plan, 1, 1)

    my_page = browser.get("/my/").content.decode()
    measure_page = browser.get(f"/measures/{measure.pk}/").content.decode()

    assert f'<option value="{newer_plan.pk}" selected>' in my_page
    assert 'id="plan-select"' not in measure_page
    # Its way back leads to its own plan's notice, whichever plan is chosen.
    assert f'href="/tasks/?plan={plan.pk}#task-1"' in measure_page
