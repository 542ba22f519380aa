from django import template

register = template.Library()

# Where a page's plan is found, in order: a page about a whole plan has `plan`; a
# measure's, an indicator's or a review page belongs to its own plan.
PLAN_PATHS = (("plan",), ("measure", "task", "plan"), ("indicator", "plan"), ("report", "measure", "task", "plan"))


@register.simple_tag(takes_context=True)
def shown_plan(context):
    """The plan the page shows, or None: titles and the footer name it. Stops at the
    first found, so a page that has the plan loaded costs no query."""
    for first, *rest in PLAN_PATHS:
        value = context.get(first)
        for name in rest:
            value = getattr(value, name, None) if value is not None else None
        if value is not None and hasattr(value, "doc_number"):
            return value
    return None
