"""Resetting an account's password or second factor: two people for the keys.

- Nobody resets his own password (he changes it) or his own second factor.
- The password or second factor of an account that holds the keys of the
  system (a 审计员, a 安全管理员, the break-glass superuser) is reset only
  when a second 安全管理员 approves the first one's request (`request_reset`,
  `approve`), or by the operator on the server's command line
  (`manage.py reset_credentials`). A site with a single 安全管理员 uses the
  command line. A request is approved within REQUEST_HOURS or not at all.
- Every other account's reset takes effect at once (`reset_two_factor`,
  `set_password`), as before.
- Whatever the path, the account's owner is told: by email when the account
  has an address (queued for the worker), and on the next login
  (`AccountSecurity.notice`).
Every step is an audit record.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments import roles
from jiading_ads import mail

from . import audit, policy
from .models import AccountSecurity, KeyReset

User = get_user_model()
REQUEST_HOURS = 24
# The roles whose accounts hold the keys of the system (with the superuser).
KEY_ROLES = {roles.AUDITOR, roles.SECURITY_ADMIN}


class ResetRefused(PermissionDenied):
    """The reset is not allowed; str() is the Chinese reason."""


def needs_two_people(user):
    """Whether resetting `user`'s password or second factor takes a second
    安全管理员: the accounts that hold the keys. One query."""
    return user.is_superuser or bool(roles.keys_of(user) & KEY_ROLES)


def _by(user):
    """Who did it: (the start of the record's sentence, the owner's notice's words)."""
    if user is None:
        return "运维人员在命令行", "由运维人员在服务器命令行操作"
    return f"{user.get_username()} ", f"由 {user.get_username()} 操作"


def check_may_reset(target, acting_user):
    """Refuse a reset of one's own account, and resets by anyone but a 安全管理员
    or the break-glass superuser (who may ask, never approve)."""
    if acting_user is None:
        return
    if acting_user.pk == target.pk:
        raise ResetRefused("不能重置自己的密码或动态口令：修改密码请用“修改密码”，动态口令请由安全管理员重置。")
    if not (roles.is_security_admin(acting_user) or acting_user.is_superuser):
        raise ResetRefused("只有安全管理员可以重置账号的密码或动态口令。")


def request_reset(target, kind, acting_user, *, password_hash=""):
    """The first 安全管理员's request; returns the pending KeyReset (the one
    already pending for this account and kind is replaced)."""
    check_may_reset(target, acting_user)
    with transaction.atomic():
        KeyReset.objects.filter(target=target, kind=kind, state=KeyReset.State.PENDING).update(
            state=KeyReset.State.CANCELLED, decided_at=timezone.now()
        )
        reset = KeyReset.objects.create(target=target, kind=kind, password_hash=password_hash, requested_by=acting_user)
        audit.record(
            audit.Kind.KEY_RESET_REQUESTED,
            obj=target,
            detail=f"申请重置 {target.username} 的{reset.get_kind_display()}，待另一位安全管理员批准",
        )
    return reset


def pending():
    """Requests still waiting, oldest first, with the people named."""
    since = timezone.now() - datetime.timedelta(hours=REQUEST_HOURS)
    return KeyReset.objects.filter(state=KeyReset.State.PENDING, requested_at__gte=since).select_related(
        "target", "requested_by"
    )


def approve(reset, acting_user):
    """A second 安全管理员 approves: the reset is carried out and the owner told."""
    if not roles.is_security_admin(acting_user):
        raise ResetRefused("只有安全管理员可以批准重置申请（应急超级用户不能批准）。")
    if acting_user.pk == reset.requested_by_id:
        raise ResetRefused("申请人不能批准自己的申请：须由另一位安全管理员批准。")
    if acting_user.pk == reset.target_id:
        raise ResetRefused("不能批准重置自己账号的申请。")
    with transaction.atomic():
        reset = KeyReset.objects.select_for_update().select_related("target", "requested_by").get(pk=reset.pk)
        if reset.state != KeyReset.State.PENDING:
            raise ResetRefused(f"该申请已{reset.get_state_display()}。")
        if reset.requested_at < timezone.now() - datetime.timedelta(hours=REQUEST_HOURS):
            raise ResetRefused(f"该申请已超过 {REQUEST_HOURS} 小时，请重新申请。")
        reset.state, reset.decided_by, reset.decided_at = KeyReset.State.DONE, acting_user, timezone.now()
        reset.save(update_fields=["state", "decided_by", "decided_at"])
        audit.record(
            audit.Kind.KEY_RESET_APPROVED,
            obj=reset.target,
            detail=f"批准 {reset.requested_by.username} 的申请，重置 {reset.target.username} 的{reset.get_kind_display()}",
        )
        names = f"经安全管理员 {reset.requested_by.username} 申请、{acting_user.username} 批准"
        how = (f"{names}，", names)
        if reset.kind == KeyReset.Kind.PASSWORD:
            _apply_password(reset.target, reset.password_hash, how)
        else:
            _apply_two_factor_reset(reset.target, how)
    return reset


def refuse(reset, acting_user):
    """Another 安全管理员 refuses, or the requester withdraws the request."""
    own = acting_user.pk == reset.requested_by_id
    if not own and not roles.is_security_admin(acting_user):
        raise ResetRefused("只有安全管理员可以拒绝重置申请。")
    updated = KeyReset.objects.filter(pk=reset.pk, state=KeyReset.State.PENDING).update(
        state=KeyReset.State.CANCELLED if own else KeyReset.State.REFUSED,
        decided_by=None if own else acting_user,
        decided_at=timezone.now(),
    )
    if updated:
        audit.record(
            audit.Kind.KEY_RESET_REFUSED,
            obj=reset.target,
            detail=f"{'撤销' if own else '拒绝'}重置 {reset.target.username} 的{reset.get_kind_display()}的申请",
        )


def reset_two_factor(target, acting_user):
    """Reset an ordinary account's second factor at once, or ask for a second
    person's approval; returns the KeyReset when one is needed, else None.
    `acting_user` None is the operator on the command line."""
    check_may_reset(target, acting_user)
    if acting_user is not None and needs_two_people(target):
        return request_reset(target, KeyReset.Kind.TWO_FACTOR, acting_user)
    _apply_two_factor_reset(target, _by(acting_user))
    return None


def set_password(target, password_hash, acting_user):
    """Set an account's password (a hash) at once, or ask for a second person's approval."""
    check_may_reset(target, acting_user)
    if acting_user is not None and needs_two_people(target):
        return request_reset(target, KeyReset.Kind.PASSWORD, acting_user, password_hash=password_hash)
    _apply_password(target, password_hash, _by(acting_user))
    return None


def _apply_two_factor_reset(target, by):
    how, told = by
    TOTPDevice.objects.filter(user=target).delete()
    StaticDevice.objects.filter(user=target).delete()
    policy.end_all_sessions(target)
    audit.record(audit.Kind.TWO_FACTOR_RESET, obj=target, detail=f"{how}重置了 {target.username} 的动态口令和恢复码")
    tell_owner(target, f"您账号的动态口令和恢复码已于 {_now()} 被重置（{told}），下次登录时须重新绑定。")


def _apply_password(target, password_hash, by):
    how, told = by
    target.password = password_hash
    target._password_reset_by_admin = True
    target.save(update_fields=["password"])
    policy.require_password_change(target)
    policy.end_all_sessions(target)
    audit.record(audit.Kind.PASSWORD_RESET, obj=target, detail=f"{how}重置了 {target.username} 的密码")
    tell_owner(target, f"您账号的密码已于 {_now()} 被重置（{told}），登录后须立即修改密码。")


def _now():
    return timezone.localtime().strftime("%Y年%m月%d日 %H:%M")


def tell_owner(target, text):
    """The owner learns of a reset: on the next login, and by email (after commit)."""
    text += "如非您本人要求，请立即联系安全管理员。"
    AccountSecurity.objects.update_or_create(user=target, defaults={"notice": text})
    if target.email:
        # Queued with this transaction for the worker (jiading_ads/mail.py), as every mail is.
        mail.send([EmailMessage("【嘉定行动方案跟踪】账号安全提醒", text, settings.DEFAULT_FROM_EMAIL, [target.email])])
