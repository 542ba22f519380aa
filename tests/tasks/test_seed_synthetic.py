"""seed_synthetic, the benchmark's data (make bench): its rows must stay valid as the
models grow (it inserts reports and events with raw SQL, past the models' defaults)."""

import io

import pytest
from django.core.management import call_command

from tasks.management.commands import seed_synthetic
from tasks.models import Plan, Report, ReportEvent


@pytest.fixture
def one_synthetic_plan(plan, settings, monkeypatch):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(seed_synthetic, "PLANS", 1)
    out = io.StringIO()
    call_command("seed_synthetic", "--scale", "1", stdout=out)
    return Plan.objects.get(doc_number__startswith=seed_synthetic.DOC_PREFIX), out.getvalue()


def test_synthetic_reports_and_events_are_whole_rows(one_synthetic_plan):
    synthetic, output = one_synthetic_plan
    reports = Report.objects.filter(period__plan=synthetic)

    assert "已生成合成数据：1 个方案，40 条措施" in output
    assert reports.count() > 1000
    assert set(reports.values_list("completion", "assessment").distinct()) == {("", "")}
    assert ReportEvent.objects.filter(report__period__plan=synthetic).count() == reports.count()
    files = ReportEvent.objects.filter(report__period__plan=synthetic).values_list("files", flat=True)
    assert all(names == [] for names in files)


def test_the_benchmarked_pages_answer_on_synthetic_data(one_synthetic_plan, client_for, coordinator):
    coordinator_client = client_for(coordinator)
    synthetic, _ = one_synthetic_plan
    for url in (f"/dashboard/?plan={synthetic.pk}", f"/measures/?plan={synthetic.pk}", "/review/"):
        assert coordinator_client.get(url).status_code == 200, url
    assert coordinator_client.get(f"/export/status.xlsx?plan={synthetic.pk}").status_code == 200
