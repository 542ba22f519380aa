"""导入行动方案: a plan loaded from its task table, previewed first."""

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from departments import roles
from departments.models import Unit
from security import audit
from tasks import access
from tasks.fields import with_refused_uploads
from tasks.plans import plantable, tableread
from tasks.plans.forms import PlanTableForm

PLAN_TABLE_SESSION_KEY = "plan_table_import"


def _iso_date(value):
    """A YYYY-MM-DD date from a form field, or None."""
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _plan_table_decisions(post):
    """The admin's decisions on unknown unit names, from the preview form.
    They are checked when the plan is built (tasks.plantable)."""
    decisions = {}
    index = 0
    while f"decision-{index}-name" in post:
        name = post[f"decision-{index}-name"]
        action = post.get(f"decision-{index}-action", "")
        if action == plantable.Action.CREATE:
            decisions[name] = plantable.Decision(
                action, unit=post.get(f"decision-{index}-new", ""), kind=post.get(f"decision-{index}-kind", "")
            )
        elif action in (plantable.Action.MAP, plantable.Action.ALIAS):
            decisions[name] = plantable.Decision(action, unit=post.get(f"decision-{index}-unit", ""))
        index += 1
    return decisions


@roles.check_required(access.can_load_plans, "只有管理员可以导入行动方案。")
def plan_import(request):
    """导入行动方案: upload a task table, preview it, decide, confirm. Nothing is
    written before the confirmation, and only what the preview showed."""
    action = request.POST.get("action") if request.method == "POST" else None
    pending = request.session.get(PLAN_TABLE_SESSION_KEY)
    form = (
        PlanTableForm(request.POST or None, request.FILES or None) if action in (None, "preview") else PlanTableForm()
    )
    built, stale = None, False
    if action == "preview":
        with_refused_uploads(form, request, "file")
    if action == "preview" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            draft = tableread.read_table(upload, upload.name)
        except tableread.TableError as exc:
            form.add_error("file", str(exc))
            audit.record(audit.Kind.PLAN_LOADED, result=audit.Result.FAILURE, detail=f"{upload.name}：{exc}")
            request.session.pop(PLAN_TABLE_SESSION_KEY, None)
        else:
            data = form.cleaned_data
            meta = plantable.PlanMeta(
                doc_number=data["doc_number"],
                title=data["title"],
                issuer=data["issuer"].strip(),
                start_date=data["start_date"],
                end_date=data["end_date"],
                owed_from=data["owed_from"],
            )
            pending = {"draft": draft.as_data(), "meta": meta.as_data()}
            request.session[PLAN_TABLE_SESSION_KEY] = pending
            built = plantable.build_plan(draft, meta, user=request.user)
    elif action in ("recheck", "confirm"):
        if not pending:
            messages.error(request, "没有待导入的任务分工表（可能已经导入或会话已过期），请重新上传。")
            return redirect("tasks:plan_import")
        meta = plantable.PlanMeta.from_data(pending["meta"])
        chosen = _iso_date(request.POST.get("owed_from"))
        if chosen is not None and chosen != meta.owed_from:
            # The admin's 起报日期, kept for the next preview and the confirmation.
            meta.owed_from = chosen
            pending["meta"] = meta.as_data()
            request.session[PLAN_TABLE_SESSION_KEY] = pending
        built = plantable.build_plan(
            tableread.TableDraft.from_data(pending["draft"]),
            meta,
            _plan_table_decisions(request.POST),
            note_accepted=request.POST.get("note_accepted") == "1",
            user=request.user,
        )
        stale = action == "confirm" and request.POST.get("digest") != built.digest
        if action == "confirm" and built.ok and not stale:
            plan, result = plantable.load_table_plan(built, acting_user=request.user)
            del request.session[PLAN_TABLE_SESSION_KEY]
            told = f"已通知 {len(result.told)} 位联络员。" if result.told else ""
            start = f"各单位自 {built.owed_from:%Y-%m-%d} 起填报。" if built.owed_from else ""
            messages.success(request, f"已导入{plantable.summary(built, result)}。{start}{told}")
            return redirect(f"{reverse('tasks:plan')}?plan={plan.pk}")
        if action == "confirm" and not stale:
            audit.record(
                audit.Kind.PLAN_LOADED,
                result=audit.Result.FAILURE,
                detail=f"{built.source}：{len(built.blocking)} 个问题未处理，未导入",
            )
    units = list(Unit.objects.order_by("sort_order", "name").values_list("name", flat=True)) if built else []
    return render(
        request,
        "tasks/plan_import.html",
        {
            "form": form,
            "built": built,
            "stale": stale,
            "units": units,
            "actions": plantable.ACTION_LABELS,
            "kinds": plantable.CREATABLE_KINDS,
            "note_accepted": request.POST.get("note_accepted") == "1",
        },
    )
