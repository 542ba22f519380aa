"""/measures/<pk>/: a measure, its state, its timeline and evidence; a unit's drafts stay its own."""

import re

import pytest

from tasks import obligations
from tasks.reporting import workflow
from tests.conftest import measure_by_code

from .helpers import form_data, grow, kewei_report, little, queries_for, save

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Pinned on the current code, per-request overhead included (session, user, account security,
# permissions, the plan switcher). Re-pin deliberately when a page gains a query.
MEASURE_PAGE_QUERIES = 19  # 18, and one for the measure's final evaluations (终期评估)


def test_timeline_on_the_measure_page_shows_every_step(plan, measure, lead_client, lead_staff, coordinator):
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    workflow.return_for_revision(report, coordinator, report.version, "进度偏低，请说明原因。")
    save(plan, measure, "区科委", lead_staff, submit=True, percent=45)

    page = lead_client.get(f"/measures/{measure.pk}/").content.decode()

    timeline = page[page.index('class="timeline"') :]
    assert [m for m in re.findall(r"<strong>(.+?)</strong>", timeline)] == ["重新提交", "退回", "提交"]  # newest first
    assert "意见：进度偏低，请说明原因。" in timeline
    assert "完成进度（%）：<del>30</del> → 45" in timeline


def test_a_long_timeline_opens_on_the_newest_period_and_folds_the_rest(plan, measure, lead_client, lead_staff):
    save(plan, measure, "区科委", lead_staff, period_name="2023年第四季度", submit=True, progress="上季度")
    for n in range(12):
        save(plan, measure, "区科委", lead_staff, submit=False, percent=n, progress=f"草稿{n}")

    page = lead_client.get(f"/measures/{measure.pk}/").content.decode()

    timeline = page[page.index("<h2>填报记录") :]
    newest, older = timeline.split('<details class="timeline-more"><summary>本周期更早的 2 条记录</summary>')
    assert '<h3>2024年第一季度 <span class="muted small">共 12 条</span></h3>' in newest
    assert newest.count('<li class="event') == 10
    assert "→ 草稿11</li>" in newest and "→ 草稿2</li>" in newest and "→ 草稿1</li>" not in newest
    assert "→ 草稿1</li>" in older
    assert '<details class="timeline-more"><summary>2023年第四季度 · 1 条记录</summary>' in older
    assert older.index("草稿0<") < older.index("上季度")


def test_html_in_progress_is_escaped_on_the_measure_page(plan, measure, url, lead_client):
    lead_client.post(url, form_data(version=0, submit=True, progress=SCRIPT, problems=f"问题{SCRIPT}"))

    page = lead_client.get(f"/measures/{measure.pk}/").content.decode()

    assert kewei_report(plan, measure).progress == SCRIPT
    assert ESCAPED in page
    assert SCRIPT not in page


def test_another_units_staff_do_not_see_an_unsubmitted_draft(plan, measure, client, lead_staff, outsider):
    save(plan, measure, "区科委", lead_staff, submit=False, progress="尚未定稿的内部情况")
    client.force_login(outsider)

    page = client.get(f"/measures/{measure.pk}/").content.decode()

    assert "尚未定稿的内部情况" not in page


@pytest.mark.parametrize("code", [(2, 1), (6, 1), (5, 2)])
def test_measure_page_query_count_does_not_grow_with_data(
    plan, coordinator_client, coordinator, code, django_assert_max_num_queries
):
    measure = measure_by_code(plan, *code)
    url = f"/measures/{measure.pk}/"
    little(plan, measure, coordinator)
    queries_for(coordinator_client, url)
    few, response = queries_for(coordinator_client, url)
    assert few <= MEASURE_PAGE_QUERIES
    assert response.content.decode().count('class="event event-') == 1

    grow(plan, coordinator)
    with django_assert_max_num_queries(few):
        many, response = queries_for(coordinator_client, url)

    page = response.content.decode()
    assert page.count('class="event event-') == 3 * len(obligations.for_measure(measure)) + 1
    assert "佐证材料" in page
    assert many == few
