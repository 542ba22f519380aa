"""/evidence/<pk>/: an evidence file, served only through this view. Who may download
it is in test_access_matrix.py."""

from urllib.parse import quote

from tasks.models import Evidence

from .helpers import PDF_BYTES, form_data, upload


def test_evidence_download_returns_the_bytes_as_an_attachment_with_the_chinese_name(plan, url, lead_client):
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload("推进会纪要（第一季度）.pdf")
    lead_client.post(url, data)
    evidence = Evidence.objects.get()

    response = lead_client.get(f"/evidence/{evidence.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('推进会纪要（第一季度）.pdf')}"
    response.close()


def test_evidence_download_of_a_vanished_file_is_404(plan, url, lead_client, media_root):
    data = form_data(version=0, submit=True)
    data["evidence_files"] = upload("纪要.pdf")
    lead_client.post(url, data)
    evidence = Evidence.objects.get()
    (media_root / evidence.file.name).unlink()

    response = lead_client.get(f"/evidence/{evidence.pk}/")

    assert response.status_code == 404
