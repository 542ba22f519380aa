"""站内消息: who is told what (tasks/notifications.py), the /notifications/ pages, the unread
count in the navigation, and the emails that go with them."""

import datetime
import io
import logging

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command

from security.models import AuditEvent
from tasks.followup import notifications
from tasks.models import Assignment, Notification, NotificationSettings, Period, Report
from tasks.reporting import workflow
from tests.conftest import make_user
from tests.helpers import FINAL_PERIOD_FORM
from tests.reporting.helpers import period, save

D = datetime.date


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses everything."""

    def send_messages(self, messages):
        raise OSError("Connection refused")


def notices(user, kind=None):
    found = Notification.objects.filter(user=user)
    return list(found.filter(kind=kind) if kind else found)


@pytest.fixture
def submitted(plan, measure, lead_staff):
    """区科委's 2.(1) report, submitted this quarter."""
    return save(plan, measure, "区科委", lead_staff, submit=True)


# Who is told what


def test_a_return_tells_every_staff_member_of_the_unit_with_the_comment(
    submitted, lead_staff, second_kewei, co_organizer, coordinator
):
    workflow.return_for_revision(submitted, coordinator, submitted.version, "请补充走访企业名单。")

    for person in (lead_staff, second_kewei):
        [notice] = notices(person)
        assert notice.kind == Notification.Kind.RETURNED
        assert notice.title == "嘉府发〔2023〕2号 · 2.(1) 区科委 2024年第一季度的填报被退回，请修改后重新提交"
        assert notice.body == "退回意见：请补充走访企业名单。"
        assert notice.url == f"/measures/{submitted.measure_id}/report/?unit={submitted.unit_id}"
        assert notice.report_id == submitted.pk
    assert notices(co_organizer) == [] and notices(coordinator) == []


def test_an_approval_and_a_reopening_tell_the_unit(submitted, lead_staff, coordinator):
    approved = workflow.approve(submitted, coordinator, submitted.version, "内容翔实。")
    workflow.reopen(approved, coordinator, approved.version, "请按最新数据更新。")

    kinds = [(n.kind, n.body) for n in Notification.objects.filter(user=lead_staff).order_by("pk")]
    assert kinds == [("approved", "审核意见：内容翔实。"), ("reopened", "重新打开原因：请按最新数据更新。")]


def test_inactive_staff_are_not_told(submitted, lead_staff, coordinator):
    gone = make_user("kewei_left", units=["区科委"])
    gone.is_active = False
    gone.save()

    workflow.approve(submitted, coordinator, submitted.version)

    assert notices(gone) == []
    assert len(notices(lead_staff)) == 1


def test_a_new_period_tells_staff_of_every_unit_with_duties_once(
    plan, coordinator_client, lead_staff, town_staff, coordinator
):
    no_duty = make_user("nobody_unit", units=["各街镇"])  # a collective owes nothing itself
    response = coordinator_client.post(
        "/periods/",
        FINAL_PERIOD_FORM,
        follow=True,
    )
    final = Period.objects.get(plan=plan, name="终期评估")

    assert "已通知 2 位联络员。" in response.content.decode()
    for person in (lead_staff, town_staff):
        [notice] = notices(person, Notification.Kind.PERIOD_OPENED)
        assert notice.title == "嘉府发〔2023〕2号 · 终期评估已开始，请于 2026-07-10 前提交牵头措施的终期评估"
        assert notice.period == final
    assert notices(no_duty) == [] and notices(coordinator) == []

    # Closing and reopening it tells nobody twice.
    coordinator_client.post(f"/periods/{final.pk}/", {"action": "close"})
    coordinator_client.post(f"/periods/{final.pk}/", {"action": "open"})
    assert Notification.objects.filter(kind=Notification.Kind.PERIOD_OPENED).count() == 2


def test_a_new_period_does_not_tell_a_unit_that_owes_only_from_a_later_date(plan, coordinator_client, town_staff):
    # 北虹办's only duties (5.(2), and 各街镇 once added) start after the 终期评估 period.
    beihong = make_user("beihongban", units=["北虹办"])
    Assignment.objects.filter(unit__name="北虹办").update(owed_from=D(2026, 7, 1))

    coordinator_client.post("/periods/", FINAL_PERIOD_FORM)

    assert notices(beihong) == []
    assert len(notices(town_staff, Notification.Kind.PERIOD_OPENED)) == 1


def test_send_reminders_posts_the_period_open_and_due_soon_notices_once_per_period(plan, lead_staff, clock, mailoutbox):
    clock(D(2024, 4, 5))  # 2024年第一季度 is due on 2024-04-10
    call_command("send_reminders", stdout=io.StringIO())
    clock(D(2024, 4, 6))
    call_command("send_reminders", stdout=io.StringIO())

    kinds = sorted(n.kind for n in notices(lead_staff))
    assert kinds == ["due_soon", "period_opened"]
    [due] = notices(lead_staff, Notification.Kind.DUE_SOON)
    assert due.title == "嘉府发〔2023〕2号 · 2024年第一季度进展填报还有 5 天截止，区科委尚有 7 项未提交"
    assert due.period == period(plan)
    # The reminder email itself goes out each day.
    assert len([m for m in mailoutbox if "kewei@example.gov.cn" in m.to]) == 2


# The pages


def test_unread_count_shows_in_the_navigation_of_every_page(submitted, client_for, lead_staff, coordinator):
    workflow.approve(submitted, coordinator, submitted.version)
    browser = client_for(lead_staff)

    for url in ["/", "/my/", "/tasks/", "/measures/", f"/measures/{submitted.measure_id}/"]:
        page = browser.get(url).content.decode()
        assert '消息<span class="badge" aria-label="1 条未读">1</span>' in page, url


def test_opening_a_notification_marks_it_read_and_goes_to_its_object(submitted, client_for, lead_staff, coordinator):
    workflow.return_for_revision(submitted, coordinator, submitted.version, "请补充。")
    [notice] = notices(lead_staff)
    browser = client_for(lead_staff)
    listing = browser.get("/notifications/").content.decode()
    assert f'<form method="post" action="/notifications/{notice.pk}/" class="message-open">' in listing

    response = browser.post(f"/notifications/{notice.pk}/")

    assert response.status_code == 302
    assert response["Location"] == notice.url
    assert Notification.objects.get(pk=notice.pk).read_at is not None
    assert 'class="badge"' not in browser.get("/my/").content.decode()
    assert "请补充。" in browser.get(notice.url).content.decode()


def test_reading_a_notifications_address_changes_nothing(submitted, client_for, lead_staff, coordinator):
    """A GET (a prefetch, a bookmark, a link in a mail client) goes to the object and leaves it unread."""
    workflow.return_for_revision(submitted, coordinator, submitted.version, "请补充。")
    [notice] = notices(lead_staff)

    response = client_for(lead_staff).get(f"/notifications/{notice.pk}/")

    assert response.status_code == 302 and response["Location"] == notice.url
    assert Notification.objects.get(pk=notice.pk).read_at is None


def test_someone_elses_notification_is_not_found(submitted, client_for, lead_staff, second_kewei, coordinator):
    workflow.approve(submitted, coordinator, submitted.version)
    [theirs] = notices(lead_staff)

    response = client_for(second_kewei).post(f"/notifications/{theirs.pk}/")

    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_a_notification_never_leads_off_the_site(plan, client_for, lead_staff):
    notice = Notification.objects.create(
        user=lead_staff, kind=Notification.Kind.CHASED, title="x", url="https://evil.example/"
    )

    response = client_for(lead_staff).get(f"/notifications/{notice.pk}/")

    assert response["Location"] == "/"


def test_the_list_shows_newest_first_and_mark_all_read_marks_only_ones_own(
    submitted, client_for, lead_staff, second_kewei, coordinator
):
    approved = workflow.approve(submitted, coordinator, submitted.version)
    workflow.reopen(approved, coordinator, approved.version, "请更新。")
    browser = client_for(lead_staff)

    page = browser.get("/notifications/").content.decode()
    assert page.index("已被协调人重新打开") < page.index("已审核通过")
    assert "2 条未读" in page

    response = browser.post("/notifications/read-all/", follow=True)

    assert "已将 2 条消息标为已读。" in response.content.decode()
    assert not Notification.objects.filter(user=lead_staff, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=second_kewei, read_at__isnull=True).count() == 2


# Email


def test_each_notified_person_gets_an_email_after_the_commit(
    submitted, lead_staff, second_kewei, coordinator, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://tracker.jiading.gov.cn"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.return_for_revision(submitted, coordinator, submitted.version, "请补充。")
    assert mailoutbox == []  # nothing before the commit

    for callback in callbacks:
        callback()

    assert sorted(m.to[0] for m in mailoutbox) == ["kewei2@example.gov.cn", "kewei@example.gov.cn"]
    mail = mailoutbox[0]
    assert (
        mail.subject == "【行动方案跟踪】嘉府发〔2023〕2号 · 2.(1) 区科委 2024年第一季度的填报被退回，请修改后重新提交"
    )
    assert "退回意见：请补充。" in mail.body
    assert f"https://tracker.jiading.gov.cn/measures/{submitted.measure_id}/report/?unit=" in mail.body


def test_a_person_who_turned_email_off_gets_the_notification_but_no_email(
    submitted, client_for, lead_staff, second_kewei, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    response = client_for(lead_staff).post("/notifications/settings/", {})
    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=lead_staff).email_enabled is False

    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(submitted, coordinator, submitted.version)

    assert [m.to for m in mailoutbox] == [["kewei2@example.gov.cn"]]
    assert len(notices(lead_staff)) == 1


def test_turning_email_off_and_on_is_audited(plan, client_for, lead_staff):
    browser = client_for(lead_staff)

    browser.post("/notifications/settings/", {})
    browser.post("/notifications/settings/", {"email_enabled": "on"})
    browser.post("/notifications/settings/", {"email_enabled": "on"})  # no change: no record

    records = AuditEvent.objects.filter(kind=AuditEvent.Kind.NOTIFICATION_SETTINGS).order_by("pk")
    assert [(r.username, r.object_repr, r.detail) for r in records] == [
        ("kewei", "kewei", "邮件通知：开 → 关"),
        ("kewei", "kewei", "邮件通知：关 → 开"),
    ]


def test_a_failing_mail_server_never_blocks_the_review(
    submitted, client_for, coordinator, lead_staff, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.followup.test_notifications.FailingBackend"
    with caplog.at_level(logging.ERROR, logger="django_tasks"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(coordinator).post(
                f"/review/{submitted.pk}/", {"action": "return", "version": submitted.version, "comment": "请补充。"}
            )

    assert response.status_code == 302
    assert Report.objects.get(pk=submitted.pk).state == Report.State.RETURNED
    assert len(notices(lead_staff)) == 1
    # The queued mail failed in the worker (here: at once, the queue being eager).
    assert "第 1 次发送，1/1 封未送出" in caplog.text
    assert "kewei@example.gov.cn：Connection refused" in caplog.text


def test_staff_without_an_address_are_told_in_the_app_only(plan, submitted, coordinator, mailoutbox):
    silent = make_user("kewei_noemail", units=["区科委"])
    silent.email = ""
    silent.save()

    assert silent not in notifications.email_recipients([silent])
    workflow.approve(submitted, coordinator, submitted.version)
    assert len(notices(silent)) == 1
