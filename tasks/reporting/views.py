"""Reporting pages: the report form, 撤回, evidence, review and the periods."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiading_ads.params import to_id
from security import audit
from tasks import access
from tasks import obligations as obligation_rules
from tasks import periods as period_rules
from tasks.fields import disable, with_refused_uploads
from tasks.models import Evidence, Period, Report
from tasks.pages import evidence_response, get_measure_for_user, selected_plan
from tasks.reporting import actions, workflow
from tasks.reporting.filters import ReviewFilter
from tasks.reporting.forms import (
    DueDateForm,
    EvaluationReviewForm,
    LateReportingForm,
    PeriodForm,
    ReviewForm,
    report_form_class,
)


def _get_period_for_user(request, pk):
    """A reporting period, for the coordinator only (403 for anyone else). 404 if none."""
    if not access.can_review(request.user):
        raise PermissionDenied("只有协调人可以管理填报周期。")
    return get_object_or_404(Period, pk=pk)


def _get_obligation_for_user(request, pk):
    """The measure, the obligation the user reports on (the unit chosen by
    ?unit= or the form's unit field, else the first of theirs) and all the
    user's units' obligations on it. 404 for an unknown measure; 403 for
    non-staff and for another unit's obligation (recorded as a refusal)."""
    measure = get_measure_for_user(request, pk)
    units = access.user_units(request.user)
    if not units:
        raise PermissionDenied("只有责任单位的联络员可以填报进展。")
    members = obligation_rules.collective_members()
    unit_ids = {u.pk for u in units}
    mine = [o for o in obligation_rules.for_measure(measure, members) if o.unit.pk in unit_ids]
    if not mine:
        raise PermissionDenied("您所在的单位不承担这项措施，不能填报或查看其他单位的填报。")
    wanted = request.POST.get("unit") or request.GET.get("unit")
    if not wanted:
        return measure, mine[0], mine
    unit = next((u for u in units if str(u.pk) == wanted), None)
    obligation = obligation_rules.find(measure, unit, members) if unit else None
    if obligation is None:
        raise PermissionDenied("您只能填报本单位承担的措施，不能打开其他单位的填报。")
    return measure, obligation, mine


def _get_report_for_review(request, pk):
    """A report with what the review page shows, for the coordinator only (403 for
    anyone else). 404 if none."""
    if not access.can_review(request.user):
        raise PermissionDenied("只有协调人可以审核填报。")
    return get_object_or_404(
        Report.objects.select_related("measure__task__plan", "unit", "period", "updated_by"), pk=pk
    )


def _get_evidence_for_user(request, pk):
    """An evidence file; 403 unless the user may see its unit's material (access.can_see_private)."""
    evidence = get_object_or_404(Evidence.objects.select_related("report"), pk=pk)
    if not access.can_see_private(request.user, evidence.report.unit_id):
        raise PermissionDenied("您无权下载该佐证材料。")
    return evidence


@access.non_auditor_login_required
def report_form(request, pk):
    measure, obligation, mine = _get_obligation_for_user(request, pk)
    plan = measure.task.plan
    today = timezone.localdate()
    writable = period_rules.writable_periods(plan, today)
    if request.method == "POST" and "period" in request.POST:
        # Save into the period the form was opened for, if it still takes
        # reports; a period that does not (closed meanwhile, past its deadline,
        # another plan's, made up) is refused and recorded.
        period = Period.objects.filter(plan=plan, pk=to_id(request.POST["period"]) or -1).first()
        reason = period_rules.write_block_reason(period, today) if period else "填报周期无效。"
        if reason:
            audit.record(
                audit.Kind.PERIOD_REFUSED,
                result=audit.Result.DENIED,
                obj=measure,
                detail=f"{obligation.unit.name} 向周期 {request.POST['period'][:40]!r} 提交被拒绝：{reason}",
            )
            messages.error(request, reason)
            return redirect(f"{request.path}?unit={obligation.unit.pk}")
    else:
        wanted = to_id(request.GET.get("period"))
        period = period_rules.chosen_period(writable, wanted) or period_rules.reporting_period(plan, today)
        if period is not None and workflow.final_block_reason(obligation, period):
            # A co-organizer owes no final evaluation: another period it may write into, if any.
            period = next((p for p in writable if not workflow.final_block_reason(obligation, p)), period)
    if period is None:
        messages.error(request, "当前没有接受填报的周期（已过填报截止日期），请联系协调人开放补报。")
        return redirect("tasks:measure_detail", pk=measure.pk)
    report = (
        Report.objects.filter(measure=measure, unit=obligation.unit, period=period).prefetch_related("evidence").first()
    )
    final_block = workflow.final_block_reason(obligation, period)
    if final_block and request.method != "POST":
        # Nothing to fill in: a co-organizer owes no final evaluation.
        messages.info(request, final_block)
        return redirect("tasks:measure_detail", pk=measure.pk)
    blocked = final_block or workflow.edit_block_reason(report, period, today)
    form_class = report_form_class(period)
    conflict = False
    # 沿用上期: the form may start from the obligation's last report of an earlier
    # period (not a final evaluation, which is no quarter's sequel).
    copyable = (
        not blocked and period.kind != Period.Kind.FINAL and (report is None or report.state == Report.State.DRAFT)
    )
    previous = workflow.previous_report(obligation, period) if copyable else None
    if request.method == "POST":
        if blocked:
            messages.error(request, blocked)
            return redirect(request.get_full_path())
        copied_from = previous if previous and request.POST.get("copied_from") == str(previous.pk) else None
        # A draft keeps whatever is filled in; the full checks apply on 提交.
        submitting = "submit" in request.POST
        form = with_refused_uploads(
            form_class(request.POST, request.FILES, instance=Report(role=obligation.role), submitting=submitting),
            request,
            "evidence_files",
        )
        if form.is_valid():
            try:
                saved = workflow.save_report(
                    obligation,
                    period,
                    form.cleaned_data,
                    request.user,
                    submit=submitting,
                    version=form.cleaned_data["version"],
                    evidence=form.cleaned_data["evidence_files"],
                    copied_from=copied_from,
                    today=today,
                )
            except workflow.Conflict as exc:
                # Keep what the user typed on screen, now based on the latest
                # version, and show the latest saved content beside it.
                messages.error(request, str(exc))
                report = Report.objects.filter(measure=measure, unit=obligation.unit, period=period).first()
                data = request.POST.copy()
                data["version"] = report.version if report else 0
                form = form_class(data, instance=Report(role=obligation.role), submitting=submitting)
                form.is_valid()
                conflict = True
            except workflow.NotAllowed as exc:
                messages.error(request, str(exc))
                return redirect(request.get_full_path())
            else:
                if saved.state == Report.State.SUBMITTED:
                    messages.success(request, "已提交，等待协调人审核。")
                else:
                    messages.success(request, "草稿已保存，尚未提交。")
                return redirect(request.path + _report_form_query(obligation.unit.pk, period.pk))
        copying = copied_from
    else:
        initial = {"version": report.version if report else 0}
        copying = previous if previous and request.GET.get("copy") == "previous" else None
        if copying:
            initial.update({name: getattr(copying, name) for name in workflow.REPORT_FIELDS})
            form = form_class(instance=Report(role=obligation.role), initial=initial)
        else:
            form = form_class(instance=report or Report(role=obligation.role), initial=initial)
    if blocked:
        disable(form)
    return render(
        request,
        "tasks/report_form.html",
        {
            "measure": measure,
            "obligation": obligation,
            "other_units": [o for o in mine if o.unit.pk != obligation.unit.pk],
            "period": period,
            "other_periods": [p for p in writable if p != period and not workflow.final_block_reason(obligation, p)],
            "deadline": period_rules.reporting_deadline(period),
            "report": report,
            "form": form,
            "blocked": blocked,
            "conflict": conflict,
            "previous": previous,
            "copying": copying,
            "form_query": _report_form_query(obligation.unit.pk, period.pk),
        },
    )


def _report_form_query(unit_id, period_id):
    """The report form's query for one unit and period: a period opened for
    late reporting stays chosen after a save, a withdrawal or a deletion."""
    return f"?unit={unit_id}&period={period_id}"


def _writable_period(request, plan, today):
    """The period of the report form a withdrawal or a deletion came from:
    ?period= among those that take reports today, else the default one."""
    wanted = to_id(request.POST.get("period") or request.GET.get("period"))
    writable = period_rules.writable_periods(plan, today)
    return period_rules.chosen_period(writable, wanted) or period_rules.reporting_period(plan, today)


@access.non_auditor_login_required
def withdraw(request, pk):
    """撤回: the unit takes its submitted, not yet reviewed report back to draft, after a confirmation."""
    measure, obligation, _ = _get_obligation_for_user(request, pk)
    today = timezone.localdate()
    period = _writable_period(request, measure.task.plan, today)
    report = (
        Report.objects.filter(measure=measure, unit=obligation.unit, period=period, state=Report.State.SUBMITTED)
        .select_related("period", "measure__task", "unit")
        .first()
        if period
        else None
    )
    form_url = reverse("tasks:report_form", args=[measure.pk]) + (
        _report_form_query(obligation.unit.pk, period.pk) if period else f"?unit={obligation.unit.pk}"
    )
    if report is None:
        messages.error(request, "没有可以撤回的填报：只有已提交、尚未审核的填报可以撤回。")
        return redirect(form_url)
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            workflow.withdraw(report, request.user, to_id(version) or -1, today=today)
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已撤回，填报恢复为草稿；修改后请重新提交。")
        return redirect(form_url)
    return render(
        request,
        "tasks/confirm.html",
        {
            "title": "撤回填报",
            "question": f"确定撤回{report.unit.name}“{measure.code}”{report.period.name}的填报吗？",
            "consequence": "撤回后填报恢复为草稿，协调人不再看到它，直到您重新提交。",
            "items": [],
            "fields": {"version": report.version, "unit": obligation.unit.pk, "period": period.pk},
            "confirm_label": "确认撤回",
            "cancel_url": form_url,
        },
    )


@access.non_auditor_login_required
def evidence_download(request, pk):
    evidence = _get_evidence_for_user(request, pk)
    return evidence_response(evidence, audit.Kind.EVIDENCE_DOWNLOADED, evidence.report)


@access.non_auditor_login_required
def evidence_delete(request, pk):
    """The unit deletes one of its own evidence files before approval, after a confirmation."""
    evidence = _get_evidence_for_user(request, pk)
    report = evidence.report
    if report.unit_id not in {u.pk for u in access.user_units(request.user)}:
        raise PermissionDenied("只有该单位的联络员可以删除其佐证材料。")
    form_url = reverse("tasks:report_form", args=[report.measure_id])
    form_url += _report_form_query(report.unit_id, report.period_id)
    today = timezone.localdate()
    if request.method == "POST":
        try:
            workflow.delete_evidence(evidence, request.user, today=today)
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已删除佐证材料“{evidence.original_name}”。")
        return redirect(form_url)
    blocked = workflow.evidence_block_reason(report, today)
    if blocked:
        messages.error(request, blocked)
        return redirect(form_url)
    return render(
        request,
        "tasks/confirm.html",
        {
            "title": "删除佐证材料",
            "question": f"确定删除佐证材料“{evidence.original_name}”吗？",
            "consequence": "删除后文件不可恢复；填报记录中会保留“删除佐证材料”一条。",
            "items": [],
            "fields": {},
            "confirm_label": "确认删除",
            "danger": True,
            "cancel_url": form_url,
        },
    )


@access.non_auditor_login_required
@access.review_required
def review_queue(request):
    """Submitted reports waiting for review by default; the filters show the reviewed ones too."""
    plan = selected_plan(request)
    data = request.GET.copy()
    data.setdefault("state", Report.State.SUBMITTED)
    reviewable = Report.objects.filter(state__in=ReviewFilter.REVIEWABLE)
    review_filter = ReviewFilter(data, queryset=reviewable, plan=plan)
    # A value no choice offers (a draft, a forged id) shows nothing rather than everything.
    chosen = review_filter.qs if review_filter.is_valid() else reviewable.none()
    reports = chosen.select_related("measure__task__plan", "unit", "period", "updated_by").order_by(
        "submitted_at", "pk"
    )
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "tasks/review_queue.html",
        {
            "page": page,
            "reports": page.object_list,
            "plan": plan,
            "filter": review_filter,
            "query": query.urlencode(),
            "waiting": review_filter.form.cleaned_data.get("state") == Report.State.SUBMITTED
            if review_filter.is_valid()
            else False,
        },
    )


@access.non_auditor_login_required
@access.review_required
def review_batch(request):
    """Approve the chosen submitted reports at once, after one confirmation. The
    address opened directly (a bookmark, a reload) leads back to the list."""
    if request.method != "POST":
        messages.info(request, "批量审核：请在列表中勾选已提交的填报，再点击“批量审核通过所选”。")
        return redirect("tasks:review")
    chosen = [pk for pk in map(to_id, request.POST.getlist("report")) if pk]
    reports = list(
        Report.objects.filter(pk__in=chosen, state=Report.State.SUBMITTED)
        .select_related("measure__task", "unit", "period")
        .order_by("submitted_at", "pk")
    )
    if not reports:
        messages.error(request, "请先勾选要审核通过的已提交填报。")
        return redirect("tasks:review")
    if request.POST.get("confirm") != "1":
        return render(
            request,
            "tasks/confirm.html",
            {
                "title": "批量审核通过",
                "question": f"确定将以下 {len(reports)} 条填报审核通过吗？",
                "consequence": "通过后各单位会收到站内消息；如需修改，可在审核页重新打开。",
                "items": [f"{r.measure.code} {r.unit.name} {r.period.name}（{r.percent}%）" for r in reports],
                "multi_fields": [("report", r.pk) for r in reports] + [(f"version_{r.pk}", r.version) for r in reports],
                "fields": {"confirm": "1"},
                "confirm_label": f"确认通过 {len(reports)} 条",
                "cancel_url": reverse("tasks:review"),
            },
        )
    versions = {r.pk: to_id(request.POST.get(f"version_{r.pk}", "")) or -1 for r in reports}
    approved, refused = actions.do_approve_reports(reports, versions, acting_user=request.user)
    if approved:
        messages.success(request, f"已审核通过 {approved} 条填报。")
    for line in refused:
        messages.error(request, f"未通过：{line}")
    return redirect("tasks:review")


@access.non_auditor_login_required
@access.review_required
def review_report(request, pk):
    report = _get_report_for_review(request, pk)
    # A final evaluation is approved with the coordinator's 评估意见.
    form_class = EvaluationReviewForm if report.is_evaluation else ReviewForm
    if request.method == "POST":
        form = form_class(request.POST)
        decision = request.POST.get("action")
        if form.is_valid():
            try:
                actions.do_review_report(
                    report,
                    decision,
                    acting_user=request.user,
                    version=form.cleaned_data["version"],
                    comment=form.cleaned_data["comment"],
                    assessment=form.cleaned_data.get("assessment", ""),
                )
            except workflow.WorkflowError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _review_done(report, decision))
                if decision == "reopen":
                    return redirect("tasks:measure_detail", pk=report.measure_id)
                return redirect("tasks:review")
    else:
        form = form_class(initial={"version": report.version, "assessment": report.assessment})
    return render(
        request,
        "tasks/review_report.html",
        {
            "report": report,
            "form": form,
            "evidence": report.evidence.all(),
            "events": [
                (e, workflow.describe_changes(e)) for e in report.events.select_related("actor").order_by("-at", "-pk")
            ],
        },
    )


def _review_done(report, decision):
    if decision == "approve" and report.is_evaluation:
        return "已审核通过，评估意见已记入终期评估。"
    return {
        "approve": "已审核通过。",
        "return": "已退回，单位将看到退回意见。",
        "reopen": "已重新打开，单位可以修改。",
    }[decision]


@access.non_auditor_login_required
@access.review_required
def periods(request):
    plan = selected_plan(request)
    if plan is None:
        raise Http404("尚未载入行动方案。")
    form = PeriodForm(request.POST or None, instance=Period(plan=plan), prefix="new")
    if request.method == "POST" and form.is_valid():
        period = form.save(commit=False)
        told = actions.do_add_period(period, acting_user=request.user)
        messages.success(
            request, f"已新增填报周期“{period.name}”。" + (f"已通知 {len(told)} 位联络员。" if told else "")
        )
        return redirect("tasks:periods")
    today = timezone.localdate()
    current = Period.objects.current(plan, today)
    writable = period_rules.writable_periods(plan, today)
    rows = [
        (
            p,
            DueDateForm(instance=p, prefix=f"p{p.pk}"),
            LateReportingForm(instance=p, prefix=f"l{p.pk}"),
            p in writable,
            period_rules.reporting_deadline(p),
        )
        for p in plan.periods.order_by("end_date", "pk")
    ]
    return render(
        request,
        "tasks/periods.html",
        {"plan": plan, "rows": rows, "form": form, "current": current, "grace_days": settings.REPORTING_GRACE_DAYS},
    )


@access.non_auditor_login_required
@require_POST
@access.review_required
def period_update(request, pk):
    period = _get_period_for_user(request, pk)
    action = request.POST.get("action")
    if action == "close":
        actions.do_close_period(period, acting_user=request.user)
        messages.success(request, f"已关闭“{period.name}”。")
    elif action == "open":
        told = actions.do_reopen_period(period, acting_user=request.user)
        messages.success(request, f"已重新开放“{period.name}”。" + (f"已通知 {len(told)} 位联络员。" if told else ""))
    elif action == "late":
        form = LateReportingForm(request.POST, instance=period, prefix=f"l{period.pk}")
        if form.is_valid():
            day = form.cleaned_data["late_until"]
            told = actions.do_set_late_reporting(period, day, acting_user=request.user, today=timezone.localdate())
            if day:
                detail = f"“{period.name}”开放补报至 {day:%Y-%m-%d}" + (
                    f"，已通知 {len(told)} 位联络员" if told else ""
                )
            else:
                detail = f"“{period.name}”取消补报"
            messages.success(request, f"已修改：{detail}。")
        else:
            messages.error(request, f"“{period.name}”的补报截止日期无效，未修改。")
    else:
        form = DueDateForm(request.POST, instance=period, prefix=f"p{period.pk}")
        if form.is_valid():
            actions.do_set_due_date(period, form.cleaned_data["due_date"], acting_user=request.user)
            messages.success(request, f"“{period.name}”的截止日期已改为 {period.due_date:%Y-%m-%d}。")
        else:
            messages.error(request, f"“{period.name}”的截止日期无效，未修改。")
    return redirect("tasks:periods")
