from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView

from security import password_reset, two_factor
from security import views as security_views

admin.site.site_header = "嘉定区数字广告业行动方案跟踪系统"
admin.site.site_title = "行动方案跟踪"
admin.site.index_title = "后台管理"


@method_decorator(cache_control(max_age=86400, public=True), name="dispatch")
class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever the page says (Django admin, the error
    pages, a downloaded file): the static icon, under its hashed name in production."""

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.ico")


handler400 = "jiading_ads.errors.bad_request"
handler403 = "security.views.permission_denied"
handler500 = "jiading_ads.errors.server_error"

urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("accounts/logout/", security_views.logout, name="logout"),
    path("accounts/password_change/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/login/", security_views.LoginView.as_view(), name="login"),
    path("accounts/two-factor/", two_factor.verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    # Reset by email answers 404 unless DJANGO_PASSWORD_RESET=1 and a real mail backend are set.
    path("accounts/password_reset/", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", password_reset.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", password_reset.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", include("security.urls")),
    path("admin/", admin.site.urls),
    path("", include("tasks.urls")),
]
