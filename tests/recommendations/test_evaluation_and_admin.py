"""The evaluation's arithmetic, and the job runs in admin (read-only)."""

from __future__ import annotations

import math

import pytest
from django.utils import timezone

from recommendations.jobs.als_eval import metrics
from recommendations.models import JobRun


def test_precision_recall_ndcg_and_coverage_by_hand():
    relevant = {1: {10, 11}, 2: {20}}
    recommended = {1: [10, 99, 11, 98, 97, 96, 95, 94, 93, 92], 2: [90, 91]}
    m = metrics(recommended, relevant, catalogue_size=100)
    assert m["precision@10"] == pytest.approx((2 / 10 + 0) / 2)
    assert m["recall@10"] == pytest.approx((2 / 2 + 0) / 2)
    ideal = 1 + 1 / math.log2(3)
    assert m["ndcg@10"] == pytest.approx(((1 + 1 / math.log2(4)) / ideal + 0) / 2)
    assert m["coverage"] == pytest.approx(12 / 100)


@pytest.mark.django_db
def test_job_runs_are_listed_for_staff_and_cannot_be_changed(admin_client):
    run = JobRun.objects.create(name="als_eval", started_at=timezone.now(), finished_at=timezone.now(),
                                outcome=JobRun.Outcome.SUCCEEDED, duration_seconds=66.7, figures={"methods": {
                                    "als": {"precision@10": 0.0101}, "popular": {"precision@10": 0.0008}}})
    JobRun.objects.create(name="popular", started_at=timezone.now(), outcome=JobRun.Outcome.FAILED,
                          error="Traceback …\nNoBehaviour: no behaviour in the behaviour lake")
    page = admin_client.get("/admin/recommendations/jobrun/").content.decode()
    assert "als P@10 0.010, popular P@10 0.001" in page and "66.7 s" in page
    assert "NoBehaviour: no behaviour in the behaviour lake" in page
    assert admin_client.get("/admin/recommendations/jobrun/add/").status_code == 403
    detail = admin_client.get(f"/admin/recommendations/jobrun/{run.pk}/change/").content.decode()
    assert 'name="_save"' not in detail
