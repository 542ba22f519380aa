"""Who may see and do what on the plan pages: views, templates and commands ask here.

The roles and their permissions are the table in departments/roles.py. This
module combines them with the units a user is staff of (Membership): may the
user review, see every unit, see a unit's drafts and evidence files, export or
import which rows of the 台账; and the decorators that guard the views.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied

from departments import roles
from departments.models import Unit
from tasks import obligations
from tasks.models import Notification, Plan, ReportEvent


def can_review(user):
    return user.is_authenticated and user.has_perm(roles.REVIEW_REPORTS)


def can_see_everything(user):
    return user.is_authenticated and user.has_perm(roles.SEE_ALL_PROGRESS)


def user_units(user):
    """The units the user is staff of, cached on the user. One query."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_tracker_units"):
        user._tracker_units = list(Unit.objects.for_user(user))
    return user._tracker_units


def is_unit_staff_only(user):
    """Unit staff with no role besides: their home page is their 待办."""
    return bool(user_units(user)) and not can_see_everything(user) and not can_review(user)


def can_edit_contacts(user, unit):
    """A unit's liaison phones: its own staff, and admins (who also have Django admin)."""
    return user.has_perm(CHANGE_CONTACTS) or any(u.pk == unit.pk for u in user_units(user))


CHANGE_CONTACTS = "departments.change_membership"


def can_view_accounts(user):
    """管理员 and 安全管理员 open a liaison's account in Django admin from the unit page."""
    return user.is_staff and user.has_perm("auth.view_user")


def readable_plans(user):
    """The plans whose pages the user may read, as a queryset: every plan for
    those who see every unit; for everyone else the bundled plan
    (DEFAULT_PLAN_DOC_NUMBER), which all staff read, and the plans in which
    their units owe reports. One query when evaluated."""
    if can_see_everything(user):
        return Plan.objects.all()
    bundled = Plan.objects.filter(doc_number=settings.DEFAULT_PLAN_DOC_NUMBER)
    units = user_units(user)
    return bundled | Plan.objects.filter(pk__in=obligations.plan_ids(units)) if units else bundled


def can_read_plan(user, plan):
    """Whether the user may read `plan`'s pages (see readable_plans). A query
    only for unit staff looking at a plan other than the bundled one."""
    if can_see_everything(user) or plan.doc_number == settings.DEFAULT_PLAN_DOC_NUMBER:
        return True
    return readable_plans(user).filter(pk=plan.pk).exists()


def default_plan(user):
    """The plan shown when the user has chosen none: Plan.objects.default()
    (the bundled plan, else the latest); for unit staff, among the plans their
    units owe reports in when there are any, so the staff of a unit that only
    a newer plan lists land on that plan. One or two queries."""
    units = [] if can_see_everything(user) else user_units(user)
    own = Plan.objects.filter(pk__in=obligations.plan_ids(units)).default() if units else None
    return own or Plan.objects.default()


def can_see_private(user, unit_id):
    """A unit's drafts and evidence files are its own business: only its staff
    and those who see every unit see them."""
    return can_see_everything(user) or any(unit.pk == unit_id for unit in user_units(user))


def visible_timeline(user, events):
    """The timeline events the user may see: a draft stays private to its unit until submitted."""
    return [
        event
        for event in events
        if event.action != ReportEvent.Action.DRAFT_SAVED or can_see_private(user, event.report.unit_id)
    ]


def visible_evidence(user, evidence):
    """The evidence files (report and unit loaded) the user may see and download."""
    return [item for item in evidence if can_see_private(user, item.report.unit_id)]


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


# View decorators. Each requires a login; non_auditor_login_required goes
# outermost, so an auditor is told why whatever the page.


def non_auditor_login_required(view):
    """Login required, and 403 for auditors: every plan page."""
    return roles.check_required(lambda user: not roles.is_auditor_only(user), "审计员只能查看审计日志。")(view)


def review_required(view):
    """Coordinators only: review, reporting periods."""
    return roles.check_required(can_review, "只有协调人可以执行此操作。")(view)


def can_load_plans(user):
    """Admins (staff with the plan permissions) load plans from task tables."""
    return user.is_authenticated and user.is_staff and user.has_perms(roles.LOAD_PLANS)


def nav_context(request):
    """Role flags for the navigation bar, computed once per request:
    django-tables2's {% render_table %} renders its template with a new
    RequestContext, which runs the context processors again."""
    if not request.user.is_authenticated:
        return {}
    cached = getattr(request, "_nav_context", None)
    if cached is None:
        cached = request._nav_context = _nav_flags(request.user)
    return cached


def _nav_flags(user):
    auditor_only = roles.is_auditor_only(user)
    plans = []
    if not auditor_only:
        # The plan selector: shown when the user may read more than one plan.
        plans = list(
            readable_plans(user).order_by("-start_date", "doc_number").values_list("pk", "title", "doc_number")
        )
    return {
        # One indexed count per page: the unread badge of 消息.
        "nav_unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "nav_plans": plans if len(plans) > 1 else [],
        "nav_can_review": can_review(user),
        "nav_can_see_everything": can_see_everything(user),
        "nav_is_unit_staff": bool(user_units(user)),
        "nav_home_is_todo": is_unit_staff_only(user),
        "nav_reads_audit_trail": roles.reads_audit_trail(user),
        "nav_is_auditor_only": auditor_only,
        "nav_can_unlock": roles.can_unlock(user),
        "nav_can_load_plans": can_load_plans(user),
    }
