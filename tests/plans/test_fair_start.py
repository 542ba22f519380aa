"""A plan loaded from its table after it started starts fair (issue 18): its units owe from
the first period that starts on or after the day it is loaded, or from the 起报日期 the admin
chooses (the preview, `load_plan --owed-from`); nothing is red or overdue on that day, the
periods before are counted against nobody, and every unit's staff are told, with their
measures and their first due date.

The new plan runs 2026—2028 and is loaded on 2027-01-15, a year after it started.
"""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command

from tasks.followup.reminders import pending_reminders
from tasks.models import Assignment, Notification, Period, Plan
from tasks.plans import plantable
from tasks.progress.rollup import Light, PlanProgress, reporting_over_plan
from tests.conftest import make_user
from tests.outputs import dashboard, measures_page

from .conftest import NEW_DOC, NEW_TITLE, load
from .tables import bundled_rows, write_docx

D = datetime.date
LOAD_DAY = D(2027, 1, 15)
URL = "/plans/import/"


@pytest.fixture(autouse=True)
def today(clock, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 100_000
    return clock(LOAD_DAY)


@pytest.fixture
def table(tmp_path):
    return write_docx(tmp_path / "任务分工.docx", bundled_rows())


def test_the_first_period_on_or_after_the_load_day_is_the_default_start():
    assert plantable.fair_start(D(2026, 1, 1), D(2028, 12, 31), LOAD_DAY) == D(2027, 4, 1)
    assert plantable.fair_start(D(2026, 1, 1), D(2028, 12, 31), D(2027, 4, 1)) == D(2027, 4, 1)
    assert plantable.fair_start(D(2027, 6, 1), D(2028, 12, 31), LOAD_DAY) is None  # not started: from its start
    assert plantable.fair_start(D(2020, 1, 1), D(2022, 12, 31), LOAD_DAY) == LOAD_DAY + datetime.timedelta(days=1)


def test_nothing_is_red_or_overdue_on_the_day_of_loading(plan, table, client_for, coordinator):
    new, _ = load(table)
    current = Period.objects.current(new, LOAD_DAY)
    progress = PlanProgress(new, current, today=LOAD_DAY)

    assert set(Assignment.objects.filter(measure__task__plan=new).values_list("owed_from", flat=True)) == {
        D(2027, 4, 1)
    }
    assert progress.counts()["lights"][Light.RED] == 0
    assert not any(progress.is_overdue(s) for state in progress.states.values() for s in state.pending + state.leads)
    assert progress.reporting().owed == 0
    # The periods before count against nobody, on the pages either.
    assert reporting_over_plan(new, LOAD_DAY).total.owed == 0
    assert pending_reminders(new, LOAD_DAY)[1] == []
    client = client_for(coordinator)
    client.post("/plans/select/", {"plan": new.pk, "next": "/"})
    assert dashboard(client)["lights"]["red"] == 0
    assert not [code for code, (_, light, _) in measures_page(client).items() if light == "red"]
    # A table carries no 主要目标 and no indicators: the dashboard says so instead of an empty box.
    assert "本方案尚无主要目标和指标" in client.get("/dashboard/").content.decode()


def test_the_first_owed_period_is_judged_as_any(plan, table):
    new, _ = load(table)
    first = Period.objects.get(plan=new, name="2027年第二季度")
    progress = PlanProgress(new, first, today=first.due_date + datetime.timedelta(days=1))

    assert progress.reporting().owed == 210
    assert progress.reporting().never_sent == 210


def test_each_units_staff_are_told_with_their_measures_and_first_due_date(
    plan, table, client_for, django_capture_on_commit_callbacks
):
    kewei = make_user("kewei", units=["区科委"])
    jiangqiao = make_user("jiangqiao", units=["江桥镇"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new, result = load(table)

    notice = Notification.objects.get(user=kewei, kind=Notification.Kind.PLAN_LOADED)
    first = Period.objects.get(plan=new, name="2027年第二季度")
    assert notice.plan == new
    assert notice.title == f"{NEW_DOC} · 新行动方案已载入：区科委承担 7 项措施，首次填报截止 {first.due_date:%Y-%m-%d}"
    assert "1.(1)（牵头）" in notice.body and "首次填报周期为2027年第二季度（2027-04-01 起）" in notice.body
    assert notice.url == f"/?plan={new.pk}"
    # 各街镇's members each hear of it.
    assert Notification.objects.filter(user=jiangqiao, kind=Notification.Kind.PLAN_LOADED).exists()
    assert {u.username for u in result.told} >= {"kewei", "jiangqiao"}
    assert any(m.to == ["kewei@example.gov.cn"] and NEW_DOC in m.subject for m in mail.outbox)
    # Their 待办 of the new plan lists it.
    todo = client_for(kewei).get(notice.url).content.decode()
    assert "新行动方案已载入：区科委承担 7 项措施" in todo
    assert "本期无需填报：本方案的 7 项措施自 2027-04-01 起开始的填报周期起填报。" in todo


def test_the_command_takes_the_admins_start(plan, table):
    out = io.StringIO()
    call_command("load_plan", str(table), doc_number=NEW_DOC, title=NEW_TITLE, owed_from=D(2027, 1, 1), stdout=out)
    new = Plan.objects.get(doc_number=NEW_DOC)

    assert set(Assignment.objects.filter(measure__task__plan=new).values_list("owed_from", flat=True)) == {
        D(2027, 1, 1)
    }
    assert "起报日期：2027-01-01" in out.getvalue()
    # Owed in the current quarter (2027年第一季度), due in April: not overdue, nothing red yet.
    progress = PlanProgress(new, Period.objects.current(new, LOAD_DAY), today=LOAD_DAY)
    assert progress.reporting().owed == 210 and progress.reporting().waiting == 210
    assert progress.counts()["lights"][Light.RED] == 0


def test_the_preview_says_when_units_start_and_the_admin_may_change_it(plan, table, client):
    from .conftest import make_plan_admin

    client.force_login(make_plan_admin())
    with open(table, "rb") as handle:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = {"action": "preview", "file": SimpleUploadedFile(table.name, handle.read())}
        page = client.post(URL, {**data, "doc_number": NEW_DOC, "title": NEW_TITLE}).content.decode()
    assert "各单位自 2027-04-01 起填报（默认为导入日后开始的第一个填报周期）" in page
    assert 'name="owed_from" value="2027-04-01"' in page

    page = client.post(URL, {"action": "recheck", "owed_from": "2027-01-01"}).content.decode()
    assert "各单位自 2027-01-01 起填报（管理员选定）" in page
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)
    client.post(URL, {"action": "confirm", "owed_from": "2027-01-01", "digest": digest})
    new = Plan.objects.get(doc_number=NEW_DOC)
    assert set(Assignment.objects.filter(measure__task__plan=new).values_list("owed_from", flat=True)) == {
        D(2027, 1, 1)
    }
