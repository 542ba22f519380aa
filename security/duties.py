"""三员分立 (separation of duties), enforced on the models, not only in forms.

- 管理员, 安全管理员 and 审计员 are mutually exclusive for one account, and the
  superuser (a break-glass account made by `create_breakglass`) holds none
  of them.
- During a request (anything a person does in the browser, Django admin
  included) only a 安全管理员 changes who holds a role, an account's
  permissions or its staff flag, and never their own; nobody makes an
  account superuser; nobody edits a role's permissions (they are granted
  from departments/roles.PERMISSIONS after every migrate).
- Outside a request (management commands run by the operator on the server,
  migrations, tests' fixtures) these changes are allowed: whoever can run
  commands there holds the keys anyway, and the commands are audited.

Refusals raise DutyViolation (a PermissionDenied: a 403 page, recorded in
the audit trail by handler403) with a Chinese message.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

from departments import roles

from . import audit

User = get_user_model()


class DutyViolation(PermissionDenied):
    pass


def _actor():
    """The logged-in user of the current request, or None outside one."""
    request = audit._current_request.get()
    if request is None:
        return None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else _Anonymous()


class _Anonymous:
    pk = None
    is_superuser = False

    def get_username(self):
        return ""


def role_conflict(group_names, is_superuser):
    """The Chinese reason why an account may not hold these roles, or None."""
    held = [name for name in roles.SEPARATED if name in group_names]
    if len(held) > 1:
        return f"三员分立：{'、'.join(held)}不能由同一账号兼任。"
    if is_superuser and held:
        return f"三员分立：超级用户（应急账号）不能兼任{held[0]}。"
    return None


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


@receiver(m2m_changed, sender=User.groups.through)
def guard_role_membership(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if reverse:  # group.user_set changed: instance is the group
        users = (
            list(User.objects.filter(pk__in=pk_set or [])) if action != "pre_clear" else list(instance.user_set.all())
        )
        for user in users:
            _check_assigner(user, "分配或取消角色")
            if action == "pre_add":
                names = set(user.groups.values_list("name", flat=True)) | {instance.name}
                reason = role_conflict(names, user.is_superuser)
                if reason:
                    _refuse(reason)
        return
    _check_assigner(instance, "分配或取消角色")
    if action == "pre_add":
        names = set(instance.groups.values_list("name", flat=True))
        names |= set(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
        reason = role_conflict(names, instance.is_superuser)
        if reason:
            _refuse(reason)


@receiver(m2m_changed, sender=User.user_permissions.through)
def guard_user_permissions(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if reverse:  # permission.user_set changed
        for user in User.objects.filter(pk__in=pk_set or []):
            _check_assigner(user, "授予或收回权限")
        return
    _check_assigner(instance, "授予或收回权限")


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
            reason = role_conflict(set(instance.groups.values_list("name", flat=True)), True)
            if reason:
                _refuse(reason)
    if actor is not None and instance.is_staff != was_staff:
        _check_assigner(instance, "授予或收回后台权限")
