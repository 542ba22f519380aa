from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("安全与审计")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import duties, retention, signals  # noqa: F401  (connects the receivers)

        connection_created.connect(retention.register_sqlite_function, dispatch_uid="security.audit_unlock")
