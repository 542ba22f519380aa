from django.core.management.base import BaseCommand, CommandError

SQL = """\
-- Run once as a PostgreSQL superuser (psql), after `migrate`, e.g.:
--   python manage.py audit_grants --app-role {app} | psql -v ON_ERROR_STOP=1 "$DBA_DATABASE_URL"
-- The audit table, its trigger function and the schema belong to {owner}, a role
-- nobody logs in as; the application's role {app} may read, append and (through
-- purge_audit, which the trigger still checks) delete rows older than 180 days,
-- and nothing else: it cannot UPDATE, TRUNCATE, ALTER (DISABLE TRIGGER), or DROP them.
BEGIN;
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN
        CREATE ROLE {owner_ident} NOLOGIN;
    END IF;
END
$$;
-- The owner of a schema may drop any table in it: the schema is the audit owner's too.
ALTER SCHEMA public OWNER TO {owner_ident};
GRANT USAGE, CREATE ON SCHEMA public TO {app_ident};
ALTER TABLE security_auditevent OWNER TO {owner_ident};
ALTER FUNCTION security_auditevent_append_only() OWNER TO {owner_ident};
REVOKE ALL ON security_auditevent FROM {app_ident};
GRANT SELECT, INSERT, DELETE ON security_auditevent TO {app_ident};
COMMIT;
"""


def identifier(name):
    if not name or '"' in name or "\x00" in name:
        raise CommandError(f"角色名称无效：{name!r}")
    return '"' + name + '"'


class Command(BaseCommand):
    help = (
        "打印在 PostgreSQL 上保护审计日志表的 SQL（由数据库管理员以超级用户运行）：审计日志表、其触发器和 public 模式"
        "归属单独的所有者角色，应用所用的数据库角色只能读取、追加和按保留规则删除，不能修改、清空、停用触发器或删除该表。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--app-role", required=True, help="应用（gunicorn）连接数据库所用的角色，不能是超级用户")
        parser.add_argument(
            "--owner", default="jiading_audit", help="审计日志表的所有者角色（不登录），默认 jiading_audit"
        )

    def handle(self, app_role, owner, **options):
        if app_role == owner:
            raise CommandError("所有者角色必须不同于应用所用的角色。")
        self.stdout.write(
            SQL.format(
                owner=owner.replace("'", "''"),
                app=app_role,
                owner_ident=identifier(owner),
                app_ident=identifier(app_role),
            )
        )
