import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from security import audit, policy


class Command(BaseCommand):
    help = (
        "创建应急超级用户（break-glass）。只在紧急情况下由运维人员在服务器上运行；"
        "随机初始密码只显示一次，首次登录须修改密码并绑定动态口令；该账号的每个操作都记入审计日志，且不能查看审计日志。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def handle(self, username, email, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"账号 {username} 已存在；应急账号须为新建的独立账号。")
        password = secrets.token_urlsafe(18) + "-9aA"
        user = User.objects.create_user(username, email, password, is_staff=True, is_superuser=True)
        policy.require_password_change(user)
        audit.record(audit.Kind.ACCOUNT_CHANGED, obj=user, detail=f"命令行创建应急超级用户 {username}")
        self.stdout.write(self.style.WARNING(f"已创建应急超级用户 {username}，初始密码（只显示这一次）：{password}"))
