"""The roles of the tracker, as Django groups, and the checks views call.

Unit staff are not a group: a user is staff of the units they hold a
Membership of. The other roles are groups created by a data migration.
"""

from django.utils.translation import gettext_lazy as _

COORDINATOR = "协调人"
VIEWER = "查看"
AUDITOR = "审计员"
ADMIN = "管理员"

GROUP_LABELS = {
    COORDINATOR: _("协调人：查看全部、审核填报、导出台账"),
    VIEWER: _("查看：只读"),
    AUDITOR: _("审计员：只读审计日志"),
    ADMIN: _("管理员：后台管理"),
}


def _in_group(user, name):
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_group_names", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._group_names = cache
    return name in cache


def is_coordinator(user):
    return user.is_authenticated and (user.is_superuser or _in_group(user, COORDINATOR))


def is_viewer(user):
    return _in_group(user, VIEWER)


def is_auditor(user):
    return _in_group(user, AUDITOR)


def can_see_everything(user):
    """Coordinators, viewers and admins read every unit's reports."""
    return is_coordinator(user) or is_viewer(user) or _in_group(user, ADMIN)
