"""Who is told what: the one home of the 站内消息 (Notification) and their emails.

| event | who is told | raised by |
| --- | --- | --- |
| a report returned, with the comment | the staff of the report's unit | workflow.return_for_revision |
| a report approved | the staff of the report's unit | workflow.approve (one, or a batch) |
| a report reopened | the staff of the report's unit | workflow.reopen |
| an indicator's yearly value returned, approved or reopened | the staff of the indicator's unit | indicators.return_for_revision, approve, reopen |
| 催报 | the staff of the chased unit | reminders.chase (the coordinator's pages) |
| a period open | the staff of every unit owing reports in it (a 终期评估: the leads), once per period | a period added or reopened at /periods/; send_reminders once it is current |
| a past period opened for late reporting (开放补报) | the staff of units with reports outstanding in it, at each new date | 开放补报 at /periods/ |
| a due date within 7 days | the staff of units with reports outstanding, once per period | send_reminders |
| a new plan loaded (its units' measures, the first due date) | the staff of every unit it lists (各街镇: each member) | plantable.load_table_plan (导入行动方案, load_plan from a table) |

Every event is one Notification per recipient (active staff of the unit).
Email goes to each recipient who has an address and has not turned email off
(NotificationSettings): queued once the transaction commits, and sent by the
background worker through the configured EMAIL_BACKEND (jiading_ads/mail.py),
so a slow or failing mail server never slows, blocks or undoes the action; the
worker retries a refused message and the 管理员 sees what failed in admin
(后台任务). send_reminders' daily email is the reminder itself: it is queued
with its 催报记录 in one transaction (tasks/reminders.py).
A history written on purpose (seed_demo's story) tells nobody: suspended().
"""

import contextlib
import contextvars
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from departments.models import Membership
from jiading_ads import mail
from tasks import obligations
from tasks.models import Assignment, Notification, NotificationSettings, Period
from tasks.progress.rollup import PlanProgress
from tasks.review.models import ReviewEvent

logger = logging.getLogger(__name__)

Kind = Notification.Kind
SUBJECT_PREFIX = "【行动方案跟踪】"
EMAIL_FOOTER = "如不需要邮件通知，可登录系统，在“消息”页的“通知设置”中关闭。"
TITLE_MAX = Notification._meta.get_field("title").max_length

_suspended = contextvars.ContextVar("notifications_suspended", default=False)


@contextlib.contextmanager
def suspended():
    """Nobody is told inside the block: a history written after the fact (the
    demo's 2023–2025 reviews) is no news to anyone today."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def staff_of(unit_ids):
    """{unit id: [active staff users]} for the given units. One query."""
    staff = {}
    memberships = Membership.objects.filter(unit_id__in=list(unit_ids), user__is_active=True).select_related("user")
    for membership in memberships.order_by("unit_id", "user__username"):
        staff.setdefault(membership.unit_id, []).append(membership.user)
    return staff


def email_enabled(user):
    """Whether the user receives notifications by email too. One query."""
    settings_row = NotificationSettings.objects.filter(user=user).first()
    return settings_row is None or settings_row.email_enabled


def email_recipients(users):
    """The users (of those given) who get email: an address and email not turned off. One query."""
    users = [u for u in users if u.email]
    off = set(
        NotificationSettings.objects.filter(user__in=users, email_enabled=False).values_list("user_id", flat=True)
    )
    return [u for u in users if u.pk not in off]


def report_url(report):
    """The unit's report form for the report's measure and unit."""
    return f"{reverse('tasks:report_form', args=[report.measure_id])}?unit={report.unit_id}"


def todo_url(plan, period=None):
    """The 待办 of `plan` (and of `period`, one opened for late reporting)."""
    query = f"?plan={plan.pk}" + (f"&period={period.pk}" if period is not None else "")
    return reverse("tasks:home") + query


def about(plan, text):
    """A title that names its plan by its 文号: several plans run at once, and "1.(1)" is in each."""
    return f"{plan.doc_number} · {text}"


def notify(users, kind, *, title, body="", url, plan, period=None, report=None, email=True):
    """One notification per user about `plan` (once per period for Notification.ONCE_PER_PERIOD);
    email after commit unless `email` is False. Returns the users newly notified."""
    if _suspended.get():
        return []
    title = title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"
    users = list({u.pk: u for u in users}.values())
    if kind in Notification.ONCE_PER_PERIOD:
        already = set(
            Notification.objects.filter(kind=kind, period=period, user__in=users).values_list("user_id", flat=True)
        )
        users = [u for u in users if u.pk not in already]
    if not users:
        return []
    Notification.objects.bulk_create(
        [
            Notification(user=u, kind=kind, title=title, body=body, url=url, plan=plan, period=period, report=report)
            for u in users
        ],
        # Two daily runs at once: the constraint keeps the second one out.
        ignore_conflicts=kind in Notification.ONCE_PER_PERIOD,
    )
    if email:
        send_after_commit(email_recipients(users), title, body, url)
    return users


def email_text(title, body, url):
    lines = [title, ""]
    if body:
        lines += [body, ""]
    site = settings.SITE_URL.rstrip("/")
    lines.append(f"查看：{site}{url}" if site else "请登录行动方案跟踪系统查看。")
    lines += ["", EMAIL_FOOTER, "", "嘉定区数字广告业发展联动协调工作机制办公室"]
    return "\n".join(lines)


_batch = contextvars.ContextVar("notification_mail_batch", default=None)


@contextlib.contextmanager
def batched():
    """The emails of every notification inside the block go to the queue as
    one task when the transaction commits: one connection to the mail server
    for, say, a 催报 of 29 units, instead of 29. Nothing is queued if the
    block raises."""
    messages = []
    token = _batch.set(messages)
    try:
        yield
    finally:
        _batch.reset(token)
    if messages:
        transaction.on_commit(lambda: _queue(messages))


def send_after_commit(users, title, body, url):
    """Queue an email to each user once the current transaction commits (the
    worker sends it); a failure to queue is logged, never raised."""
    messages = [
        EmailMessage(SUBJECT_PREFIX + title, email_text(title, body, url), settings.DEFAULT_FROM_EMAIL, [u.email])
        for u in users
    ]
    batch = _batch.get()
    if batch is not None:
        batch.extend(messages)
    elif messages:
        transaction.on_commit(lambda: _queue(messages))


def _queue(messages):
    try:
        mail.send(messages)
    except Exception:
        # The action is done and recorded; the notification is in the app.
        logger.exception("通知邮件未能排队发送：%s", messages[0].subject)


# The events


REVIEW_KINDS = {
    ReviewEvent.Action.APPROVED: Kind.APPROVED,
    ReviewEvent.Action.RETURNED: Kind.RETURNED,
    ReviewEvent.Action.REOPENED: Kind.REOPENED,
}


def _reviewed(what, kind, comment, approval_label="审核意见"):
    """The title and body of a review decision on `what` (a report, an indicator's value),
    the comment under the name the unit's page gives it (`approval_label` for an approval:
    a final evaluation's is its 评估意见)."""
    titles = {
        Kind.RETURNED: f"{what}被退回，请修改后重新提交",
        Kind.APPROVED: f"{what}已审核通过",
        Kind.REOPENED: f"{what}已被协调人重新打开，请修改后重新提交",
    }
    labels = {Kind.RETURNED: "退回意见", Kind.APPROVED: approval_label, Kind.REOPENED: "重新打开原因"}
    return titles[kind], f"{labels[kind]}：{comment}" if comment else ""


def report_reviewed(report, action, comment=""):
    """The unit's staff hear that `report` was returned, approved or reopened (the
    review event's action)."""
    kind = REVIEW_KINDS[action]
    plan = report.period.plan
    title, body = _reviewed(
        about(plan, f"{report.measure.code} {report.unit.name} {report.period.name}的填报"),
        kind,
        comment,
        approval_label="评估意见" if report.is_evaluation else "审核意见",
    )
    staff = staff_of([report.unit_id]).get(report.unit_id, [])
    return notify(staff, kind, title=title, body=body, url=report_url(report), plan=plan, report=report)


def indicator_reviewed(row, action, comment=""):
    """The indicator's unit's staff hear that a yearly value was returned, approved or
    reopened (the review event's action)."""
    kind = REVIEW_KINDS[action]
    indicator = row.indicator
    title, body = _reviewed(about(indicator.plan, f"指标“{indicator.name}”{row.year}年的实际值"), kind, comment)
    if kind == Kind.APPROVED:
        url = reverse("tasks:indicator_detail", args=[indicator.pk])
    else:
        url = reverse("tasks:indicator_value_form", args=[indicator.pk, row.year])
    staff = staff_of([indicator.unit_id]).get(indicator.unit_id, [])
    return notify(staff, kind, title=title, body=body, url=url, plan=indicator.plan)


def chased(unit, period, obligation_states, staff, note=""):
    """The unit's staff are chased (催报) for the given overdue obligations, with the coordinator's note."""
    if timezone.localdate() > period.due_date:
        lines = [f"{period.name}的进展填报已于 {period.due_date:%Y年%m月%d日} 截止，贵单位以下措施尚未提交："]
    else:
        lines = [
            f"贵单位以下措施上期的进展填报逾期未交，{period.name}（{period.due_date:%Y年%m月%d日} 截止）也尚未提交："
        ]
    for s in obligation_states:
        measure = s.obligation.measure
        lines.append(f"- {measure.code}（{s.obligation.get_role_display()}）{measure.text[:40]}")
    lines.append("请尽快填写并提交。")
    if note:
        lines.append(f"协调人附言：{note}")
    plan = period.plan
    title = about(plan, f"催报：{unit.name}{period.name}尚有 {len(obligation_states)} 项措施未提交")
    return notify(staff, Kind.CHASED, title=title, body="\n".join(lines), url=todo_url(plan), plan=plan, period=period)


def period_opened(period, *, email=True):
    """Staff of every unit owing reports in `period` hear that it is open (once per period)."""
    unit_ids = obligations.units_owing(period.plan, period)
    users = [u for members in staff_of(unit_ids).values() for u in members]
    plan = period.plan
    if period.kind == Period.Kind.FINAL:
        # Only leads owe a final evaluation (Obligation.owes): they alone are told.
        title = about(plan, f"{period.name}已开始，请于 {period.due_date:%Y-%m-%d} 前提交牵头措施的终期评估")
        body = f"《{period.plan.title}》{period.name}已开始：牵头单位逐项填写完成情况、主要成效、未完成原因和后续安排。"
    else:
        title = about(plan, f"{period.name}进展填报已开放，截止日期 {period.due_date:%Y-%m-%d}")
        body = (
            f"《{period.plan.title}》{period.name}（{period.start_date:%Y-%m-%d} 至 "
            f"{period.end_date:%Y-%m-%d}）的进展填报已开放。"
        )
    return notify(
        users, Kind.PERIOD_OPENED, title=title, body=body, url=todo_url(plan), plan=plan, period=period, email=email
    )


def late_reporting_opened(period, today, *, email=True):
    """The staff of each unit with reports outstanding in `period` hear that
    it takes late reports until period.late_until, and which measures are
    theirs to report. Not once per period: a later date is news again."""
    by_unit = PlanProgress(period.plan, period, today=today).outstanding_by_unit()
    staff = staff_of(by_unit.keys())
    title = about(period.plan, f"{period.name}已开放补报，补报截止日期 {period.late_until:%Y-%m-%d}")
    url = todo_url(period.plan, period)
    told = []
    with batched():
        for unit_id, states in by_unit.items():
            unit = states[0].obligation.unit
            codes = "、".join(s.obligation.measure.code for s in states)
            body = (
                f"《{period.plan.title}》{period.name}的进展填报已开放补报，至 {period.late_until:%Y-%m-%d}（含）。"
                f"{unit.name}尚未提交的措施：{codes}。"
            )
            told += notify(
                staff.get(unit_id, []),
                Kind.LATE_OPENED,
                title=title,
                body=body,
                url=url,
                plan=period.plan,
                period=period,
                email=email,
            )
    return told


def _due_when(days_left):
    return f"已逾期 {-days_left} 天" if days_left < 0 else f"还有 {days_left} 天截止"


def due_soon(period, unit, obligation_states, staff, days_left, *, email=True):
    """A unit's staff hear that reports are outstanding close to the due date (once per period)."""
    when = _due_when(days_left)
    plan = period.plan
    title = about(plan, f"{period.name}进展填报{when}，{unit.name}尚有 {len(obligation_states)} 项未提交")
    codes = "、".join(s.obligation.measure.code for s in obligation_states)
    body = f"截止日期 {period.due_date:%Y-%m-%d}。未提交的措施：{codes}。"
    return notify(
        staff, Kind.DUE_SOON, title=title, body=body, url=todo_url(plan), plan=plan, period=period, email=email
    )


def due_soon_email(period, unit, obligation_states, days_left):
    """(subject, body) of the reminder email send_reminders queues beside the
    due-soon notice: the same words, with every outstanding measure listed."""
    plan = period.plan
    when = _due_when(days_left)
    lines = [
        f"《{plan.title}》{period.name}的进展填报截止日期为 {period.due_date:%Y年%m月%d日}，{when}。",
        f"贵单位尚有 {len(obligation_states)} 项措施未提交：",
        "",
    ]
    for state in obligation_states:
        measure = state.obligation.measure
        lines.append(f"- {measure.code}（{state.obligation.get_role_display()}）{measure.text[:40]}")
    lines += ["", "请登录行动方案跟踪系统，在“我的填报”中填写并提交。"]
    subject = f"【催报】{plan.doc_number} · {period.name}进展填报{when}（{len(obligation_states)} 项）"
    return subject, email_text(f"{unit.name}：", "\n".join(lines), todo_url(plan))


def plan_loaded(plan, *, email=True):
    """The staff of every unit the new plan lists (a collective's members each) hear
    that it was loaded: their measures and the first period they owe, with its due
    date (a plan loaded mid-way owes from a later period: plantable.fair_start)."""
    assignments = Assignment.objects.filter(measure__task__plan=plan).select_related("unit", "measure__task")
    by_unit = {}
    for o in obligations.expand(list(assignments), obligations.collective_members()):
        by_unit.setdefault(o.unit.pk, []).append(o)
    staff = staff_of(by_unit.keys())
    quarters = list(Period.objects.filter(plan=plan).order_by("start_date", "pk"))
    told = []
    with batched():
        for unit_id, owed in by_unit.items():
            told += _plan_loaded_notice(plan, owed, quarters, staff.get(unit_id, []), email)
    return told


def _plan_loaded_notice(plan, owed, quarters, staff, email):
    """One unit's notice that `plan` was loaded: its measures and its first owed period."""
    unit = owed[0].unit
    first = next((p for p in quarters if any(o.owes(p) for o in owed)), None)
    title = f"新行动方案已载入：{unit.name}承担 {len(owed)} 项措施"
    body = f"《{plan.title}》（{plan.doc_number}）已载入系统。{unit.name}承担的措施：" + "、".join(
        f"{o.measure.code}（{o.get_role_display()}）" for o in owed
    )
    if first is not None:
        title += f"，首次填报截止 {first.due_date:%Y-%m-%d}"
        body += (
            f"。首次填报周期为{first.name}（{first.start_date:%Y-%m-%d} 起），截止日期 {first.due_date:%Y-%m-%d}；"
            "此前的周期不计入应报和逾期"
        )
    return notify(
        staff,
        Kind.PLAN_LOADED,
        title=about(plan, title),
        body=body + "。",
        url=todo_url(plan),
        plan=plan,
        email=email,
    )
