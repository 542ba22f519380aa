"""Several app servers answer one office: nothing a process keeps to itself
decides anything. Sessions, lockouts, rate limits, the mail queue and the
daily runs' claims are in the database, evidence in shared storage when
configured, and there is no per-process cache (the rules themselves are
tested across two servers by `make cluster-test`)."""

import json

from .test_deploy_check import PRODUCTION_ENV, run_manage

SHOW = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'cache': s.CACHES['default']['BACKEND'], 'sessions': s.SESSION_ENGINE, "
    "'axes': s.AXES_HANDLER, 'tasks': s.TASKS['default']['BACKEND'], "
    "'storage_class': s.STORAGES['default']['BACKEND'], 'bucket': s.STORAGES['default'].get('OPTIONS', {})"
    ".get('bucket_name'), 'endpoint': s.STORAGES['default'].get('OPTIONS', {}).get('endpoint_url')}))"
)


def production_settings(**extra):
    result = run_manage("shell", "-c", SHOW, env_extra={**PRODUCTION_ENV, **extra})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_decision_rests_on_a_process_of_its_own():
    found = production_settings()

    assert found["cache"] == "django.core.cache.backends.dummy.DummyCache"
    assert found["sessions"] == "django.contrib.sessions.backends.db"
    assert found["axes"] == "axes.handlers.database.AxesDatabaseHandler"
    assert found["tasks"] == "django_tasks_db.DatabaseBackend"
    assert found["storage_class"] == "django.core.files.storage.FileSystemStorage"


def test_an_s3_bucket_moves_the_evidence_to_the_object_store():
    found = production_settings(
        DJANGO_S3_BUCKET="jiading-evidence",
        DJANGO_S3_ENDPOINT_URL="https://oss.zwy.example:9000",
        DJANGO_S3_ACCESS_KEY="key",
        DJANGO_S3_SECRET_KEY="secret",
    )

    assert found["storage_class"] == "storages.backends.s3.S3Storage"
    assert (found["bucket"], found["endpoint"]) == ("jiading-evidence", "https://oss.zwy.example:9000")


def test_eager_tasks_only_when_asked():
    assert production_settings(DJANGO_TASKS_EAGER="1")["tasks"] == "django_tasks.backends.immediate.ImmediateBackend"
