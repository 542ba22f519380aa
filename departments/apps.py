from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("责任单位")

    def ready(self):
        from .roles import grant_permissions, name_permissions_in_chinese

        # Sent for every app, after its permissions are created: see grant_permissions.
        post_migrate.connect(grant_permissions, dispatch_uid="departments.roles.grant_permissions")
        post_migrate.connect(name_permissions_in_chinese, dispatch_uid="departments.roles.name_permissions")
