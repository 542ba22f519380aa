"""Pages of the plan's goal indicators (/indicators/): read by everyone but auditors,
entered by the responsible unit's staff, reviewed by the coordinator."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from security import audit
from tasks import access
from tasks.fields import disable, with_refused_uploads
from tasks.indicators import values as rules
from tasks.indicators.forms import IndicatorValueForm
from tasks.models import Indicator, IndicatorEvidence, IndicatorValue, Report
from tasks.pages import evidence_response, selected_plan
from tasks.reporting.forms import ReviewForm
from tasks.review.engine import Conflict, WorkflowError


def _get_indicator(request, pk):
    """An indicator of a plan the user may read (access.can_read_plan), or one
    their unit enters; 404 otherwise."""
    indicator = get_object_or_404(Indicator.objects.select_related("plan", "unit", "data_unit"), pk=pk)
    if not (_can_enter(request.user, indicator) or access.can_read_plan(request.user, indicator.plan)):
        raise Http404("您所在的单位不承担该行动方案的任务。")
    return indicator


def _can_enter(user, indicator):
    return indicator.unit_id in {u.pk for u in access.user_units(user)}


def _get_indicator_for_entry(request, pk, year):
    """The indicator whose value the user may enter for `year`; 403 for anyone but its unit's staff."""
    indicator = _get_indicator(request, pk)
    if not _can_enter(request.user, indicator):
        raise PermissionDenied(f"只有{indicator.unit.name}的联络员可以填报该指标。")
    if year not in indicator.years:
        raise Http404("该年份不在指标的填报年份之内。")
    return indicator


def _get_value_for_review(request, pk):
    """An indicator value, for the coordinator only (403 for anyone else). 404 if none."""
    if not access.can_review(request.user):
        raise PermissionDenied("只有协调人可以审核指标数值。")
    return get_object_or_404(IndicatorValue.objects.select_related("indicator__plan"), pk=pk)


def _get_indicator_evidence_for_user(request, pk):
    evidence = get_object_or_404(IndicatorEvidence.objects.select_related("value__indicator"), pk=pk)
    if not (access.can_see_everything(request.user) or _can_enter(request.user, evidence.value.indicator)):
        raise PermissionDenied("您无权下载该佐证材料。")
    return evidence


def _entry(evaluation, today):
    """What the responsible unit can enter on an indicator's card: [(year, row)] for
    each year up to this one without a value (row None) or with a draft or a returned one."""
    years = [y for y in evaluation.indicator.years if y <= today.year]
    return [
        (year, evaluation.pending.get(year))
        for year in years
        if year not in evaluation.values
        and (year not in evaluation.pending or evaluation.pending[year].state != Report.State.SUBMITTED)
    ]


@access.non_auditor_login_required
def indicator_list(request):
    plan = selected_plan(request)
    own_units = {u.pk for u in access.user_units(request.user)}
    today = timezone.localdate()
    rows = []
    pending = []
    if plan is not None:
        rows = [
            (e, rules.chart(e), _entry(e, today) if e.indicator.unit_id in own_units else [])
            for e in rules.evaluations(plan)
        ]
        if access.can_review(request.user):
            pending = [
                (e.indicator, row)
                for e, _, _ in rows
                for row in e.pending.values()
                if row.state == Report.State.SUBMITTED
            ]
    return render(
        request,
        "tasks/indicator_list.html",
        {"plan": plan, "rows": rows, "pending": pending, "own_units": own_units},
    )


@access.non_auditor_login_required
def indicator_detail(request, pk):
    indicator = _get_indicator(request, pk)
    rows = list(indicator.values.select_related("updated_by").prefetch_related("evidence"))
    evaluation = rules.evaluate(indicator, rows)
    by_year = {row.year: row for row in rows}
    see_files = access.can_see_everything(request.user) or _can_enter(request.user, indicator)
    years = [
        {
            "year": year,
            "row": by_year.get(year),
            "growth": evaluation.growth.get(year),
            "is_baseline": year == indicator.baseline_year,
            "review_form": ReviewForm(initial={"version": by_year[year].version}) if year in by_year else None,
        }
        for year in indicator.years
    ]
    events = [
        (e, rules.describe_changes(e)) for e in rules.timeline(indicator) if see_files or e.action != "draft_saved"
    ]
    return render(
        request,
        "tasks/indicator_detail.html",
        {
            "indicator": indicator,
            "evaluation": evaluation,
            "chart": rules.chart(evaluation),
            "years": years,
            "events": events,
            "can_enter": _can_enter(request.user, indicator),
            "can_review": access.can_review(request.user),
            "see_files": see_files,
        },
    )


@access.non_auditor_login_required
def indicator_value_form(request, pk, year):
    indicator = _get_indicator_for_entry(request, pk, year)
    row = IndicatorValue.objects.filter(indicator=indicator, year=year).prefetch_related("evidence").first()
    blocked = rules.edit_block_reason(row)
    conflict = False
    if request.method == "POST":
        if blocked:
            messages.error(request, blocked)
            return redirect(request.path)
        form = with_refused_uploads(IndicatorValueForm(request.POST, request.FILES), request, "evidence_files")
        if form.is_valid():
            try:
                saved = rules.save_value(
                    indicator,
                    year,
                    form.cleaned_data,
                    request.user,
                    submit="submit" in request.POST,
                    version=form.cleaned_data["version"],
                    evidence=form.cleaned_data["evidence_files"],
                )
            except Conflict as exc:
                messages.error(request, str(exc))
                row = IndicatorValue.objects.filter(indicator=indicator, year=year).first()
                data = request.POST.copy()
                data["version"] = row.version if row else 0
                form = IndicatorValueForm(data)
                form.is_valid()
                conflict = True
            except WorkflowError as exc:
                messages.error(request, str(exc))
                return redirect(request.path)
            else:
                if saved.state == Report.State.SUBMITTED:
                    messages.success(request, f"{year}年数值已提交，等待协调人审核。")
                else:
                    messages.success(request, f"{year}年数值草稿已保存，尚未提交。")
                return redirect("tasks:indicator_detail", pk=indicator.pk)
    else:
        initial = {"version": row.version if row else 0}
        if row is None and indicator.data_unit:
            initial["source"] = f"{indicator.data_unit.name}统计数据"
        form = IndicatorValueForm(instance=row, initial=initial)
    if blocked:
        disable(form)
    return render(
        request,
        "tasks/indicator_form.html",
        {"indicator": indicator, "year": year, "row": row, "form": form, "blocked": blocked, "conflict": conflict},
    )


REVIEW_DONE = {
    "approve": "已审核通过。",
    "return": "已退回，责任单位将看到退回意见。",
    "reopen": "已重新打开，责任单位可以修改。",
}


@access.non_auditor_login_required
@require_POST
@access.review_required
def indicator_review(request, pk):
    row = _get_value_for_review(request, pk)
    form = ReviewForm(request.POST)
    decision = request.POST.get("action")
    if not form.is_valid() or decision not in REVIEW_DONE:
        messages.error(request, "审核请求无效，请刷新页面后重试。")
    else:
        try:
            rules.VALUES.decide(
                row,
                decision,
                acting_user=request.user,
                version=form.cleaned_data["version"],
                comment=form.cleaned_data["comment"],
            )
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{row.indicator.name} {row.year}年：{REVIEW_DONE[decision]}")
    return redirect("tasks:indicator_detail", pk=row.indicator_id)


@access.non_auditor_login_required
def indicator_evidence(request, pk):
    evidence = _get_indicator_evidence_for_user(request, pk)
    return evidence_response(evidence, audit.Kind.INDICATOR_EVIDENCE_DOWNLOADED, evidence.value)
