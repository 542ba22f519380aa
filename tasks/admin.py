from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from tasks.models import (
    Assignment,
    DailyRun,
    Evidence,
    Indicator,
    IndicatorEvent,
    IndicatorEvidence,
    IndicatorValue,
    Measure,
    Period,
    Plan,
    ReminderLog,
    Report,
    ReportEvent,
    Task,
)
from tasks.obligations import default_owed_from


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["number", "title", "departments"]
    show_change_link = True


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["number", "text", "due_date", "each_lead_own_part"]
    show_change_link = True


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["position", "unit", "printed_name", "role", "owed_from"]
    ordering = ["position"]
    autocomplete_fields = ["unit"]

    def get_formset(self, request, obj=None, **kwargs):
        # A unit added to a measure owes from the next period unless the admin says otherwise.
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["owed_from"].initial = default_owed_from
        return formset


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "doc_number", "issuer", "start_date", "end_date"]
    search_fields = ["title", "doc_number"]
    inlines = [TaskInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["heading", "plan", "measure_count"]
    list_filter = ["plan"]
    search_fields = ["title", "narrative"]
    list_select_related = ["plan"]
    inlines = [MeasureInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(measure_total=Count("measures"))

    @admin.display(description=_("工作任务"), ordering="number")
    def heading(self, task):
        return task.heading

    @admin.display(description=_("措施数"), ordering="measure_total")
    def measure_count(self, task):
        return task.measure_total


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["__str__", "task", "units", "due_date", "each_lead_own_part"]
    list_filter = ["task__plan", "task", "assignments__unit", "assignments__role", "each_lead_own_part"]
    search_fields = ["text", "task__title", "assignments__unit__name", "assignments__printed_name"]
    list_select_related = ["task"]
    inlines = [AssignmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_assignments()

    @admin.display(description=_("责任单位"))
    def units(self, measure):
        return measure.printed_units()


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["measure", "printed_name", "unit", "role", "position", "owed_from"]
    list_filter = ["role", "unit__kind", "measure__task", "unit"]
    search_fields = ["printed_name", "unit__name", "measure__text"]
    list_select_related = ["measure__task", "unit"]
    autocomplete_fields = ["unit"]


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "comment", "changes"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["original_name", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "kind", "start_date", "end_date", "due_date", "is_closed"]
    list_filter = ["plan", "kind", "is_closed"]
    search_fields = ["name"]
    list_select_related = ["plan"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the application only: shown, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Reports change only through the workflow, so the admin shows them read-only."""

    list_display = ["measure", "unit", "period", "role", "status", "percent", "state", "updated_at"]
    list_filter = ["state", "status", "role", "period", "unit"]
    search_fields = ["measure__text", "unit__name", "progress"]
    list_select_related = ["measure__task", "unit", "period"]
    inlines = [EvidenceInline, ReportEventInline]


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    """催报记录 are written by the chase and send_reminders only: read-only here."""

    list_display = ["sent_at", "unit", "period", "source", "sent_by", "obligation_count", "measures", "recipients"]
    list_filter = ["source", "sent_on", "period"]
    list_select_related = ["unit", "period", "sent_by"]
    search_fields = ["unit__name", "recipients", "measures"]


@admin.register(DailyRun)
class DailyRunAdmin(ReadOnlyAdmin):
    """Which server ran each day's scheduled job, and whether it finished (tasks/schedule.py)."""

    list_display = ["day", "job", "claimed_by", "started_at", "finished_at"]
    list_filter = ["job"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """Targets ("若干", "一批") and baselines are set here; each change is one 指标变更 record (tasks.apps)."""

    list_display = ["number", "name", "plan", "target_kind", "target_value", "target_year", "baseline_year", "unit"]
    list_display_links = ["number", "name"]
    list_filter = ["plan", "target_kind"]
    list_select_related = ["plan", "unit"]
    search_fields = ["name", "goal_text"]
    autocomplete_fields = ["unit", "data_unit"]


class IndicatorEventInline(ReportEventInline):
    model = IndicatorEvent


class IndicatorEvidenceInline(EvidenceInline):
    model = IndicatorEvidence


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReportAdmin):
    """Values change only through the indicators module, so the admin shows them read-only."""

    list_display = ["indicator", "year", "value", "source", "state", "updated_at"]
    list_filter = ["state", "indicator__plan", "indicator"]
    search_fields = ["indicator__name", "source"]
    list_select_related = ["indicator"]
    inlines = [IndicatorEvidenceInline, IndicatorEventInline]
