"""The 台账 out and back in, the 通报 and the 终期评估报告 as downloads."""

import io

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from jiading_ads import xlsx
from jiading_ads.params import to_id
from security import audit
from tasks import access
from tasks import periods as period_rules
from tasks.documents import actions, bulletin, finalreport, statussheet
from tasks.documents import house as documents
from tasks.documents.forms import ImportForm
from tasks.documents.statussheet import SheetScope, ascii_filename, export_filename, write_status_sheet
from tasks.fields import with_refused_uploads
from tasks.models import Period
from tasks.pages import selected_plan
from tasks.review.engine import WorkflowError


def status_sheet_download(scope, what):
    audit.record(
        audit.Kind.SHEET_EXPORTED,
        detail=f"{what}（{scope.period.name if scope.period else '无周期'}"
        f"{'，仅本单位' if scope.unit_ids is not None else ''}）",
    )
    buffer = io.BytesIO()
    write_status_sheet(scope, buffer)
    return xlsx.download(buffer.getvalue(), export_filename(scope), ascii_filename(scope))


@access.non_auditor_login_required
def export_status(request):
    unit_ids = access.status_sheet_units(request.user)
    plan = selected_plan(request)
    period = None
    if plan is not None:
        wanted = request.GET.get("period")
        if wanted:
            period = get_object_or_404(Period, plan=plan, pk=to_id(wanted) or -1)
        else:
            period = Period.objects.current(plan, timezone.localdate())
    approved_only = request.GET.get("reports") == "approved"
    scope = SheetScope(
        plan=plan, period=period, today=timezone.localdate(), unit_ids=unit_ids, approved_only=approved_only
    )
    return status_sheet_download(scope, "台账（仅已审核）" if approved_only else "台账")


@access.non_auditor_login_required
@access.review_required
def export_bulletin(request):
    """The period's 通报 as a Word draft, for the coordinator."""
    plan = selected_plan(request)
    if plan is None:
        raise Http404("尚未载入行动方案。")
    wanted = request.GET.get("period")
    if wanted:
        period = get_object_or_404(Period, plan=plan, pk=to_id(wanted) or -1)
    else:
        period = Period.objects.current(plan, timezone.localdate())
        if period is None:
            raise Http404("没有可通报的填报周期。")
    draft = bulletin.collect(plan, period, timezone.localdate())
    response = _word_download(bulletin.write, draft, bulletin.filename(draft), f"tongbao_{draft.today:%Y-%m-%d}.docx")
    audit.record(audit.Kind.BULLETIN_EXPORTED, obj=period, detail=f"{draft.title}（截至 {draft.today:%Y-%m-%d}）")
    return response


def _word_download(write, draft, filename, ascii_filename):
    """The document `write(draft, stream)` makes, as a .docx attachment."""
    buffer = io.BytesIO()
    write(draft, buffer)
    return xlsx.download(buffer.getvalue(), filename, ascii_filename, content_type=documents.CONTENT_TYPE)


@access.non_auditor_login_required
@access.review_required
def export_final_report(request):
    """The plan's 终期评估报告 as a Word draft, for the coordinator."""
    plan = selected_plan(request)
    if plan is None:
        raise Http404("尚未载入行动方案。")
    draft = finalreport.collect(plan, timezone.localdate())
    response = _word_download(
        finalreport.write, draft, finalreport.filename(draft), f"zhongqi-pinggu_{draft.today:%Y-%m-%d}.docx"
    )
    audit.record(
        audit.Kind.FINAL_REPORT_EXPORTED,
        obj=draft.period or plan,
        detail=f"{draft.title}（截至 {draft.today:%Y-%m-%d}）",
    )
    return response


IMPORT_SESSION_KEY = "statussheet_import"


@access.non_auditor_login_required
def import_status(request):
    """Upload a filled-in 台账, preview the changes, then apply them all or none."""
    unit_ids = access.status_sheet_units(request.user, importing=True)
    plan = selected_plan(request)
    period = period_rules.reporting_period(plan, timezone.localdate()) if plan else None
    preview = None
    if request.method == "POST" and request.POST.get("action") == "apply":
        pending = request.session.get(IMPORT_SESSION_KEY)
        if not pending or period is None or pending["period"] != period.pk:
            messages.error(request, "没有待导入的内容，或填报周期已变化，请重新上传。")
            return redirect("tasks:import_status")
        try:
            count = actions.do_apply_status_sheet(
                pending["changes"], period, acting_user=request.user, today=timezone.localdate()
            )
        except WorkflowError as exc:
            messages.error(request, f"未导入任何内容：{exc}")
        else:
            del request.session[IMPORT_SESSION_KEY]
            messages.success(request, f"已导入 {count} 条填报，并记入各措施的填报记录。")
            return redirect("tasks:measure_list")
        return redirect("tasks:import_status")
    form = with_refused_uploads(ImportForm(request.POST or None, request.FILES or None), request, "file")
    if request.method == "POST" and form.is_valid():
        try:
            preview = actions.do_preview_status_sheet(
                form.cleaned_data["file"], plan, period, unit_ids, acting_user=request.user, today=timezone.localdate()
            )
        except statussheet.UploadError as exc:
            form.add_error("file", str(exc))
        else:
            if preview.ok:
                request.session[IMPORT_SESSION_KEY] = {
                    "period": period.pk,
                    "changes": [c.as_data() for c in preview.changes],
                }
            else:
                request.session.pop(IMPORT_SESSION_KEY, None)
    return render(
        request,
        "tasks/import_status.html",
        {
            "form": form,
            "preview": preview,
            "plan": plan,
            "period": period,
            "shown_errors": preview.errors[: settings.IMPORT_PREVIEW_MAX_ERRORS] if preview else [],
            "more_errors": max(len(preview.errors) - settings.IMPORT_PREVIEW_MAX_ERRORS, 0) if preview else 0,
        },
    )
