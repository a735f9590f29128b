from django.contrib import admin

from recommendations.models import JobRun
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
