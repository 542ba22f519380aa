"""Who may open which reporting page and who may change what: the whole matrix.

Every page and POST is requested by every kind of person. A refused POST must
leave the database exactly as it was; a permitted one must take effect.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.views import redirect_to_login
from django.core.files.base import ContentFile

from departments.models import Membership
from tasks.models import Evidence, Notification, NotificationSettings, Period, ReminderLog, Report
from tests.conftest import make_user, measure_by_code

from .helpers import contact_form, form_data, period, save, snapshot, unit

PEOPLE = [
    "anonymous",
    "lead_staff",
    "co_organizer",
    "outsider",
    "town_staff",
    "coordinator",
    "viewer",
    "superuser",
    "auditor",
]


@pytest.fixture
def scene(plan, lead_staff):
    """区科委 has submitted its 2.(1) report for the current period, with one evidence file."""
    measure = measure_by_code(plan, 2, 1)
    report = save(plan, measure, "区科委", lead_staff, submit=True, progress="区科委第一季度进展")
    evidence = Evidence.objects.create(
        report=report,
        file=ContentFile(b"%PDF-1.4 evidence", name="推进会纪要.pdf"),
        original_name="推进会纪要.pdf",
        size=17,
        uploaded_by=lead_staff,
    )
    notice = Notification.objects.create(
        user=lead_staff, kind=Notification.Kind.APPROVED, title="测试消息", url=f"/measures/{measure.pk}/"
    )
    return {
        "plan": plan,
        "measure_11": measure_by_code(plan, 1, 1),
        "measure_21": measure,
        "report": report,
        "evidence": evidence,
        "period": period(plan),
        "kewei": unit("区科委"),
        "notice": notice,
    }


def _past_due(scene):
    """The current period's due date passes: every report not submitted is overdue (区科委's 1.(1) among them)."""
    Period.objects.filter(pk=scene["period"].pk).update(due_date="2024-03-15")


def _own_version(scene, user):
    """The version of the user's own 2.(1) report this period (0 when there is none)."""
    if user is None:
        return 0
    mine = Report.objects.filter(
        measure=scene["measure_21"], period=scene["period"], unit__memberships__user=user
    ).first()
    return mine.version if mine else 0


def _report_written_for_own_unit(scene, user, before):
    mine = Report.objects.get(measure=scene["measure_21"], period=scene["period"], unit__memberships__user=user)
    assert mine.progress == "矩阵测试填写的进展"
    assert mine.updated_by == user


def _report_approved(scene, user, before):
    report = Report.objects.get(pk=scene["report"].pk)
    assert report.state == Report.State.APPROVED
    assert report.events.filter(action="approved", actor=user).count() == 1


def _period_added(scene, user, before):
    added = Period.objects.get(plan=scene["plan"], name="矩阵测试周期")
    assert added.kind == Period.Kind.OTHER
    assert len(snapshot()["periods"]) == len(before["periods"]) + 1


def _period_closed(scene, user, before):
    assert Period.objects.get(pk=scene["period"].pk).is_closed


def _own_notifications_read(scene, user, before):
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    others = [row for row in before["notifications"] if row[1] != user.pk]
    assert [row for row in snapshot()["notifications"] if row[1] != user.pk] == others


def _email_turned_off(scene, user, before):
    assert NotificationSettings.objects.get(user=user).email_enabled is False


def _withdrawn_if_own_submitted(scene, user, before):
    report = Report.objects.get(pk=scene["report"].pk)
    if user.memberships.filter(unit=scene["kewei"]).exists():
        assert report.state == Report.State.DRAFT
        assert report.events.filter(action="withdrawn", actor=user).count() == 1
    else:  # nothing of theirs to withdraw: told so, nothing changes
        assert snapshot() == before


def _evidence_deleted(scene, user, before):
    assert not Evidence.objects.filter(pk=scene["evidence"].pk).exists()
    assert scene["report"].events.filter(action="file_deleted", actor=user).count() == 1


def _batch_approved(scene, user, before):
    _report_approved(scene, user, before)


def _kewei_chased(scene, user, before):
    log = ReminderLog.objects.get(unit=scene["kewei"], sent_by=user)
    assert log.source == ReminderLog.Source.COORDINATOR
    assert "1.(1)" in log.measures
    assert Notification.objects.filter(user__memberships__unit=scene["kewei"], kind="chased").exists()


def _every_overdue_unit_chased(scene, user, before):
    assert ReminderLog.objects.filter(sent_by=user, unit=scene["kewei"]).count() == 1


def _contacts_saved(scene, user, before):
    membership = Membership.objects.get(unit=scene["kewei"], user__username="kewei")
    assert (membership.office_phone, membership.mobile) == ("021-59990000", "13800000000")


@dataclass
class Page:
    method: str
    url: Callable
    data: Callable = lambda scene, user: None
    effect: Callable = None  # checks a permitted POST; refused POSTs must change nothing
    prepare: Callable = None  # puts the scene in the state the page needs


PAGES = {
    "GET /my/": Page("get", lambda s: "/my/"),
    "GET /tasks/": Page("get", lambda s: "/tasks/"),
    "GET /measures/1.(1)/": Page("get", lambda s: f"/measures/{s['measure_11'].pk}/"),
    "GET /measures/2.(1)/report/": Page("get", lambda s: f"/measures/{s['measure_21'].pk}/report/"),
    "POST /measures/2.(1)/report/": Page(
        "post",
        lambda s: f"/measures/{s['measure_21'].pk}/report/",
        lambda s, user: form_data(version=_own_version(s, user), submit=True, progress="矩阵测试填写的进展"),
        _report_written_for_own_unit,
    ),
    "GET /review/": Page("get", lambda s: "/review/"),
    "GET /review/<pk>/": Page("get", lambda s: f"/review/{s['report'].pk}/"),
    "POST /review/<pk>/": Page(
        "post",
        lambda s: f"/review/{s['report'].pk}/",
        lambda s, user: {"action": "approve", "version": s["report"].version, "comment": ""},
        _report_approved,
    ),
    "GET /periods/": Page("get", lambda s: "/periods/"),
    "POST /periods/": Page(
        "post",
        lambda s: "/periods/",
        lambda s, user: {
            "new-name": "矩阵测试周期",
            "new-kind": "other",
            "new-start_date": "2026-01-01",
            "new-end_date": "2026-03-31",
            "new-due_date": "2026-04-10",
        },
        _period_added,
    ),
    "GET /periods/<pk>/": Page("get", lambda s: f"/periods/{s['period'].pk}/"),
    "POST /periods/<pk>/": Page(
        "post", lambda s: f"/periods/{s['period'].pk}/", lambda s, user: {"action": "close"}, _period_closed
    ),
    "GET /evidence/<pk>/": Page("get", lambda s: f"/evidence/{s['evidence'].pk}/"),
    # The daily loop (issue 10): 待办, notifications, withdraw, evidence delete, batch review, 催报, contacts.
    "GET /": Page("get", lambda s: "/"),
    "GET /dashboard/": Page("get", lambda s: "/dashboard/"),
    "GET /notifications/": Page("get", lambda s: "/notifications/"),
    "GET /notifications/<pk>/": Page("get", lambda s: f"/notifications/{s['notice'].pk}/"),
    "POST /notifications/read-all/": Page("post", lambda s: "/notifications/read-all/", effect=_own_notifications_read),
    "GET /notifications/settings/": Page("get", lambda s: "/notifications/settings/"),
    "POST /notifications/settings/": Page(
        "post", lambda s: "/notifications/settings/", lambda s, user: {}, _email_turned_off
    ),
    "GET /measures/2.(1)/withdraw/": Page("get", lambda s: f"/measures/{s['measure_21'].pk}/withdraw/"),
    "POST /measures/2.(1)/withdraw/": Page(
        "post",
        lambda s: f"/measures/{s['measure_21'].pk}/withdraw/",
        lambda s, user: {"version": s["report"].version},
        _withdrawn_if_own_submitted,
    ),
    "GET /evidence/<pk>/delete/": Page("get", lambda s: f"/evidence/{s['evidence'].pk}/delete/"),
    "POST /evidence/<pk>/delete/": Page(
        "post", lambda s: f"/evidence/{s['evidence'].pk}/delete/", effect=_evidence_deleted
    ),
    "GET /review/batch/": Page("get", lambda s: "/review/batch/"),
    "POST /review/batch/": Page(
        "post",
        lambda s: "/review/batch/",
        lambda s, user: {
            "report": [s["report"].pk],
            f"version_{s['report'].pk}": s["report"].version,
            "confirm": "1",
        },
        _batch_approved,
    ),
    "GET /units/<kewei>/chase/": Page("get", lambda s: f"/units/{s['kewei'].pk}/chase/", prepare=_past_due),
    "POST /units/<kewei>/chase/": Page(
        "post", lambda s: f"/units/{s['kewei'].pk}/chase/", effect=_kewei_chased, prepare=_past_due
    ),
    "GET /measures/1.(1)/chase/": Page(
        "get", lambda s: f"/measures/{s['measure_11'].pk}/chase/?unit={s['kewei'].pk}", prepare=_past_due
    ),
    "POST /measures/1.(1)/chase/": Page(
        "post",
        lambda s: f"/measures/{s['measure_11'].pk}/chase/",
        lambda s, user: {"unit": s["kewei"].pk},
        _kewei_chased,
        prepare=_past_due,
    ),
    "GET /chase/": Page("get", lambda s: "/chase/", prepare=_past_due),
    "POST /chase/": Page("post", lambda s: "/chase/", effect=_every_overdue_unit_chased, prepare=_past_due),
    "GET /units/<kewei>/contacts/": Page("get", lambda s: f"/units/{s['kewei'].pk}/contacts/"),
    "POST /units/<kewei>/contacts/": Page(
        "post",
        lambda s: f"/units/{s['kewei'].pk}/contacts/",
        lambda s, user: contact_form(s["kewei"], kewei=("021-59990000", "13800000000")),
        _contacts_saved,
    ),
    "GET /export/final-report.docx": Page("get", lambda s: "/export/final-report.docx"),
}

# Expected status per person, in the order of PEOPLE:
#   anonymous, lead, co-organizer, outsider, town (via 各街镇), coordinator, viewer, superuser, auditor
EXPECTED = {
    "GET /my/": (302, 200, 200, 200, 200, 200, 200, 200, 403),
    "GET /tasks/": (302, 200, 200, 200, 200, 200, 200, 200, 403),
    "GET /measures/1.(1)/": (302, 200, 200, 200, 200, 200, 200, 200, 403),
    "GET /measures/2.(1)/report/": (302, 200, 200, 403, 200, 403, 403, 403, 403),
    "POST /measures/2.(1)/report/": (302, 302, 302, 403, 302, 403, 403, 403, 403),
    "GET /review/": (302, 403, 403, 403, 403, 200, 403, 200, 403),
    "GET /review/<pk>/": (302, 403, 403, 403, 403, 200, 403, 200, 403),
    "POST /review/<pk>/": (302, 403, 403, 403, 403, 302, 403, 302, 403),
    "GET /periods/": (302, 403, 403, 403, 403, 200, 403, 200, 403),
    "POST /periods/": (302, 403, 403, 403, 403, 302, 403, 302, 403),
    "GET /periods/<pk>/": (302, 405, 405, 405, 405, 405, 405, 405, 403),
    "POST /periods/<pk>/": (302, 403, 403, 403, 403, 302, 403, 302, 403),
    "GET /evidence/<pk>/": (302, 200, 403, 403, 403, 200, 200, 200, 403),
    # Unit staff with no other role get their 待办 at /; the auditor goes to the audit trail.
    "GET /": (302, 200, 200, 200, 200, 200, 200, 200, 302),
    "GET /dashboard/": (302, 200, 200, 200, 200, 200, 200, 200, 302),
    "GET /notifications/": (302, 200, 200, 200, 200, 200, 200, 200, 403),
    # Only its recipient opens a notification (it goes on to what it is about); anyone else: 404.
    "GET /notifications/<pk>/": (302, 302, 404, 404, 404, 404, 404, 404, 403),
    "POST /notifications/read-all/": (302, 302, 302, 302, 302, 302, 302, 302, 403),
    "GET /notifications/settings/": (302, 200, 200, 200, 200, 200, 200, 200, 403),
    "POST /notifications/settings/": (302, 302, 302, 302, 302, 302, 302, 302, 403),
    # 区科委 withdraws its submitted report; other units' staff have nothing to withdraw on 2.(1)
    # and are sent back to their form; a unit with no duty on it, or no unit at all: 403.
    "GET /measures/2.(1)/withdraw/": (302, 200, 302, 403, 302, 403, 403, 403, 403),
    "POST /measures/2.(1)/withdraw/": (302, 302, 302, 403, 302, 403, 403, 403, 403),
    "GET /evidence/<pk>/delete/": (302, 200, 403, 403, 403, 403, 403, 403, 403),
    "POST /evidence/<pk>/delete/": (302, 302, 403, 403, 403, 403, 403, 403, 403),
    # Opened directly, the batch address leads the coordinator back to the list (a Chinese message).
    "GET /review/batch/": (302, 403, 403, 403, 403, 302, 403, 302, 403),
    "POST /review/batch/": (302, 403, 403, 403, 403, 302, 403, 302, 403),
    "GET /units/<kewei>/chase/": (302, 403, 403, 403, 403, 200, 403, 200, 403),
    "POST /units/<kewei>/chase/": (302, 403, 403, 403, 403, 302, 403, 302, 403),
    "GET /measures/1.(1)/chase/": (302, 403, 403, 403, 403, 200, 403, 200, 403),
    "POST /measures/1.(1)/chase/": (302, 403, 403, 403, 403, 302, 403, 302, 403),
    "GET /chase/": (302, 403, 403, 403, 403, 200, 403, 200, 403),
    "POST /chase/": (302, 403, 403, 403, 403, 302, 403, 302, 403),
    # A unit's own staff and the admin edit its liaison phones.
    "GET /units/<kewei>/contacts/": (302, 200, 403, 403, 403, 403, 403, 200, 403),
    "POST /units/<kewei>/contacts/": (302, 302, 403, 403, 403, 403, 403, 302, 403),
    "GET /export/final-report.docx": (302, 403, 403, 403, 403, 200, 403, 200, 403),
}

MATRIX = [
    pytest.param(page, person, statuses[i], id=f"{page} as {person} -> {statuses[i]}")
    for page, statuses in EXPECTED.items()
    for i, person in enumerate(PEOPLE)
]


@pytest.mark.parametrize("page, person, expected", MATRIX)
def test_access_matrix(client, request, scene, page, person, expected):
    user = None if person == "anonymous" else request.getfixturevalue(person)
    if user is not None:
        client.force_login(user)
    spec = PAGES[page]
    if spec.prepare:
        spec.prepare(scene)
    url = spec.url(scene)
    before = snapshot()

    if spec.method == "get":
        response = client.get(url)
    else:
        response = client.post(url, spec.data(scene, user))

    assert response.status_code == expected
    if user is None:
        assert response["Location"] == redirect_to_login(url)["Location"]
    if expected == 200 and page == "GET /evidence/<pk>/":
        assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
        response.close()
    if spec.method == "post":
        permitted = user is not None and expected == 302
        if permitted:
            spec.effect(scene, user, before)
        else:
            assert snapshot() == before


def test_coordinator_without_a_unit_sees_no_report_form(client, scene, coordinator):
    client.force_login(coordinator)

    response = client.get(f"/measures/{scene['measure_21'].pk}/report/")

    assert response.status_code == 403
    assert "只有责任单位的联络员可以填报进展" in response.content.decode()


def test_unit_staff_cannot_open_another_units_form_through_the_query_string(client, scene, co_organizer):
    client.force_login(co_organizer)
    kewei = unit("区科委")

    response = client.get(f"/measures/{scene['measure_21'].pk}/report/?unit={kewei.pk}")

    assert response.status_code == 403
    assert "区科委第一季度进展" not in response.content.decode()


def test_unit_staff_cannot_write_another_units_report_through_the_post_field(client, scene, co_organizer):
    client.force_login(co_organizer)
    kewei = unit("区科委")
    before = snapshot()
    data = form_data(version=scene["report"].version, submit=True, progress="网信办冒名填写")
    data["unit"] = kewei.pk

    response = client.post(f"/measures/{scene['measure_21'].pk}/report/", data)

    assert response.status_code == 403
    assert snapshot() == before
    assert Report.objects.get(pk=scene["report"].pk).progress == "区科委第一季度进展"


def test_unit_staff_cannot_write_another_units_report_through_the_query_string(client, scene, co_organizer):
    client.force_login(co_organizer)
    kewei = unit("区科委")
    before = snapshot()

    response = client.post(
        f"/measures/{scene['measure_21'].pk}/report/?unit={kewei.pk}",
        form_data(version=scene["report"].version, submit=True, progress="网信办冒名填写"),
    )

    assert response.status_code == 403
    assert snapshot() == before


def test_lead_staff_cannot_write_a_co_organizers_report_by_naming_its_unit(client, scene, lead_staff):
    client.force_login(lead_staff)
    wangxin = unit("区委网信办")
    before = snapshot()
    data = form_data(submit=True, progress="科委替网信办填写")
    data["unit"] = wangxin.pk

    response = client.post(f"/measures/{scene['measure_21'].pk}/report/", data)

    assert response.status_code == 403
    assert snapshot() == before
    assert not Report.objects.filter(unit=wangxin).exists()


def test_unit_staff_cannot_write_for_a_unit_with_no_duty_on_the_measure(client, scene, lead_staff):
    client.force_login(lead_staff)
    sports = unit("区体育局")
    before = snapshot()
    data = form_data(submit=True)
    data["unit"] = sports.pk

    response = client.post(f"/measures/{scene['measure_21'].pk}/report/", data)

    assert response.status_code == 403
    assert snapshot() == before


def test_staff_of_two_units_can_choose_either_of_their_own_units(client, scene):
    both = make_user("kewei_and_wangxin", units=["区科委", "区委网信办"])
    client.force_login(both)
    wangxin = unit("区委网信办")
    data = form_data(submit=True, progress="网信办本季度进展")
    data["unit"] = wangxin.pk

    response = client.post(f"/measures/{scene['measure_21'].pk}/report/", data)

    assert response.status_code == 302
    assert response["Location"] == (
        f"/measures/{scene['measure_21'].pk}/report/?unit={wangxin.pk}&period={scene['period'].pk}"
    )
    report = Report.objects.get(measure=scene["measure_21"], unit=wangxin, period=scene["period"])
    assert report.progress == "网信办本季度进展"
    assert report.role == "support"
    assert Report.objects.get(pk=scene["report"].pk).progress == "区科委第一季度进展"
