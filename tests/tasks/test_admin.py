"""The Django admin over the plan and the units, as a superuser sees it."""

import datetime
import json
import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from departments import roles
from departments.models import CollectiveMembership, Membership, Unit, UnitAlias
from tasks.models import Assignment, Measure, Plan, Task
from tasks.obligations import default_owed_from
from tests.conftest import make_user, measure_by_code


@pytest.fixture
def superuser_client(client_for, superuser):
    return client_for(superuser)


@pytest.fixture
def warm_superuser_client(superuser_client):
    """Past the first request, which writes session and account bookkeeping."""
    assert superuser_client.get(reverse("admin:index")).status_code == 200
    return superuser_client


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_anonymous_visitor_is_sent_to_the_admin_login(client, plan):
    response = client.get(changelist(Measure))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_plain_staff_member_without_admin_rights_is_sent_to_the_admin_login(client, lead_staff):
    client.force_login(lead_staff)
    response = client.get(changelist(Measure))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    "model,count",
    [(Plan, 1), (Task, 11), (Measure, 42), (Unit, 31), (UnitAlias, 4)],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_changelist_renders_every_row(superuser_client, model, count):
    response = superuser_client.get(changelist(model))
    assert response.status_code == 200
    assert response.context["cl"].result_count == count


def test_assignment_changelist_renders_every_assignment(superuser_client):
    response = superuser_client.get(changelist(Assignment))
    assert response.status_code == 200
    assert response.context["cl"].result_count == Assignment.objects.count() > 42


def test_membership_changelist_shows_the_unit_staff(superuser_client, lead_staff):
    response = superuser_client.get(changelist(Membership))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "kewei" in response.content.decode()


def test_plan_change_page_renders_with_its_tasks(superuser_client, plan):
    response = superuser_client.get(change(plan))
    assert response.status_code == 200
    assert "嘉府发〔2023〕2号" in response.content.decode()
    assert "加强数字广告技术应用与数据支撑" in response.content.decode()


def test_task_change_page_renders_with_its_measures(superuser_client, plan):
    response = superuser_client.get(change(plan.tasks.get(number=10)))
    assert response.status_code == 200
    body = response.content.decode()
    assert "指导辖内银行保险" in body
    assert "推动商业银行、保险机构" in body


def test_measure_change_page_renders(superuser_client, plan):
    response = superuser_client.get(change(measure_by_code(plan, 1, 1)))
    assert response.status_code == 200
    assert "鼓励有条件的创新创业载体" in response.content.decode()


def test_assignment_change_page_renders(superuser_client, plan):
    assignment = measure_by_code(plan, 5, 2).assignments.get(printed_name="区市场局")
    response = superuser_client.get(change(assignment))
    assert response.status_code == 200
    assert 'value="区市场局"' in response.content.decode()


@pytest.mark.parametrize("name", ["区市场监管局", "各街镇", "江桥镇"])
def test_unit_change_page_renders(superuser_client, plan, name):
    response = superuser_client.get(change(Unit.objects.get(name=name)))
    assert response.status_code == 200
    assert name in response.content.decode()


def test_unit_alias_change_page_renders(superuser_client, plan):
    response = superuser_client.get(change(UnitAlias.objects.get(name="区市场局")))
    assert response.status_code == 200
    assert 'value="区市场局"' in response.content.decode()


def test_membership_change_page_renders(superuser_client, lead_staff):
    response = superuser_client.get(change(Membership.objects.get(user=lead_staff)))
    assert response.status_code == 200
    assert "kewei" in response.content.decode()


def test_unit_search_finds_units_by_name_and_alias_once_each(superuser_client):
    response = superuser_client.get(changelist(Unit), {"q": "市场"})
    assert response.status_code == 200
    assert [u.name for u in response.context["cl"].result_list] == ["区市场监管局"]


def test_unit_search_by_half_width_alias_finds_the_canonical_unit(superuser_client):
    response = superuser_client.get(changelist(Unit), {"q": "区行政服务中心(大数据中心)"})
    assert response.status_code == 200
    assert [u.name for u in response.context["cl"].result_list] == ["区行政服务中心（大数据中心）"]


def codes(response):
    return sorted(m.code for m in response.context["cl"].result_list)


def test_measures_filtered_by_unit_are_those_it_is_assigned(superuser_client):
    unit = Unit.objects.get(name="区科委")
    response = superuser_client.get(changelist(Measure), {"assignments__unit__id__exact": unit.pk})
    assert response.status_code == 200
    assert codes(response) == ["1.(1)", "1.(3)", "2.(1)", "2.(2)", "5.(2)", "6.(4)", "6.(6)"]


def test_measures_filtered_by_support_role_are_those_with_co_organizers(superuser_client):
    response = superuser_client.get(changelist(Measure), {"assignments__role__exact": "support"})
    assert response.status_code == 200
    with_support = Measure.objects.filter(assignments__role="support").distinct().count()
    assert response.context["cl"].result_count == with_support
    assert "1.(1)" not in codes(response)
    assert "1.(3)" in codes(response)


def test_measures_filtered_by_lead_role_are_all_measures(superuser_client):
    response = superuser_client.get(changelist(Measure), {"assignments__role__exact": "lead"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 42


def test_measure_5_2_change_page_lists_its_8_assignments_in_document_order(superuser_client, plan):
    response = superuser_client.get(change(measure_by_code(plan, 5, 2)))
    assert response.status_code == 200
    inline = next(i for i in response.context["inline_admin_formsets"] if i.formset.model is Assignment)
    shown = [(f.instance.position, f.instance.printed_name, f.instance.role) for f in inline.formset.forms]
    assert shown == [
        (1, "江桥镇", "lead"),
        (2, "南翔镇", "lead"),
        (3, "安亭镇", "lead"),
        (4, "北虹办", "lead"),
        (5, "区商务委", "support"),
        (6, "区市场局", "support"),
        (7, "区经委", "support"),
        (8, "区科委", "support"),
    ]
    rendered = re.findall(r'name="assignments-\d+-printed_name" value="([^"]*)"', response.content.decode())
    assert rendered == ["江桥镇", "南翔镇", "安亭镇", "北虹办", "区商务委", "区市场局", "区经委", "区科委"]


# Measured with a warm session (the first request after login also writes the
# session and account rows): the per-request session, user, account, group and
# navigation queries, the changelist's counts and page, the prefetches (aliases and
# members; assignments) and the filters' choices, and the audit record of the
# superuser's request (every break-glass action is recorded) with the actor's role (one
# query for the record's 操作者角色). None of them depends on the rows.
UNIT_CHANGELIST_QUERIES = 13
MEASURE_CHANGELIST_QUERIES = 15


def test_unit_changelist_query_count_is_pinned(warm_superuser_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(UNIT_CHANGELIST_QUERIES):
        response = warm_superuser_client.get(changelist(Unit))
    assert response.status_code == 200
    assert "区市场局、区市场监管部门" in response.content.decode()


def test_unit_changelist_query_count_does_not_grow_with_units(warm_superuser_client, django_assert_max_num_queries):
    members = list(Unit.objects.filter(kind=Unit.Kind.TOWN))
    for index in range(20):
        unit = Unit.objects.create(name=f"测试集合单位{index}", kind=Unit.Kind.COLLECTIVE)
        unit.members.set(members)
        UnitAlias.objects.create(unit=unit, name=f"测试别名{index}")
    with django_assert_max_num_queries(UNIT_CHANGELIST_QUERIES):
        response = warm_superuser_client.get(changelist(Unit))
    assert response.status_code == 200
    assert "测试别名19" in response.content.decode()


def test_measure_changelist_query_count_does_not_grow_with_measures(
    warm_superuser_client, plan, django_assert_max_num_queries
):
    task = plan.tasks.get(number=1)
    unit = Unit.objects.get(name="区科委")
    for number in range(100, 130):
        measure = Measure.objects.create(task=task, number=number, text=f"补充措施{number}", due_date=plan.end_date)
        Assignment.objects.create(measure=measure, unit=unit, position=1, role="lead", printed_name="区科委")
    with django_assert_max_num_queries(MEASURE_CHANGELIST_QUERIES):
        response = warm_superuser_client.get(changelist(Measure), {"all": ""})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 72


def add_member_form(collective, member, owed_from):
    return {
        "name": collective.name,
        "kind": collective.kind,
        "sort_order": collective.sort_order,
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "member_links-TOTAL_FORMS": "1",
        "member_links-INITIAL_FORMS": "0",
        "member_links-0-member": member.pk,
        "member_links-0-owed_from": owed_from,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }


def test_superuser_can_add_a_member_to_a_collective_unit_with_its_start_date(superuser_client):
    collective = Unit.objects.get(name="各相关街镇")
    extra = Unit.objects.get(name="北虹办")
    response = superuser_client.post(change(collective), add_member_form(collective, extra, "2024-07-01"))
    assert response.status_code == 302
    link = CollectiveMembership.objects.get(collective=collective, member=extra)
    assert link.owed_from == datetime.date(2024, 7, 1)
    assert collective.members.count() == 13


def test_admin_role_adds_a_member_to_a_collective_unit(client_for, plan):
    admin = make_user("guanliyuan", groups=[roles.ADMIN])
    admin.is_staff = True
    admin.save()
    collective = Unit.objects.get(name="各街镇")
    extra = Unit.objects.get(name="北虹办")
    response = client_for(admin).post(change(collective), add_member_form(collective, extra, "2024-07-01"))
    assert response.status_code == 302
    assert CollectiveMembership.objects.get(collective=collective, member=extra).owed_from == datetime.date(2024, 7, 1)


def test_collective_unit_page_offers_the_next_period_as_a_new_members_start(superuser_client, plan):
    today = timezone.localdate()
    expected = default_owed_from(today)
    body = superuser_client.get(change(Unit.objects.get(name="各街镇"))).content.decode()
    assert "起报日期" in body
    assert f'name="member_links-__prefix__-owed_from" value="{expected:%Y/%m/%d}"' in body
    # Each of the twelve members is listed with its (blank) start date.
    assert body.count('name="member_links-') >= 12


def test_only_collective_units_offer_members(superuser_client):
    town = superuser_client.get(change(Unit.objects.get(name="江桥镇"))).content.decode()
    collective = superuser_client.get(change(Unit.objects.get(name="各街镇"))).content.decode()
    assert "member_links-TOTAL_FORMS" not in town
    assert "member_links-TOTAL_FORMS" in collective


# Chinese throughout (Django 5.2's zh_Hans catalogue misses some strings; django-axes has none)


def test_every_admin_model_and_app_has_a_chinese_name(superuser_client):
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for model in admin.site._registry:
        assert cjk.search(str(model._meta.verbose_name_plural)), model
        assert cjk.search(str(model._meta.app_config.verbose_name)), model._meta.app_label


def test_the_axes_pages_are_chinese(superuser_client):
    page = superuser_client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()

    assert "登录失败与锁定" in page and "登录尝试" in page
    assert "Access attempts" not in page and "Attempt Time" not in page


def test_the_member_selectors_javascript_strings_are_chinese(superuser_client):
    catalog = superuser_client.get("/admin/jsi18n/").content.decode()

    for chinese in ["全选%s", "全部移除%s", "选中要加入的%s，然后点击“选择”箭头。", "加入选中的%s", "移除选中的%s"]:
        assert json.dumps(chinese)[1:-1] in catalog, chinese  # the catalogue is JSON, \u-escaped


def test_the_collective_units_change_page_is_chinese(superuser_client, plan):
    page = superuser_client.get(change(Unit.objects.get(name="各街镇"))).content.decode()

    assert "成员单位" in page and "办公电话" in page
    assert "Choose" not in page and "Remove all" not in page
