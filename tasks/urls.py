from django.urls import path

from tasks import views
from tasks.documents import views as document_views
from tasks.followup import notification_views
from tasks.followup import views as followup_views
from tasks.indicators import views as indicator_views
from tasks.plans import views as plan_views
from tasks.reporting import views as reporting_views

app_name = "tasks"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("tasks/", views.plan, name="plan"),
    path("my/", views.my_obligations, name="my"),
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/report/", reporting_views.report_form, name="report_form"),
    path("measures/<int:pk>/withdraw/", reporting_views.withdraw, name="withdraw"),
    path("measures/<int:pk>/chase/", followup_views.chase_obligation, name="chase_obligation"),
    path("evidence/<int:pk>/", reporting_views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", reporting_views.evidence_delete, name="evidence_delete"),
    path("review/", reporting_views.review_queue, name="review"),
    path("review/batch/", reporting_views.review_batch, name="review_batch"),
    path("review/<int:pk>/", reporting_views.review_report, name="review_report"),
    path("periods/", reporting_views.periods, name="periods"),
    path("periods/<int:pk>/", reporting_views.period_update, name="period_update"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/chase/", followup_views.chase_unit, name="chase_unit"),
    path("units/<int:pk>/contacts/", followup_views.unit_contacts, name="unit_contacts"),
    path("chase/", followup_views.chase_all, name="chase_all"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/<int:pk>/", notification_views.notification_open, name="notification_open"),
    path("notifications/read-all/", notification_views.notification_read_all, name="notifications_read_all"),
    path("notifications/settings/", notification_views.notification_settings, name="notification_settings"),
    path("export/status.xlsx", document_views.export_status, name="export_status"),
    path("import/", document_views.import_status, name="import_status"),
    path("export/bulletin.docx", document_views.export_bulletin, name="export_bulletin"),
    path("export/final-report.docx", document_views.export_final_report, name="export_final_report"),
    path("plans/select/", views.select_plan, name="select_plan"),
    path("plans/import/", plan_views.plan_import, name="plan_import"),
    path("indicators/", indicator_views.indicator_list, name="indicators"),
    path("indicators/<int:pk>/", indicator_views.indicator_detail, name="indicator_detail"),
    path("indicators/<int:pk>/<int:year>/", indicator_views.indicator_value_form, name="indicator_value_form"),
    path("indicators/values/<int:pk>/review/", indicator_views.indicator_review, name="indicator_review"),
    path("indicators/evidence/<int:pk>/", indicator_views.indicator_evidence, name="indicator_evidence"),
]
