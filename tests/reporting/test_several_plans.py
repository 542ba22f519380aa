"""Several plans at once (issue 18): reminders cover every plan whose period takes reports and
name it; 待办 lists the messages of the plan shown; titles and footers name the plan shown;
the commands that take --plan choose it one way.

A second plan, 嘉府发〔2026〕9号 (2026—2027), with one measure led by 区科委 and co-organized by
江桥镇, runs beside the bundled plan, which ended on 2025-12-31.
"""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command, load_command_class

from departments.models import Unit
from tasks import periods
from tasks.followup import notifications
from tasks.management.plan_option import chosen_plan
from tasks.models import Assignment, Measure, Notification, Plan, Task
from tests.conftest import make_user

D = datetime.date
SECOND = "嘉府发〔2026〕9号"
SECOND_TITLE = "嘉定区广告产业营商环境提升行动方案（2026—2027年）"


@pytest.fixture(autouse=True)
def _passwords_keep(settings):
    settings.PASSWORD_MAX_AGE_DAYS = 100_000


SECOND_START, SECOND_END = D(2026, 1, 1), D(2027, 12, 31)


def second_plan(start=SECOND_START, end=SECOND_END):
    new = Plan.objects.create(doc_number=SECOND, title=SECOND_TITLE, start_date=start, end_date=end)
    task = Task.objects.create(plan=new, number=1, title="优化营商环境")
    measure = Measure.objects.create(task=task, number=1, text="建设广告产业公共服务平台。", due_date=end)
    for position, (name, role) in enumerate([("区科委", "lead"), ("江桥镇", "support")], start=1):
        Assignment.objects.create(
            measure=measure, unit=Unit.objects.get(name=name), position=position, role=role, printed_name=name
        )
    periods.ensure_quarterly_periods(new)
    return new


@pytest.fixture
def staff(plan):
    return {name: make_user(user, units=[name]) for name, user in [("区科委", "kewei"), ("江桥镇", "jiangqiao")]}


def run_reminders():
    out = io.StringIO()
    call_command("send_reminders", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_reminders_chase_the_open_plan_not_the_ended_one(plan, clock, staff, django_capture_on_commit_callbacks):
    clock(D(2026, 4, 5))  # the second plan's first quarter is due on 2026-04-10
    new = second_plan()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        out = run_reminders()

    subjects = {m.to[0]: m.subject for m in mail.outbox if m.subject.startswith("【催报】")}
    assert subjects["kewei@example.gov.cn"] == f"【催报】{SECOND} · 2026年第一季度进展填报还有 5 天截止（1 项）"
    assert "jiangqiao@example.gov.cn" in subjects
    assert all("嘉府发〔2023〕2号" not in subject for subject in subjects.values())
    assert f"{SECOND} 2026年第一季度" in out and "2025年第四季度" not in out
    told = Notification.objects.filter(user=staff["区科委"], kind=Notification.Kind.DUE_SOON).get()
    assert (told.plan, told.url) == (new, f"/?plan={new.pk}")


def test_with_both_plans_open_each_units_reminders_name_their_plan(plan, clock, staff):
    clock(D(2024, 4, 5))  # both plans' first quarters of 2024 are due on 2024-04-10
    second_plan(start=D(2024, 1, 1), end=D(2025, 12, 31))
    mail.outbox.clear()
    run_reminders()

    kewei = sorted(m.subject for m in mail.outbox if m.to == ["kewei@example.gov.cn"])
    assert kewei == [
        "【催报】嘉府发〔2023〕2号 · 2024年第一季度进展填报还有 5 天截止（7 项）",
        f"【催报】{SECOND} · 2024年第一季度进展填报还有 5 天截止（1 项）",
    ]


def test_the_todo_lists_the_messages_of_the_plan_shown(plan, clock, staff, client_for):
    clock(D(2026, 4, 5))
    new = second_plan()
    for each in (plan, new):
        period = periods.Period.objects.filter(plan=each).order_by("-end_date").first()
        notifications.chased(Unit.objects.get(name="区科委"), period, [], [staff["区科委"]])
    kewei = client_for(staff["区科委"])

    on_new = kewei.get(f"/?plan={new.pk}").content.decode()
    on_default = kewei.get(f"/?plan={plan.pk}").content.decode()

    assert f"{SECOND} · 催报" in on_new and "嘉府发〔2023〕2号 · 催报" not in on_new
    assert "嘉府发〔2023〕2号 · 催报" in on_default and f"{SECOND} · 催报" not in on_default


def test_titles_and_footers_name_the_plan_shown(plan, clock, staff, client_for):
    clock(D(2026, 4, 5))
    new = second_plan()
    kewei = client_for(staff["区科委"])
    measure = Measure.objects.get(task__plan=new)

    for url in (f"/?plan={new.pk}", f"/measures/{measure.pk}/", f"/tasks/?plan={new.pk}"):
        page = kewei.get(url).content.decode()
        assert f"{SECOND_TITLE}（{SECOND}）跟踪</footer>" in page, url
        assert f" · {SECOND} · 嘉定区数字广告业行动方案跟踪</title>" in page, url
    page = kewei.get(f"/tasks/?plan={plan.pk}").content.decode()
    assert "（嘉府发〔2023〕2号）跟踪</footer>" in page and SECOND not in page.split("<footer")[1]


def test_commands_choose_the_plan_one_way(plan, clock):
    second_plan()
    assert chosen_plan(None) == plan  # the default plan
    assert chosen_plan(SECOND).doc_number == SECOND
    with pytest.raises(CommandError, match="找不到文号为“嘉府发〔2030〕1号”的行动方案。可选："):
        chosen_plan("嘉府发〔2030〕1号")
    for command in ("export_bulletin", "export_final_report", "export_plan", "export_status"):
        parser = load_command_class("tasks", command).create_parser("manage.py", command)
        assert "默认为默认方案（DEFAULT_PLAN_DOC_NUMBER，没有时为最新的方案）" in parser.format_help(), command
