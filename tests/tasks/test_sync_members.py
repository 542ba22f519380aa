"""`load_plan --sync-members`: databases loaded before the twelve 街镇 get the missing default
members, reported, owing from the next period; nothing an admin set is removed."""

import datetime
import io

import pytest
from django.core.management import call_command

from departments.models import CollectiveMembership, Unit
from security.models import AuditEvent
from tasks.plans.planfile import DEFAULT_PLAN_FILE, load_plan, read_plan_file

from .plan_facts import TWELVE_JIEZHEN

COMMITTEES = ["菊园新区管委会", "工业区管委会"]


@pytest.fixture
def loaded_before(db):
    """The plan as databases loaded before issue 13 hold it: ten members in each collective."""
    load_plan(read_plan_file(DEFAULT_PLAN_FILE))
    CollectiveMembership.objects.filter(member__name__in=COMMITTEES).delete()


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("load_plan", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def members(name):
    return set(Unit.objects.get(name=name).members.values_list("name", flat=True))


def test_plain_reload_leaves_members_alone_and_says_how_to_sync(loaded_before):
    out, err = run()

    assert members("各街镇") == TWELVE_JIEZHEN - set(COMMITTEES)
    assert "集合单位“各街镇”缺少文件列出的默认成员：菊园新区管委会、工业区管委会" in err
    assert "load_plan --sync-members" in err


def test_sync_members_adds_the_two_committees_to_both_collectives_and_reports_it(loaded_before):
    out, _ = run("--sync-members")

    assert members("各街镇") == members("各相关街镇") == TWELVE_JIEZHEN
    for collective in ["各街镇", "各相关街镇"]:
        line = next(line for line in out.splitlines() if f"集合单位“{collective}”新增成员" in line)
        assert "新增成员：菊园新区管委会、工业区管委会（自 " in line
        assert "起开始的填报周期须填报" in line


def test_synced_members_owe_from_the_day_after_today_once_the_plans_periods_are_past(clock, loaded_before):
    clock(datetime.date(2026, 11, 28))

    run("--sync-members")

    starts = set(CollectiveMembership.objects.filter(member__name__in=COMMITTEES).values_list("owed_from", flat=True))
    others = set(CollectiveMembership.objects.exclude(member__name__in=COMMITTEES).values_list("owed_from", flat=True))
    assert starts == {datetime.date(2026, 11, 29)}
    assert others == {None}


def test_synced_members_owe_from_the_next_period_when_run_during_the_plan(clock, loaded_before):
    clock(datetime.date(2024, 5, 6))

    out, _ = run("--sync-members")

    starts = set(CollectiveMembership.objects.filter(member__name__in=COMMITTEES).values_list("owed_from", flat=True))
    assert starts == {datetime.date(2024, 7, 1)}
    assert "自 2024-07-01 起开始的填报周期须填报" in out


def test_sync_members_uses_the_start_of_the_next_period_within_the_plan(loaded_before):
    result = load_plan(read_plan_file(DEFAULT_PLAN_FILE), sync_members=True, today=datetime.date(2024, 5, 6))

    assert {owed_from for _, _, owed_from in result.members_added} == {datetime.date(2024, 7, 1)}
    assert [(collective, names) for collective, names, _ in result.members_added] == [
        ("各街镇", COMMITTEES),
        ("各相关街镇", COMMITTEES),
    ]


def test_sync_members_never_removes_a_member_an_admin_added(loaded_before):
    Unit.objects.get(name="各街镇").members.add(Unit.objects.get(name="北虹办"))

    run("--sync-members")

    assert members("各街镇") == TWELVE_JIEZHEN | {"北虹办"}


def test_sync_members_keeps_the_start_date_an_admin_set(loaded_before):
    link = CollectiveMembership.objects.get(collective__name="各街镇", member__name="马陆镇")
    link.owed_from = datetime.date(2024, 1, 1)
    link.save()

    run("--sync-members")

    link.refresh_from_db()
    assert link.owed_from == datetime.date(2024, 1, 1)


def test_second_sync_adds_nothing_and_says_so(loaded_before):
    run("--sync-members")
    before = list(CollectiveMembership.objects.order_by("pk").values_list("pk", "owed_from"))

    out, err = run("--sync-members")

    assert "集合单位的默认成员均已存在，未新增成员。" in out
    assert "缺少" not in err
    assert list(CollectiveMembership.objects.order_by("pk").values_list("pk", "owed_from")) == before


def test_sync_members_is_in_the_audit_trail(loaded_before):
    run("--sync-members")

    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.PLAN_LOADED).latest("at")
    assert "集合单位“各街镇”新增成员" in event.detail


def test_fresh_load_owes_every_member_from_the_plans_start(db):
    load_plan(read_plan_file(DEFAULT_PLAN_FILE))

    assert CollectiveMembership.objects.count() == 24
    assert set(CollectiveMembership.objects.values_list("owed_from", flat=True)) == {None}
    assert members("各街镇") == TWELVE_JIEZHEN
    assert "北虹办" not in members("各相关街镇")
