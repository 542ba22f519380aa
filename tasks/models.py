from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from departments.models import Unit


class Plan(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=50, unique=True)
    issuer = models.CharField(_("发文机关"), max_length=100)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    goals = models.TextField(_("主要目标"), blank=True)
    safeguards = models.TextField(_("保障措施"), blank=True)
    lead_note = models.TextField(
        _("备注"), blank=True, help_text=_("任务分工表的备注，说明牵头单位的确定规则。")
    )

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


class Task(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name=_("行动方案"), on_delete=models.CASCADE, related_name="tasks"
    )
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


class MeasureQuerySet(models.QuerySet):
    def in_document_order(self):
        return self.order_by("task__plan_id", "task__number", "number")

    def with_assignments(self):
        """Prefetch units in document order: two extra queries in all."""
        return self.prefetch_related(
            models.Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("unit").order_by("position"),
            )
        )


class Measure(models.Model):
    task = models.ForeignKey(
        Task, verbose_name=_("工作任务"), on_delete=models.CASCADE, related_name="measures"
    )
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
    unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    position = models.PositiveSmallIntegerField(_("排列位置"), help_text=_("在原文中的次序，从 1 开始。"))
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    printed_name = models.CharField(_("原文名称"), max_length=100)

    class Meta:
        verbose_name = _("责任分工")
        verbose_name_plural = _("责任分工")
        ordering = ["measure", "position"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "unit"], name="assignment_unit_once_per_measure"),
            models.UniqueConstraint(
                fields=["measure", "position"], name="assignment_position_once_per_measure"
            ),
        ]

    def __str__(self):
        return f"{self.measure.code} {self.printed_name}（{self.get_role_display()}）"

    @property
    def is_lead(self):
        return self.role == self.Role.LEAD
