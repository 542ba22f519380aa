import io
import json
import tarfile
import time

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from jiading_ads.filestore import all_files

# Rebuilt by migrate, or worthless after a restore.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]


class Command(BaseCommand):
    help = "备份全部数据（方案、填报及其记录、用户、审计日志）和佐证材料文件（本地磁盘或对象存储）到一个 .tar.gz 文件。"

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
        manifest = {"created": time.strftime("%Y-%m-%d %H:%M:%S"), "format": 1}
        files = 0
        try:
            with tarfile.open(path, "w:gz") as archive:
                _add_bytes(archive, "manifest.json", json.dumps(manifest).encode())
                _add_bytes(archive, "data.json", payload)
                # The evidence files wherever they are kept (local disk or object
                # store), read through the storage API, under media/.
                for name in sorted(all_files(default_storage)):
                    info = tarfile.TarInfo(f"media/{name}")
                    info.size = default_storage.size(name)
                    info.mtime = int(time.time())
                    with default_storage.open(name, "rb") as handle:
                        archive.addfile(info, handle)
                    files += 1
        except OSError as exc:
            raise CommandError(f"无法写入备份文件 {path}：{exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"已备份到 {path}（数据 {len(payload) // 1024} KB，佐证材料文件 {files} 个）")
        )


def _add_bytes(archive, name, content):
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(time.time())
    archive.addfile(info, io.BytesIO(content))
