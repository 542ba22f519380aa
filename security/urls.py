from django.urls import path

from . import two_factor, views

app_name = "security"

urlpatterns = [
    path("audit/", views.audit_trail, name="audit"),
    path("security/lockouts/", views.lockouts, name="lockouts"),
    path("security/two-factor/", two_factor.overview, name="two_factor"),
    path("security/two-factor/<int:pk>/reset/", two_factor.reset, name="two_factor_reset"),
    path("security/key-resets/<int:pk>/", two_factor.decide, name="key_reset_decide"),
]
