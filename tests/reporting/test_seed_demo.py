"""seed_demo: the demo accounts, their password from DEMO_PASSWORD, idempotent, refused without DEBUG."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from departments import roles
from departments.models import Membership
from tasks import access
from tasks.management.commands.seed_demo import DEFAULT_PASSWORD, UNIT_ACCOUNTS
from tasks.models import IndicatorEvent, IndicatorValue, Period, Report, ReportEvent

DEMO_PASSWORD = "Demo-Jiading-2024!"


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


def seed(*, history=False):
    """seed_demo; the history (tests/demo/) only where a test is about it, to keep these quick."""
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", no_history=not history, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def units_of(username):
    return sorted(Membership.objects.filter(user__username=username).values_list("unit__name", flat=True))


def groups_of(username):
    return sorted(roles.keys_of(User.objects.get(username=username)))


def test_seed_demo_creates_the_demo_accounts_with_the_demo_password(plan, debug_on, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)

    out, err = seed()

    assert "已创建演示账号：admin、secadmin、auditor、coordinator、leader" in out
    assert err == ""
    admin = User.objects.get(username="admin")
    assert (admin.is_superuser, admin.is_staff) == (False, True)
    assert groups_of("admin") == [roles.ADMIN]
    assert groups_of("secadmin") == [roles.SECURITY_ADMIN]
    assert groups_of("auditor") == [roles.AUDITOR]
    assert not User.objects.filter(is_superuser=True).exists()
    assert groups_of("coordinator") == [roles.COORDINATOR]
    assert access.can_review(User.objects.get(username="coordinator"))
    assert groups_of("leader") == [roles.VIEWER]
    leader = User.objects.get(username="leader")
    assert access.can_see_everything(leader) and not access.can_review(leader)
    assert units_of("kewei") == ["区科委"]
    assert units_of("shangwuwei") == ["区商务委"]
    assert units_of("shichangjianguan") == ["区市场监管局"]
    assert units_of("jiangqiao") == ["江桥镇"]
    for username in [
        "admin",
        "coordinator",
        "leader",
        "kewei",
        "shangwuwei",
        "shichangjianguan",
        "jiangqiao",
    ]:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD), username
        assert not user.check_password(DEFAULT_PASSWORD), username
        assert user.email == f"{username}@example.gov.cn"
    assert User.objects.count() == 5 + len(UNIT_ACCOUNTS)


def test_demo_unit_staff_see_their_obligations(plan, debug_on, client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    seed()
    client.force_login(User.objects.get(username="jiangqiao"))

    page = client.get("/my/").content.decode()

    assert "单位：江桥镇" in page
    assert "6.(1)" in page


def test_the_demo_home_page_is_the_todo_of_unit_staff_and_the_dashboard_of_the_others(
    plan, debug_on, client_for, monkeypatch
):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    seed()

    def home(username):
        return client_for(User.objects.get(username=username)).get("/").content.decode()

    assert "<h1>待办</h1>" in home("kewei")
    coordinator = home("coordinator")
    assert "<h1>待办</h1>" not in coordinator and "我的待办" in coordinator
    for username in ["admin", "secadmin", "leader"]:
        page = home(username)
        assert "<h1>待办</h1>" not in page and "我的待办" not in page, username


def test_seed_demo_falls_back_to_the_default_password(plan, debug_on, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)

    seed()

    assert User.objects.get(username="kewei").check_password(DEFAULT_PASSWORD)


def test_seed_demo_twice_changes_nothing(plan, debug_on, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    seed(history=True)
    users = list(User.objects.order_by("pk").values_list("pk", "username", "password", "is_superuser"))
    memberships = list(Membership.objects.order_by("pk").values_list("pk", "user_id", "unit_id"))
    group_links = list(User.groups.through.objects.order_by("pk").values_list("user_id", "group_id"))
    monkeypatch.setenv("DEMO_PASSWORD", "Another-Password-9")

    reports = list(Report.objects.order_by("pk").values_list("pk", "state", "version"))
    assert reports  # 2023's four quarters: the clock stands in 2024年第一季度

    out, _ = seed(history=True)

    assert out.strip() == "演示账号已存在，未作改动。\n该方案已有填报记录，未写入演示历史。"
    assert list(Report.objects.order_by("pk").values_list("pk", "state", "version")) == reports
    assert list(User.objects.order_by("pk").values_list("pk", "username", "password", "is_superuser")) == users
    assert list(Membership.objects.order_by("pk").values_list("pk", "user_id", "unit_id")) == memberships
    assert list(User.groups.through.objects.order_by("pk").values_list("user_id", "group_id")) == group_links
    assert User.objects.get(username="kewei").check_password(DEMO_PASSWORD)


def test_seed_demo_refuses_with_debug_off(plan, settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)

    with pytest.raises(CommandError, match="拒绝执行：seed_demo 只能在 DJANGO_DEBUG 开启的开发环境中运行。"):
        seed()

    assert not User.objects.exists()
    assert not Membership.objects.exists()


def test_without_history_the_plan_stays_empty(plan, debug_on):
    out, _ = seed()

    assert "演示历史" not in out
    assert not Report.objects.exists()
    assert not IndicatorValue.objects.exists()
    assert not Period.objects.filter(kind=Period.Kind.FINAL).exists()


def test_history_before_the_plan_ends_covers_the_past_quarters_only(plan, debug_on):
    out, _ = seed(history=True)

    names = set(Report.objects.values_list("period__name", flat=True))
    assert names == {"2023年第一季度", "2023年第二季度", "2023年第三季度", "2023年第四季度"}
    assert not ReportEvent.objects.filter(at__gte=timezone.now()).exists()
    assert not Period.objects.filter(kind=Period.Kind.FINAL).exists()  # the plan runs until 2025
    # A year's value is entered in March of the next: nothing beyond 2023's, nothing dated later than now.
    assert set(IndicatorValue.objects.values_list("year", flat=True)) <= {2020, 2021, 2022, 2023}
    assert not IndicatorEvent.objects.filter(at__gte=timezone.now()).exists()
    assert "终期评估" not in out
