"""/plans/import/ (导入行动方案): upload, preview, decide, confirm — admins only,
audited, nothing written before the confirmation, the same plan as the command."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from departments.models import Unit, UnitAlias
from security.models import AuditEvent
from tasks.models import Plan
from tests.conftest import make_user

from .conftest import NEW_DOC, NEW_TITLE, signature, snapshot
from .tables import SECOND_NOTE, SECOND_ROWS, bundled_rows, write_docx, write_xlsx

URL = "/plans/import/"
SECOND_TITLE = "嘉定区广告产业营商环境提升行动方案（2026—2027年）"


def upload(client, path, doc_number=NEW_DOC, title=NEW_TITLE, **extra):
    with open(path, "rb") as handle:
        data = {"action": "preview", "file": SimpleUploadedFile(path.name, handle.read()), "doc_number": doc_number}
    return client.post(URL, {**data, "title": title, **extra})


def digest(response):
    return re.search(r'name="digest" value="([0-9a-f]+)"', response.content.decode()).group(1)


def decisions_for_second_table():
    """The preview lists 区规划资源局 first, then 区经济委员会."""
    return {
        "decision-0-name": "区规划资源局",
        "decision-0-action": "create",
        "decision-0-new": "区规划资源局",
        "decision-0-kind": "government",
        "decision-1-name": "区经济委员会",
        "decision-1-action": "alias",
        "decision-1-unit": "区经委",
    }


@pytest.fixture
def bundled_docx(tmp_path):
    return write_docx(tmp_path / "任务分工.docx", bundled_rows())


@pytest.fixture
def second_xlsx(tmp_path):
    return write_xlsx(tmp_path / "营商环境.xlsx", SECOND_ROWS, note=SECOND_NOTE)


# Who may


def test_anonymous_is_sent_to_login(client, plan):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("person", ["lead_staff", "coordinator", "viewer"])
def test_everyone_but_admins_gets_403_and_it_is_audited(client, plan, request, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(URL).status_code == 403
    assert AuditEvent.objects.latest("pk").kind == "permission_denied"


def test_staff_without_the_plan_permissions_gets_403(client, plan):
    user = make_user("staff_only")
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_an_admin_in_the_admin_group_may(plan_admin_client):
    response = plan_admin_client.get(URL)
    assert response.status_code == 200
    assert "导入行动方案" in response.content.decode()


def test_a_superuser_may(client, superuser):
    client.force_login(superuser)
    assert client.get(URL).status_code == 200


def test_admins_find_the_page_in_the_navigation_and_the_admin_plan_list(plan_admin_client):
    assert f'href="{URL}"' in plan_admin_client.get("/").content.decode()
    assert f'href="{URL}"' in plan_admin_client.get("/admin/tasks/plan/").content.decode()


def test_coordinators_see_no_link(client, coordinator):
    client.force_login(coordinator)
    assert URL not in client.get("/").content.decode()


# Preview, decide, confirm


def test_upload_shows_the_preview_and_writes_nothing(plan_admin_client, bundled_docx):
    before = snapshot()
    response = upload(plan_admin_client, bundled_docx)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>11</strong> 项工作任务，<strong>42</strong> 条具体措施" in page
    assert "没有需要处理的问题，可以导入" in page
    assert "确认导入 42 条措施" in page
    assert "发展数字广告新型业态" in page
    assert snapshot() == before


def test_confirm_loads_the_previewed_plan_and_audits_it(plan_admin_client, plan, bundled_docx):
    response = upload(plan_admin_client, bundled_docx)
    response = plan_admin_client.post(URL, {"action": "confirm", "digest": digest(response)})
    new = Plan.objects.get(doc_number=NEW_DOC)
    assert response.status_code == 302 and response["Location"] == f"/tasks/?plan={new.pk}"
    assert signature(new) == signature(plan)
    event = AuditEvent.objects.latest("pk")
    assert (event.kind, event.result, event.username) == ("plan_loaded", "success", "plan_admin")
    assert "任务分工.docx：嘉府发〔2026〕7号" in event.detail
    assert "已导入" in plan_admin_client.get(response["Location"]).content.decode()


def test_the_page_and_the_command_give_the_same_plan(plan_admin_client, plan, second_xlsx):
    response = upload(plan_admin_client, second_xlsx, doc_number="嘉府发〔2026〕8号", title=SECOND_TITLE)
    response = plan_admin_client.post(URL, {"action": "recheck", **decisions_for_second_table()})
    plan_admin_client.post(URL, {"action": "confirm", "digest": digest(response), **decisions_for_second_table()})
    from_page = Plan.objects.get(doc_number="嘉府发〔2026〕8号")
    call_command(
        "load_plan",
        str(second_xlsx),
        "--doc-number",
        "嘉府发〔2026〕9号",
        "--title",
        SECOND_TITLE,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    from_command = Plan.objects.get(doc_number="嘉府发〔2026〕9号")
    assert signature(from_page) == signature(from_command)
    assert len(signature(from_page)[1]) == 11


def test_unknown_units_show_places_suggestions_and_block_the_confirm(plan_admin_client, second_xlsx):
    response = upload(plan_admin_client, second_xlsx, title=SECOND_TITLE)
    page = response.content.decode()
    assert "还有 2 个问题需要处理" in page
    assert "单位“区经济委员会”无法识别" in page
    assert "工作表“任务分工” 第 7 行 C7 单元格" in page
    assert "相近：区经委" in page
    assert 'value="confirm"' not in page
    before = snapshot()
    response = plan_admin_client.post(URL, {"action": "confirm", "digest": digest(response)})
    assert snapshot() == before
    assert AuditEvent.objects.latest("pk").result == "failure"


def test_decisions_rechecked_then_confirmed(plan_admin_client, second_xlsx):
    upload(plan_admin_client, second_xlsx, title=SECOND_TITLE)
    response = plan_admin_client.post(URL, {"action": "recheck", **decisions_for_second_table()})
    page = response.content.decode()
    assert "可以导入" in page
    assert "新建单位 区规划资源局" in page
    assert not Unit.objects.filter(name="区规划资源局").exists()
    plan_admin_client.post(URL, {"action": "confirm", "digest": digest(response), **decisions_for_second_table()})
    assert Unit.objects.get(name="区规划资源局").kind == "government"
    assert UnitAlias.objects.get(name="区经济委员会").unit.name == "区经委"
    assert Plan.objects.filter(doc_number=NEW_DOC).exists()


def test_a_confirm_with_decisions_other_than_previewed_loads_nothing(plan_admin_client, second_xlsx):
    upload(plan_admin_client, second_xlsx, title=SECOND_TITLE)
    response = plan_admin_client.post(URL, {"action": "recheck", **decisions_for_second_table()})
    changed = {**decisions_for_second_table(), "decision-1-action": "map"}
    response = plan_admin_client.post(URL, {"action": "confirm", "digest": digest(response), **changed})
    assert "预览后处理方式有改动" in response.content.decode()
    assert not Plan.objects.filter(doc_number=NEW_DOC).exists()


def test_a_tampered_decision_name_decides_nothing(plan_admin_client, second_xlsx):
    upload(plan_admin_client, second_xlsx, title=SECOND_TITLE)
    forged = {
        **decisions_for_second_table(),
        "decision-1-name": "区科委",
        "decision-1-action": "create",
        "decision-1-kind": "other",
    }
    response = plan_admin_client.post(URL, {"action": "recheck", **forged})
    assert "还有 1 个问题需要处理" in response.content.decode()
    assert Unit.objects.get(name="区科委").kind == "government"


def test_confirm_without_an_upload_asks_to_upload_again(plan_admin_client):
    response = plan_admin_client.post(URL, {"action": "confirm", "digest": "0"}, follow=True)
    assert "请重新上传" in response.content.decode()


def test_a_second_confirm_does_not_load_twice(plan_admin_client, bundled_docx):
    response = upload(plan_admin_client, bundled_docx)
    plan_admin_client.post(URL, {"action": "confirm", "digest": digest(response)})
    again = plan_admin_client.post(URL, {"action": "confirm", "digest": digest(response)}, follow=True)
    assert "请重新上传" in again.content.decode()


def test_a_bad_file_is_refused_on_the_form_and_audited(plan_admin_client, tmp_path):
    path = tmp_path / "任务分工.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    before = snapshot()
    response = upload(plan_admin_client, path)
    assert "另存为" in response.content.decode()
    assert snapshot() == before
    event = AuditEvent.objects.latest("pk")
    assert (event.kind, event.result) == ("plan_loaded", "failure")


def test_dates_out_of_order_are_refused_by_the_form(plan_admin_client, bundled_docx):
    response = upload(plan_admin_client, bundled_docx, start_date="2026-12-31", end_date="2026-01-01")
    assert "结束日期早于开始日期" in response.content.decode()


def test_the_preview_takes_a_fixed_number_of_queries(plan_admin_client, bundled_docx, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        upload(plan_admin_client, bundled_docx)


def test_units_can_report_on_the_new_plan_the_same_day(client, plan_admin_client, bundled_docx, lead_staff):
    response = upload(plan_admin_client, bundled_docx, title="嘉定区数字广告业行动方案（2026—2028年）")
    plan_admin_client.post(URL, {"action": "confirm", "digest": digest(response)})
    new = Plan.objects.get(doc_number=NEW_DOC)
    measure = new.tasks.get(number=1).measures.get(number=1)
    client.force_login(lead_staff)
    assert client.get(f"/measures/{measure.pk}/report/").status_code == 200
    assert new.periods.exists()


def test_a_note_not_understood_is_checked_by_the_admin_before_the_confirm(plan_admin_client, tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", bundled_rows(), note="备注：排名第一的为牵头单位，请于每季度末报送。")
    page = upload(plan_admin_client, path).content.decode()
    assert "备注中“请于每季度末报送”无法自动理解" in page
    assert 'name="note_accepted"' in page and 'value="confirm"' not in page
    response = plan_admin_client.post(URL, {"action": "recheck", "note_accepted": "1"})
    assert "（已核对）" in response.content.decode()
    plan_admin_client.post(URL, {"action": "confirm", "note_accepted": "1", "digest": digest(response)})
    assert Plan.objects.filter(doc_number=NEW_DOC).exists()


def test_no_note_checkbox_when_the_note_is_understood(plan_admin_client, bundled_docx):
    assert 'name="note_accepted"' not in upload(plan_admin_client, bundled_docx).content.decode()
