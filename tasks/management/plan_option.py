"""The one way commands choose a plan: --plan 文号, else the default plan
(Plan.objects.default: DEFAULT_PLAN_DOC_NUMBER, else the latest)."""

from django.core.management.base import CommandError

from tasks.models import Plan

HELP = "行动方案文号，默认为默认方案（DEFAULT_PLAN_DOC_NUMBER，没有时为最新的方案）"


def add_plan_argument(parser):
    parser.add_argument("--plan", help=HELP)


def chosen_plan(doc_number, *, required=True):
    """The plan named by --plan, else the default one. CommandError for an unknown
    文号, and (when `required`) when no plan is loaded; None otherwise."""
    if doc_number:
        found = Plan.objects.filter(doc_number=doc_number).first()
        if found is None:
            known = "、".join(Plan.objects.order_by("doc_number").values_list("doc_number", flat=True))
            raise CommandError(f"找不到文号为“{doc_number}”的行动方案" + (f"。可选：{known}" if known else ""))
        return found
    found = Plan.objects.default()
    if found is None and required:
        raise CommandError("尚未载入行动方案（请先运行 load_plan）")
    return found
