from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("责任单位")

    def ready(self):
        from django.db.models.signals import pre_save

        from jiading_ads.text import clean_model_text

        from .roles import grant_permissions, name_permissions_in_chinese

        # Names and phones never hold what a document cannot (jiading_ads/text.py).
        for model in self.get_models():
            pre_save.connect(clean_model_text, sender=model, dispatch_uid=f"departments.clean_text.{model._meta.label}")

        # Sent for every app, after its permissions are created: see grant_permissions.
        post_migrate.connect(grant_permissions, dispatch_uid="departments.roles.grant_permissions")
        post_migrate.connect(name_permissions_in_chinese, dispatch_uid="departments.roles.name_permissions")
