import io
import json
import tarfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

# Rebuilt by migrate, or worthless after a restore.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]


class Command(BaseCommand):
    help = "备份全部数据（方案、填报及其记录、用户、审计日志）和佐证材料文件到一个 .tar.gz 文件。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="备份文件，如 backup-2026-11-27.tar.gz")

    def handle(self, path, **options):
        data = io.StringIO()
        call_command(
            "dumpdata",
            natural_foreign=True,
            natural_primary=True,
            exclude=EXCLUDED,
            stdout=data,
        )
        payload = data.getvalue().encode("utf-8")
        media = Path(settings.MEDIA_ROOT)
        manifest = {"created": time.strftime("%Y-%m-%d %H:%M:%S"), "format": 1}
        try:
            with tarfile.open(path, "w:gz") as archive:
                _add_bytes(archive, "manifest.json", json.dumps(manifest).encode())
                _add_bytes(archive, "data.json", payload)
                if media.exists():
                    archive.add(media, arcname="media")
        except OSError as exc:
            raise CommandError(f"无法写入备份文件 {path}：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已备份到 {path}（数据 {len(payload) // 1024} KB）"))


def _add_bytes(archive, name, content):
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(time.time())
    archive.addfile(info, io.BytesIO(content))
