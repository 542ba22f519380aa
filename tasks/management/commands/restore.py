import tarfile
import tempfile
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiading_ads.filestore import all_files, put
from security import audit


class Command(BaseCommand):
    help = "从 backup 命令生成的文件恢复：清空当前数据库和佐证材料文件（本地磁盘或对象存储）后载入备份的数据和文件。"

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--yes", action="store_true", help="确认清空当前数据（否则拒绝执行）")

    def handle(self, path, yes=False, **options):
        if not yes:
            raise CommandError("恢复会清空当前数据库中的全部数据。确认无误请加 --yes。")
        with tempfile.TemporaryDirectory() as tmp:
            try:
                with tarfile.open(path, "r:gz") as archive:
                    archive.extractall(tmp, filter="data")
            except (OSError, tarfile.TarError) as exc:
                raise CommandError(f"无法读取备份文件 {path}：{exc}") from exc
            data = Path(tmp) / "data.json"
            if not data.exists():
                raise CommandError(f"{path} 不是有效的备份文件（缺少 data.json）")
            with transaction.atomic(), audit.suspended():
                call_command("flush", interactive=False, verbosity=0)
                call_command("loaddata", str(data), verbosity=0)
            # The files as the backup had them, through the storage API: the
            # current ones go, the backup's come back under their own names.
            for name in list(all_files(default_storage)):
                default_storage.delete(name)
            media = Path(tmp) / "media"
            files = sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []
            for file in files:
                put(default_storage, file.relative_to(media).as_posix(), file)
        self.stdout.write(self.style.SUCCESS(f"已从 {path} 恢复（佐证材料文件 {len(files)} 个）。"))
