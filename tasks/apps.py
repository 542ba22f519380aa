from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("行动方案")

    def ready(self):
        from security import audit, tracking

        from .models import Assignment, Measure, Period, Plan, Task

        # Every change to the plan's data and the periods, by admin, page or
        # shell, is one before → after audit record (security/tracking.py).
        # Reports are recorded by tasks/workflow.py; load_plan writes one summary.
        plan_fields = ["title", "doc_number", "issuer", "start_date", "end_date", "goals", "safeguards", "lead_note"]
        tracking.track(Plan, audit.Kind.PLAN_CHANGED, fields=plan_fields)
        tracking.track(Task, audit.Kind.PLAN_CHANGED, fields=["plan", "number", "title", "narrative", "departments"])
        tracking.track(
            Measure, audit.Kind.PLAN_CHANGED, fields=["task", "number", "text", "due_date", "each_lead_own_part"]
        )
        tracking.track(
            Assignment, audit.Kind.PLAN_CHANGED, fields=["measure", "unit", "position", "role", "printed_name"]
        )
        tracking.track(
            Period,
            audit.Kind.PERIOD_CHANGED,
            fields=["plan", "name", "kind", "start_date", "end_date", "due_date", "is_closed"],
        )
