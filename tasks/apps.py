from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _editable_fields(model):
    """Every field of `model` a person sets: a field added later is tracked too."""
    return [f.name for f in model._meta.concrete_fields if f.editable and not f.primary_key]


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("行动方案")

    def ready(self):
        from django.db.models.signals import pre_save

        from departments.admin import CollectiveMembershipInline
        from jiading_ads.text import clean_model_text
        from security import audit, tracking
        from tasks.models import Assignment, Indicator, Measure, Period, Plan, Task
        from tasks.obligations import default_owed_from

        # Stored text never holds what a Word document or a workbook cannot
        # (control characters), whoever writes it: a page, the admin, the import.
        for model in self.get_models():
            pre_save.connect(clean_model_text, sender=model, dispatch_uid=f"tasks.clean_text.{model._meta.label}")

        # A member added in the admin owes from the next period by default.
        CollectiveMembershipInline.owed_from_default = staticmethod(default_owed_from)

        # Every change to the plan's data and the periods, by admin, page or
        # shell, is one before → after audit record (security/tracking.py).
        # Reports and indicator values are recorded by tasks/workflow.py and
        # tasks/indicators.py; load_plan writes one summary.
        for model in (Plan, Task, Measure, Assignment):
            tracking.track(model, audit.Kind.PLAN_CHANGED, fields=_editable_fields(model))
        tracking.track(Period, audit.Kind.PERIOD_CHANGED, fields=_editable_fields(Period))
        # An admin's change of a target or baseline ("若干" set to a number) is
        # one 指标变更 record; the yearly values are recorded by tasks/indicators.py.
        tracking.track(Indicator, audit.Kind.INDICATOR_CHANGED, fields=_editable_fields(Indicator))
