"""`manage.py check --deploy` is clean with the documented production environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x7Hq9-production-secret-key-for-the-check-0123456789abcdefghijkl",
    "DJANGO_ALLOWED_HOSTS": "tracker.jiading.gov.cn",
}


def run_manage(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_refuses_to_start_with_debug_off_and_no_secret_key():
    result = run_manage("check", env_extra={"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_seed_demo_refuses_in_production():
    result = run_manage("seed_demo", env_extra=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "拒绝执行" in result.stderr
