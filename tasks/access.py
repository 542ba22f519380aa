"""Who may do what. Views, the admin and the commands all ask here."""

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
        "auth.add_user",
        "auth.change_user",
    ],
}


def ensure_roles(**kwargs):
    """Create the role groups and grant their permissions (post_migrate)."""
    for name, codes in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.add(*wanted)


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


def require_review(user):
    if not can_review(user):
        raise PermissionDenied("只有协调人可以执行此操作。")


def nav_context(request):
    """Role flags for the navigation bar."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "nav_can_review": can_review(user),
        "nav_can_see_everything": can_see_everything(user),
        "nav_is_unit_staff": bool(user_units(user)),
    }
