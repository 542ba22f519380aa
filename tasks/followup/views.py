"""Following up on units: 催报 (one unit, one obligation, every overdue unit) and the
units' liaison contacts. Each chase is confirmed on a page of its own first."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import BaseModelFormSet, modelformset_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from departments.models import Membership
from tasks import access
from tasks.followup import reminders
from tasks.followup.forms import ChaseForm, ContactForm
from tasks.models import Period
from tasks.pages import get_measure_for_user, get_unit_for_user, obligation_rows, plan_and_period
from tasks.progress.rollup import PlanProgress


def _confirm_chase(request, *, title, targets, cancel_url, skipped=(), form=None):
    """The confirmation page of a chase: each unit and its overdue measures, the
    note to add, and the units chased within the last day (with that chase)."""
    today = timezone.localdate()
    unit_ids = [unit.pk for unit, _ in targets]
    recent = reminders.recent_chases(unit_ids)
    counts = reminders.chases_today(unit_ids, today)
    limited = [(unit, reminders.limit_reached(unit, today, counts.get(unit.pk, 0))) for unit, _ in targets]
    limited = [(unit, reason) for unit, reason in limited if reason]
    limited_ids = {unit.pk for unit, _ in limited}
    sendable = [(unit, states) for unit, states in targets if unit.pk not in limited_ids]
    items = [f"{unit.name}：{'、'.join(s.obligation.measure.code for s in states)}" for unit, states in sendable]
    items += [f"{unit.name}：没有联络员账号，无法催报" for unit in skipped]
    count = sum(len(states) for _, states in sendable)
    single = len(targets) == 1
    if sendable:
        question = (
            f"确定向{sendable[0][0].name}催报（{count} 项逾期未报）吗？"
            if len(sendable) == 1
            else f"确定向以下 {len(sendable)} 个单位催报（共 {count} 项逾期未报）吗？"
        )
    else:
        question = "无法催报。"
    return render(
        request,
        "tasks/chase_confirm.html",
        {
            "title": title,
            "question": question,
            "items": items,
            "form": form or ChaseForm(),
            "sendable": bool(sendable),
            "single": single,
            "recent": [recent[unit.pk] for unit, _ in sendable if unit.pk in recent],
            "limited": [reason for _, reason in limited],
            "repeat_hours": reminders.REPEAT_HOURS,
            "limit_per_day": reminders.CHASES_PER_UNIT_PER_DAY,
            "cancel_url": cancel_url,
        },
    )


def _chase(request, period, targets, form):
    """Chase each (unit, overdue states) with the form's note; a message per outcome.
    Returns the units refused because they were chased within the last day and the
    repeat was not confirmed."""
    outcome = reminders.do_chase_units(
        period,
        targets,
        acting_user=request.user,
        note=form.cleaned_data["note"],
        repeat=form.cleaned_data["repeat"],
    )
    for message in outcome.refused:
        messages.error(request, message)
    if outcome.chased:
        messages.success(request, f"已催报：{'、'.join(u.name for u in outcome.chased)}（{period.name}）。")
    return outcome.unconfirmed


def _post_chase(request, period, targets, *, title, cancel_url, back):
    """POST of a chase: send it, or ask again when a unit was chased within the last
    day and the repeat was not confirmed (the last chase is shown)."""
    form = ChaseForm(request.POST)
    if not form.is_valid():
        return _confirm_chase(request, title=title, targets=targets, cancel_url=cancel_url, form=form)
    unconfirmed = _chase(request, period, targets, form)
    if unconfirmed and len(targets) == 1:
        return _confirm_chase(request, title=title, targets=targets, cancel_url=cancel_url, form=form)
    if unconfirmed:
        messages.warning(
            request,
            f"{'、'.join(u.name for u in unconfirmed)} {reminders.REPEAT_HOURS} 小时内已催报过，本次未再催报。",
        )
    return redirect(back)


def _nothing_overdue(request, period, back):
    messages.info(request, f"{period.name if period else '当前周期'}没有逾期未报的事项，无需催报。")
    return redirect(back)


def _with_staff(targets):
    """The targets whose unit has staff to chase, and the units without any."""
    staffed = set(
        Membership.objects.filter(unit__in=[u for u, _ in targets], user__is_active=True).values_list(
            "unit_id", flat=True
        )
    )
    return [t for t in targets if t[0].pk in staffed], [u for u, _ in targets if u.pk not in staffed]


@access.non_auditor_login_required
@access.review_required
def chase_unit(request, pk):
    """催报 one unit: all its overdue obligations of the current period."""
    unit = get_unit_for_user(request, pk)
    plan, period = plan_and_period(request)
    back = reverse("tasks:unit_detail", args=[unit.pk])
    overdue = []
    if plan is not None and period is not None:
        progress, rows = obligation_rows(plan, period, [unit])
        overdue = [s for s in rows if progress.is_overdue(s)]
    if not overdue:
        return _nothing_overdue(request, period, back)
    title = f"催报：{unit.name}"
    if request.method == "POST":
        return _post_chase(request, period, [(unit, overdue)], title=title, cancel_url=back, back=back)
    targets, skipped = _with_staff([(unit, overdue)])
    return _confirm_chase(request, title=title, targets=targets, skipped=skipped, cancel_url=back)


@access.non_auditor_login_required
@access.review_required
def chase_obligation(request, pk):
    """催报 one obligation: the unit named by ?unit= (or the posted unit) on this measure."""
    measure = get_measure_for_user(request, pk)
    plan = measure.task.plan
    progress = PlanProgress(plan, Period.objects.current(plan, timezone.localdate()), measures=[measure])
    wanted = request.POST.get("unit") or request.GET.get("unit") or ""
    state = progress.states[measure.pk]
    found = next((s for s in state.leads + state.supports if str(s.obligation.unit.pk) == wanted), None)
    if found is None:
        raise Http404("该单位不承担这项措施。")
    back = reverse("tasks:measure_detail", args=[measure.pk])
    if not progress.is_overdue(found):
        return _nothing_overdue(request, progress.period, back)
    unit = found.obligation.unit
    title = f"催报：{measure.code} {unit.name}"
    if request.method == "POST":
        return _post_chase(request, progress.period, [(unit, [found])], title=title, cancel_url=back, back=back)
    targets, skipped = _with_staff([(unit, [found])])
    return _confirm_chase(request, title=title, targets=targets, skipped=skipped, cancel_url=back)


@access.non_auditor_login_required
@access.review_required
def chase_all(request):
    """催报 every unit with overdue obligations in the current period, at once. Units
    chased within the last day are left out unless the coordinator ticks them in."""
    plan, period = plan_and_period(request)
    back = reverse("tasks:dashboard")
    overdue = PlanProgress(plan, period).overdue_by_unit() if plan is not None and period is not None else []
    if not overdue:
        return _nothing_overdue(request, period, back)
    targets, skipped = _with_staff(overdue)
    title = "一键催报逾期单位"
    if request.method == "POST":
        return _post_chase(request, period, targets, title=title, cancel_url=back, back=back)
    return _confirm_chase(request, title=title, targets=targets, skipped=skipped, cancel_url=back)


class BaseContactFormSet(BaseModelFormSet):
    """The phones of the unit's existing liaisons only: a form added to the
    posted data (a new liaison, which is an account matter) is refused with a
    message instead of reaching the database."""

    def clean(self):
        super().clean()
        if self.total_form_count() > self.initial_form_count():
            raise ValidationError(
                "这里只能修改已有联络员的电话，不能添加联络员：新联络员由安全管理员在后台创建账号并选定所属单位。"
            )


ContactFormSet = modelformset_factory(Membership, form=ContactForm, formset=BaseContactFormSet, extra=0, edit_only=True)


@access.non_auditor_login_required
def unit_contacts(request, pk):
    """The unit's liaison phones, edited by its own staff or an admin; each change is audited."""
    unit = get_unit_for_user(request, pk)
    if not access.can_edit_contacts(request.user, unit):
        raise PermissionDenied("只有该单位的联络员和管理员可以修改联络方式。")
    memberships = unit.memberships.select_related("user").filter(user__is_active=True).order_by("user__username")
    formset = ContactFormSet(request.POST or None, queryset=memberships)
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            saved = formset.save()
        messages.success(request, f"已保存联络方式（修改 {len(saved)} 人）。" if saved else "联络方式没有变化。")
        return redirect("tasks:unit_detail", pk=unit.pk)
    return render(request, "tasks/unit_contacts.html", {"unit": unit, "formset": formset})
