"""Evidence on an S3 object store (DJANGO_S3_BUCKET; SeaweedFS's S3 gateway
here): uploaded, downloaded with the same answer as from the local disk,
deleted, and gone from the bucket when deleted; nothing lands on the disk.
Backup and restore with the object store: tests/production/test_backup_restore.py."""

from tasks.models import Evidence

from .helpers import PDF_BYTES, form_data, upload

NAME = "推进会纪要（第一季度）.pdf"


def submit_with_evidence(client, url, django_capture_on_commit_callbacks):
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload(NAME)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    return Evidence.objects.get()


def download(client, evidence):
    response = client.get(f"/evidence/{evidence.pk}/")
    # Read to the end, the test client closes the response (and the file) itself;
    # closing it here would end the test's database connection too (PostgreSQL).
    body = b"".join(response.streaming_content)
    # Date and Expires are the moment of the answer (Expires: now, with no-store); the
    # two downloads may fall either side of a second.
    assert "Expires" in response.headers
    headers = {k: v for k, v in response.headers.items() if k not in ("Date", "Expires")}
    return response.status_code, headers, body


def test_an_upload_goes_to_the_bucket_and_not_to_the_disk(
    plan, url, lead_client, s3_storage, media_root, django_capture_on_commit_callbacks
):
    evidence = submit_with_evidence(lead_client, url, django_capture_on_commit_callbacks)

    assert s3_storage.keys() == [evidence.file.name]
    assert s3_storage.read(evidence.file.name) == PDF_BYTES
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_a_download_answers_exactly_as_from_the_local_disk(
    plan, url, lead_client, coordinator_client, settings, s3_storage, django_capture_on_commit_callbacks
):
    on_s3 = settings.STORAGES
    settings.STORAGES = {**on_s3, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    local = download(coordinator_client, submit_with_evidence(lead_client, url, django_capture_on_commit_callbacks))
    settings.STORAGES = on_s3
    data = form_data(version=1, submit=True)  # the same report, updated while submitted
    data["evidence_files"] = upload(NAME)
    with django_capture_on_commit_callbacks(execute=True):
        lead_client.post(url, data)

    remote = download(coordinator_client, Evidence.objects.latest("pk"))

    assert remote == local
    status, headers, body = remote
    assert status == 200 and body == PDF_BYTES
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Length"] == str(len(PDF_BYTES))
    assert headers["Content-Disposition"].startswith("attachment; filename*=utf-8''")


def test_deleting_evidence_removes_the_object(plan, url, lead_client, s3_storage, django_capture_on_commit_callbacks):
    evidence = submit_with_evidence(lead_client, url, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(f"/evidence/{evidence.pk}/delete/")

    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert s3_storage.keys() == []


def test_an_object_gone_from_the_bucket_is_404(plan, url, lead_client, s3_storage, django_capture_on_commit_callbacks):
    evidence = submit_with_evidence(lead_client, url, django_capture_on_commit_callbacks)
    s3_storage.delete(evidence.file.name)

    assert lead_client.get(f"/evidence/{evidence.pk}/").status_code == 404


def test_another_unit_still_gets_403_for_a_file_in_the_bucket(
    plan, url, lead_client, client_for, outsider, s3_storage, django_capture_on_commit_callbacks
):
    evidence = submit_with_evidence(lead_client, url, django_capture_on_commit_callbacks)

    assert client_for(outsider).get(f"/evidence/{evidence.pk}/").status_code == 403
