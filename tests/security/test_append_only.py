"""The audit trail is append-only (等保 2.0 audit-record protection): no change
or deletion through the models, the admin, or any page."""

import contextlib

import pytest
from django.db import transaction
from django.urls import get_resolver, reverse

from security import audit
from security.models import AppendOnlyError, AuditEvent

ORIGINAL = {"kind": AuditEvent.Kind.LOGIN_FAILED, "result": "failure", "username": "zhangsan", "detail": "原始记录"}


@pytest.fixture
def event(db):
    return audit.record(**ORIGINAL)


def assert_unchanged(event):
    stored = AuditEvent.objects.filter(pk=event.pk).values("kind", "result", "username", "detail").get()
    assert stored == ORIGINAL


def test_record_writes_a_new_row(event):
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert event.username == "zhangsan"


def test_saving_an_existing_record_is_refused(event):
    event.username = "lisi"
    with pytest.raises(AppendOnlyError, match="只能追加"):
        event.save()
    assert_unchanged(event)


def test_saving_a_fetched_record_is_refused(event):
    fetched = AuditEvent.objects.get(pk=event.pk)
    fetched.detail = "篡改"
    with pytest.raises(AppendOnlyError):
        fetched.save(update_fields=["detail"])
    assert_unchanged(event)


def test_deleting_a_record_is_refused(event):
    with pytest.raises(AppendOnlyError, match="只能追加"):
        event.delete()
    assert_unchanged(event)


def test_deleting_all_records_is_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert_unchanged(event)


def test_deleting_a_filtered_set_is_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(username="zhangsan").delete()
    assert_unchanged(event)


def test_updating_records_is_refused(event):
    with pytest.raises(AppendOnlyError, match="只能追加"):
        AuditEvent.objects.all().update(username="lisi")
    assert_unchanged(event)


def test_bulk_update_is_refused(event):
    event.username = "lisi"
    # bulk_update runs in its own atomic block; the savepoint keeps the test's transaction usable.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["username"])
    assert_unchanged(event)


def test_update_or_create_on_an_existing_record_is_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"username": "lisi"})
    assert_unchanged(event)


def test_new_instance_with_an_existing_id_does_not_overwrite_the_record(event):
    forged = AuditEvent(pk=event.pk, kind=AuditEvent.Kind.LOGIN, result="success", username="lisi")
    # A fix may refuse with an exception (e.g. IntegrityError); the savepoint keeps the transaction usable.
    with contextlib.suppress(Exception), transaction.atomic():
        forged.save()
    assert_unchanged(event)


def test_bulk_upsert_does_not_overwrite_a_record(event):
    forged = AuditEvent(pk=event.pk, kind=AuditEvent.Kind.LOGIN, result="success", username="lisi")
    with contextlib.suppress(Exception), transaction.atomic():
        AuditEvent.objects.bulk_create(
            [forged], update_conflicts=True, unique_fields=["id"], update_fields=["username", "kind", "result"]
        )
    assert_unchanged(event)


# Through the admin and the pages


@pytest.mark.parametrize(
    "url",
    [
        "/admin/security/auditevent/",
        "/admin/security/auditevent/{pk}/change/",
        "/admin/security/auditevent/{pk}/delete/",
        "/admin/security/",
    ],
)
def test_admin_has_no_audit_pages(superuser_client, event, url):
    assert superuser_client.get(url.format(pk=event.pk)).status_code == 404


def test_admin_cannot_delete_a_record_by_post(superuser_client, event):
    response = superuser_client.post(f"/admin/security/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 404
    assert_unchanged(event)


def test_admin_index_does_not_list_the_audit_trail(superuser_client):
    response = superuser_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "/admin/security/" not in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [{}, {"action": "delete", "pk": "{pk}"}, {"_method": "DELETE", "id": "{pk}"}, {"action": "delete_selected"}],
    ids=["empty", "action-delete", "method-delete", "delete-selected"],
)
def test_post_to_the_audit_trail_deletes_nothing(auditor_client, event, data):
    before = AuditEvent.objects.count()
    response = auditor_client.post(
        reverse("security:audit"), {key: value.format(pk=event.pk) for key, value in data.items()}
    )
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before
    assert_unchanged(event)


def test_delete_request_to_the_audit_trail_deletes_nothing(auditor_client, event):
    before = AuditEvent.objects.count()
    auditor_client.delete(reverse("security:audit"))
    assert AuditEvent.objects.count() == before
    assert_unchanged(event)


def test_no_url_but_the_trail_itself_leads_to_the_audit_records():
    """Every route of the project, searched for anything audit-related."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route

    routes = [route for route in walk(get_resolver().url_patterns) if "audit" in route.lower()]
    assert routes == ["audit/"]
