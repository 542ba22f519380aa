from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render

from .models import Measure, Task
from .statussheet import default_plan


@login_required
def dashboard(request):
    return redirect("tasks:plan")


@login_required
def plan(request):
    """The whole plan as the attachment shows it. A fixed number of queries."""
    current = default_plan()
    tasks = []
    if current is not None:
        measures = Measure.objects.with_assignments().order_by("number")
        tasks = current.tasks.order_by("number").prefetch_related(Prefetch("measures", queryset=measures))
    return render(request, "tasks/plan.html", {"plan": current, "tasks": tasks})
