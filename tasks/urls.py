from django.urls import path

from tasks import views
from tasks.followup import notification_views as views_notifications
from tasks.followup import views as views_followup
from tasks.indicators import views as views_indicators

app_name = "tasks"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("tasks/", views.plan, name="plan"),
    path("my/", views.my_obligations, name="my"),
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/report/", views.report_form, name="report_form"),
    path("measures/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("measures/<int:pk>/chase/", views_followup.chase_obligation, name="chase_obligation"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("review/", views.review_queue, name="review"),
    path("review/batch/", views.review_batch, name="review_batch"),
    path("review/<int:pk>/", views.review_report, name="review_report"),
    path("periods/", views.periods, name="periods"),
    path("periods/<int:pk>/", views.period_update, name="period_update"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/chase/", views_followup.chase_unit, name="chase_unit"),
    path("units/<int:pk>/contacts/", views_followup.unit_contacts, name="unit_contacts"),
    path("chase/", views_followup.chase_all, name="chase_all"),
    path("notifications/", views_notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/", views_notifications.notification_open, name="notification_open"),
    path("notifications/read-all/", views_notifications.notification_read_all, name="notifications_read_all"),
    path("notifications/settings/", views_notifications.notification_settings, name="notification_settings"),
    path("export/status.xlsx", views.export_status, name="export_status"),
    path("import/", views.import_status, name="import_status"),
    path("export/bulletin.docx", views.export_bulletin, name="export_bulletin"),
    path("export/final-report.docx", views.export_final_report, name="export_final_report"),
    path("plans/select/", views.select_plan, name="select_plan"),
    path("plans/import/", views.plan_import, name="plan_import"),
    path("indicators/", views_indicators.indicator_list, name="indicators"),
    path("indicators/<int:pk>/", views_indicators.indicator_detail, name="indicator_detail"),
    path("indicators/<int:pk>/<int:year>/", views_indicators.indicator_value_form, name="indicator_value_form"),
    path("indicators/values/<int:pk>/review/", views_indicators.indicator_review, name="indicator_review"),
    path("indicators/evidence/<int:pk>/", views_indicators.indicator_evidence, name="indicator_evidence"),
]
