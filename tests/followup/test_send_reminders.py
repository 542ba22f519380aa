"""send_reminders: one email per late unit, to its staff, at most once a day."""

import datetime
import io
import smtplib

import pytest
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.utils import timezone

from tasks import obligations
from tasks.followup.reminders import pending_reminders
from tasks.models import DailyRun, ReminderLog, Report
from tasks.reporting import workflow
from tests.conftest import make_user, measure_by_code
from tests.reporting.helpers import period, put_report, save, unit

D = datetime.date
Q4 = "2025年第四季度"  # due Monday 2026-01-12; after 2025-12-31 it is the latest open period


@pytest.fixture
def staff(lead_staff, co_organizer, town_staff):
    """区科委, 区委网信办 and 江桥镇 each have one staff member with an email address."""
    return {"区科委": lead_staff, "区委网信办": co_organizer, "江桥镇": town_staff}


def run(**options):
    out = io.StringIO()
    call_command("send_reminders", stdout=out, **options)
    return out.getvalue()


def owed_codes(plan, unit_name):
    return [o.measure.code for o in obligations.for_units([unit(unit_name)], plan)]


def mail_to(outbox, address):
    found = [m for m in outbox if address in m.to]
    assert len(found) == 1, f"expected one email to {address}, got {len(found)}"
    return found[0]


def test_each_unit_with_unsubmitted_obligations_gets_one_email_listing_them(plan, staff, mailoutbox, clock):
    clock(D(2026, 1, 6))

    out = run()

    assert "已向 3 个单位发送催报邮件（嘉府发〔2023〕2号 2025年第四季度），由后台任务投递" in out
    assert sorted(m.to for m in mailoutbox) == [
        ["jiangqiao@example.gov.cn"],
        ["kewei@example.gov.cn"],
        ["wangxinban@example.gov.cn"],
    ]
    kewei = mail_to(mailoutbox, "kewei@example.gov.cn")
    codes = owed_codes(plan, "区科委")
    assert codes == ["1.(1)", "1.(3)", "2.(1)", "2.(2)", "5.(2)", "6.(4)", "6.(6)"]
    assert kewei.subject == f"【催报】嘉府发〔2023〕2号 · {Q4}进展填报还有 6 天截止（7 项）"
    assert (
        "《嘉定区数字广告业高质量发展行动方案（2023—2025年）》2025年第四季度的进展填报截止日期为 2026年01月12日，还有 6 天截止。"
        in kewei.body
    )
    assert "贵单位尚有 7 项措施未提交：" in kewei.body
    assert "- 1.(1)（牵头）" in kewei.body
    assert "- 1.(3)（配合）" in kewei.body
    assert all(f"- {code}（" in kewei.body for code in codes)
    jiangqiao = mail_to(mailoutbox, "jiangqiao@example.gov.cn")
    assert "- 6.(1)（牵头）" in jiangqiao.body
    assert "- 2.(1)（配合）" in jiangqiao.body
    logs = {log.unit.name: log for log in ReminderLog.objects.select_related("unit", "period")}
    assert set(logs) == {"区科委", "区委网信办", "江桥镇"}
    assert (logs["区科委"].period.name, logs["区科委"].sent_on, logs["区科委"].obligation_count) == (
        Q4,
        D(2026, 1, 6),
        7,
    )
    assert logs["区科委"].recipients == "kewei@example.gov.cn"


def test_all_staff_of_a_unit_receive_the_one_email(plan, staff, second_kewei, mailoutbox, clock):
    clock(D(2026, 1, 6))

    run()

    kewei = [m for m in mailoutbox if "kewei@example.gov.cn" in m.to]
    assert [m.to for m in kewei] == [["kewei2@example.gov.cn", "kewei@example.gov.cn"]]


def test_units_without_staff_email_get_nothing(plan, staff, mailoutbox, clock):
    no_email = make_user("jingwei", units=["区经委"])
    no_email.email = ""
    no_email.save()
    gone = make_user("caizhengju", units=["区财政局"])
    gone.is_active = False
    gone.save()
    clock(D(2026, 1, 6))

    run()

    assert len(mailoutbox) == 3
    assert not ReminderLog.objects.filter(unit__name__in=["区经委", "区财政局"]).exists()


def test_unit_that_has_submitted_everything_gets_no_email(plan, staff, mailoutbox, clock):
    owed = obligations.for_units([unit("区委网信办")], plan)
    assert owed
    for o in owed:
        put_report(plan, o.measure, "区委网信办", period_name=Q4, percent=50)
    clock(D(2026, 1, 6))

    run()

    assert all("wangxinban@example.gov.cn" not in m.to for m in mailoutbox)
    assert len(mailoutbox) == 2
    assert not ReminderLog.objects.filter(unit__name="区委网信办").exists()


def test_submitted_and_approved_obligations_are_left_out_but_drafts_are_listed(
    plan, staff, lead_staff, coordinator, mailoutbox, clock
):
    save(plan, measure_by_code(plan, 1, 1), "区科委", lead_staff, period_name=Q4, submit=True)
    approved = save(plan, measure_by_code(plan, 2, 1), "区科委", lead_staff, period_name=Q4, submit=True)
    workflow.approve(approved, coordinator, approved.version)
    save(plan, measure_by_code(plan, 2, 2), "区科委", lead_staff, period_name=Q4, submit=False)
    # A report for an earlier quarter does not excuse this one.
    put_report(plan, measure_by_code(plan, 1, 3), "区科委", period_name="2025年第三季度", percent=60)
    clock(D(2026, 1, 6))

    run()

    kewei = mail_to(mailoutbox, "kewei@example.gov.cn")
    assert kewei.subject.endswith("（5 项）")
    assert "- 1.(1)（" not in kewei.body
    assert "- 2.(1)（" not in kewei.body
    assert "- 2.(2)（牵头）" in kewei.body
    assert "- 1.(3)（配合）" in kewei.body
    assert ReminderLog.objects.get(unit__name="区科委").obligation_count == 5


def test_dry_run_sends_nothing_and_logs_nothing(plan, staff, mailoutbox, clock):
    clock(D(2026, 1, 6))

    out = run(dry_run=True)

    assert mailoutbox == []
    assert ReminderLog.objects.count() == 0
    assert (
        f"[预览] 嘉府发〔2023〕2号 {Q4} 区科委 → kewei@example.gov.cn：【催报】嘉府发〔2023〕2号 · {Q4}进展填报还有 6 天截止（7 项）"
        in out
    )
    assert "预览完毕：嘉府发〔2023〕2号 2025年第四季度将向 3 个单位发送催报邮件（未发送）。" in out


def test_second_run_on_the_same_day_sends_nothing_new(plan, staff, mailoutbox, clock):
    clock(D(2026, 1, 6))
    run()

    out = run()

    assert len(mailoutbox) == 3
    assert ReminderLog.objects.count() == 3
    run_row = DailyRun.objects.get()
    assert f"今天（2026-01-06）的催报已由 {run_row.claimed_by} 于 10:00:00 开始运行，本次不再运行。" in out
    assert run_row.finished_at is not None


def test_a_run_that_fails_gives_the_day_back_to_a_later_run(plan, staff, mailoutbox, clock, monkeypatch):
    clock(D(2026, 1, 6))
    monkeypatch.setattr("tasks.management.commands.send_reminders.send", broken_send)
    with pytest.raises(RuntimeError):
        run()
    assert not DailyRun.objects.exists()
    monkeypatch.undo()

    out = run()

    assert "已向 3 个单位发送催报邮件" in out
    assert len(mailoutbox) == 3


def broken_send(period, reminder, today):
    raise RuntimeError("database went away")


def test_a_claim_left_by_a_server_that_died_is_taken_over_an_hour_later(plan, staff, mailoutbox, clock):
    clock(D(2026, 1, 6))
    DailyRun.objects.create(
        job=DailyRun.Job.SEND_REMINDERS,
        day=D(2026, 1, 6),
        claimed_by="app1:4242",
        started_at=timezone.now() - datetime.timedelta(minutes=59),
    )
    assert "已由 app1:4242" in run()
    assert mailoutbox == []
    DailyRun.objects.update(started_at=timezone.now() - datetime.timedelta(minutes=61))

    out = run()

    assert "已向 3 个单位发送催报邮件" in out
    assert DailyRun.objects.get().claimed_by != "app1:4242"


def test_next_day_sends_again(plan, staff, mailoutbox, clock):
    clock(D(2026, 1, 6))
    run()
    clock(D(2026, 1, 7))

    out = run()

    assert len(mailoutbox) == 6
    assert "已向 3 个单位发送催报邮件" in out
    assert (
        mail_to(mailoutbox[3:], "kewei@example.gov.cn").subject
        == f"【催报】嘉府发〔2023〕2号 · {Q4}进展填报还有 5 天截止（7 项）"
    )
    assert set(ReminderLog.objects.values_list("sent_on", flat=True)) == {D(2026, 1, 6), D(2026, 1, 7)}


def test_overdue_units_are_told_how_many_days_late(plan, staff, mailoutbox, clock):
    clock(D(2026, 1, 13))

    run()

    kewei = mail_to(mailoutbox, "kewei@example.gov.cn")
    assert kewei.subject == f"【催报】嘉府发〔2023〕2号 · {Q4}进展填报已逾期 1 天（7 项）"
    assert "截止日期为 2026年01月12日，已逾期 1 天。" in kewei.body


@pytest.mark.parametrize(
    "day, sends",
    [(D(2026, 1, 4), False), (D(2026, 1, 5), True), (D(2026, 1, 12), True)],
    ids=["8-days-before", "7-days-before", "due-day"],
)
def test_reminders_start_seven_days_before_the_due_date(plan, staff, mailoutbox, clock, day, sends):
    clock(day)

    run()

    assert bool(mailoutbox) is sends


def test_no_reminders_when_every_period_is_closed(plan, staff, mailoutbox, clock):
    plan.periods.update(is_closed=True)
    clock(D(2026, 1, 6))

    out = run()

    assert "没有正在接受填报的周期，没有需要催报的事项。" in out
    assert mailoutbox == []


def test_pending_reminders_is_one_per_unit(plan, staff):
    quarter, reminders = pending_reminders(plan, D(2026, 1, 6))

    assert quarter == period(plan, Q4)
    assert sorted(r.unit.name for r in reminders) == ["区委网信办", "区科委", "江桥镇"]
    assert Report.objects.count() == 0


def test_reminders_go_out_in_the_week_before_a_quarter_report_is_due(plan, staff):
    # 2024年第一季度 ended 2024-03-31 and is due 2024-04-10.
    quarter, reminders = pending_reminders(plan, D(2024, 4, 5))

    assert quarter.name == "2024年第一季度"
    assert sorted(r.unit.name for r in reminders) == ["区委网信办", "区科委", "江桥镇"]


def test_a_refused_message_does_not_stop_the_other_units(plan, lead_staff, co_organizer, clock, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.followup.test_send_reminders.RefusesKewei"
    quarter = period(plan, "2024年第一季度")
    clock(quarter.due_date)

    run()

    # The mail to 区科委 failed (the queue retries it: tests/production/test_task_queue.py);
    # 区委网信办's went out, and both chases are recorded.
    assert [m.to for m in mailoutbox] == [["wangxinban@example.gov.cn"]]
    assert ReminderLog.objects.filter(sent_on=quarter.due_date).count() == 2


class RefusesKewei(locmem.EmailBackend):
    def send_messages(self, messages):
        if any("kewei@example.gov.cn" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"kewei@example.gov.cn": (550, b"no such user")})
        return super().send_messages(messages)
