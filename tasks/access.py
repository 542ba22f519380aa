"""Who may do what. Views, the admin and the commands all ask here."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

from departments import roles
from departments.models import Unit

REVIEW = "tasks.review_report"
SEE_ALL = "tasks.view_all_progress"

GROUP_PERMISSIONS = {
    roles.COORDINATOR: [
        "tasks.review_report",
        "tasks.view_all_progress",
        "tasks.add_period",
        "tasks.change_period",
        "tasks.view_period",
    ],
    roles.VIEWER: ["tasks.view_all_progress"],
    roles.AUDITOR: [],
    roles.ADMIN: [
        "tasks.view_all_progress",
        "tasks.view_plan",
        "tasks.change_plan",
        "tasks.view_task",
        "tasks.change_task",
        "tasks.view_measure",
        "tasks.change_measure",
        "tasks.view_assignment",
        "tasks.change_assignment",
        "departments.view_unit",
        "departments.add_unit",
        "departments.change_unit",
        "departments.view_unitalias",
        "departments.add_unitalias",
        "departments.change_unitalias",
        "departments.delete_unitalias",
        "departments.view_membership",
        "departments.add_membership",
        "departments.change_membership",
        "departments.delete_membership",
        "auth.view_user",
    ],
    # Accounts, roles and lockouts; no plan data (三员分立, security/duties.py).
    roles.SECURITY_ADMIN: [
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.view_accessfailurelog",
        "axes.view_accesslog",
    ],
}


def ensure_roles(**kwargs):
    """Create the role groups and grant their permissions (post_migrate)."""
    for name, codes in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.add(*wanted)


def is_auditor_only(user):
    """An auditor reads the audit trail and nothing else (separation of duties)."""
    if not user.is_authenticated or user.is_superuser:
        return False
    names = _group_names(user)
    return roles.AUDITOR in names and not (names - {roles.AUDITOR}) and not user_units(user)


def _group_names(user):
    if not hasattr(user, "_tracker_groups"):
        user._tracker_groups = set(user.groups.values_list("name", flat=True))
    return user._tracker_groups


def reader_required(view):
    """Login required, and no plan pages for auditors."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if is_auditor_only(request.user):
            raise PermissionDenied("审计员只能查看审计日志。")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def can_review(user):
    return user.is_authenticated and user.has_perm(REVIEW)


def can_see_everything(user):
    return user.is_authenticated and user.has_perm(SEE_ALL)


def user_units(user):
    """The units the user is staff of, cached on the user. One query."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_tracker_units"):
        user._tracker_units = list(Unit.objects.for_user(user))
    return user._tracker_units


def status_sheet_units(user, *, importing=False):
    """Whose 台账 rows the user may export, or import: None for every unit
    (coordinators, and for export also viewers and admins), else the ids of
    the user's own units. 403 for anyone else."""
    if can_review(user) if importing else can_see_everything(user):
        return None
    units = user_units(user)
    if not units:
        if importing:
            raise PermissionDenied("只有协调人和责任单位联络员可以导入台账。")
        raise PermissionDenied("您没有导出台账的权限。")
    return frozenset(u.pk for u in units)


def require_review(user):
    if not can_review(user):
        raise PermissionDenied("只有协调人可以执行此操作。")


def nav_context(request):
    """Role flags for the navigation bar."""
    user = request.user
    if not user.is_authenticated:
        return {}
    groups = _group_names(user)
    plans = []
    if can_see_everything(user):
        from .models import Plan

        plans = list(Plan.objects.order_by("-start_date", "doc_number").values_list("pk", "title", "doc_number"))
    return {
        "nav_plans": plans if len(plans) > 1 else [],
        "nav_can_review": can_review(user),
        "nav_can_see_everything": can_see_everything(user),
        "nav_is_unit_staff": bool(user_units(user)),
        "nav_is_auditor": roles.AUDITOR in groups,
        "nav_is_auditor_only": is_auditor_only(user),
        "nav_can_unlock": user.is_superuser or roles.SECURITY_ADMIN in groups,
    }
