"""The batch jobs, for real: Spark in local mode over small lakes, results swapped into the
database. One SparkSession for the module (starting one costs seconds); like the engine tests,
no Java here is a skip, or a failure under CI's BAZAAR_REQUIRE_ENGINES."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recommendations.behaviour import BehaviourType
from recommendations.lake import lake_read, lake_write
from recommendations.models import CustomerRecommendation, JobRun, PopularItem
from recommendations.seeding import behaviour_seed
from recommendations.selectors import customer_recommendations, latest_run, popular_items
from recommendations.services import JobFailed, job_run
from recommendations.synthetic import BehaviourGenerator
from tests.engines import ENGINE_MARKS, unavailable
from tests.recommendations.behaviour_data import event, structured_items

pytestmark = [*ENGINE_MARKS, pytest.mark.django_db]

END = datetime(2026, 12, 1, tzinfo=UTC)
MOST_ORDERED, OFTEN_VIEWED, OTHER = 501, 502, 503


@pytest.fixture(scope="module")
def spark():
    from recommendations.spark import SparkUnavailable, spark_session

    try:
        session = spark_session()
    except SparkUnavailable as exc:
        unavailable(f"Spark cannot run here: {exc}")
        raise
    yield session
    session.stop()  # the Kafka connector test builds a session of its own, with its jars


@pytest.fixture(scope="module")
def small_lake(tmp_path_factory):
    """Item 501 ordered by 12 customers, 502 by 3 but viewed 150 times, 503 by 8 in Delhi."""
    root = tmp_path_factory.mktemp("small-lake")
    at = END - timedelta(days=1)
    events = []
    for n in range(12):
        events.append(event(BehaviourType.ORDER_PLACED, at=at, item_id=MOST_ORDERED, customer_id=n, category_id=10))
    for n in range(3):
        events.append(event(BehaviourType.ORDER_PLACED, at=at, item_id=OFTEN_VIEWED, customer_id=n, category_id=10))
    for n in range(150):
        events.append(event(at=at + timedelta(minutes=1), item_id=OFTEN_VIEWED, customer_id=n % 20, category_id=10))
    for n in range(8):
        events.append(event(BehaviourType.ORDER_PLACED, at=at, item_id=OTHER, customer_id=100 + n, category_id=20,
                            pin_code="110001"))
    lake_write(events, root=root)
    return root


@pytest.fixture(scope="module")
def synthetic_lake(tmp_path_factory):
    """Five weeks of 250 customers with tastes over 8 categories × 25 items, all at one hour a
    day (fewer files: the same jobs, a faster test)."""
    root = tmp_path_factory.mktemp("synthetic-lake")
    generator = BehaviourGenerator(structured_items(), customers=250, days=35, seed=11, end=END, hours={20: 1.0})
    for day in generator.events():
        lake_write(day, root=root)
    return root


def use(settings, lake) -> None:
    settings.BEHAVIOUR_LAKE_PATH = str(lake)


def test_popular_ranks_the_most_ordered_item_first_overall_per_category_and_per_state(spark, small_lake, settings):
    use(settings, small_lake)
    run = job_run("popular", progress=lambda line: None)

    assert run.outcome == JobRun.Outcome.SUCCEEDED and run.figures["events"] == 173
    overall = [p.item_id for p in popular_items()]
    assert overall[:3] == [MOST_ORDERED, OTHER, OFTEN_VIEWED]
    assert [p.item_id for p in popular_items(scope="category", scope_key="10")] == [MOST_ORDERED, OFTEN_VIEWED]
    assert [p.item_id for p in popular_items(scope="state", scope_key="DELHI")] == [OTHER]
    assert popular_items(scope="state", scope_key="KARNATAKA")[0].item_id == MOST_ORDERED


def ranking() -> list[tuple[str, str, int, int]]:
    return list(PopularItem.objects.filter(run_id=latest_run("popular").id).order_by("scope", "scope_key", "rank")
                .values_list("scope", "scope_key", "rank", "item_id"))


def test_a_rerun_swaps_its_results_in_whole_and_a_failed_swap_leaves_the_last_good_ones(
        spark, small_lake, settings, monkeypatch):
    use(settings, small_lake)
    settings.RECOMMENDATIONS_KEEP_RUNS = 1
    first = job_run("popular", progress=lambda line: None)
    before = ranking()
    second = job_run("popular", progress=lambda line: None)

    assert latest_run("popular").id == second.id
    assert ranking() == before  # the same inputs, the same ranks (scores decay to the run's time)
    assert set(PopularItem.objects.values_list("run_id", flat=True)) == {second.id}  # first's rows gone
    assert first.id != second.id

    # The swap fails after the new rows were inserted: none of them stays, the old ones serve.
    insert = PopularItem.objects.bulk_create

    def insert_then_fail(*args, **kwargs):
        insert(*args, **kwargs)
        raise RuntimeError("database went away")

    monkeypatch.setattr(PopularItem.objects, "bulk_create", insert_then_fail)
    with pytest.raises(JobFailed, match="database went away"):
        job_run("popular", progress=lambda line: None)
    monkeypatch.undo()
    failed = JobRun.objects.latest("pk")
    assert failed.outcome == JobRun.Outcome.FAILED and "database went away" in failed.error
    assert set(PopularItem.objects.values_list("run_id", flat=True)) == {second.id}
    assert ranking() == before


def test_a_failing_job_keeps_the_last_good_results(spark, small_lake, settings, tmp_path):
    use(settings, small_lake)
    good = job_run("popular", progress=lambda line: None)
    served = popular_items()

    use(settings, tmp_path / "empty-lake")  # nothing there: the job fails
    (tmp_path / "empty-lake").mkdir()
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"popular \(run \d+\) failed: NoBehaviour: no behaviour"):
        call_command("spark_job", "popular", stdout=out)
    assert "popular [1] reading the lake" in out.getvalue()

    assert latest_run("popular").id == good.id and popular_items() == served
    assert latest_run("popular", succeeded=False).outcome == JobRun.Outcome.FAILED


def test_als_learns_tastes_and_beats_popularity_on_precision_at_10(spark, synthetic_lake, settings):
    use(settings, synthetic_lake)
    lines = []
    evaluation = job_run("als_eval", progress=lines.append).figures

    methods = evaluation["methods"]
    assert evaluation["customers_scored"] >= 30
    assert methods["als"]["precision@10"] > methods["popular"]["precision@10"]
    assert evaluation["lift_als_over_popular"]["precision@10"] > 0
    assert methods["als"]["coverage"] > methods["popular"]["coverage"]
    assert any(line.startswith("lift of ALS over popularity") for line in lines)

    # The serving jobs on the same lake: per-customer rows never hold what the customer ordered.
    als = job_run("als", progress=lambda line: None)
    assert CustomerRecommendation.objects.filter(run_id=als.id).values("customer_id").distinct().count() > 200
    orders = Counter((r["customer_id"], r["item_id"]) for r in
                     lake_read(root=synthetic_lake, types=[BehaviourType.ORDER_PLACED]).to_pylist())
    customer = Counter(c for c, _ in orders).most_common(1)[0][0]
    rows = customer_recommendations(customer_id=customer, limit=30)
    assert len(rows) == 30  # RECOMMENDATIONS_PER_CUSTOMER
    assert not {item for c, item in orders if c == customer} & {r.item_id for r in rows}


# The demo (issue 9 acceptance): after seed_behaviour gives two demo accounts synthetic tastes and
# `spark_job als` runs, the two see different "Recommended for you" rows.
def test_two_demo_customers_get_different_personal_rows(spark, tmp_path, settings, user_factory):
    settings.BEHAVIOUR_LAKE_PATH = str(tmp_path / "lake")
    settings.RECOMMENDATIONS_ALS = {"max_iter": 5}
    chitra, asha = user_factory(email="customer@example.com"), user_factory(email="admin@example.com")
    items = structured_items()
    categories = {i.item_id: i.category_id for i in items}
    behaviour_seed(customers=120, days=25, seed=11, end=datetime(2026, 12, 1, tzinfo=UTC), items=items,
                   demo_users=[chitra.pk, asha.pk], hours={20: 1.0})

    job_run("als", progress=lambda line: None)

    rows = [[r.item_id for r in customer_recommendations(customer_id=u.pk, limit=10)] for u in (chitra, asha)]
    assert all(len(r) == 10 for r in rows) and rows[0] != rows[1]
    # Their tastes share no category, so their rows share few items and lean to other categories.
    assert len(set(rows[0]) & set(rows[1])) <= 3
    leaning = [Counter(categories[i] for i in r).most_common(1)[0][0] for r in rows]
    assert leaning[0] != leaning[1]
