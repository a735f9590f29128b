from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path

from recommendations import dashboard
from recommendations.models import JobRun, LiveReportRow
from shop.admin import ReadOnlyAdmin


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "outcome", "started_at", "duration", "summary")
    list_filter = ("name", "outcome")
    ordering = ("-started_at",)
    fields = ("name", "outcome", "started_at", "finished_at", "duration_seconds", "figures", "error")

    @admin.display(description="duration", ordering="duration_seconds")
    def duration(self, run: JobRun) -> str:
        return "-" if run.duration_seconds is None else f"{run.duration_seconds:.1f} s"

    @admin.display(description="figures")
    def summary(self, run: JobRun) -> str:
        if run.error:
            return run.error.strip().splitlines()[-1][:120]
        methods = run.figures.get("methods")
        if methods:
            return ", ".join(f"{m} P@10 {v['precision@10']:.3f}" for m, v in methods.items())
        return f"{run.figures.get('rows', '-')} rows"


@admin.register(LiveReportRow)
class LiveDashboardAdmin(ReadOnlyAdmin):
    """The live reports' rows are read as the staff dashboard (recommendations/dashboard.py,
    decision 0028), not as a list: the admin index's entry for them opens the dashboard, at the
    changelist's address, and its JSON twin is `live.json` beside it. Staff with the permission
    to view live report rows only; there are no other pages (the stream writes every row)."""

    def get_urls(self):
        site, name = self.admin_site, f"{self.opts.app_label}_{self.opts.model_name}"
        return [path("", site.admin_view(self.dashboard_view), name=f"{name}_changelist"),
                path("live.json", site.admin_view(self.dashboard_json_view), name="recommendations_dashboard_data")]

    def dashboard_view(self, request):
        self._check_view_permission(request)
        return dashboard.dashboard_page(request, {**self.admin_site.each_context(request), "opts": self.opts})

    def dashboard_json_view(self, request):
        self._check_view_permission(request)
        return dashboard.dashboard_json(request)

    def _check_view_permission(self, request) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied
