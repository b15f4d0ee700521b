from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from workforce import views as workforce_views

urlpatterns = [
    path("", workforce_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("workforce/", include("workforce.urls")),
    # Staff survey pages; /s/t/<code>/ links are printed on slips: keep the path.
    path("s/", include("surveys.urls")),
    path("surveys/", include("surveys.results_urls")),
    path("skills/", include("workforce.skills.urls")),
    path("training/", include("workforce.training.urls")),
    path("recognition/", include("workforce.recognition.urls")),
    path("reports/", include("reports.urls")),
    path("actions/", include("reports.actions.urls")),
    path("dashboard/", include("reports.dashboards.urls")),
    # Patient feedback page; /p/<token>/ is printed on QR posters: keep the path.
    path("p/", include("reports.public_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page tree serves editable content pages; keep it last.
urlpatterns.append(path("pages/", include(wagtail_urls)))
