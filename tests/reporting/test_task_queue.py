"""Mail goes out from the background worker (jiading_ads/mail.py): an action
only queues it, so a slow mail server slows no page; a refused message is
tried again, up to a limit, and the 管理员 sees every failure in admin.

These tests put the database queue back (the rest of the suite runs tasks at
once) and run `db_worker --batch`, as a server's worker would.
"""

import signal
import smtplib
import time
from unittest import mock

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cluster.slow_smtp import SlowSMTPServer
from departments.models import Unit
from jiading_ads import mail
from tasks.models import ReminderLog
from tests.conftest import make_user

GREETING_DELAY = 3  # seconds the slow mail server waits before it says hello


@pytest.fixture(autouse=True)
def database_queue(settings, db):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def slow_smtp(settings):
    server = SlowSMTPServer(0, GREETING_DELAY).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def every_unit_staffed(plan):
    """One staff member with an email address for every unit that reports."""
    units = Unit.objects.exclude(kind=Unit.Kind.COLLECTIVE).filter(memberships__isnull=True)
    return [make_user(f"staff{unit.pk}", units=[unit.name]) for unit in units]


def run_worker():
    """`db_worker --batch`: every task that is due, then stop. The worker drops
    stale database connections between tasks, as a request does; inside the
    test's transaction that would be the test's own (on PostgreSQL), so here
    it keeps it. It also takes over SIGINT, SIGTERM and SIGQUIT to stop
    gracefully: they are given back, or a signal later in the session would
    end whatever test runs then."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def timed_post(client, path, django_capture_on_commit_callbacks, data=None):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, data or {})
    return response, time.monotonic() - started


def test_a_chase_of_every_unit_answers_at_once_though_the_mail_server_is_slow(
    plan, every_unit_staffed, coordinator_client, slow_smtp, django_capture_on_commit_callbacks, mailoutbox
):
    one = Unit.objects.get(name="区科委")
    response, one_took = timed_post(coordinator_client, f"/units/{one.pk}/chase/", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    # 区科委, chased a moment ago, is chased again only when ticked in (repeat).
    response, all_took = timed_post(coordinator_client, "/chase/", django_capture_on_commit_callbacks, {"repeat": "on"})
    assert response.status_code == 302

    chased = ReminderLog.objects.values("unit").distinct().count()
    assert chased == 29  # every unit that reports is overdue for 2023年第四季度
    # Neither waited for the mail server: the mail is queued, one task (one
    # connection to the mail server) per 催报, whether of one unit or of 29.
    assert one_took < GREETING_DELAY and all_took < GREETING_DELAY
    assert slow_smtp.messages == []
    assert DBTaskResult.objects.ready().count() == 2

    started = time.monotonic()
    run_worker()
    worker_took = time.monotonic() - started

    assert DBTaskResult.objects.successful().count() == 2
    assert worker_took < 3 * GREETING_DELAY  # two greetings, not thirty
    received = sorted(m["To"] for m in slow_smtp.messages)
    assert len(received) == 30
    assert received.count(f"staff{one.pk}@example.gov.cn") == 2  # chased alone, then with the others
    assert {m["Subject"].strip()[:25] for m in slow_smtp.messages} == {"【行动方案跟踪】嘉府发〔2023〕2号 · 催报："}
    print(
        f"催报 of 1 unit: {one_took * 1000:.0f} ms; of 29 units: {all_took * 1000:.0f} ms; worker: {worker_took:.1f} s"
    )


def test_send_reminders_leaves_its_mail_to_the_worker(plan, lead_staff, co_organizer, clock, slow_smtp):
    clock(timezone.localdate().replace(year=2024, month=4, day=8))
    started = time.monotonic()

    call_command("send_reminders", verbosity=0)

    assert time.monotonic() - started < GREETING_DELAY
    assert ReminderLog.objects.count() == 2
    assert slow_smtp.messages == []
    run_worker()
    assert sorted(m["To"] for m in slow_smtp.messages) == ["kewei@example.gov.cn", "wangxinban@example.gov.cn"]


class RefusingBackend(LocmemBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def queue_one():
    mail.send([mail.EmailMultiAlternatives("主题", "正文", None, ["kewei@example.gov.cn"])])


def test_a_refused_message_is_tried_again_later_and_then_sent(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reporting.test_task_queue.RefusingBackend"
    queue_one()

    run_worker()

    failed = DBTaskResult.objects.failed().get()
    assert "第 1 次发送，1/1 封未送出，60 秒后第 2 次发送。" in failed.traceback
    assert "kewei@example.gov.cn：Connection unexpectedly closed" in failed.traceback
    retry = DBTaskResult.objects.get(status="READY")
    assert 55 < (retry.run_after - timezone.now()).total_seconds() <= 60
    assert retry.args_kwargs["args"][1] == 2

    run_worker()  # too early: nothing happens
    assert DBTaskResult.objects.get(pk=retry.pk).status == "READY"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # a minute has passed
    run_worker()

    assert DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL"
    assert [m.to for m in mailoutbox] == [["kewei@example.gov.cn"]]


def test_a_message_is_given_up_after_the_last_attempt(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reporting.test_task_queue.RefusingBackend"
    settings.MAIL_MAX_ATTEMPTS = 2
    queue_one()

    run_worker()
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())  # its time has come
    run_worker()

    assert DBTaskResult.objects.failed().count() == 2
    assert not DBTaskResult.objects.ready().exists()
    last = DBTaskResult.objects.failed().order_by("-enqueued_at").first()
    assert "第 2 次发送，1/1 封未送出，不再重试。" in last.traceback
    assert mailoutbox == []


def test_mail_queued_in_a_transaction_that_rolls_back_is_never_sent(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_one()
        raise RuntimeError("the action failed")

    run_worker()

    assert not DBTaskResult.objects.exists()
    assert mailoutbox == []


def test_the_admin_role_sees_what_failed_in_admin(plan, settings, client_for, system_admin):
    settings.EMAIL_BACKEND = "tests.reporting.test_task_queue.RefusingBackend"
    queue_one()
    run_worker()
    browser = client_for(system_admin)

    index = browser.get("/admin/").content.decode()
    page = browser.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED").content.decode()
    detail = browser.get(f"/admin/django_tasks_database/dbtaskresult/{DBTaskResult.objects.failed().get().pk}/change/")

    assert "后台任务" in index
    assert "发送邮件" in page and "失败" in page
    assert "主题 → kewei@example.gov.cn" in page
    assert "60 秒后第 2 次发送" in page
    assert "Connection unexpectedly closed" in detail.content.decode()
    assert b'name="_save"' not in detail.content  # read-only


def test_nobody_else_sees_the_queue(plan, client_for, coordinator, security_admin):
    for person in (coordinator, security_admin):
        assert client_for(person).get("/admin/django_tasks_database/dbtaskresult/").status_code in (302, 403)


def test_running_the_worker_in_a_test_gives_the_signals_back():
    before = [signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)]

    run_worker()

    assert [signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)] == before
