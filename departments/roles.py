"""The tracker's roles and what each may do: the one table of permissions.

The roles are Django groups. After every migrate, `grant_permissions` creates
them and grants each the permissions of `PERMISSIONS`, so no one sets them up
by hand and a role's rights change here and nowhere else. Code checks the
permissions (user.has_perm, through the helpers in tasks/access.py), never a
group's name.

Unit staff are not a role: a user is staff of the units they hold a
Membership of, and may report on those units' obligations (tasks/access.py).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

from .models import Unit

COORDINATOR = "协调人"
VIEWER = "查看"
AUDITOR = "审计员"
ADMIN = "管理员"
SECURITY_ADMIN = "安全管理员"

# 三员分立: system administration, security administration (accounts, roles,
# lockouts) and audit are held by three different accounts
# (security/duties.py enforces it).
SEPARATED = (ADMIN, SECURITY_ADMIN, AUDITOR)

# The permissions the code checks, by what they allow.
REVIEW_REPORTS = "tasks.review_report"  # review reports, manage reporting periods, import any unit's 台账
SEE_ALL_PROGRESS = "tasks.view_all_progress"  # every unit's progress, drafts and evidence; export any 台账
READ_AUDIT_TRAIL = "security.view_audit_trail"  # /audit/ and its export
UNLOCK_ACCOUNTS = "security.unlock_account"  # /security/lockouts/
# Loading a plan from its task table (/plans/import/, staff only) writes all of these.
LOAD_PLANS = [
    "tasks.add_plan",
    "tasks.change_plan",
    "tasks.add_task",
    "tasks.change_task",
    "tasks.add_measure",
    "tasks.change_measure",
    "tasks.add_assignment",
    "tasks.delete_assignment",
]

PERMISSIONS = {
    COORDINATOR: [
        REVIEW_REPORTS,
        SEE_ALL_PROGRESS,
        "tasks.add_period",
        "tasks.change_period",
        "tasks.view_period",
    ],
    VIEWER: [SEE_ALL_PROGRESS],
    # Separation of duties (等保 2.0): the auditor reads the audit trail and nothing else.
    AUDITOR: [READ_AUDIT_TRAIL],
    # Django admin over the plan and the units; accounts are seen, not managed (三员分立).
    ADMIN: [
        SEE_ALL_PROGRESS,
        *LOAD_PLANS,
        "tasks.view_plan",
        "tasks.view_task",
        "tasks.view_measure",
        "tasks.view_assignment",
        "tasks.change_assignment",
        "tasks.view_reminderlog",
        "tasks.view_indicator",
        "tasks.change_indicator",
        "tasks.view_indicatorvalue",
        "departments.view_unit",
        "departments.add_unit",
        "departments.change_unit",
        "departments.view_unitalias",
        "departments.add_unitalias",
        "departments.change_unitalias",
        "departments.delete_unitalias",
        "departments.view_collectivemembership",
        "departments.add_collectivemembership",
        "departments.change_collectivemembership",
        "departments.delete_collectivemembership",
        "departments.view_membership",
        "departments.add_membership",
        "departments.change_membership",
        "departments.delete_membership",
        "auth.view_user",
        # What the background worker did (mail sent, refused, retried) and the daily runs' claims.
        "django_tasks_database.view_dbtaskresult",
        "tasks.view_dailyrun",
    ],
    # Accounts, roles, lockouts and two-factor resets; no plan data (三员分立, security/duties.py).
    SECURITY_ADMIN: [
        UNLOCK_ACCOUNTS,
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.view_accessfailurelog",
        "axes.view_accesslog",
    ],
}


def grant_permissions(**kwargs):
    """Create the role groups and grant them their permissions (post_migrate).

    Runs after each app's migrate: an app's permissions exist only once its
    own post_migrate has run, so each run grants those that exist by then.
    Permissions are only added, never taken away from a group.
    """
    wanted = {code for codes in PERMISSIONS.values() for code in codes}
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(
            codename__in={code.split(".", 1)[1] for code in wanted}
        ).values_list("pk", "content_type__app_label", "codename")
    }
    for name, codes in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*[found[code] for code in codes if code in found])


def reads_audit_trail(user):
    """Whether the user may read the audit trail.

    Granted through a role only: a superuser holds every permission
    implicitly, and administrators must not read the trail of their own
    actions (等保 2.0 separation of duties).
    """
    return user.is_authenticated and not user.is_superuser and user.has_perm(READ_AUDIT_TRAIL)


def is_auditor_only(user):
    """An auditor who holds no other role and is no unit's staff: such a user
    reads the audit trail and nothing else. At most one query beyond the
    user's permissions, for auditors only."""
    if not reads_audit_trail(user):
        return False
    return user.get_all_permissions() <= set(PERMISSIONS[AUDITOR]) and not Unit.objects.for_user(user).exists()


def is_security_admin(user):
    """Whether the user holds the 安全管理员 role. One query.

    三员分立 is about which role an account holds, so this asks the role, not
    a permission: the break-glass superuser holds every permission, yet
    assigns no roles and resets no one's second factor."""
    return bool(user.pk) and user.groups.filter(name=SECURITY_ADMIN).exists()


def can_unlock(user):
    """Whether the user may lift a login lockout."""
    return user.is_authenticated and user.has_perm(UNLOCK_ACCOUNTS)


def check_required(check, message):
    """A view decorator: login required, then 403 with `message` unless check(user)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
