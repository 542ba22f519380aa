"""Audit receivers for events Django and django-axes signal on their own."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from departments.models import CollectiveMembership, Membership, Unit, UnitAlias

from . import audit, policy, tracking
from .middleware import SESSION_EPOCH
from .models import AccountSecurity, AuditEvent

User = get_user_model()


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    # Stamp the session now, so "log out everywhere" also ends a session
    # that has logged in but not opened a page yet.
    state = policy.account_security(user)
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_EPOCH] = state.session_epoch
    audit.record(audit.Kind.LOGIN, user=user, request=request)
    if state.notice and request is not None:
        # A reset of this account's password or second factor (security/keys.py): told once.
        messages.warning(request, state.notice, fail_silently=True)
        AccountSecurity.objects.filter(pk=state.pk).update(notice="")
        state.notice = ""


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.Kind.LOGOUT, user=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    # django-axes has already counted this attempt; more failures than the
    # limit means the account or address was locked before it.
    locked = getattr(request, "axes_failures_since_start", 0) > settings.AXES_FAILURE_LIMIT
    audit.record(
        audit.Kind.LOGIN_FAILED,
        result=audit.Result.DENIED if locked else audit.Result.FAILURE,
        username=username,
        request=request,
        detail="账号或地址已锁定" if locked else "用户名或密码错误",
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    # django-axes signals again on every failure during a lockout; one
    # record per lockout period is what an assessor wants to see.
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AuditEvent.objects.filter(kind=audit.Kind.LOCKOUT, at__gte=since)
    # An address already locked out is not locked again by each new username tried from it.
    if recent.filter(Q(username=username or "", ip_address=ip_address) | Q(ip_address=ip_address)).exists():
        return
    audit.record(
        audit.Kind.LOCKOUT,
        result=audit.Result.DENIED,
        username=username or "",
        request=request,
        detail=f"连续 {settings.AXES_FAILURE_LIMIT} 次登录失败，锁定 {int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} 分钟",
    )


@receiver(pre_save, sender=User)
def remember_account_flags(sender, instance, update_fields=None, **kwargs):
    """Keep the stored password hash and flags so post_save can tell what changed."""
    if instance.pk is None or (
        update_fields is not None and not {"password", "is_superuser", "is_staff", "is_active"} & set(update_fields)
    ):
        instance._audit_before = None
        return
    instance._audit_before = (
        User.objects.filter(pk=instance.pk).values("password", "is_superuser", "is_staff", "is_active").first()
    )


@receiver(post_save, sender=User)
def audit_account_changes(sender, instance, created, **kwargs):
    before = getattr(instance, "_audit_before", None)
    if created or not before:
        return
    if before["password"] != instance.password:
        policy.remember_password(instance, before["password"])
    if before["password"] != instance.password and not getattr(instance, "_password_reset_by_admin", False):
        policy.mark_password_changed(instance)
        audit.record(audit.Kind.PASSWORD_CHANGED, obj=instance, detail=f"账号 {instance.username} 的密码已修改")
    changed = [
        f"{label}：{'是' if before[field] else '否'} → {'是' if getattr(instance, field) else '否'}"
        for field, label in [("is_superuser", "超级用户"), ("is_staff", "后台权限"), ("is_active", "启用")]
        if before[field] != getattr(instance, field)
    ]
    if changed:
        audit.record(audit.Kind.ROLE_CHANGED, obj=instance, detail="；".join(changed))


def _role_names(user):
    return sorted(Group.objects.filter(user=user).values_list("name", flat=True))


def _shown(names):
    return "、".join(sorted(names)) or "无"


@receiver(m2m_changed, sender=User.groups.through)
def audit_group_changes(sender, instance, action, reverse, pk_set, **kwargs):
    """One record per account whose roles change: 角色：before → after."""
    if action.startswith("pre_"):
        users = [instance] if not reverse else list(_users_of_change(instance, action, pk_set))
        instance._roles_before = {user.pk: _role_names(user) for user in users}
        return
    stash = getattr(instance, "_roles_before", None) or {}
    instance._roles_before = None
    users = [instance] if not reverse else list(User.objects.filter(pk__in=stash))
    for user in users:
        before, after = stash.get(user.pk, []), _role_names(user)
        if before != after:
            audit.record(audit.Kind.ROLE_CHANGED, obj=user, detail=f"角色：{_shown(before)} → {_shown(after)}")


def _users_of_change(group, action, pk_set):
    if action == "pre_clear":
        return group.user_set.all()
    return User.objects.filter(pk__in=pk_set or [])


@receiver(m2m_changed, sender=User.user_permissions.through)
def audit_direct_permission_changes(sender, instance, action, reverse, pk_set, **kwargs):
    """Direct permissions can only be taken away now (security/duties.py); each removal says what remains."""
    if action.startswith("pre_") or reverse:
        return
    after = "、".join(sorted(instance.user_permissions.values_list("name", flat=True))) or "无"
    removed = "、".join(sorted(Permission.objects.filter(pk__in=pk_set or []).values_list("name", flat=True)))
    verb = {"post_add": "授予", "post_remove": "收回", "post_clear": "清空"}[action]
    audit.record(
        audit.Kind.ROLE_CHANGED, obj=instance, detail=f"直接权限{verb}：{removed or '全部'}；现有直接权限：{after}"
    )


@receiver(pre_save, sender=AccountSecurity)
def two_factor_exemption_only_in_development(sender, instance, **kwargs):
    """The demo accounts' exemption cannot be set on a production system."""
    if instance.two_factor_exempt and not settings.DEBUG:
        raise PermissionDenied("免动态口令只用于演示账号，且只能在开发环境（DEBUG）中设置。")


class AccountDeletionRefused(PermissionDenied):
    pass


@receiver(pre_delete, sender=User)
def refuse_account_deletion(sender, instance, **kwargs):
    """Accounts are deactivated, never deleted, by any path that goes through
    the ORM. No record here: the deletion's transaction rolls back with it;
    a person's attempt through admin is a 403, which is recorded."""
    raise AccountDeletionRefused("账号只能停用，不能删除。")


def _unit_names(user_id):
    return _shown(Unit.objects.filter(memberships__user_id=user_id).values_list("name", flat=True))


@receiver(pre_delete, sender=Membership)
def remember_units_before_removal(sender, instance, **kwargs):
    instance._units_before = _unit_names(instance.user_id)


@receiver(pre_save, sender=Membership)
def remember_units_before_adding(sender, instance, raw=False, **kwargs):
    instance._units_before = None if raw or instance.pk else _unit_names(instance.user_id)


@receiver(post_save, sender=Membership)
def audit_membership_saved(sender, instance, created, raw=False, **kwargs):
    # Later changes (the liaison's phones, a move to another unit) are
    # recorded field by field by the tracking below.
    if created and not raw:
        audit.record(
            audit.Kind.MEMBERSHIP_CHANGED,
            obj=instance,
            detail=f"{instance.user} 加入单位“{instance.unit}”；所属单位：{instance._units_before} → {_unit_names(instance.user_id)}",
        )


@receiver(post_delete, sender=Membership)
def audit_membership_deleted(sender, instance, **kwargs):
    before = getattr(instance, "_units_before", None) or "？"
    audit.record(
        audit.Kind.MEMBERSHIP_CHANGED,
        obj=instance,
        detail=f"{instance.user} 移出单位“{instance.unit}”；所属单位：{before} → {_unit_names(instance.user_id)}",
    )


# Before → after records of what admins maintain (security/tracking.py). The
# plan's own models register in tasks/apps.py. Account creation, role flags,
# passwords and membership creation and removal are recorded above.
tracking.track(
    User, audit.Kind.ACCOUNT_CHANGED, fields=["username", "first_name", "last_name", "email"], on_create=False
)
tracking.track(
    Membership,
    audit.Kind.MEMBERSHIP_CHANGED,
    fields=["user", "unit", "office_phone", "mobile"],
    on_create=False,
    on_delete=False,
)
tracking.track(Unit, audit.Kind.UNIT_CHANGED, fields=["name", "kind", "sort_order"])
tracking.track(UnitAlias, audit.Kind.UNIT_CHANGED, fields=["unit", "name"])
tracking.track(CollectiveMembership, audit.Kind.UNIT_CHANGED, fields=["collective", "member", "owed_from"])
tracking.track_members(Unit.members, audit.Kind.UNIT_CHANGED)
tracking.track_members(Group.permissions, audit.Kind.ROLE_CHANGED, describe=lambda permission: permission.name)
# A role's name is its label (departments.models.Role holds its identity): a rename is recorded.
tracking.track(Group, audit.Kind.ROLE_CHANGED, fields=["name"], on_create=False, on_delete=False)
