from django.urls import path

from . import views
from .mfa import views as mfa_views

app_name = "workforce"

urlpatterns = [
    path("sites/", views.site_list, name="site_list"),
    path("sites/<int:site_id>/", views.site_detail, name="site_detail"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path("people/", views.staff_list, name="staff_list"),
    path("people/<int:staff_id>/", views.staff_detail, name="staff_detail"),
    path("people/<int:staff_id>/erase/", views.staff_erase, name="staff_erase"),
    path("roster/import/", views.roster_import, name="roster_import"),
    path(
        "roster/imports/<int:import_id>/",
        views.roster_import_preview,
        name="roster_import_preview",
    ),
    path(
        "roster/imports/<int:import_id>/apply/",
        views.roster_import_apply,
        name="roster_import_apply",
    ),
    path(
        "roster/imports/<int:import_id>/status/",
        views.roster_import_status,
        name="roster_import_status",
    ),
    path(
        "roster/imports/<int:import_id>/errors.csv",
        views.roster_import_errors_csv,
        name="roster_import_errors_csv",
    ),
]

# Second sign-in factor (workforce/mfa): open to a signed-in user who has not
# passed it yet; everything else waits until they have.
urlpatterns += [
    path("account/two-factor/", mfa_views.mfa_verify, name="mfa_verify"),
    path("account/two-factor/setup/", mfa_views.mfa_setup, name="mfa_setup"),
    path(
        "account/two-factor/backup-codes/",
        mfa_views.mfa_backup_codes,
        name="mfa_backup_codes",
    ),
]

# Resetting someone else's second factor needs a verified session, as any page.
urlpatterns += [
    path("two-factor-reset/", mfa_views.mfa_reset_list, name="mfa_reset_list"),
    path(
        "two-factor-reset/<int:user_id>/",
        mfa_views.mfa_reset_confirm,
        name="mfa_reset_confirm",
    ),
]

urlpatterns += [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/audit-log.csv", views.audit_log_csv, name="audit_log_csv"),
]
