"""django-axes under a Chinese name in the admin (it has none of its own).

In a module of its own: a second AppConfig in security/apps.py would leave
Django unable to tell which one configures the security app.
"""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("登录失败与锁定")
