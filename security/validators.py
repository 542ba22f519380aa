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
