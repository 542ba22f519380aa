"""催报: chasing units whose reports are outstanding, by the coordinator or by the daily command.

- The coordinator chases one unit (all its overdue obligations), one
  obligation, or every overdue unit at once (`chase`): the unit's staff get
  a notification and an email (tasks/notifications.py).
- `send_reminders`, run daily, emails each unit's staff about obligations
  due within 7 days or overdue (`pending_reminders`, `send`), at most once
  per unit, period and day; it also posts the once-per-period notifications
  (the period is open, the due date is near) — `post_period_notices`.
  Its emails, like every other, are queued for the background worker.

Either way each chase is a ReminderLog (催报记录) and an audit record.
Which obligations are outstanding or overdue is decided by tasks/progress.py.

A coordinator's chase may carry a note (附言) the unit reads. A unit chased by
a coordinator within the last REPEAT_HOURS is chased again only when the
coordinator confirms it after seeing the last chase (AlreadyChased); and
a unit is chased by coordinators at most CHASES_PER_UNIT_PER_DAY times a
day (ChaseLimit), so a burst of requests sends no burst of identical messages.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from departments.models import Unit
from jiading_ads import mail
from security import audit
from tasks import periods as period_rules
from tasks.followup import notifications
from tasks.models import Period, Plan, ReminderLog
from tasks.progress.rollup import DUE_SOON_DAYS, PlanProgress

REPEAT_HOURS = 24
CHASES_PER_UNIT_PER_DAY = 3
NOTE_MAX_LENGTH = 500


class NoStaff(Exception):
    """The unit has no active staff account: nobody to chase."""


class AlreadyChased(Exception):
    """The unit was chased by a coordinator within REPEAT_HOURS; `last` is that ReminderLog.
    Chasing again needs the coordinator's confirmation (repeat=True)."""

    def __init__(self, last):
        super().__init__(f"{last.unit.name}在 {timezone.localtime(last.sent_at):%Y-%m-%d %H:%M} 已催报过。")
        self.last = last


class ChaseLimit(Exception):
    """The unit was chased CHASES_PER_UNIT_PER_DAY times today; str() is the Chinese message."""


@dataclass
class Reminder:
    unit: object
    recipients: list  # email addresses
    subject: str
    body: str
    count: int
    states: list  # the outstanding ObligationStates
    staff: list  # every active staff user, emailed or not


def reminded_plans(today):
    """[(plan, period)]: every plan whose current period takes reports today
    (periods.write_block_reason), in 文号 order. A plan that has ended, whose
    last quarter no longer takes reports, is chased no more. One query per plan."""
    found = []
    for plan in Plan.objects.order_by("doc_number"):
        period = Period.objects.current(plan, today)
        if period is not None and period.start_date <= today and not period_rules.write_block_reason(period, today):
            found.append((plan, period))
    return found


def pending_reminders(plan, today):
    """Reminder emails owed today for the plan's current period, one per unit
    with staff who take email; (period, [Reminder]). None and [] while the
    current period takes no reports."""
    period = Period.objects.current(plan, today)
    if period is None or period_rules.write_block_reason(period, today):
        return None, []
    days_left = (period.due_date - today).days
    if days_left > DUE_SOON_DAYS:
        return period, []
    by_unit = PlanProgress(plan, period, today=today).outstanding_by_unit()
    already = set(
        ReminderLog.objects.filter(period=period, sent_on=today, source=ReminderLog.Source.AUTOMATIC).values_list(
            "unit_id", flat=True
        )
    )
    staff = notifications.staff_of(by_unit.keys())
    reminders = []
    for unit_id, states in by_unit.items():
        if unit_id in already or unit_id not in staff:
            continue
        unit = states[0].obligation.unit
        subject, body = notifications.due_soon_email(period, unit, states, days_left)
        reminders.append(
            Reminder(
                unit=unit,
                recipients=sorted(u.email for u in notifications.email_recipients(staff[unit_id])),
                subject=subject,
                body=body,
                count=len(states),
                states=states,
                staff=staff[unit_id],
            )
        )
    return period, reminders


def send(period, reminder, today):
    """Post the due-soon notification, and queue the reminder's email and log
    it if anyone takes email; False if another run logged it first.

    The email is queued in the same transaction as its 催报记录: both are kept
    or neither. The background worker sends it, and retries it if the mail
    server refuses (jiading_ads/mail.py)."""
    days_left = (period.due_date - today).days
    try:
        with transaction.atomic():
            notifications.due_soon(period, reminder.unit, reminder.states, reminder.staff, days_left, email=False)
            if not reminder.recipients:
                return False
            log = ReminderLog.objects.create(
                unit=reminder.unit,
                period=period,
                source=ReminderLog.Source.AUTOMATIC,
                sent_on=today,
                recipients=", ".join(reminder.recipients),
                obligation_count=reminder.count,
                measures=_codes(reminder.states),
            )
            audit.record(audit.Kind.REMINDER_SENT, obj=log, detail=_detail(log))
            mail.send([EmailMessage(reminder.subject, reminder.body, settings.DEFAULT_FROM_EMAIL, reminder.recipients)])
    except IntegrityError:
        return False
    return True


def post_period_notices(plan, today):
    """The current period's "open" notice to every owing unit's staff, once per
    user and period; the number of people newly told."""
    period = Period.objects.current(plan, today)
    if period is None or period.start_date > today:
        return 0
    return len(notifications.period_opened(period))


def recent_chases(unit_ids, now=None):
    """{unit id: its latest coordinator's ReminderLog of the last REPEAT_HOURS} (sent_by loaded). One query."""
    since = (now or timezone.now()) - datetime.timedelta(hours=REPEAT_HOURS)
    latest = {}
    logs = ReminderLog.objects.filter(
        unit_id__in=list(unit_ids), source=ReminderLog.Source.COORDINATOR, sent_at__gte=since
    ).select_related("unit", "sent_by")
    for log in logs.order_by("sent_at", "pk"):
        latest[log.unit_id] = log
    return latest


def chases_today(unit_ids, today):
    """{unit id: how many times coordinators chased it on `today`}. One query."""
    counts = {}
    for unit_id in ReminderLog.objects.filter(
        unit_id__in=list(unit_ids), source=ReminderLog.Source.COORDINATOR, sent_on=today
    ).values_list("unit_id", flat=True):
        counts[unit_id] = counts.get(unit_id, 0) + 1
    return counts


def limit_reached(unit, today, count=None):
    """Why `unit` cannot be chased by a coordinator again today, or None; `count`, when
    known (chases_today), saves the query."""
    if count is None:
        count = chases_today([unit.pk], today).get(unit.pk, 0)
    if count >= CHASES_PER_UNIT_PER_DAY:
        return (
            f"{unit.name}今天已被催报 {count} 次，已达每日上限（{CHASES_PER_UNIT_PER_DAY} 次），本次未发送；"
            "如确有急事，请电话联系该单位联络员。"
        )
    return None


def chase(period, unit, obligation_states, user, today=None, *, note="", repeat=False):
    """The coordinator chases `unit` for the given overdue obligations: a
    notification (with the coordinator's `note`) and an email to each of its
    staff, a ReminderLog and an audit record.

    Raises NoStaff when the unit has no active staff account, ChaseLimit when it
    was chased CHASES_PER_UNIT_PER_DAY times today, and AlreadyChased when a
    coordinator chased it within REPEAT_HOURS and `repeat` is not confirmed."""
    staff = notifications.staff_of([unit.pk]).get(unit.pk, [])
    if not staff:
        raise NoStaff(f"{unit.name}没有可接收催报的联络员账号，请先在后台为其添加联络员。")
    emailed = {u.pk for u in notifications.email_recipients(staff)}
    today = today or timezone.localdate()
    note = note.strip()[:NOTE_MAX_LENGTH]
    with transaction.atomic():
        # Chases of one unit one at a time (the row lock on PostgreSQL, the write
        # transaction on SQLite), so that simultaneous requests see each other.
        list(Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk", flat=True))
        reason = limit_reached(unit, today)
        if reason:
            raise ChaseLimit(reason)
        last = recent_chases([unit.pk]).get(unit.pk)
        if last is not None and not repeat:
            raise AlreadyChased(last)
        log = ReminderLog.objects.create(
            unit=unit,
            period=period,
            source=ReminderLog.Source.COORDINATOR,
            sent_on=today,
            sent_by=user,
            note=note,
            recipients="、".join(
                f"{u.get_full_name() or u.username}（{u.email if u.pk in emailed else '仅站内消息'}）" for u in staff
            ),
            obligation_count=len(obligation_states),
            measures=_codes(obligation_states),
        )
        audit.record(audit.Kind.REMINDER_SENT, user=user, obj=log, detail=_detail(log))
        notifications.chased(unit, period, obligation_states, staff, note=note)
    return log


@dataclass
class ChaseOutcome:
    chased: list  # the units chased
    refused: list  # messages: a unit without staff, or at its daily limit
    unconfirmed: list  # units chased within REPEAT_HOURS, left out without `repeat`


def do_chase_units(period, targets, *, acting_user, note="", repeat=False):
    """催报 each (unit, overdue obligation states) of `targets` by the coordinator
    `acting_user`, with one 附言, in one transaction and one mail task (one
    connection to the mail server). A unit that cannot be chased is left out and
    said why; the others are chased."""
    outcome = ChaseOutcome([], [], [])
    with transaction.atomic(), notifications.batched():
        for unit, states in targets:
            try:
                chase(period, unit, states, acting_user, note=note, repeat=repeat)
            except (NoStaff, ChaseLimit) as exc:
                outcome.refused.append(str(exc))
            except AlreadyChased:
                outcome.unconfirmed.append(unit)
            else:
                outcome.chased.append(unit)
    return outcome


def _codes(states):
    return "、".join(s.obligation.measure.code for s in states)


def _detail(log):
    note = f"；附言：{log.note}" if log.note else ""
    return (
        f"{log.get_source_display()}：{log.unit.name} {log.period.name} {log.obligation_count} 项（{log.measures}）"
        f"；收件人：{log.recipients}{note}"
    )
