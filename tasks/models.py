import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from tasks.review.models import ReviewedItem, ReviewEvent, ReviewEvidence


class PlanQuerySet(models.QuerySet):
    def default(self):
        """The plan shown when none is chosen: settings.DEFAULT_PLAN_DOC_NUMBER,
        else the most recent; None without any plan. One or two queries."""
        chosen = self.filter(doc_number=settings.DEFAULT_PLAN_DOC_NUMBER).first()
        return chosen or self.order_by("-start_date", "-pk").first()


class Plan(models.Model):
    """A plan and the notice that issued it, section by section, verbatim."""

    # The body's numbered sections in the notice's order; "tasks" is 四、具体任务.
    SECTION_KEYS = ["guidance", "goals", "key_points", "tasks", "safeguards"]
    DEFAULT_HEADINGS = {
        "guidance": "一、指导思想",
        "goals": "二、主要目标",
        "key_points": "三、工作重点",
        "tasks": "四、具体任务",
        "safeguards": "五、保障措施",
    }

    title = models.CharField(_("标题"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=50, unique=True)
    issuer = models.CharField(_("发文机关"), max_length=100)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    header = models.CharField(
        _("发文机关标志"), max_length=100, blank=True, help_text=_("如“上海市嘉定区人民政府文件”。")
    )
    notice_title = models.CharField(_("通知标题"), max_length=300, blank=True)
    addressees = models.TextField(_("主送机关"), blank=True)
    notice_text = models.TextField(
        _("通知正文"), blank=True, help_text=_("印发说明，如“经区政府同意，现将……印发给你们”。")
    )
    notice_attachment = models.CharField(_("附件说明"), max_length=300, blank=True)
    preamble = models.TextField(_("前言"), blank=True)
    headings = models.JSONField(
        _("各部分标题"), default=dict, blank=True, help_text=_('正文各部分的标题，如 {"guidance": "一、指导思想"}。')
    )
    guidance = models.TextField(_("指导思想"), blank=True)
    goals = models.TextField(_("主要目标"), blank=True)
    key_points = models.TextField(_("工作重点"), blank=True)
    safeguards = models.TextField(_("保障措施"), blank=True)
    attachment_note = models.CharField(_("正文末附件说明"), max_length=300, blank=True)
    attachment_title = models.CharField(_("附件标题"), max_length=300, blank=True)
    lead_note = models.TextField(_("备注"), blank=True, help_text=_("任务分工表的备注，说明牵头单位的确定规则。"))

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("行动方案")
        verbose_name_plural = _("行动方案")
        ordering = ["-start_date", "doc_number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="plan_end_not_before_start",
            ),
        ]

    def __str__(self):
        return f"{self.title}（{self.doc_number}）"

    def get_absolute_url(self):
        return reverse("tasks:plan")

    def heading(self, key):
        return self.headings.get(key) or self.DEFAULT_HEADINGS[key]

    def body_sections(self):
        """[(key, heading, text)] of the body's numbered sections in order; text "" for 四."""
        return [(key, self.heading(key), "" if key == "tasks" else getattr(self, key)) for key in self.SECTION_KEYS]


class Task(models.Model):
    plan = models.ForeignKey(Plan, verbose_name=_("行动方案"), on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("工作任务"), max_length=200)
    narrative = models.TextField(_("任务说明"), blank=True)
    departments = models.CharField(
        _("责任部门"),
        max_length=500,
        blank=True,
        help_text=_("正文“四、具体任务”所列的责任部门，按原文顺序以顿号分隔。"),
    )

    class Meta:
        verbose_name = _("工作任务")
        verbose_name_plural = _("工作任务")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="task_number_unique_per_plan"),
        ]

    def __str__(self):
        return self.heading

    @property
    def heading(self):
        """The task as the attachment prints it: "1. 发展数字广告新型业态"."""
        return f"{self.number}. {self.title}"


def assignments_in_order():
    """Prefetch of a measure's assignments with their units, in document order."""
    return models.Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("position"))


class MeasureQuerySet(models.QuerySet):
    def in_document_order(self):
        return self.order_by("task__plan_id", "task__number", "number")

    def with_assignments(self):
        """Prefetch units in document order: one extra query in all."""
        return self.prefetch_related(assignments_in_order())


class Measure(models.Model):
    task = models.ForeignKey(Task, verbose_name=_("工作任务"), on_delete=models.CASCADE, related_name="measures")
    number = models.PositiveSmallIntegerField(_("序号"), help_text=_("按原文编号，不重新编号。"))
    text = models.TextField(_("具体措施"))
    due_date = models.DateField(_("完成期限"), help_text=_("默认为行动方案的结束日期。"))
    each_lead_own_part = models.BooleanField(
        _("各自牵头"),
        default=False,
        help_text=_("备注所说的例外：所列各街镇各自牵头其承担的部分（如 5.(2)）。"),
    )

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("具体措施")
        verbose_name_plural = _("具体措施")
        ordering = ["task__plan", "task__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["task", "number"], name="measure_number_unique_per_task"),
        ]

    def __str__(self):
        text = self.text if len(self.text) <= 20 else self.text[:20] + "…"
        return f"{self.code} {text}"

    def get_absolute_url(self):
        return reverse("tasks:measure_detail", args=[self.pk])

    @property
    def code(self):
        """The number as the 备注 writes it: "5.(2)". Needs task loaded."""
        return f"{self.task.number}.({self.number})"

    @property
    def numbered_text(self):
        """The 具体措施 cell of the attachment: "(2) 相关街镇…"."""
        return f"({self.number}) {self.text}"

    def ordered_assignments(self):
        """Assignments in document order; uses the prefetch when present."""
        return sorted(self.assignments.all(), key=lambda a: a.position)

    def printed_units(self):
        return "、".join(a.printed_name for a in self.ordered_assignments())

    def printed_leads(self):
        return "、".join(a.printed_name for a in self.ordered_assignments() if a.is_lead)


class Assignment(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("牵头")
        SUPPORT = "support", _("配合")

    measure = models.ForeignKey(
        Measure, verbose_name=_("具体措施"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="assignments")
    position = models.PositiveSmallIntegerField(_("排列位置"), help_text=_("在原文中的次序，从 1 开始。"))
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    printed_name = models.CharField(_("原文名称"), max_length=100)
    owed_from = models.DateField(
        _("起报日期"),
        null=True,
        blank=True,
        help_text=_("自该日期或之后开始的填报周期起须填报；留空表示自方案开始即须填报。"),
    )

    class Meta:
        verbose_name = _("责任分工")
        verbose_name_plural = _("责任分工")
        ordering = ["measure", "position"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "unit"], name="assignment_unit_once_per_measure"),
            models.UniqueConstraint(fields=["measure", "position"], name="assignment_position_once_per_measure"),
        ]

    def __str__(self):
        return f"{self.measure.code} {self.printed_name}（{self.get_role_display()}）"

    @property
    def is_lead(self):
        return self.role == self.Role.LEAD


class PeriodQuerySet(models.QuerySet):
    def current(self, plan, today):
        """The period units report on today. One query.

        A quarter is reported on after it ends, so a period is current from
        its first day until its due date: the earliest open period whose
        window contains today; else the latest open period that has started;
        before the plan starts, its first open period.
        """
        return current_of(list(self.filter(plan=plan, is_closed=False).order_by("end_date", "pk")), today)


def current_of(periods, today):
    """PeriodQuerySet.current on open periods already loaded, in end-date order."""
    for period in periods:
        if period.start_date <= today <= period.due_date:
            return period
    started = [p for p in periods if p.start_date <= today]
    if started:
        return started[-1]
    return periods[0] if periods else None


class Period(models.Model):
    class Kind(models.TextChoices):
        QUARTER = "quarter", _("季度")
        FINAL = "final", _("终期评估")
        OTHER = "other", _("其他")

    plan = models.ForeignKey(Plan, verbose_name=_("行动方案"), on_delete=models.CASCADE, related_name="periods")
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.QUARTER)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    due_date = models.DateField(_("填报截止日期"))
    is_closed = models.BooleanField(_("已关闭"), default=False)
    late_until = models.DateField(
        _("补报截止日期"),
        null=True,
        blank=True,
        help_text=_("协调人开放补报时设定：到这一天（含）为止，各单位仍可填报本周期。"),
    )

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("填报周期")
        verbose_name_plural = _("填报周期")
        ordering = ["plan", "end_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="period_name_unique_per_plan"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="period_end_not_before_start",
            ),
        ]

    def __str__(self):
        return self.name


class Report(ReviewedItem):
    """One unit's progress on one measure for one period."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未启动")
        IN_PROGRESS = "in_progress", _("推进中")
        DONE = "done", _("已完成")
        LATE = "late", _("滞后")

    class Completion(models.TextChoices):
        """完成情况 of a final evaluation (终期评估), from least to most complete."""

        NOT_DONE = "not_done", _("未完成")
        MOSTLY = "mostly", _("基本完成")
        DONE = "done", _("已完成")

    # Submitted or approved reports count for progress; drafts and returned ones do not.
    OFFICIAL_STATES = (ReviewedItem.State.SUBMITTED, ReviewedItem.State.APPROVED)
    # A final evaluation's 完成情况 sets its status, so that rollups, lights and the 台账
    # read it like any report: an unfinished measure at the plan's end is behind (滞后).
    COMPLETION_STATUS = {
        Completion.DONE: Status.DONE,
        Completion.MOSTLY: Status.IN_PROGRESS,
        Completion.NOT_DONE: Status.LATE,
    }
    # A report of a final-evaluation period (Period.Kind.FINAL) holds its texts in the
    # quarterly fields under these names: the same things at a plan's end.
    EVALUATION_LABELS = {"progress": _("主要成效"), "problems": _("未完成原因"), "next_steps": _("后续安排")}

    measure = models.ForeignKey(Measure, verbose_name=_("具体措施"), on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(Unit, verbose_name=_("填报单位"), on_delete=models.PROTECT, related_name="reports")
    period = models.ForeignKey(Period, verbose_name=_("填报周期"), on_delete=models.PROTECT, related_name="reports")
    role = models.CharField(_("角色"), max_length=10, choices=Assignment.Role.choices)
    status = models.CharField(_("状态"), max_length=15, choices=Status.choices, default=Status.NOT_STARTED)
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)
    progress = models.TextField(_("进展情况"))
    problems = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下一步计划"), blank=True)
    completion = models.CharField(
        _("完成情况"),
        max_length=10,
        choices=Completion.choices,
        blank=True,
        help_text=_("仅用于终期评估：牵头单位对本措施完成情况的评价。"),
    )
    assessment = models.TextField(
        _("评估意见"), blank=True, help_text=_("仅用于终期评估：协调人审核通过时给出的评估意见。")
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("沿用自"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("内容沿用上期填报且尚未修改时，指向上期的填报。"),
    )

    class Meta:
        verbose_name = _("进展填报")
        verbose_name_plural = _("进展填报")
        ordering = ["period_id", "measure_id", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "unit", "period"], name="report_once_per_obligation_and_period"),
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="report_percent_at_most_100"),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(percent=100),
                name="report_done_means_100_percent",
            ),
            # A final evaluation's status follows its 完成情况 (COMPLETION_STATUS);
            # a quarterly report has neither 完成情况 nor 评估意见 (see clean()).
            models.CheckConstraint(
                condition=models.Q(completion="")
                | models.Q(completion="done", status="done")
                | models.Q(completion="mostly", status="in_progress")
                | models.Q(completion="not_done", status="late"),
                name="report_completion_sets_status",
            ),
            models.CheckConstraint(
                condition=models.Q(assessment="") | ~models.Q(completion=""),
                name="report_assessment_only_with_completion",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="report_state_submitted")]
        permissions = [
            ("review_report", _("可审核填报、管理填报周期")),
            ("view_all_progress", _("可查看全部单位的进展并导出台账")),
        ]

    def __str__(self):
        return f"{self.measure.code} {self.unit.name} {self.period.name}"

    def get_absolute_url(self):
        return reverse("tasks:measure_detail", args=[self.measure_id])

    @property
    def is_official(self):
        """Whether the report counts for progress: submitted or approved."""
        return self.state in self.OFFICIAL_STATES

    @property
    def is_evaluation(self):
        """Whether this is a final evaluation (a FINAL period's report). Needs period loaded."""
        return self.period.kind == Period.Kind.FINAL

    @property
    def review_comment_label(self):
        """The coordinator's comment as both sides name it: 评估意见 on an approved final
        evaluation, 审核意见 on another approved report, 退回意见 on one sent back
        (returned or reopened). Needs period loaded."""
        if self.state == self.State.APPROVED:
            return _("评估意见") if self.is_evaluation else _("审核意见")
        return _("退回意见")

    def field_label(self, name):
        """A field's name as this report's page shows it (主要成效 for 进展情况 in a final evaluation)."""
        if name in self.EVALUATION_LABELS and self.is_evaluation:
            return self.EVALUATION_LABELS[name]
        return self._meta.get_field(name).verbose_name


class ReportEvent(ReviewEvent):
    """One entry of a measure's timeline; never edited once written."""

    report = models.ForeignKey(Report, verbose_name=_("填报"), on_delete=models.CASCADE, related_name="events")
    files = models.JSONField(_("佐证材料"), default=list, blank=True, help_text=_("随这次操作上传（或删除）的文件名。"))

    class Meta(ReviewEvent.Meta):
        verbose_name = _("填报记录")
        verbose_name_plural = _("填报记录")
        indexes = [models.Index(fields=["report", "at"], name="report_event_report_at")]


def evidence_path(instance, filename):
    """A random name under evidence/: the uploader's name is kept in the row only."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.report.period_id}/{uuid.uuid4().hex}.{extension}"


class Evidence(ReviewEvidence):
    report = models.ForeignKey(Report, verbose_name=_("填报"), on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)

    class Meta(ReviewEvidence.Meta):
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def get_absolute_url(self):
        return reverse("tasks:evidence_download", args=[self.pk])


class ReminderLog(models.Model):
    """One 催报 of one unit: sent by the coordinator from a page, or by
    send_reminders (at most once per unit, period and day). Never edited."""

    class Source(models.TextChoices):
        AUTOMATIC = "auto", _("系统自动催报")
        COORDINATOR = "manual", _("协调人催报")

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, verbose_name=_("填报周期"), on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("方式"), max_length=10, choices=Source.choices, default=Source.AUTOMATIC)
    sent_on = models.DateField(_("发送日期"))
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    sent_by = models.ForeignKey(
        "auth.User", verbose_name=_("催报人"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recipients = models.TextField(_("收件人"))
    obligation_count = models.PositiveIntegerField(_("事项数"))
    measures = models.TextField(_("催报事项"), blank=True, help_text=_("措施编号，以顿号分隔。"))
    note = models.TextField(_("附言"), blank=True, help_text=_("协调人催报时写给单位的话，单位在消息和待办中看到。"))

    class Meta:
        verbose_name = _("催报记录")
        verbose_name_plural = _("催报记录")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period", "sent_on"],
                condition=models.Q(source="auto"),
                name="reminder_once_per_unit_and_day",
            ),
        ]
        indexes = [models.Index(fields=["unit", "period"], name="reminder_unit_period")]

    def __str__(self):
        return (
            f"{self.unit} {self.period} {self.get_source_display()} {timezone.localtime(self.sent_at):%Y-%m-%d %H:%M}"
        )


class DailyRun(models.Model):
    """One day's run of a scheduled job, claimed by the first server whose
    timer starts it (tasks/schedule.py): however many servers run the job,
    it runs once a day."""

    class Job(models.TextChoices):
        SEND_REMINDERS = "send_reminders", _("每日催报（send_reminders）")

    job = models.CharField(_("任务"), max_length=40, choices=Job.choices)
    day = models.DateField(_("日期"))
    claimed_by = models.CharField(_("执行者"), max_length=200, help_text=_("服务器名和进程号。"))
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("每日任务运行记录")
        verbose_name_plural = _("每日任务运行记录")
        ordering = ["-day", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="daily_run_once_per_job_and_day")]

    def __str__(self):
        return f"{self.get_job_display()} {self.day:%Y-%m-%d}"


class Notification(models.Model):
    """A message in one user's 站内消息; tasks/notifications.py decides who gets which."""

    class Kind(models.TextChoices):
        RETURNED = "returned", _("填报被退回")
        APPROVED = "approved", _("填报审核通过")
        REOPENED = "reopened", _("填报被重新打开")
        CHASED = "chased", _("催报")
        PERIOD_OPENED = "period_opened", _("填报周期开放")
        LATE_OPENED = "late_opened", _("开放补报")
        DUE_SOON = "due_soon", _("截止提醒")
        PLAN_LOADED = "plan_loaded", _("新方案已载入")

    # Kinds a user receives at most once per period.
    ONCE_PER_PERIOD = (Kind.PERIOD_OPENED, Kind.DUE_SOON)

    user = models.ForeignKey(
        "auth.User", verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300)
    # The plan it is about: 待办 lists a plan's messages only, and its links open that plan.
    plan = models.ForeignKey(
        Plan, verbose_name=_("行动方案"), on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    period = models.ForeignKey(
        Period, verbose_name=_("填报周期"), on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    report = models.ForeignKey(
        Report, verbose_name=_("填报"), on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period", "kind"],
                condition=models.Q(kind__in=["period_opened", "due_soon"]),
                name="notification_once_per_user_and_period",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tasks:notification_open", args=[self.pk])


class NotificationSettings(models.Model):
    """A user's choice of channels; without a row, email is on."""

    user = models.OneToOneField(
        "auth.User", verbose_name=_("用户"), on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_enabled = models.BooleanField(
        _("同时发送邮件"), default=True, help_text=_("关闭后只在系统内收到消息，不再收到邮件（含催报邮件）。")
    )

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self):
        return str(self.user)


class Indicator(models.Model):
    """A measurable goal of the plan (二、主要目标): baseline, target and yearly actuals.

    Whether it is reached is decided in tasks/indicators.py.
    """

    class TargetKind(models.TextChoices):
        ABSOLUTE = "absolute", _("达到目标值")
        OVER_BASELINE = "over_baseline", _("较基期增长百分比")
        ANNUAL_GROWTH = "annual_growth", _("每年增长率不低于")

    plan = models.ForeignKey(Plan, verbose_name=_("行动方案"), on_delete=models.CASCADE, related_name="indicators")
    number = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("指标名称"), max_length=100)
    goal_text = models.CharField(_("原文表述"), max_length=200, blank=True)
    measure_unit = models.CharField(_("计量单位"), max_length=20)
    baseline_year = models.PositiveSmallIntegerField(_("基期年份"), null=True, blank=True)
    baseline_value = models.DecimalField(
        _("基期值"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("留空时取基期年份经审核的实际值。"),
    )
    target_kind = models.CharField(_("目标类型"), max_length=20, choices=TargetKind.choices)
    target_value = models.DecimalField(
        _("目标值"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "达到目标值：目标年份应达到的数值；增长类：百分比（如 40 表示 40%）。原文为“若干”“一批”的，由管理员设定。"
        ),
    )
    target_year = models.PositiveSmallIntegerField(_("目标年份"))
    target_note = models.CharField(_("目标说明"), max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("其联络员填报实际值。"),
    )
    data_unit = models.ForeignKey(
        Unit,
        verbose_name=_("数据提供单位"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("目标指标")
        verbose_name_plural = _("目标指标")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="indicator_number_unique_per_plan"),
            models.CheckConstraint(
                condition=models.Q(target_value__isnull=True) | models.Q(target_value__gte=0),
                name="indicator_target_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_year__isnull=True) | models.Q(baseline_year__lt=models.F("target_year")),
                name="indicator_baseline_before_target",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tasks:indicator_detail", args=[self.pk])

    @property
    def first_year(self):
        """The first year a value may be entered for: the baseline year, else the plan's first."""
        return self.baseline_year or self.plan.start_date.year

    @property
    def years(self):
        return list(range(self.first_year, self.target_year + 1))


class IndicatorValue(ReviewedItem):
    """One year's actual value of an indicator, entered and reviewed like a report."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("目标指标"), on_delete=models.CASCADE, related_name="values"
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    value = models.DecimalField(_("实际值"), max_digits=16, decimal_places=2)
    source = models.CharField(_("数据来源"), max_length=200)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("指标实际值")
        verbose_name_plural = _("指标实际值")
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="indicator_value_once_per_year"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="indicator_value_not_negative"),
        ]

    def __str__(self):
        return f"{self.indicator.name} {self.year}年"

    def get_absolute_url(self):
        return reverse("tasks:indicator_detail", args=[self.indicator_id])

    @property
    def review_comment_label(self):
        """The coordinator's comment as both sides name it (see Report.review_comment_label)."""
        return _("审核意见") if self.state == self.State.APPROVED else _("退回意见")


class IndicatorEvent(ReviewEvent):
    """One entry of an indicator's timeline; never edited once written."""

    value = models.ForeignKey(
        IndicatorValue, verbose_name=_("指标实际值"), on_delete=models.CASCADE, related_name="events"
    )

    class Meta(ReviewEvent.Meta):
        verbose_name = _("指标填报记录")
        verbose_name_plural = _("指标填报记录")


def indicator_evidence_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/indicators/{instance.value.indicator_id}/{uuid.uuid4().hex}.{extension}"


class IndicatorEvidence(ReviewEvidence):
    value = models.ForeignKey(
        IndicatorValue, verbose_name=_("指标实际值"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=indicator_evidence_path, max_length=200)

    class Meta(ReviewEvidence.Meta):
        verbose_name = _("指标佐证材料")
        verbose_name_plural = _("指标佐证材料")

    def get_absolute_url(self):
        return reverse("tasks:indicator_evidence", args=[self.pk])
