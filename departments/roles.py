"""The tracker's roles and what each may do: the one table of permissions.

A role is a Django group with a stable key (`departments.models.Role`): the
rules read the key, never the group's name, which is only a label the
break-glass superuser may edit. After every migrate, `grant_permissions`
creates the roles and grants each the permissions of `PERMISSIONS`, so no one
sets them up by hand and a role's rights change here and nowhere else. Code
checks the permissions (user.has_perm, through the helpers in
tasks/access.py) for what a role does, and the role's key for who holds the
keys of the system (三员分立: the audit trail, accounts, lockouts).

Unit staff are not a role: a user is staff of the units they hold a
Membership of, and may report on those units' obligations (tasks/access.py).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Value

from .models import Role, Unit

COORDINATOR = Role.Key.COORDINATOR
VIEWER = Role.Key.VIEWER
AUDITOR = Role.Key.AUDITOR
ADMIN = Role.Key.ADMIN
SECURITY_ADMIN = Role.Key.SECURITY_ADMIN
# Not a role: the two-factor setting's name for staff of a unit (Membership).
UNIT_STAFF = "unit_staff"

# 三员分立: system administration, security administration (accounts, roles,
# lockouts) and audit are held by three different accounts, none of which
# holds a business role or a unit membership (security/duties.py enforces it).
SEPARATED = (ADMIN, SECURITY_ADMIN, AUDITOR)
BUSINESS = (COORDINATOR, VIEWER)

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
    """Create the roles and grant them their permissions (post_migrate).

    Runs after each app's migrate: an app's permissions exist only once its
    own post_migrate has run, so each run grants those that exist by then.
    Permissions are only added, never taken away from a role. A role is
    found by its key; a new one takes its label as its group's name.
    """
    wanted = {code for codes in PERMISSIONS.values() for code in codes}
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(
            codename__in={code.split(".", 1)[1] for code in wanted}
        ).values_list("pk", "content_type__app_label", "codename")
    }
    for key, codes in PERMISSIONS.items():
        group(key).permissions.add(*[found[code] for code in codes if code in found])


ACTIONS = {"add": "添加", "change": "修改", "delete": "删除", "view": "查看"}


def name_permissions_in_chinese(**kwargs):
    """Django names the permissions it creates in English ("Can add log
    entry") and stores the name; after every migrate each such name becomes
    Chinese ("可添加日志记录"), which is what admin and the audit trail show."""
    from django.utils import translation

    with translation.override("zh-hans"):
        for permission in Permission.objects.filter(name__startswith="Can ").select_related("content_type"):
            action, _, model_name = permission.codename.partition("_")
            model = permission.content_type.model_class()
            if action not in ACTIONS or model is None or model._meta.model_name != model_name:
                continue
            # Through the catalogue: a library's plain-string verbose_name (django-otp's) is translated there.
            name = f"可{ACTIONS[action]}{translation.gettext(str(model._meta.verbose_name))}"[:255]
            Permission.objects.filter(pk=permission.pk).update(name=name)


def group(key):
    """The group of the role `key`, created (named by its label) the first time."""
    role = Role.objects.select_related("group").filter(key=key).first()
    if role is not None:
        return role.group
    name = str(Role.Key(key).label)
    # A group of that name that is not a role yet (made by hand before
    # roles had keys) becomes the role, with its members.
    existing, _ = Group.objects.get_or_create(name=name)
    Role.objects.create(key=key, group=existing)
    return existing


def label(key):
    """The role's name as people read it (its group's current name)."""
    role = Role.objects.select_related("group").filter(key=key).first()
    return role.group.name if role is not None else str(Role.Key(key).label)


def find(name_or_key):
    """The role key for a key or a name (the group's or the default label), or None."""
    if name_or_key in Role.Key.values:
        return name_or_key
    for key, default in Role.Key.choices:
        if name_or_key == str(default):
            return key
    role = Role.objects.filter(group__name=name_or_key).first()
    return role.key if role is not None else None


def keys_of(user):
    """The role keys the user holds, read fresh. One query."""
    if not user.pk:
        return set()
    return set(Role.objects.filter(group__user=user).values_list("key", flat=True))


def held_roles(user):
    """The role keys the user holds, cached on the user for the request. One query the first time."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_keys", None)
    if cached is None:
        cached = user._role_keys = frozenset(keys_of(user))
    return cached


def has_role(user, key):
    return key in held_roles(user)


def reads_audit_trail(user):
    """Whether the user may read the audit trail: through the 审计员 role only.

    Not a permission check: a permission can reach an account by other ways
    than the role (a superuser holds every one), and administrators must not
    read the trail of their own actions (等保 2.0 separation of duties).
    """
    # The permission first: it is cached with the others a page asks for, so
    # only those holding it pay the query that reads their roles.
    return (
        user.is_authenticated
        and user.is_active
        and not user.is_superuser
        and user.has_perm(READ_AUDIT_TRAIL)
        and has_role(user, AUDITOR)
    )


def is_auditor_only(user):
    """An auditor who holds no other role and is no unit's staff: such a user
    reads the audit trail and nothing else (security/duties.py lets an
    auditor hold nothing else). At most one query beyond the roles, for auditors only."""
    if not reads_audit_trail(user):
        return False
    return held_roles(user) == {AUDITOR} and not Unit.objects.for_user(user).exists()


def is_security_admin(user):
    """Whether the user holds the 安全管理员 role. One query (cached).

    三员分立 is about which role an account holds, so this asks the role, not
    a permission: the break-glass superuser holds every permission, yet
    assigns no roles, lifts no lockouts and resets no one's second factor."""
    return bool(user.pk) and user.is_active and not user.is_superuser and has_role(user, SECURITY_ADMIN)


def can_unlock(user):
    """Whether the user may lift a login lockout: the 安全管理员 role (never the superuser)."""
    return user.is_authenticated and user.has_perm(UNLOCK_ACCOUNTS) and is_security_admin(user)


def role_names(user):
    """What the account is, as people read it in the audit trail: its roles'
    names, 单位联络员（单位） for unit staff, 应急超级用户 for the break-glass
    account. One query."""
    if user is None or not user.pk:
        return ""
    held = Group.objects.filter(user=user).order_by().annotate(what=Value("role")).values_list("what", "name")
    units = (
        Unit.objects.filter(memberships__user=user).order_by().annotate(what=Value("unit")).values_list("what", "name")
    )
    rows = list(held.union(units, all=True))
    names = sorted(name for what, name in rows if what == "role")
    if user.is_superuser:
        names.insert(0, "应急超级用户")
    unit_names = sorted(name for what, name in rows if what == "unit")
    if unit_names:
        shown = "、".join(unit_names[:3]) + ("等" if len(unit_names) > 3 else "")
        names.append(f"单位联络员（{shown}）")
    return "、".join(names)


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
