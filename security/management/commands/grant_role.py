from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from departments import roles
from security.duties import DutyViolation


class Command(BaseCommand):
    help = "在服务器上为账号授予角色（例如设立第一位安全管理员）。三员分立规则照样适用；本命令记入审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "role",
            help=f"角色名称或标识，例如 安全管理员 或 {roles.SECURITY_ADMIN}（{'、'.join(roles.Role.Key.values)}）",
        )

    def handle(self, username, role, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在。")
        key = roles.find(role)
        if key is None:
            raise CommandError(f"角色“{role}”不存在。")
        # Both changes are recorded by security/signals.py, once each, as 命令行.
        try:
            user.groups.add(roles.group(key))
        except DutyViolation as exc:
            raise CommandError(str(exc)) from None
        if key in (roles.ADMIN, roles.SECURITY_ADMIN) and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        self.stdout.write(self.style.SUCCESS(f"已为 {username} 授予角色“{roles.label(key)}”。"))
