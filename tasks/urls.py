from django.urls import path

from . import views, views_indicators

app_name = "tasks"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tasks/", views.plan, name="plan"),
    path("my/", views.my_obligations, name="my"),
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/report/", views.report_form, name="report_form"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("review/", views.review_queue, name="review"),
    path("review/<int:pk>/", views.review_report, name="review_report"),
    path("periods/", views.periods, name="periods"),
    path("periods/<int:pk>/", views.period_update, name="period_update"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
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
