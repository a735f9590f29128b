from celery import shared_task

from logistics.services import serviceability_compute


@shared_task(name="logistics.compute_serviceability", acks_late=True, ignore_result=True)
def compute_serviceability(warehouse_code: str | None = None) -> int:
    """Recompute one warehouse's routes (by code) or every active warehouse's; returns the
    number of routes written. Safe to run twice: each run replaces the rows it computes."""
    return sum(r.routes for r in serviceability_compute(warehouse_code=warehouse_code))
