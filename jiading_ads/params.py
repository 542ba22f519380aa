"""Reading numbers from the query string without trusting them.

Pages clamp a bad `page` or `per_page` to the nearest sensible value and
treat a malformed id as absent, so a hand-edited URL gets a normal page,
never a 500.
"""

from django.core.paginator import EmptyPage
from django_tables2 import RequestConfig

# Ids are bigint columns; anything longer cannot be one.
MAX_ID = 2**63 - 1
MAX_PAGE = 10**6


def to_id(value):
    """A positive database id from a string of ASCII digits, else None."""
    text = str(value or "").strip()
    if not text or len(text) > 19 or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def int_param(request, name, default, minimum, maximum):
    """request.GET[name] as an int within [minimum, maximum]; `default` when absent or not a number."""
    text = request.GET.get(name, "").strip()
    if not text.lstrip("-").isascii() or not text.lstrip("-").isdigit() or len(text) > 12:
        return default
    return min(max(int(text), minimum), maximum)


def configure_table(request, table, *, per_page, max_per_page=100):
    """django-tables2's RequestConfig with `page` and `per_page` clamped:
    per_page within 1..max_per_page, a page past the end shows the last."""
    RequestConfig(request, paginate=False).configure(table)
    size = int_param(request, table.prefixed_per_page_field, per_page, 1, max_per_page)
    page = int_param(request, table.prefixed_page_field, 1, 1, MAX_PAGE)
    try:
        table.paginate(per_page=size, page=page)
    except EmptyPage:
        table.paginate(per_page=size, page=table.paginator.num_pages)
    return table
