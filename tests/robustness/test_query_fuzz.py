"""No 500 from bad query strings: every page of the URLconf, for each role,
with garbage in every GET parameter the pages read (and some they do not),
answers with a normal page, a redirect, a 400, 403 or 404."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.models import Evidence, Notification, Period, Report, ReportEvent
from tests.conftest import measure_by_code, package_plan_fixtures

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures(scope="module")

PARAMETERS = [
    "page",
    "per_page",
    "sort",
    "plan",
    "period",
    "unit",
    "task",
    "role",
    "status",
    "state",
    "light",
    "copy",
    "q",
    "export",
    "kind",
    "result",
    "username",
    "ip_address",
    "since",
    "until",
    "next",
    "o",
    "p",
    "e",
    "_changelist_filters",
]
NASTY = [
    "-1",
    "0",
    "99999999999999999999999",
    "1e9",
    "abc",
    "",
    " ",
    "NaN",
    "-",
    "--",
    "1.5",
    "2025-13-45",
    "0000-00-00",
    "9999-12-31",
    "'; DROP TABLE x;--",
    "<script>",
    "\x00",
    "ä" * 300,
    "../../etc/passwd",
    "xlsx",
    "-percent",
    "light,-status",
    "code,code",
    "__class__",
    "http://evil.example/",
]
ALLOWED = {200, 302, 400, 403, 404, 405}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def page_routes():
    """Every route of the URLconf reachable by GET with at most an int id; admin
    only for its index and changelists (its other routes are Django's)."""
    routes = []
    for route, _ in _walk(get_resolver().url_patterns):
        if route.startswith("admin/"):
            if route.count("<") or route.count("(?P") or route.count("^"):
                continue
        if "<" in route and route.count("<") != route.count("<int:pk>"):
            continue
        routes.append(route)
    return sorted(set(routes))


ROUTES = page_routes()


@pytest.fixture
def people(plan, lead_staff, superuser, system_admin, coordinator, viewer, auditor, security_admin):
    measure = measure_by_code(plan, 1, 1)
    period = Period.objects.filter(plan=plan).order_by("end_date").first()
    report = Report.objects.create(
        measure=measure,
        unit=lead_staff.memberships.get().unit,
        period=period,
        role="lead",
        progress="x",
        updated_by=lead_staff,
    )
    ReportEvent.objects.create(report=report, action="submitted", actor=lead_staff, at=report.created_at)
    # The row only: a download of a missing file is a 404, and the other pages never open it.
    evidence = Evidence.objects.create(
        report=report, file="evidence/fuzz.pdf", original_name="fuzz.pdf", size=1, uploaded_by=lead_staff
    )
    notification = Notification.objects.create(
        user=lead_staff, kind=Notification.Kind.CHASED, title="催报", url="/", period=period, report=report
    )
    # Each route gets an id of its own kind, so that the page reads its
    # parameters instead of answering 404 for a measure's id.
    ids = {
        "evidence/": evidence.pk,
        "notifications/": notification.pk,
        "review/": report.pk,
        "units/": report.unit_id,
        "periods/": period.pk,
        "": measure.pk,
    }
    users = {
        "admin": superuser,
        "sysadmin": system_admin,
        "secadmin": security_admin,
        "coordinator": coordinator,
        "viewer": viewer,
        "auditor": auditor,
        "staff": lead_staff,
        "anonymous": None,
    }
    return users, ids


def url_for(route, ids):
    path = "/" + route.replace("^", "").replace("$", "")
    pk = next(pk for prefix, pk in ids.items() if route.startswith(prefix))
    return path.replace("<int:pk>", str(pk))


def get(client, url, params):
    response = client.get(url, params)
    return response.status_code


PROBES = ["-1", "abc", "99999999999999999999999"]

DAILY_LOOP_ROUTES = {
    "",
    "notifications/",
    "notifications/<int:pk>/",
    "notifications/read-all/",
    "notifications/settings/",
    "review/",
    "review/batch/",
    "chase/",
    "units/<int:pk>/chase/",
    "units/<int:pk>/contacts/",
    "measures/<int:pk>/chase/",
    "measures/<int:pk>/withdraw/",
    "evidence/<int:pk>/delete/",
}


def test_the_daily_loops_routes_are_among_those_fuzzed():
    assert DAILY_LOOP_ROUTES <= set(ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_nasty_values_in_every_parameter_never_give_a_500(people, client_for, route):
    """Each nasty value in every parameter at once, and each parameter alone
    with the values that broke pages before, for every logged-in role."""
    users, ids = people
    url = url_for(route, ids)
    failures = []
    # Django admin turns everyone but its staff away before reading a parameter.
    staff = ["admin", "sysadmin", "secadmin"]
    who = staff if route.startswith("admin/") else [name for name, user in users.items() if user is not None]
    for name in who:
        client = client_for(users[name])
        queries = [dict.fromkeys(PARAMETERS, value) for value in NASTY]
        queries += [{parameter: PROBES[i % len(PROBES)]} for i, parameter in enumerate(PARAMETERS)]
        for query in queries:
            status = get(client, url, query)
            if status not in ALLOWED:
                failures.append((name, query if len(query) == 1 else query["page"], status))
    assert failures == []


FUZZ = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
garbage = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=50),
    st.integers().map(str),
)


@pytest.mark.parametrize("route", ROUTES)
@FUZZ
@given(
    query=st.dictionaries(st.sampled_from(PARAMETERS), garbage, max_size=6),
    who=st.sampled_from(["admin", "sysadmin", "secadmin", "coordinator", "viewer", "auditor", "staff", "anonymous"]),
)
def test_random_query_strings_never_give_a_500(people, client_for, client, route, query, who):
    users, ids = people
    if users[who] is not None:
        client = client_for(users[who])
    assert get(client, url_for(route, ids), query) in ALLOWED
