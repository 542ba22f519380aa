"""Who may be a member of a collective unit (各街镇): one rule, check_collective_members,
applied to every membership row (its clean and save, the admin's member inline) and
before every Unit.members.add()/set()."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from departments.models import CollectiveMembership, Unit, check_collective_members


@pytest.fixture
def units(db):
    made = {
        name: Unit.objects.create(name=name, kind=kind)
        for name, kind in [
            ("各街镇", Unit.Kind.COLLECTIVE),
            ("各相关街镇", Unit.Kind.COLLECTIVE),
            ("江桥镇", Unit.Kind.TOWN),
            ("真新街道", Unit.Kind.SUBDISTRICT),
            ("菊园新区管委会", Unit.Kind.COMMITTEE),
            ("北虹办", Unit.Kind.OTHER),
            ("区科委", Unit.Kind.GOVERNMENT),
            ("区委宣传部", Unit.Kind.PARTY),
        ]
    }
    made["各街镇"].members.add(made["江桥镇"])
    return made


def messages(exc_info):
    return exc_info.value.messages


def test_towns_subdistricts_committees_and_others_may_be_members(units):
    check_collective_members(units["各街镇"], [units["真新街道"], units["菊园新区管委会"], units["北虹办"]])
    units["各街镇"].members.add(units["真新街道"], units["菊园新区管委会"], units["北虹办"])

    assert set(units["各街镇"].members.values_list("name", flat=True)) == {
        "江桥镇",
        "真新街道",
        "菊园新区管委会",
        "北虹办",
    }


@pytest.mark.parametrize(
    "member, message",
    [
        ("各街镇", "集合单位“各街镇”不能包含它自己。"),
        ("各相关街镇", "“各相关街镇”是集合单位，不能作为“各街镇”的成员。"),
        ("区科委", "“区科委”是区级部门（区政府部门），不能作为“各街镇”的成员：集合单位只包含街镇及同级单位。"),
        ("区委宣传部", "“区委宣传部”是区级部门（区委部门），不能作为“各街镇”的成员：集合单位只包含街镇及同级单位。"),
    ],
)
def test_refused_members_are_named_in_chinese_and_nothing_is_added(units, member, message):
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        units["各街镇"].members.add(units[member])

    assert messages(refused) == [message]
    assert list(units["各街镇"].members.values_list("name", flat=True)) == ["江桥镇"]


def test_the_rule_holds_when_members_are_set_or_added_from_the_members_side(units):
    with pytest.raises(ValidationError), transaction.atomic():
        units["各街镇"].members.set([units["江桥镇"], units["区科委"]])
    with pytest.raises(ValidationError), transaction.atomic():
        units["区科委"].collectives.add(units["各相关街镇"])

    assert list(units["各街镇"].members.values_list("name", flat=True)) == ["江桥镇"]
    assert not units["各相关街镇"].members.exists()


def test_only_a_collective_unit_has_members(units):
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        units["江桥镇"].members.add(units["真新街道"])

    assert messages(refused) == ["只有集合单位可以有成员单位；“江桥镇”不是集合单位。"]


def test_a_member_cannot_become_a_district_department(units):
    jiangqiao = units["江桥镇"]
    jiangqiao.kind = Unit.Kind.GOVERNMENT

    with pytest.raises(ValidationError) as refused:
        jiangqiao.full_clean()

    assert "“江桥镇”是区级部门（区政府部门），不能作为“各街镇”的成员" in refused.value.message_dict["kind"][0]


# The row itself: any code that writes one


def test_a_membership_row_saved_from_any_code_obeys_the_rule(units):
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        CollectiveMembership.objects.create(collective=units["各街镇"], member=units["区科委"])

    assert "“区科委”是区级部门（区政府部门）" in messages(refused)[0]
    assert list(units["各街镇"].members.values_list("name", flat=True)) == ["江桥镇"]


def test_a_membership_rows_validation_names_the_member_field(units):
    row = CollectiveMembership(collective=units["各街镇"], member=units["各相关街镇"])

    with pytest.raises(ValidationError) as refused:
        row.full_clean()

    assert refused.value.message_dict["member"] == ["“各相关街镇”是集合单位，不能作为“各街镇”的成员。"]


# The admin's 成员单位 inline


@pytest.fixture
def admin_client(units):
    admin = User.objects.create_superuser("admin", "admin@example.gov.cn", "x")
    browser = Client()
    browser.force_login(admin)
    return browser


def unit_form(unit, members, *, kind=None):
    """The unit's admin form as posted: its 成员单位 rows for `members`, the others marked for deletion."""
    links = list(CollectiveMembership.objects.filter(collective=unit).order_by("pk"))
    kept = {link.member_id for link in links}
    added = [m for m in members if m.pk not in kept]
    wanted = {m.pk for m in members}
    data = {
        "name": unit.name,
        "kind": kind or unit.kind,
        "sort_order": unit.sort_order,
        "aliases-TOTAL_FORMS": 0,
        "aliases-INITIAL_FORMS": 0,
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
        "member_links-TOTAL_FORMS": len(links) + len(added),
        "member_links-INITIAL_FORMS": len(links),
    }
    for i, link in enumerate(links):
        data.update({f"member_links-{i}-id": link.pk, f"member_links-{i}-member": link.member_id})
        if link.member_id not in wanted:
            data[f"member_links-{i}-DELETE"] = "on"
    for i, member in enumerate(added, start=len(links)):
        data[f"member_links-{i}-member"] = member.pk
    return data


def change_url(unit):
    return reverse("admin:departments_unit_change", args=[unit.pk])


def test_the_admin_refuses_a_district_department_in_a_collective_with_the_message(units, admin_client):
    collective = units["各街镇"]

    response = admin_client.post(change_url(collective), unit_form(collective, [units["江桥镇"], units["区科委"]]))

    assert response.status_code == 200
    assert "“区科委”是区级部门（区政府部门），不能作为“各街镇”的成员" in response.content.decode()
    assert list(collective.members.values_list("name", flat=True)) == ["江桥镇"]


def test_the_admin_refuses_a_collective_containing_itself(units, admin_client):
    collective = units["各街镇"]

    response = admin_client.post(change_url(collective), unit_form(collective, [units["江桥镇"], collective]))

    assert "集合单位“各街镇”不能包含它自己。" in response.content.decode()
    assert list(collective.members.values_list("name", flat=True)) == ["江桥镇"]


def test_the_admin_saves_valid_members(units, admin_client):
    collective = units["各街镇"]

    response = admin_client.post(change_url(collective), unit_form(collective, [units["江桥镇"], units["真新街道"]]))

    assert response.status_code == 302
    assert set(collective.members.values_list("name", flat=True)) == {"江桥镇", "真新街道"}


def test_the_admin_refuses_a_collective_that_becomes_a_town_while_keeping_members(units, admin_client):
    collective = units["各街镇"]

    response = admin_client.post(change_url(collective), unit_form(collective, [units["江桥镇"]], kind=Unit.Kind.TOWN))

    assert response.status_code == 200
    assert "只有集合单位可以有成员单位；“各街镇”不是集合单位。" in response.content.decode()
    assert Unit.objects.get(pk=collective.pk).kind == Unit.Kind.COLLECTIVE
    assert list(collective.members.values_list("name", flat=True)) == ["江桥镇"]


def test_the_admin_lets_a_collective_become_a_town_once_its_members_are_removed(units, admin_client):
    collective = units["各街镇"]

    response = admin_client.post(change_url(collective), unit_form(collective, [], kind=Unit.Kind.TOWN))

    assert response.status_code == 302
    assert Unit.objects.get(pk=collective.pk).kind == Unit.Kind.TOWN
    assert not collective.members.exists()
