"""三员分立 (separation of duties), enforced on the models, not only in forms.

What an account may hold is read from its roles' stable keys
(departments.models.Role), never from a role's editable name:

- 管理员, 安全管理员 and 审计员 are mutually exclusive for one account; none
  of them is combined with a business role (协调人, 查看) or a unit
  membership; 审计员 is combined with no other role at all; the superuser
  (a break-glass account made by `create_breakglass`) holds no role and no
  membership.
- Permissions reach an account through its roles only: direct user
  permissions are refused (the admin form has no field for them), so an
  account's effective permissions are its roles' (PERMISSIONS), which no one
  edits in a request.
- During a request (anything a person does in the browser, Django admin
  included) only a 安全管理员 changes who holds a role or an account's staff
  flag, and never their own; nobody makes an account superuser; nobody edits
  a role's permissions (granted from departments/roles.PERMISSIONS after
  every migrate); nobody makes himself a unit's staff.
- Outside a request (management commands run by the operator on the server,
  migrations, tests' fixtures) role changes are allowed within the rules
  above: whoever can run commands there holds the keys anyway, and the
  commands are audited.

Refusals raise DutyViolation (a PermissionDenied: a 403 page, recorded in
the audit trail by handler403) with a Chinese message.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

from departments import roles
from departments.models import Membership, Role

from . import audit

User = get_user_model()


class DutyViolation(PermissionDenied):
    pass


def _actor():
    """The logged-in user of the current request, or None outside one."""
    request = audit.current_request()
    if request is None:
        return None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else _Anonymous()


class _Anonymous:
    pk = None
    is_superuser = False

    def get_username(self):
        return ""


def _names(keys):
    return "、".join(str(Role.Key(key).label) for key in Role.Key.values if key in keys)


def role_conflict(keys, is_superuser=False, has_units=False):
    """The Chinese reason why an account may not hold these roles (keys), or None."""
    keys = set(keys)
    separated = [key for key in roles.SEPARATED if key in keys]
    if len(separated) > 1:
        return f"三员分立：{_names(separated)}不能由同一账号兼任。"
    if is_superuser and keys:
        return f"三员分立：超级用户（应急账号）不能兼任{_names(keys)}。"
    if roles.AUDITOR in keys and len(keys) > 1:
        return f"三员分立：审计员不能兼任其他角色（{_names(keys - {roles.AUDITOR})}）。"
    business = keys & set(roles.BUSINESS)
    if separated and business:
        return f"三员分立：{_names(separated)}不能兼任业务角色（{_names(business)}）。"
    if (separated or is_superuser) and has_units:
        who = _names(separated) if separated else "超级用户（应急账号）"
        return f"三员分立：{who}不能同时是单位联络员；请先在“单位联络员”中移除该账号的单位。"
    return None


def keys_of_groups(pks):
    return set(Role.objects.filter(group__pk__in=pks or []).values_list("key", flat=True))


def _refuse(message):
    raise DutyViolation(message)


def _check_assigner(target_user, what):
    """Only a 安全管理员 changes an account's roles or rights, never their own."""
    actor = _actor()
    if actor is None:
        return
    if not roles.is_security_admin(actor):
        _refuse(f"只有安全管理员可以{what}。")
    if actor.pk == target_user.pk:
        _refuse(f"安全管理员不能为自己{what}。")


def _check_roles(user, keys):
    reason = role_conflict(keys, user.is_superuser, Membership.objects.filter(user=user).exists())
    if reason:
        _refuse(reason)


@receiver(m2m_changed, sender=User.groups.through)
def guard_role_membership(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if reverse:  # group.user_set changed: instance is the group
        users = (
            list(User.objects.filter(pk__in=pk_set or [])) if action != "pre_clear" else list(instance.user_set.all())
        )
        added = keys_of_groups([instance.pk])
        for user in users:
            _check_assigner(user, "分配或取消角色")
            if action == "pre_add":
                _check_roles(user, roles.keys_of(user) | added)
        return
    _check_assigner(instance, "分配或取消角色")
    if action == "pre_add":
        _check_roles(instance, roles.keys_of(instance) | keys_of_groups(pk_set))


@receiver(m2m_changed, sender=User.user_permissions.through)
def guard_user_permissions(sender, instance, action, reverse, pk_set, **kwargs):
    """Permissions reach an account through its roles only. Taking away a
    direct permission granted before this rule is the 安全管理员's."""
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    users = list(User.objects.filter(pk__in=pk_set or [])) if reverse else [instance]
    for user in users:
        _check_assigner(user, "授予或收回权限")
    if action == "pre_add":
        _refuse("权限只能通过角色授予，不能直接授予账号（三员分立）。")


@receiver(m2m_changed, sender=Group.permissions.through)
def guard_role_permissions(sender, instance, action, **kwargs):
    if action in ("pre_add", "pre_remove", "pre_clear") and _actor() is not None:
        _refuse("角色的权限由系统统一设定，不能在页面上修改。")


@receiver(pre_save, sender=User)
def guard_account_flags(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and not {"is_superuser", "is_staff"} & set(update_fields):
        return  # e.g. last_login at every login
    actor = _actor()
    before = User.objects.filter(pk=instance.pk).values("is_superuser", "is_staff").first() if instance.pk else None
    was_superuser = bool(before and before["is_superuser"])
    was_staff = bool(before and before["is_staff"])
    if instance.is_superuser and not was_superuser:
        if actor is not None:
            _refuse("超级用户（应急账号）只能由运维人员用 create_breakglass 命令创建，不能在页面上授予。")
        if instance.pk:
            _check_roles(instance, roles.keys_of(instance))
    if actor is not None and instance.is_staff != was_staff:
        _check_assigner(instance, "授予或收回后台权限")


@receiver(pre_save, sender=Membership)
def guard_unit_membership(sender, instance, raw=False, **kwargs):
    """No 三员 account or superuser is a unit's staff, and nobody adds himself
    to a unit: a new row, or one moved to another person or unit."""
    if raw:
        return
    if instance.pk is not None:
        stored = Membership.objects.filter(pk=instance.pk).values("user_id", "unit_id").first()
        if stored == {"user_id": instance.user_id, "unit_id": instance.unit_id}:
            return  # the liaison's phones
    user = instance.user
    actor = _actor()
    if actor is not None and actor.pk == user.pk:
        _refuse("不能为自己添加单位联络员身份：请由另一位管理员或安全管理员操作。")
    held = roles.keys_of(user)
    if user.is_superuser or held & set(roles.SEPARATED):
        reason = role_conflict(held, user.is_superuser, has_units=True)
        _refuse(reason or "三员分立：该账号不能同时是单位联络员。")
