from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("audit/", views.audit_trail, name="audit"),
    path("security/lockouts/", views.lockouts, name="lockouts"),
]
