"""Account rules of 等保 2.0: forced password change, password age, session epoch."""

import datetime

from django.conf import settings
from django.utils import timezone

from .models import AccountSecurity, PasswordHistory


def account_security(user):
    """The user's AccountSecurity row, created on first use. Cached on the user."""
    cached = getattr(user, "_account_security", None)
    if cached is None:
        # A user without a row has not changed the password since joining.
        cached, _ = AccountSecurity.objects.get_or_create(user=user, defaults={"password_changed_at": user.date_joined})
        user._account_security = cached
    return cached


def password_change_reason(user):
    """Why the user must change the password before anything else, or None."""
    state = account_security(user)
    if state.must_change_password:
        return "首次登录或密码被管理员重置后，请先修改密码。"
    max_age = datetime.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
    if timezone.now() - state.password_changed_at > max_age:
        return f"您的密码已超过 {settings.PASSWORD_MAX_AGE_DAYS} 天未修改，请先修改密码。"
    return None


def require_password_change(user):
    """Called when an admin creates an account or resets its password."""
    AccountSecurity.objects.update_or_create(user=user, defaults={"must_change_password": True})


def mark_password_changed(user):
    AccountSecurity.objects.update_or_create(
        user=user, defaults={"must_change_password": False, "password_changed_at": timezone.now()}
    )


def end_all_sessions(user):
    """Invalidate every session of the user, on every device."""
    state = account_security(user)
    AccountSecurity.objects.filter(pk=state.pk).update(session_epoch=state.session_epoch + 1)
    state.session_epoch += 1


def remember_password(user, old_hash):
    """Keep the hash the user just replaced, and only as many as the rule looks at."""
    if not old_hash or not old_hash.split("$", 1)[0] or old_hash.startswith("!"):
        return  # an unusable password was never chosen by anyone
    PasswordHistory.objects.create(user=user, password=old_hash)
    stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[settings.PASSWORD_HISTORY_COUNT :]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()
