"""Units, their aliases and their staff: name resolution and the database constraints."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction

from departments.models import Membership, Unit, UnitAlias


@pytest.fixture
def units(db):
    market = Unit.objects.create(name="区市场监管局", kind=Unit.Kind.GOVERNMENT)
    UnitAlias.objects.create(unit=market, name="区市场局")
    UnitAlias.objects.create(unit=market, name="区市场监管部门")
    centre = Unit.objects.create(name="区行政服务中心（大数据中心）", kind=Unit.Kind.GOVERNMENT)
    UnitAlias.objects.create(unit=centre, name="区行政服务中心(大数据中心)")
    science = Unit.objects.create(name="区科委", kind=Unit.Kind.GOVERNMENT)
    return {"market": market, "centre": centre, "science": science}


@pytest.fixture
def user(db):
    return User.objects.create(username="kewei")


# resolve_names


def test_resolve_names_maps_canonical_names_to_their_units(units):
    found = Unit.objects.resolve_names(["区科委", "区市场监管局"])
    assert found == {"区科委": units["science"], "区市场监管局": units["market"]}


def test_resolve_names_maps_aliases_to_the_canonical_unit(units):
    found = Unit.objects.resolve_names(["区市场局", "区市场监管部门", "区行政服务中心(大数据中心)"])
    assert found == {
        "区市场局": units["market"],
        "区市场监管部门": units["market"],
        "区行政服务中心(大数据中心)": units["centre"],
    }


def test_resolve_names_leaves_unknown_names_out(units):
    found = Unit.objects.resolve_names(["区科委", "区科技局", "区 科委"])
    assert found == {"区科委": units["science"]}


def test_resolve_names_of_nothing_is_empty(units):
    assert Unit.objects.resolve_names([]) == {}


def test_resolve_names_accepts_a_generator_and_repeated_names(units):
    found = Unit.objects.resolve_names(name for name in ["区市场局", "区市场局", "区科委"])
    assert found == {"区市场局": units["market"], "区科委": units["science"]}


def test_resolve_names_takes_two_queries_however_many_names(units, django_assert_num_queries):
    with django_assert_num_queries(2):
        Unit.objects.resolve_names(["区科委", "区市场局", "区市场监管部门", "区行政服务中心(大数据中心)", "无"])


def test_resolve_names_prefers_a_canonical_name_over_an_alias_spelled_the_same(units):
    other = Unit.objects.create(name="区科学技术委员会", kind=Unit.Kind.GOVERNMENT)
    UnitAlias.objects.create(unit=other, name="区科委")
    assert Unit.objects.resolve_names(["区科委"]) == {"区科委": units["science"]}


# Kinds


@pytest.mark.parametrize(
    "kind,is_collective",
    [
        (Unit.Kind.COLLECTIVE, True),
        (Unit.Kind.PARTY, False),
        (Unit.Kind.GOVERNMENT, False),
        (Unit.Kind.TOWN, False),
        (Unit.Kind.SUBDISTRICT, False),
        (Unit.Kind.COMMITTEE, False),
        (Unit.Kind.OTHER, False),
    ],
)
def test_only_a_collective_unit_is_collective(db, kind, is_collective):
    assert Unit.objects.create(name="某单位", kind=kind).is_collective is is_collective


def test_collective_members_are_one_way(db):
    collective = Unit.objects.create(name="各街镇", kind=Unit.Kind.COLLECTIVE)
    town = Unit.objects.create(name="江桥镇", kind=Unit.Kind.TOWN)
    collective.members.add(town)
    assert list(collective.members.all()) == [town]
    assert list(town.members.all()) == []
    assert list(town.collectives.all()) == [collective]


# for_user


def test_for_user_gives_the_units_the_user_is_staff_of(units, user):
    Membership.objects.create(user=user, unit=units["science"])
    assert list(Unit.objects.for_user(user)) == [units["science"]]


def test_for_user_gives_nothing_to_an_anonymous_visitor(units):
    assert list(Unit.objects.for_user(AnonymousUser())) == []


# Constraints


def test_constraints_are_named():
    assert {c.name for c in UnitAlias._meta.constraints} == {"unit_alias_name_unique"}
    assert {c.name for c in Membership._meta.constraints} == {"membership_user_unit_unique"}


def test_duplicate_unit_name_is_refused(units):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="区科委", kind=Unit.Kind.GOVERNMENT)
    assert Unit.objects.filter(name="区科委").count() == 1


def test_duplicate_alias_name_is_refused_even_for_another_unit(units):
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitAlias.objects.create(unit=units["science"], name="区市场局")
    assert list(UnitAlias.objects.filter(name="区市场局").values_list("unit__name", flat=True)) == ["区市场监管局"]


def test_same_user_twice_in_one_unit_is_refused(units, user):
    Membership.objects.create(user=user, unit=units["science"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, unit=units["science"])
    assert Membership.objects.filter(user=user).count() == 1


def test_same_user_may_be_staff_of_two_units(units, user):
    Membership.objects.create(user=user, unit=units["science"])
    Membership.objects.create(user=user, unit=units["market"])
    assert set(Unit.objects.for_user(user)) == {units["science"], units["market"]}


def test_deleting_a_unit_deletes_its_aliases_and_memberships(units, user):
    Membership.objects.create(user=user, unit=units["market"])
    units["market"].delete()
    assert not UnitAlias.objects.filter(name__in=["区市场局", "区市场监管部门"]).exists()
    assert not Membership.objects.filter(user=user).exists()
    assert User.objects.filter(pk=user.pk).exists()


def test_str_shows_alias_target_and_membership(units, user):
    membership = Membership.objects.create(user=user, unit=units["science"])
    assert str(UnitAlias.objects.get(name="区市场局")) == "区市场局 → 区市场监管局"
    assert str(membership) == "kewei @ 区科委"
    assert str(units["science"]) == "区科委"
