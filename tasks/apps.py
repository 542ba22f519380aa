from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("行动方案")

    def ready(self):
        from departments.admin import CollectiveMembershipInline

        from .obligations import default_owed_from

        # A member added in the admin owes from the next period by default.
        CollectiveMembershipInline.owed_from_default = staticmethod(default_owed_from)
