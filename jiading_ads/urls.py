from django.contrib import admin
from django.urls import include, path

from security import views as security_views

admin.site.site_header = "嘉定区数字广告业行动方案跟踪系统"
admin.site.site_title = "行动方案跟踪"
admin.site.index_title = "后台管理"

handler403 = "security.views.permission_denied"
handler500 = "jiading_ads.errors.server_error"

urlpatterns = [
    path("accounts/logout/", security_views.logout, name="logout"),
    path("accounts/password_change/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("security.urls")),
    path("admin/", admin.site.urls),
    path("", include("tasks.urls")),
]
