from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class ComplexityValidator:
    """At least `min_length` characters from at least three of four classes:
    upper case, lower case, digits and symbols (等保 2.0 password complexity)."""

    def __init__(self, min_length=10, min_classes=3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password, user=None):
        problems = []
        if len(password) < self.min_length:
            problems.append(_("密码长度至少为 %(n)d 位。") % {"n": self.min_length})
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            problems.append(_("密码须包含大写字母、小写字母、数字、符号中的至少三类。"))
        if problems:
            raise ValidationError(problems, code="password_too_simple")

    def get_help_text(self):
        return _("密码长度至少 %(n)d 位，且包含大写字母、小写字母、数字、符号中的至少三类。") % {"n": self.min_length}


class NotUsernameValidator:
    """The password must not contain the username (case-insensitive)."""

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").strip().lower()
        if username and username in password.lower():
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self):
        return _("密码不能包含用户名。")


class PasswordHistoryValidator:
    """A new password differs from the current one and the previous `count`.

    Compares against the stored hashes (security.models.PasswordHistory,
    written when a password changes), never against plain text."""

    def __init__(self, count=5):
        self.count = count

    def validate(self, password, user=None):
        from django.contrib.auth.hashers import check_password

        if user is None or user.pk is None:
            return
        from .models import PasswordHistory

        previous = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.count])
        # The hash stored in the database, not user.password: a form may have
        # set the new password on the instance already.
        from django.contrib.auth import get_user_model

        current = get_user_model()._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
        for encoded in [current, *previous]:
            # hashers.check_password, not user.check_password: no rehash and save as a side effect.
            if encoded and check_password(password, encoded):
                raise ValidationError(
                    _("新密码不能与当前密码或最近 %(n)d 次使用过的密码相同。") % {"n": self.count},
                    code="password_reused",
                )

    def get_help_text(self):
        return _("新密码不能与当前密码或最近 %(n)d 次使用过的密码相同。") % {"n": self.count}
