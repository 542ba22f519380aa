from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tasks/", views.plan, name="plan"),
    path("my/", views.my_obligations, name="my"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/report/", views.report_form, name="report_form"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("review/", views.review_queue, name="review"),
    path("review/<int:pk>/", views.review_report, name="review_report"),
    path("periods/", views.periods, name="periods"),
    path("periods/<int:pk>/", views.period_update, name="period_update"),
]
