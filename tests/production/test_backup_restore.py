"""A backup and restore round trip keeps plans, reports, their history, files and users."""

import tarfile

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from departments.models import CollectiveMembership, Membership, Unit
from security.models import AuditEvent
from tasks import obligations
from tasks.models import Evidence, Measure, Period, Plan, Report, ReportEvent
from tasks.reporting import workflow
from tests.conftest import PASSWORD, measure_by_code


def snapshot():
    return {
        "plans": list(Plan.objects.values_list("doc_number", "title", "goals")),
        "measures": list(
            Measure.objects.order_by("task__number", "number").values_list("task__number", "number", "text")
        ),
        "units": sorted(Unit.objects.values_list("name", "kind")),
        "members": sorted(CollectiveMembership.objects.values_list("collective__name", "member__name", "owed_from")),
        "periods": list(Period.objects.order_by("end_date").values_list("name", "due_date", "is_closed")),
        "reports": list(
            Report.objects.order_by("pk").values_list(
                "measure__text",
                "unit__name",
                "period__name",
                "status",
                "percent",
                "progress",
                "state",
                "version",
                "updated_by__username",
            )
        ),
        "events": list(
            ReportEvent.objects.order_by("at", "pk").values_list(
                "report__unit__name",
                "action",
                "actor__username",
                "changes",
                "comment",
            )
        ),
        "users": sorted(User.objects.values_list("username", "password", "is_superuser", "email")),
        "groups": sorted(User.groups.through.objects.values_list("user__username", "group__name")),
        "memberships": sorted(Membership.objects.values_list("user__username", "unit__name")),
        "evidence": list(Evidence.objects.values_list("original_name", "size", "file")),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("kind", "username", "detail")),
    }


@pytest.mark.django_db(transaction=True)
def test_round_trip_keeps_everything(plan, lead_staff, coordinator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    measure = measure_by_code(plan, 1, 1)
    period = Period.objects.filter(plan=plan).order_by("end_date").last()
    obligation = obligations.find(measure, lead_staff.memberships.get().unit)
    data = {
        "status": "in_progress",
        "percent": 30,
        "progress": "已建成众创空间。",
        "problems": "",
        "next_steps": "继续",
    }
    report = workflow.save_report(obligation, period, data, lead_staff, submit=True, version=0)
    workflow.return_for_revision(report, coordinator, report.version, "请补充")
    Evidence.objects.create(
        report=report,
        file=ContentFile(b"%PDF-1.4 evidence", name="材料.pdf"),
        original_name="材料.pdf",
        size=17,
        uploaded_by=lead_staff,
    )
    before = snapshot()
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))

    # Lose everything: the database and the files.
    call_command("flush", interactive=False, verbosity=0)
    for path in (tmp_path / "media").rglob("*"):
        if path.is_file():
            path.unlink()
    assert not Plan.objects.exists()

    call_command("restore", str(archive), "--yes")
    assert snapshot() == before
    restored = Evidence.objects.get()
    with restored.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 evidence"
    assert User.objects.get(username=lead_staff.username).check_password(PASSWORD)


@pytest.mark.django_db
def test_restore_refuses_without_confirmation(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "x.tar.gz"))


@pytest.mark.django_db
def test_restore_of_a_bad_file_says_so_and_changes_nothing(plan, tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="无法读取备份文件"):
        call_command("restore", str(bad), "--yes")
    assert Plan.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_round_trip_keeps_the_files_on_the_object_store(plan, lead_staff, s3_storage, tmp_path):
    measure = measure_by_code(plan, 1, 1)
    period = Period.objects.filter(plan=plan).order_by("end_date").last()
    obligation = obligations.find(measure, lead_staff.memberships.get().unit)
    data = {"status": "in_progress", "percent": 30, "progress": "已建成。", "problems": "", "next_steps": "继续"}
    report = workflow.save_report(obligation, period, data, lead_staff, submit=True, version=0)
    for name, content in (("材料.pdf", b"%PDF-1.4 one"), ("照片.png", b"\x89PNG two")):
        Evidence.objects.create(
            report=report,
            file=ContentFile(content, name=name),
            original_name=name,
            size=len(content),
            uploaded_by=lead_staff,
        )
    stored = {name: s3_storage.read(name) for name in s3_storage.keys()}
    assert len(stored) == 2
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    with tarfile.open(archive) as tar:
        assert sorted(n for n in tar.getnames() if n.startswith("media/")) == [f"media/{n}" for n in sorted(stored)]

    # Lose the database and the bucket's files; a file that came later must not survive the restore.
    call_command("flush", interactive=False, verbosity=0)
    for name in stored:
        s3_storage.delete(name)
    default_storage.save("evidence/stray.pdf", ContentFile(b"later"))

    call_command("restore", str(archive), "--yes")

    assert {name: s3_storage.read(name) for name in s3_storage.keys()} == stored
    for evidence in Evidence.objects.all():
        with evidence.file.open("rb") as handle:
            assert handle.read() == stored[evidence.file.name]
