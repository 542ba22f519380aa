"""One overdue rule (tasks/progress.py: is_outstanding / is_overdue, the red light's missing
report) on every page and document that counts late reports: the unit staff's 待办, the unit
list, the unit page, the dashboard, the 台账's 汇总 sheet and the 通报.

The clock stands at 2024-03-20, before 2024年第一季度's due date (2024-04-10): an obligation is
overdue only because 2023年第四季度's report, past its due date, is missing too. 区科委 has
seven obligations; it reported 1.(3) last quarter and 1.(1) this quarter, and owes 2.(2) only
from the next period, so four are overdue: 2.(1), 5.(2), 6.(4), 6.(6).
"""

import datetime
import io
import re

import openpyxl
import pytest

from tasks.documents import bulletin
from tasks.models import Assignment
from tests.conftest import measure_by_code
from tests.helpers import unit
from tests.reporting.helpers import TODAY, period, put_report

KEWEI_OVERDUE = 4


@pytest.fixture
def late_kewei(plan):
    put_report(plan, measure_by_code(plan, 1, 3), "区科委", period_name="2023年第四季度", percent=20)
    put_report(plan, measure_by_code(plan, 1, 1), "区科委", percent=40)
    # Added to 2.(2) now: owes its first report for the next period, so it is not late.
    Assignment.objects.filter(measure=measure_by_code(plan, 2, 2), unit__name="区科委").update(
        owed_from=datetime.date(2024, 4, 1)
    )
    return unit("区科委")


def overdue_cell(page, unit_name):
    """The 逾期未报 cell of the unit's row in a table of units."""
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if f">{unit_name}</a>" in r)
    cell = re.search(r'<td data-label="逾期未报">(.*?)</td>', row, re.S).group(1)
    return int(re.sub(r"<[^>]+>", "", cell))


def test_the_unit_staffs_todo_counts_the_overdue(late_kewei, lead_client):
    page = lead_client.get("/").content.decode()

    assert re.search(r'已逾期</div><div class="value">(\d+)</div>', page).group(1) == str(KEWEI_OVERDUE)


def test_the_unit_list_and_the_dashboard_count_the_same(late_kewei, coordinator_client):
    assert overdue_cell(coordinator_client.get("/units/").content.decode(), "区科委") == KEWEI_OVERDUE
    assert overdue_cell(coordinator_client.get("/dashboard/").content.decode(), "区科委") == KEWEI_OVERDUE


def test_the_unit_page_counts_them_and_offers_to_chase_them(late_kewei, coordinator_client):
    page = coordinator_client.get(f"/units/{late_kewei.pk}/").content.decode()

    assert re.search(r'逾期未报</div><div class="value">(\d+)</div>', page).group(1) == str(KEWEI_OVERDUE)
    assert f"催报（{KEWEI_OVERDUE} 项逾期未报）" in page


def test_the_status_sheets_summary_counts_the_same(late_kewei, coordinator_client):
    response = coordinator_client.get("/export/status.xlsx")
    summary = openpyxl.load_workbook(io.BytesIO(response.content))["汇总"]

    header = next(row for row in summary.iter_rows(values_only=True) if row[:2] == ("单位", "承担事项"))
    kewei = next(row for row in summary.iter_rows(values_only=True) if row[0] == "区科委")
    assert kewei[header.index("逾期未报")] == KEWEI_OVERDUE


def test_the_bulletin_names_the_unit_with_the_same_count(late_kewei, plan):
    draft = bulletin.collect(plan, period(plan), TODAY)

    named = {u.name: u for u in draft.overdue_units}
    assert named["区科委"].measures == ["2.(1)", "5.(2)", "6.(4)", "6.(6)"]
    # Before this period's due date nothing of it is late: the unit is named for last period's reports.
    assert draft.reporting.never_sent == 0 and not draft.closed
    assert "2023年第四季度（截止日期2024年1月10日）进展逾期至今仍未报送的单位：" in " ".join(
        bulletin.naming_sentences(draft)
    )
