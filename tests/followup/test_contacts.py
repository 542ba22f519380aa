"""Each unit's liaison staff with their phones on the unit page, edited by the unit's own
staff (or an admin) through a small form; every change is audited."""

import pytest
from django.urls import reverse

from departments.models import Membership
from security.models import AuditEvent
from tests.reporting.helpers import contact_form, snapshot, unit


@pytest.fixture
def kewei(plan, lead_staff, second_kewei):
    return unit("区科委")


def test_unit_page_lists_the_liaison_staff_with_their_phones(kewei, client_for, viewer):
    Membership.objects.filter(user__username="kewei").update(office_phone="021-59990000", mobile="13800000000")

    page = client_for(viewer).get(f"/units/{kewei.pk}/").content.decode()

    assert '<a href="tel:021-59990000">021-59990000</a>' in page
    assert '<a href="tel:13800000000">13800000000</a>' in page
    assert '<td data-label="账号">kewei2</td>' in page
    assert "修改联络方式" not in page  # a viewer reads them only


def test_own_staff_edit_the_phones_and_each_change_is_audited(kewei, lead_client):
    assert "修改联络方式" in lead_client.get(f"/units/{kewei.pk}/").content.decode()

    response = lead_client.post(
        f"/units/{kewei.pk}/contacts/", contact_form(kewei, kewei=("021-59990000", "13800000000")), follow=True
    )

    assert response.redirect_chain == [(f"/units/{kewei.pk}/", 302)]
    assert "已保存联络方式（修改 1 人）。" in response.content.decode()
    membership = Membership.objects.get(user__username="kewei")
    assert (membership.office_phone, membership.mobile) == ("021-59990000", "13800000000")
    [record] = AuditEvent.objects.filter(kind=AuditEvent.Kind.MEMBERSHIP_CHANGED, username="kewei")
    assert record.object_repr == "kewei @ 区科委"
    assert record.detail == "办公电话：空 → 021-59990000；手机：空 → 13800000000"


def test_a_bad_mobile_number_is_refused_in_chinese_and_nothing_is_saved(kewei, lead_client):
    before = snapshot()

    response = lead_client.post(f"/units/{kewei.pk}/contacts/", contact_form(kewei, kewei=("021-59990000", "1380000")))

    assert response.status_code == 200
    assert "请填写 11 位手机号码，如 13800000000。" in response.content.decode()
    assert 'value="021-59990000"' in response.content.decode()  # what was typed stays
    assert snapshot() == before


def test_saving_unchanged_phones_records_nothing(kewei, lead_client):
    response = lead_client.post(f"/units/{kewei.pk}/contacts/", contact_form(kewei), follow=True)

    assert "联络方式没有变化。" in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.MEMBERSHIP_CHANGED, username="kewei").exists()


def test_another_units_staff_cannot_edit_the_phones(kewei, client_for, co_organizer):
    before = snapshot()

    response = client_for(co_organizer).post(f"/units/{kewei.pk}/contacts/", contact_form(kewei, kewei=("1", "2")))

    assert response.status_code == 403
    assert snapshot() == before


def test_a_forged_form_cannot_change_another_units_liaison(kewei, lead_client, co_organizer):
    """The formset only covers the unit's own memberships: a foreign id is refused."""
    other = Membership.objects.get(user=co_organizer)
    data = contact_form(kewei)
    data["form-0-id"] = other.pk
    data["form-0-mobile"] = "13900000000"

    lead_client.post(f"/units/{kewei.pk}/contacts/", data)

    assert Membership.objects.get(pk=other.pk).mobile == ""


def test_the_admin_edits_the_phones_in_django_admin_too(kewei, client_for, superuser):
    membership = Membership.objects.get(user__username="kewei")
    page = client_for(superuser).get(reverse("admin:departments_unit_change", args=[kewei.pk])).content.decode()

    assert "办公电话" in page and "手机" in page
    assert client_for(superuser).get(f"/units/{kewei.pk}/contacts/").status_code == 200
    assert membership.office_phone == ""


def test_an_extra_form_is_refused_with_a_message_not_a_500(kewei, lead_client):
    """The release probe added one form to the posted formset: IntegrityError (500)."""
    before = snapshot()
    data = contact_form(kewei, kewei=("021-59990000", ""))
    total = int(data["form-TOTAL_FORMS"])
    data.update(
        {
            "form-TOTAL_FORMS": str(total + 1),
            f"form-{total}-id": "",
            f"form-{total}-office_phone": "021-12345678",
            f"form-{total}-mobile": "13900000000",
        }
    )

    response = lead_client.post(f"/units/{kewei.pk}/contacts/", data)

    assert response.status_code == 200
    assert "不能添加联络员" in response.content.decode()
    assert snapshot() == before
    assert Membership.objects.filter(unit=kewei).count() == 2
