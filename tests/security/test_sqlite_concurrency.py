"""SQLite under `make run`: simultaneous saves from several threads on a
file-based database end in one saved report and the normal conflict message
for the others, never "database is locked" and a 500."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THREADS = 6


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="a SQLite test")
def test_simultaneous_submits_on_file_sqlite_get_the_conflict_message_not_a_500(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "jiading_ads.settings",
        "DJANGO_DEBUG": "1",
        # What is measured is the save, not the login's second step.
        "DJANGO_2FA": "0",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("sqlite_concurrency.py")), str(THREADS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["statuses"] == [200] * THREADS, done.stderr[-3000:]
    assert result["reports"] == 1 and result["version"] == 1
    assert result["conflicts"] == THREADS - 1
    assert result["journal"] == "wal"
