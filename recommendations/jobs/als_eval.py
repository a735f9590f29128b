"""`als_eval`: how well each way of recommending predicts what customers bought next.

Split by time: everything before the cut-off (the lake's last event minus EVAL_TEST_DAYS, at
midnight) trains; the test is each customer's orders after it of items they had not ordered
before. Customers with a test order and some behaviour before the cut-off are scored (ALS cannot
rank a customer it has never seen; the count of those left out is reported). Each method gives
ten items the customer has not ordered before the cut-off:

- ALS: the customer's best items by the model trained on the training events;
- popularity: the time-decayed best sellers at the cut-off (the `popular` job's scores);
- also bought: the items most also-bought with what the customer ordered, carted or wishlisted.

precision@10 = hits / 10; recall@10 = hits / test items; NDCG@10 with binary relevance;
coverage = distinct items recommended to the scored customers / items in the lake.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from recommendations.behaviour import BehaviourType
from recommendations.jobs import als, also_bought, popular
from recommendations.jobs.base import JobContext, JobOutput, NoBehaviour, behaviour, require

K = 10


def metrics(recommended: Mapping[int, Sequence[int]], relevant: Mapping[int, set[int]],
            catalogue_size: int) -> dict[str, float]:
    """Mean precision@K, recall@K and NDCG@K over the customers in `relevant`, and coverage."""
    precision = recall = ndcg = 0.0
    shown: set[int] = set()
    for customer, wanted in relevant.items():
        items = list(recommended.get(customer, ()))[:K]
        shown.update(items)
        hits = [1.0 if item in wanted else 0.0 for item in items]
        precision += sum(hits) / K
        recall += sum(hits) / len(wanted)
        dcg = sum(hit / math.log2(rank + 2) for rank, hit in enumerate(hits))
        ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(wanted), K)))
        ndcg += dcg / ideal
    n = len(relevant) or 1
    return {"precision@10": precision / n, "recall@10": recall / n, "ndcg@10": ndcg / n,
            "coverage": len(shown) / catalogue_size if catalogue_size else 0.0}


def _lift(a: float, b: float) -> float | None:
    return None if b == 0 else round(a / b - 1.0, 4)


def run(ctx: JobContext) -> JobOutput:
    from pyspark.sql import functions as F

    conf = ctx.conf
    ctx.stage("reading the lake")
    events = behaviour(ctx).cache()
    require(events, "behaviour")
    newest = events.agg(F.max(F.unix_timestamp("occurred_at"))).first()
    assert newest is not None  # an aggregate without groupBy has exactly one row
    last = datetime.fromtimestamp(newest[0], UTC)
    cutoff = (last - timedelta(days=conf.eval_test_days)).replace(hour=0, minute=0, second=0, microsecond=0)
    catalogue = events.select("item_id").distinct().count()
    train = events.filter(F.unix_timestamp("occurred_at") < F.lit(int(cutoff.timestamp()))).cache()
    ctx.stage(f"splitting at {cutoff:%Y-%m-%d} ({conf.eval_test_days} test days)")

    owned_frame = als.ordered(train).cache()
    owned: dict[int, set[int]] = defaultdict(set)
    for r in owned_frame.collect():
        owned[r["customer_id"]].add(r["item_id"])
    after_cutoff = F.unix_timestamp("occurred_at") >= F.lit(int(cutoff.timestamp()))
    test_orders = (events.filter(after_cutoff & (F.col("type") == str(BehaviourType.ORDER_PLACED))
                                 & F.col("customer_id").isNotNull())
                   .select(F.col("customer_id").cast("int").alias("customer_id"), F.col("item_id").cast("int"))
                   .distinct().collect())
    seen_before = {r["customer_id"] for r in
                   train.filter(F.col("customer_id").isNotNull()).select(F.col("customer_id").cast("int")).distinct()
                   .collect()}
    relevant: dict[int, set[int]] = defaultdict(set)
    cold = set()
    for r in test_orders:
        if r["item_id"] in owned.get(r["customer_id"], ()):
            continue
        if r["customer_id"] in seen_before:
            relevant[r["customer_id"]].add(r["item_id"])
        else:
            cold.add(r["customer_id"])
    if not relevant:
        raise NoBehaviour("no orders after the cut-off by customers seen before it")

    ctx.stage(f"ALS on the training events ({len(relevant)} customers to score)")
    data = als.interactions(train, conf.signal_weights).cache()
    model = als.train(data, conf.als)
    users = ctx.spark.createDataFrame([(c,) for c in sorted(relevant)], "customer_id INT")
    by_als: dict[int, list[int]] = defaultdict(list)
    for r in als.recommend(model, owned_frame, K, users=users).orderBy("customer_id", "rank").collect():
        by_als[r["customer_id"]].append(r["item_id"])

    ctx.stage("popularity at the cut-off")
    most_owned = max((len(items) for items in owned.values()), default=0)
    best = [item for item, _ in popular.popular_overall(
        train, now=cutoff, weights=conf.popular_weights, half_life_days=conf.popular_half_life_days,
        limit=K + most_owned)]
    by_popularity = {c: [i for i in best if i not in owned.get(c, ())][:K] for c in relevant}

    ctx.stage("also bought from the training events")
    table, _ = also_bought.also_bought_table(ctx, train, model)
    seeds: dict[int, set[int]] = defaultdict(set)
    for r in (train.filter(F.col("customer_id").isNotNull() & F.col("type").isin(
            [str(BehaviourType.ORDER_PLACED), str(BehaviourType.CART_ADDED), str(BehaviourType.WISHLIST_ADDED)]))
            .select(F.col("customer_id").cast("int").alias("customer_id"), "item_id").distinct().collect()):
        if r["customer_id"] in relevant:
            seeds[r["customer_id"]].add(r["item_id"])
    by_also_bought = {}
    for customer in relevant:
        totals: dict[int, float] = defaultdict(float)
        for seed in seeds.get(customer, ()):
            for other, score in table.get(seed, ()):
                totals[other] += score
        ranked = sorted((item for item in totals if item not in owned.get(customer, ())),
                        key=lambda item: (-totals[item], item))
        by_also_bought[customer] = ranked[:K]

    ctx.stage("scoring")
    results = {"als": metrics(by_als, relevant, catalogue), "popular": metrics(by_popularity, relevant, catalogue),
               "also_bought": metrics(by_also_bought, relevant, catalogue)}
    for method in results.values():
        for key, value in method.items():
            method[key] = round(value, 4)
    figures: dict[str, Any] = {
        "cutoff": cutoff.isoformat(), "last_event": last.isoformat(), "test_days": conf.eval_test_days,
        "customers_scored": len(relevant), "customers_cold": len(cold),
        "test_items": sum(len(v) for v in relevant.values()), "catalogue": catalogue,
        "methods": results, "hyperparameters": conf.als, "weights": conf.signal_weights,
        "lift_als_over_popular": {m: _lift(results["als"][m], results["popular"][m])
                                  for m in ("precision@10", "recall@10", "ndcg@10")},
    }
    for line in report_lines(figures):
        ctx.progress(line)
    for frame in (events, train, owned_frame, data):
        frame.unpersist()
    return JobOutput(figures=figures)


def report_lines(figures: dict[str, Any]) -> list[str]:
    lines = [f"cut-off {figures['cutoff'][:10]}: {figures['customers_scored']} customers scored "
             f"({figures['customers_cold']} unseen before it left out), {figures['test_items']} test items",
             f"{'method':<12} {'precision@10':>12} {'recall@10':>10} {'NDCG@10':>8} {'coverage':>9}"]
    for method, m in figures["methods"].items():
        lines.append(f"{method:<12} {m['precision@10']:>12.4f} {m['recall@10']:>10.4f} {m['ndcg@10']:>8.4f} "
                     f"{m['coverage']:>9.4f}")
    lift = figures["lift_als_over_popular"]
    lines.append("lift of ALS over popularity: " + ", ".join(
        f"{k} {'n/a' if v is None else f'{v:+.1%}'}" for k, v in lift.items()))
    return lines


__all__ = ["metrics", "report_lines", "run"]
