"""A sheet exported for one period is not imported into another."""

import io

import pytest

from tasks import statussheet
from tasks.models import Period


def export_for(plan, name):
    period = Period.objects.get(plan=plan, name=name)
    buffer = io.BytesIO()
    statussheet.write_status_sheet(statussheet.SheetScope(plan=plan, period=period, today=period.due_date), buffer)
    buffer.seek(0)
    return buffer


def test_sheet_of_a_past_period_is_refused_with_both_names(plan):
    current = Period.objects.get(plan=plan, name="2024年第二季度")
    with pytest.raises(statussheet.UploadError) as refused:
        statussheet.read_upload(export_for(plan, "2024年第一季度"), plan, current)
    assert "这份台账是“2024年第一季度”的" in str(refused.value)
    assert "当前填报周期是“2024年第二季度”" in str(refused.value)


def test_sheet_of_the_current_period_is_read(plan):
    current = Period.objects.get(plan=plan, name="2024年第二季度")
    preview = statussheet.read_upload(export_for(plan, "2024年第二季度"), plan, current)
    assert preview.errors == []
