"""/indicators/ and its pages: who reads, who enters, who reviews; the chart; the dashboard panel."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from security.models import AuditEvent
from tasks.indicators import values as indicators
from tasks.models import IndicatorEvidence, IndicatorValue, Report
from tests.conftest import make_user


def data(value="1200", source="区统计局年度统计", note=""):
    return {"value": Decimal(value), "source": source, "note": note}


@pytest.fixture
def businesses(plan):
    return plan.indicators.get(number=3)


def form_url(indicator, year):
    return reverse("tasks:indicator_value_form", args=[indicator.pk, year])


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["market_staff", "statistics_staff", "lead_staff", "coordinator", "viewer"])
def test_everyone_but_auditors_reads_the_indicators(client_for, request, plan, who):
    response = client_for(request.getfixturevalue(who)).get("/indicators/")
    assert response.status_code == 200
    body = response.content.decode()
    for name in ["中广国际广告产业园分园", "在全国具有影响力的数字广告企业", "全区广告经营主体", "广告年营收"]:
        assert name in body


def test_auditor_gets_403(client_for, auditor):
    assert client_for(auditor).get("/indicators/").status_code == 403


def test_anonymous_is_sent_to_login(client, plan):
    response = client.get("/indicators/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["statistics_staff", "lead_staff", "coordinator", "viewer"])
def test_only_the_responsible_units_staff_may_open_the_form(client_for, request, businesses, who):
    response = client_for(request.getfixturevalue(who)).get(form_url(businesses, 2021))
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["market_staff", "statistics_staff", "viewer"])
def test_only_the_coordinator_reviews(client_for, request, businesses, market_staff, who):
    row = indicators.save_value(businesses, 2021, data(), market_staff, submit=True, version=0)
    url = reverse("tasks:indicator_review", args=[row.pk])
    response = client_for(request.getfixturevalue(who)).post(url, {"version": row.version, "action": "approve"})
    assert response.status_code == 403
    assert IndicatorValue.objects.get(pk=row.pk).state == Report.State.SUBMITTED


def test_year_outside_the_indicator_gets_404(client_for, businesses, market_staff):
    assert client_for(market_staff).get(form_url(businesses, 2019)).status_code == 404


# --- entering a value through the form ----------------------------------------------------------


def test_staff_submits_a_value_with_evidence(client_for, businesses, market_staff, media_root):
    upload = SimpleUploadedFile("2021年统计报表.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client_for(market_staff).post(
        form_url(businesses, 2021),
        {
            "version": 0,
            "value": "1234.5",
            "source": "区统计局",
            "note": "年末数",
            "evidence_files": upload,
            "submit": "",
        },
    )
    assert response.status_code == 302
    row = IndicatorValue.objects.get(indicator=businesses, year=2021)
    assert (row.value, row.state, row.source) == (Decimal("1234.50"), Report.State.SUBMITTED, "区统计局")
    evidence = IndicatorEvidence.objects.get(value=row)
    assert evidence.original_name == "2021年统计报表.pdf"
    assert (media_root / evidence.file.name).exists()


def test_indicator_evidence_is_audited_like_report_evidence(client_for, businesses, market_staff, coordinator):
    """Its upload and every download are records of their own (the release probe found neither)."""
    upload = SimpleUploadedFile("2021年统计报表.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client_for(market_staff).post(
        form_url(businesses, 2021),
        {"version": 0, "value": "12", "source": "区统计局", "evidence_files": upload, "submit": ""},
    )
    evidence = IndicatorEvidence.objects.get()

    response = client_for(coordinator).get(reverse("tasks:indicator_evidence", args=[evidence.pk]))

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    uploaded = AuditEvent.objects.get(kind="ind_evidence_uploaded")
    assert (uploaded.username, uploaded.get_kind_display()) == ("shichangjianguan", "上传指标佐证材料")
    assert uploaded.detail == "2021年统计报表.pdf（13 字节）"
    downloaded = AuditEvent.objects.get(kind="ind_evidence_downloaded")
    assert (downloaded.username, downloaded.actor_role) == ("coordinator", "协调人")


@pytest.mark.parametrize(
    "value, message",
    [("-1", "实际值不能为负数"), ("abc", "实际值应为数字"), ("", "请填写实际值"), ("1.234", "最多保留两位小数")],
)
def test_bad_value_is_refused_in_chinese_and_nothing_saved(client_for, businesses, market_staff, value, message):
    response = client_for(market_staff).post(
        form_url(businesses, 2021), {"version": 0, "value": value, "source": "区统计局", "submit": ""}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_form_prefills_the_statistics_bureau_as_source(client_for, businesses, market_staff):
    body = client_for(market_staff).get(form_url(businesses, 2021)).content.decode()
    assert 'value="区统计局统计数据"' in body


def test_stale_form_keeps_the_typed_value_and_says_so(client_for, businesses, market_staff):
    indicators.save_value(businesses, 2021, data("1000"), market_staff, submit=False, version=0)
    response = client_for(market_staff).post(
        form_url(businesses, 2021), {"version": 0, "value": "1111", "source": "区统计局", "draft": ""}
    )
    body = response.content.decode()
    assert "他人已修改" in body
    assert 'value="1111"' in body
    assert IndicatorValue.objects.get(indicator=businesses, year=2021).value == Decimal("1000")


def test_approved_value_form_is_read_only(client_for, businesses, market_staff, coordinator):
    row = indicators.save_value(businesses, 2021, data(), market_staff, submit=True, version=0)
    indicators.approve(row, coordinator, row.version)
    staff_client = client_for(market_staff)
    body = staff_client.get(form_url(businesses, 2021)).content.decode()
    assert "已审核通过，不能修改" in body
    response = staff_client.post(form_url(businesses, 2021), {"version": 2, "value": "1", "source": "x", "submit": ""})
    assert response.status_code == 302
    assert IndicatorValue.objects.get(pk=row.pk).value == Decimal("1200")


# --- review ------------------------------------------------------------------------------------


def test_coordinator_returns_with_a_comment_and_the_unit_sees_it(client_for, businesses, market_staff, coordinator):
    row = indicators.save_value(businesses, 2022, data(), market_staff, submit=True, version=0)
    url = reverse("tasks:indicator_review", args=[row.pk])
    response = client_for(coordinator).post(
        url, {"version": row.version, "action": "return", "comment": "请附统计报表"}
    )
    assert response.status_code == 302
    body = client_for(market_staff).get(form_url(businesses, 2022)).content.decode()
    assert "请附统计报表" in body


def test_coordinator_sees_pending_values_on_the_list(client_for, businesses, market_staff, coordinator):
    indicators.save_value(businesses, 2022, data("1180"), market_staff, submit=True, version=0)
    body = client_for(coordinator).get("/indicators/").content.decode()
    assert "待审核的指标数值" in body
    assert "全区广告经营主体 2022年：1180 户" in body


def test_detail_shows_values_growth_and_timeline(client_for, plan, market_staff, coordinator, viewer):
    revenue = plan.indicators.get(number=4)
    for year, value in [(2022, "50"), (2023, "55")]:
        row = indicators.save_value(revenue, year, data(value), market_staff, submit=True, version=0)
        indicators.approve(row, coordinator, row.version)
    body = client_for(viewer).get(reverse("tasks:indicator_detail", args=[revenue.pk])).content.decode()
    assert "10.0%" in body  # 2023 over 2022
    assert "审核通过" in body
    assert '2022年<span class="muted small">（基期）</span>' in body


# --- evidence ----------------------------------------------------------------------------------


def test_evidence_is_served_to_the_unit_and_the_coordinator_but_not_to_other_staff(
    client_for, businesses, market_staff, coordinator, lead_staff
):
    row = indicators.save_value(businesses, 2021, data(), market_staff, submit=True, version=0)
    evidence = IndicatorEvidence.objects.create(
        value=row,
        file=SimpleUploadedFile("表.xlsx", b"PK"),
        original_name="表.xlsx",
        size=2,
        uploaded_by=market_staff,
    )
    url = reverse("tasks:indicator_evidence", args=[evidence.pk])
    assert client_for(market_staff).get(url).status_code == 200
    assert client_for(coordinator).get(url).status_code == 200
    assert client_for(lead_staff).get(url).status_code == 403


# --- the chart in the page ----------------------------------------------------------------------


def test_chart_is_an_svg_readable_in_black_and_white(client_for, businesses, market_staff, coordinator, viewer):
    for year, value in [(2020, "1000"), (2023, "1200")]:
        row = indicators.save_value(businesses, year, data(value), market_staff, submit=True, version=0)
        indicators.approve(row, coordinator, row.version)
    body = client_for(viewer).get("/indicators/").content.decode()
    chart = body[body.index('id="indicator-' + str(businesses.pk)) :]
    chart = chart[chart.index("<svg") : chart.index("</svg>")]
    assert 'role="img"' in chart and "<title>" in chart
    assert 'stroke-dasharray="7,5"' in chart  # the target: dashed
    assert chart.count("<circle") == 2 + 1  # two values and the legend's marker
    assert chart.count("<rect") == 2 + 1  # the target's two ends and the legend's marker
    assert "已审核" in chart and "目标" in chart


def test_status_is_said_in_words_not_colour_alone(client_for, businesses, market_staff, coordinator, viewer):
    for year, value in [(2020, "1000"), (2025, "1400")]:
        row = indicators.save_value(businesses, year, data(value), market_staff, submit=True, version=0)
        indicators.approve(row, coordinator, row.version)
    body = client_for(viewer).get("/indicators/").content.decode()
    section = body[body.index('id="indicator-' + str(businesses.pk)) :]
    assert "✔ 已达成" in section[:2000]


# --- dashboard panel ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "viewer", "market_staff"])
def test_dashboard_shows_each_indicator_with_its_status(client_for, request, businesses, who):
    # /dashboard/ is everyone's dashboard; unit staff's / is their 待办.
    body = client_for(request.getfixturevalue(who)).get("/dashboard/").content.decode()
    panel = body[body.index("<h2>主要目标</h2>") :]
    for name in ["中广国际广告产业园分园", "全区广告经营主体", "广告年营收"]:
        assert name in panel
    assert "目标待定" in panel  # 若干 and 一批 until an admin sets them
    assert "2025年较2020年增长 40%" in panel


# --- queries -----------------------------------------------------------------------------------


def count_queries(browser, url):
    with CaptureQueriesContext(connection) as context:
        assert browser.get(url).status_code == 200
    return len(context.captured_queries)


def test_list_query_count_does_not_grow_with_values(client_for, plan, market_staff, coordinator):
    coordinator_client = client_for(coordinator)
    coordinator_client.get("/indicators/")
    before = count_queries(coordinator_client, "/indicators/")
    for indicator in plan.indicators.all():
        for year in indicator.years:
            row = indicators.save_value(indicator, year, data(str(100 + year)), market_staff, submit=True, version=0)
            indicators.approve(row, coordinator, row.version)
    assert count_queries(coordinator_client, "/indicators/") == before <= 11


def test_detail_query_count_is_pinned(client_for, businesses, market_staff, viewer, django_assert_max_num_queries):
    for year in [2020, 2021, 2022]:
        indicators.save_value(businesses, year, data(), market_staff, submit=True, version=0)
    viewer_client = client_for(viewer)
    assert viewer_client.get(reverse("tasks:indicator_detail", args=[businesses.pk])).status_code == 200
    # Session, user, account, the indicator, its values and their files,
    # permissions (2), the timeline, the user's units, the plan selector,
    # the unread count in the navigation.
    with django_assert_max_num_queries(12):
        assert viewer_client.get(reverse("tasks:indicator_detail", args=[businesses.pk])).status_code == 200


def test_unit_staff_of_another_plan_unit_sees_no_entry_link(client_for, businesses):
    staff = make_user("kewei2", units=["区科委"])
    body = client_for(staff).get(reverse("tasks:indicator_detail", args=[businesses.pk])).content.decode()
    assert form_url(businesses, 2021) not in body
    other_market_staff = client_for(make_user("shichangjianguan2", units=["区市场监管局"]))
    assert (
        form_url(businesses, 2021)
        in other_market_staff.get(reverse("tasks:indicator_detail", args=[businesses.pk])).content.decode()
    )


# --- what the responsible unit sees to do --------------------------------------------------------


def test_the_list_offers_the_responsible_unit_each_year_to_enter(
    client_for, businesses, market_staff, coordinator, clock
):
    clock(datetime.date(2024, 2, 1))
    for year in (2020, 2021):
        row = indicators.save_value(businesses, year, data(), market_staff, submit=True, version=0)
        indicators.approve(row, coordinator, row.version)
    indicators.save_value(businesses, 2022, data(), market_staff, submit=False, version=0)
    submitted = indicators.save_value(businesses, 2023, data(), market_staff, submit=True, version=0)

    body = client_for(market_staff).get("/indicators/").content.decode()
    card = body[body.index(f'id="indicator-{businesses.pk}"') :]
    card = card[: card.index("</section>")]
    assert f'href="{form_url(businesses, 2022)}">继续填报 2022 年（草稿）</a>' in card
    assert f'href="{form_url(businesses, 2024)}">填报 2024 年实际值</a>' in card
    for done in (2020, 2021, 2025):  # approved, approved, not yet this year
        assert form_url(businesses, done) not in card
    assert form_url(businesses, submitted.year) not in card  # waiting for review
    assert "填报 2024 年实际值" not in client_for(coordinator).get("/indicators/").content.decode()


def test_values_show_without_needless_decimals(client_for, businesses, market_staff, coordinator):
    row = indicators.save_value(businesses, 2021, data("8"), market_staff, submit=True, version=0)
    indicators.approve(row, coordinator, row.version)
    pending = indicators.save_value(businesses, 2022, data("116.90"), market_staff, submit=True, version=0)

    detail = client_for(market_staff).get(reverse("tasks:indicator_detail", args=[businesses.pk])).content.decode()
    assert '<td data-label="实际值">8 户</td>' in detail
    assert '<td data-label="实际值">116.9 户</td>' in detail
    assert ".00 户" not in detail and "116.90" not in detail
    returned = indicators.return_for_revision(pending, coordinator, pending.version, "请核对")
    form = client_for(market_staff).get(form_url(businesses, returned.year)).content.decode()
    assert 'value="116.9"' in form


def test_a_returned_value_is_among_the_units_todo_cards(client_for, businesses, market_staff, coordinator):
    row = indicators.save_value(businesses, 2022, data("1180"), market_staff, submit=True, version=0)
    indicators.return_for_revision(row, coordinator, row.version, "请附统计报表")

    todo = client_for(market_staff).get("/").content.decode()

    assert "被退回，需修改后重新提交（" in todo
    card = todo[todo.index('<a class="ob-code" href="/indicators/') :]
    card = card[: card.index("</article>")]
    assert "全区广告经营主体：2022年实际值 1180 户" in card
    assert "<strong>退回意见：</strong>请附统计报表" in card
    assert f'href="{form_url(businesses, 2022)}">修改并重新提交</a>' in card


def test_reopening_a_value_needs_a_reason(client_for, businesses, market_staff, coordinator):
    row = indicators.save_value(businesses, 2022, data(), market_staff, submit=True, version=0)
    row = indicators.approve(row, coordinator, row.version)
    url = reverse("tasks:indicator_review", args=[row.pk])

    response = client_for(coordinator).post(
        url, {"version": row.version, "action": "reopen", "comment": ""}, follow=True
    )

    assert "重新打开时必须填写原因" in response.content.decode()
    assert IndicatorValue.objects.get(pk=row.pk).state == Report.State.APPROVED
    assert "重新打开原因（必填）" in response.content.decode()
