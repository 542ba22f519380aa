import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError

from security import keys


class Command(BaseCommand):
    help = (
        "在服务器上重置账号的密码或动态口令（运维人员操作，不需第二位安全管理员批准）："
        "用于只有一位安全管理员的单位、安全管理员本人或应急账号。随机临时密码只显示一次，"
        "登录后须立即修改；账号本人会在下次登录时（有邮箱的也通过邮件）收到通知。本命令记入审计日志。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", action="store_true", help="重置密码（生成一次性临时密码）")
        parser.add_argument("--two-factor", action="store_true", help="重置动态口令和恢复码（下次登录时重新绑定）")

    def handle(self, username, password, two_factor, **options):
        if not password and not two_factor:
            raise CommandError("请指定 --password、--two-factor 或两者。")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在。")
        if two_factor:
            keys.reset_two_factor(user, None)
            self.stdout.write(self.style.SUCCESS(f"已重置 {username} 的动态口令和恢复码；下次登录时须重新绑定。"))
        if password:
            temporary = secrets.token_urlsafe(12) + "-7aA"
            keys.set_password(user, make_password(temporary), None)
            self.stdout.write(
                self.style.WARNING(
                    f"已重置 {username} 的密码，临时密码（只显示这一次）：{temporary}；登录后须立即修改。"
                )
            )
