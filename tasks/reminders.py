"""Reminder emails: each unit's staff hear about obligations due within 7 days or overdue.

A unit gets at most one reminder per period and day (ReminderLog), so
running the command twice on one day sends nothing new.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction

from .models import Period, ReminderLog
from .progress import DUE_SOON_DAYS, PlanProgress


@dataclass
class Reminder:
    unit: object
    recipients: list
    subject: str
    body: str
    count: int


def pending_reminders(plan, today):
    """Reminders owed today for the plan's current period, one per unit with staff."""
    period = Period.objects.current(plan, today)
    if period is None:
        return None, []
    days_left = (period.due_date - today).days
    if days_left > DUE_SOON_DAYS:
        return period, []
    progress = PlanProgress(plan, period, today=today)
    by_unit = {}
    for measure_obligations in progress.obligations.values():
        for obligation in measure_obligations:
            state = progress.obligation_state(obligation)
            if state.owed and not state.submitted:
                by_unit.setdefault(obligation.unit.pk, []).append(state)
    already = set(ReminderLog.objects.filter(period=period, sent_on=today).values_list("unit_id", flat=True))
    staff = {}
    for user in (
        User.objects.filter(is_active=True, memberships__unit_id__in=by_unit.keys())
        .exclude(email="")
        .values("email", "memberships__unit_id")
    ):
        staff.setdefault(user["memberships__unit_id"], []).append(user["email"])
    reminders = []
    for unit_id, states in by_unit.items():
        if unit_id in already or unit_id not in staff:
            continue
        unit = states[0].obligation.unit
        when = f"已逾期 {-days_left} 天" if days_left < 0 else f"还有 {days_left} 天截止"
        lines = [
            f"{unit.name}：",
            "",
            f"《{plan.title}》{period.name}的进展填报截止日期为 {period.due_date:%Y年%m月%d日}，{when}。",
            f"贵单位尚有 {len(states)} 项措施未提交：",
            "",
        ]
        for state in states:
            measure = state.obligation.measure
            lines.append(f"- {measure.code}（{state.obligation.get_role_display()}）{measure.text[:40]}")
        lines += [
            "",
            "请登录行动方案跟踪系统，在“我的填报”中填写并提交。",
            "",
            "嘉定区数字广告业发展联动协调工作机制办公室",
        ]
        reminders.append(
            Reminder(
                unit=unit,
                recipients=sorted(staff[unit_id]),
                subject=f"【催报】{period.name}进展填报{when}（{len(states)} 项）",
                body="\n".join(lines),
                count=len(states),
            )
        )
    return period, reminders


def send(period, reminder, today):
    """Send one reminder and log it; False if another run logged it first.

    A mail server refusing one unit's message raises after rolling the log
    back, so a later run tries that unit again."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(
                unit=reminder.unit,
                period=period,
                sent_on=today,
                recipients=", ".join(reminder.recipients),
                obligation_count=reminder.count,
            )
            EmailMessage(reminder.subject, reminder.body, settings.DEFAULT_FROM_EMAIL, reminder.recipients).send()
    except IntegrityError:
        return False
    return True
