from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "嘉定区数字广告业行动方案跟踪系统"
admin.site.site_title = "行动方案跟踪"
admin.site.index_title = "后台管理"

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("tasks.urls")),
]
