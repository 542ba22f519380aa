"""催报 from the pages: one unit, one obligation, every overdue unit; each confirmed first,
each a notification and email, a 催报记录 and an audit record. send_reminders records
its mails the same way.

The package's clock stands inside 2024年第一季度; nobody reported 2023年第四季度, so
every report not yet in is overdue (the light is red for it).
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from departments import roles
from security.models import AuditEvent
from tasks.followup import reminders
from tasks.models import Notification, NotificationSettings, ReminderLog
from tests.conftest import make_user, measure_by_code
from tests.reporting.helpers import period, save, snapshot, unit

D = datetime.date


@pytest.fixture
def kewei(plan, lead_staff):
    return unit("区科委")


def chase_records():
    return AuditEvent.objects.filter(kind=AuditEvent.Kind.REMINDER_SENT).order_by("pk")


def test_unit_page_offers_the_coordinator_a_chase_of_its_overdue_obligations(plan, kewei, coordinator_client):
    page = coordinator_client.get(f"/units/{kewei.pk}/").content.decode()

    assert f'href="/units/{kewei.pk}/chase/">催报（7 项逾期未报）</a>' in page
    assert "本期尚未催报。" in page


def test_unit_page_offers_no_chase_to_others(plan, kewei, client_for, viewer, lead_staff):
    for person in (viewer, lead_staff):
        assert "/chase/" not in client_for(person).get(f"/units/{kewei.pk}/").content.decode()


def test_chasing_a_unit_asks_first_and_changes_nothing_until_confirmed(plan, kewei, coordinator_client, lead_staff):
    save(plan, measure_by_code(plan, 2, 1), "区科委", lead_staff, submit=True)
    before = snapshot()

    response = coordinator_client.get(f"/units/{kewei.pk}/chase/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "确定向区科委催报（6 项逾期未报）吗？" in page
    assert "区科委：1.(1)、1.(3)、2.(2)、5.(2)、6.(4)、6.(6)" in page
    assert snapshot() == before


def test_chasing_a_unit_tells_its_staff_and_records_it(
    plan,
    kewei,
    coordinator_client,
    coordinator,
    lead_staff,
    second_kewei,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(f"/units/{kewei.pk}/chase/", follow=True)

    assert response.redirect_chain == [(f"/units/{kewei.pk}/", 302)]
    page = response.content.decode()
    assert "已催报：区科委（2024年第一季度）。" in page
    [log] = ReminderLog.objects.all()
    assert (log.unit, log.period, log.source, log.sent_by, log.obligation_count) == (
        kewei,
        period(plan),
        ReminderLog.Source.COORDINATOR,
        coordinator,
        7,
    )
    assert log.measures == "1.(1)、1.(3)、2.(1)、2.(2)、5.(2)、6.(4)、6.(6)"
    assert "区科委联络员" not in log.recipients  # test users have no full name: their usernames
    assert "kewei（kewei@example.gov.cn）" in log.recipients
    for person in (lead_staff, second_kewei):
        [notice] = Notification.objects.filter(user=person)
        assert notice.kind == Notification.Kind.CHASED
        assert notice.title == "嘉府发〔2023〕2号 · 催报：区科委2024年第一季度尚有 7 项措施未提交"
        assert "- 1.(1)（牵头）" in notice.body
    assert sorted(m.to[0] for m in mailoutbox) == ["kewei2@example.gov.cn", "kewei@example.gov.cn"]
    [record] = chase_records()
    assert (record.username, record.object_repr) == ("coordinator", str(log))
    assert record.detail.startswith("协调人催报：区科委 2024年第一季度 7 项（1.(1)、")
    # The unit page shows the chase and this period's count.
    assert '本期催报次数</div><div class="value">1</div>' in page
    assert "协调人催报" in page


def test_chasing_one_obligation_from_the_measure_page(plan, coordinator_client, lead_staff, kewei):
    measure = measure_by_code(plan, 1, 1)
    page = coordinator_client.get(f"/measures/{measure.pk}/").content.decode()
    chase_url = f"/measures/{measure.pk}/chase/?unit={kewei.pk}"
    assert f'href="{chase_url}">催报</a>' in page

    confirm = coordinator_client.get(chase_url).content.decode()
    assert "确定向区科委催报（1 项逾期未报）吗？" in confirm
    assert '<form method="post" class="card confirm">' in confirm  # posts back to the URL, ?unit= included

    response = coordinator_client.post(chase_url)

    assert response.status_code == 302
    [log] = ReminderLog.objects.all()
    assert (log.obligation_count, log.measures) == (1, "1.(1)")


def test_an_obligation_that_is_in_cannot_be_chased(plan, coordinator_client, lead_staff, kewei):
    measure = measure_by_code(plan, 1, 1)
    save(plan, measure, "区科委", lead_staff, submit=True)

    response = coordinator_client.post(f"/measures/{measure.pk}/chase/?unit={kewei.pk}", follow=True)

    assert "没有逾期未报的事项，无需催报。" in response.content.decode()
    assert not ReminderLog.objects.exists()


def test_chasing_every_overdue_unit_at_once(plan, coordinator_client, lead_staff, town_staff, co_organizer):
    confirm = coordinator_client.get("/chase/").content.decode()
    assert "确定向以下 3 个单位催报" in confirm
    assert "区体育局：没有联络员账号，无法催报" in confirm  # overdue too, but nobody to tell

    response = coordinator_client.post("/chase/", follow=True)

    assert response.redirect_chain == [("/dashboard/", 302)]
    assert sorted(ReminderLog.objects.values_list("unit__name", flat=True)) == ["区委网信办", "区科委", "江桥镇"]
    assert chase_records().count() == 3
    assert Notification.objects.filter(kind=Notification.Kind.CHASED).count() == 3


def test_nothing_overdue_means_nothing_to_chase(plan, kewei, clock, client_for, coordinator):
    clock(D(2023, 3, 20))  # the plan's first quarter, not due yet
    browser = client_for(coordinator)

    for url in ["/chase/", f"/units/{kewei.pk}/chase/"]:
        response = browser.get(url, follow=True)
        assert "没有逾期未报的事项，无需催报。" in response.content.decode()
    assert not ReminderLog.objects.exists()


def test_a_unit_without_staff_cannot_be_chased(plan, coordinator_client):
    sports = unit("区体育局")

    response = coordinator_client.post(f"/units/{sports.pk}/chase/", follow=True)

    assert "区体育局没有可接收催报的联络员账号" in response.content.decode()
    assert not ReminderLog.objects.exists()


def test_the_unit_sees_the_chase_in_its_todo_and_messages(plan, kewei, coordinator_client, lead_client):
    coordinator_client.post(f"/units/{kewei.pk}/chase/")

    todo = lead_client.get("/").content.decode()
    assert "嘉府发〔2023〕2号 · 催报：区科委2024年第一季度尚有 7 项措施未提交" in todo
    assert '<span class="badge" aria-label="1 条未读">1</span>' in todo


def test_send_reminders_records_its_mails_as_automatic_chases(plan, lead_staff, clock, mailoutbox):
    clock(D(2024, 4, 5))

    call_command("send_reminders", stdout=io.StringIO())

    [log] = ReminderLog.objects.all()
    assert (log.source, log.sent_by, log.sent_on, log.obligation_count) == (
        ReminderLog.Source.AUTOMATIC,
        None,
        D(2024, 4, 5),
        7,
    )
    assert log.measures.startswith("1.(1)、1.(3)")
    [record] = chase_records()
    assert record.username == "命令行"
    assert record.detail.startswith("系统自动催报：区科委 2024年第一季度 7 项")


def test_send_reminders_leaves_out_people_who_turned_email_off(plan, lead_staff, second_kewei, clock, mailoutbox):
    NotificationSettings.objects.create(user=second_kewei, email_enabled=False)
    clock(D(2024, 4, 5))

    call_command("send_reminders", stdout=io.StringIO())

    assert [m.to for m in mailoutbox] == [["kewei@example.gov.cn"]]
    assert Notification.objects.filter(user=second_kewei, kind="due_soon").count() == 1


def test_a_manual_chase_on_the_same_day_as_the_automatic_one_is_kept(
    plan, kewei, lead_staff, clock, client_for, coordinator
):
    clock(D(2024, 4, 5))
    call_command("send_reminders", stdout=io.StringIO())

    client_for(coordinator).post(f"/units/{kewei.pk}/chase/")

    assert sorted(ReminderLog.objects.values_list("source", flat=True)) == ["auto", "manual"]


def test_the_admin_shows_chase_records_read_only(plan, kewei, coordinator_client, client_for, superuser):
    coordinator_client.post(f"/units/{kewei.pk}/chase/")
    log = ReminderLog.objects.get()
    admin = client_for(superuser)

    assert admin.get(reverse("admin:tasks_reminderlog_changelist")).status_code == 200
    assert admin.get(reverse("admin:tasks_reminderlog_add")).status_code == 403
    assert admin.post(reverse("admin:tasks_reminderlog_delete", args=[log.pk]), {"post": "yes"}).status_code == 403
    page = admin.get(reverse("admin:tasks_reminderlog_change", args=[log.pk])).content.decode()
    assert 'name="_save"' not in page
    assert ReminderLog.objects.count() == 1


def test_an_admin_role_member_may_read_chase_records(plan, client_for):
    admin_role = make_user("it_admin", groups=[roles.ADMIN])
    admin_role.is_staff = True
    admin_role.save()

    assert client_for(admin_role).get(reverse("admin:tasks_reminderlog_changelist")).status_code == 200


def test_a_chase_carries_the_coordinators_note_to_the_unit(plan, kewei, coordinator_client, lead_client, lead_staff):
    coordinator_client.post(f"/units/{kewei.pk}/chase/", {"note": "请本周五前补报，联系人：王科长 59990000"})

    [log] = ReminderLog.objects.all()
    assert log.note == "请本周五前补报，联系人：王科长 59990000"
    [notice] = Notification.objects.filter(user=lead_staff)
    assert notice.body.endswith("协调人附言：请本周五前补报，联系人：王科长 59990000")
    [record] = chase_records()
    assert record.detail.endswith("；附言：请本周五前补报，联系人：王科长 59990000")
    todo = lead_client.get("/").content.decode()
    assert "<h2>协调人催报</h2>" in todo
    assert "<strong>附言：</strong>请本周五前补报，联系人：王科长 59990000" in todo
    unit_page = coordinator_client.get(f"/units/{kewei.pk}/").content.decode()
    assert '<td data-label="附言" class="wrap">请本周五前补报，联系人：王科长 59990000</td>' in unit_page


def test_a_second_chase_within_a_day_asks_again_and_shows_the_last_one(
    plan, kewei, coordinator_client, lead_staff, clock
):
    clock(D(2024, 3, 20))  # 10:00, time running on
    coordinator_client.post(f"/units/{kewei.pk}/chase/", {"note": "请尽快补报"})

    confirm = coordinator_client.get(f"/units/{kewei.pk}/chase/").content.decode()
    assert "该单位 24 小时内已催报过" in confirm
    assert "区科委：2024-03-20 10:00 由coordinator催报 7 项（1.(1)、" in confirm
    assert "附言：“请尽快补报”" in confirm
    assert "仍要再次催报" in confirm

    # A POST without the confirmation (a double click, a second tab) sends nothing and asks.
    response = coordinator_client.post(f"/units/{kewei.pk}/chase/", {"note": "请尽快补报"})
    assert response.status_code == 200
    assert "仍要再次催报" in response.content.decode()
    assert ReminderLog.objects.count() == 1
    assert Notification.objects.filter(user=lead_staff, kind="chased").count() == 1

    response = coordinator_client.post(f"/units/{kewei.pk}/chase/", {"note": "第二次提醒", "repeat": "on"})
    assert response.status_code == 302
    assert list(ReminderLog.objects.order_by("pk").values_list("note", flat=True)) == ["请尽快补报", "第二次提醒"]


def test_a_chase_days_later_needs_no_confirmation(plan, kewei, client_for, coordinator, lead_staff, clock):
    clock(D(2024, 3, 20))
    client_for(coordinator).post(f"/units/{kewei.pk}/chase/")
    clock(D(2024, 3, 22))
    browser = client_for(coordinator)  # the session of two days ago has expired

    confirm = browser.get(f"/units/{kewei.pk}/chase/").content.decode()
    assert "确认催报" in confirm and "已催报过" not in confirm
    browser.post(f"/units/{kewei.pk}/chase/")
    assert ReminderLog.objects.count() == 2


def test_a_burst_of_chases_is_held_to_the_daily_limit(plan, kewei, coordinator_client, lead_staff):
    for _ in range(15):
        coordinator_client.post(f"/units/{kewei.pk}/chase/", {"repeat": "on"})

    assert ReminderLog.objects.count() == reminders.CHASES_PER_UNIT_PER_DAY == 3
    assert Notification.objects.filter(user=lead_staff, kind="chased").count() == 3
    response = coordinator_client.post(f"/units/{kewei.pk}/chase/", {"repeat": "on"}, follow=True)
    assert "区科委今天已被催报 3 次，已达每日上限（3 次），本次未发送" in response.content.decode()
    confirm = coordinator_client.get(f"/units/{kewei.pk}/chase/").content.decode()
    assert "确认催报" not in confirm and "仍要再次催报" not in confirm


def test_chasing_everyone_leaves_out_units_chased_today_unless_ticked(
    plan, kewei, coordinator_client, lead_staff, town_staff, co_organizer
):
    coordinator_client.post(f"/units/{kewei.pk}/chase/", {"note": "先催区科委"})

    confirm = coordinator_client.get("/chase/").content.decode()
    assert "以下单位 24 小时内已催报过" in confirm
    assert 'name="repeat" id="id_repeat"' in confirm
    response = coordinator_client.post("/chase/", {"note": "统一催报"}, follow=True)

    assert "区科委 24 小时内已催报过，本次未再催报。" in response.content.decode()
    assert sorted(ReminderLog.objects.values_list("unit__name", "note")) == [
        ("区委网信办", "统一催报"),
        ("区科委", "先催区科委"),
        ("江桥镇", "统一催报"),
    ]
    coordinator_client.post("/chase/", {"repeat": "on"})
    assert ReminderLog.objects.filter(unit=kewei).count() == 2
