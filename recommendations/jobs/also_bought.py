"""`also_bought`: for each item, the items its buyers also bought (co-purchase by customer,
cosine-normalised), completed by the items closest to it in ALS's item factors (cosine), so an
item with few buyers still has neighbours.

    score = CO_PURCHASE_SHARE × co-purchase cosine + (1 − CO_PURCHASE_SHARE) × max(0, factor cosine)

The factors' cosine is computed on the driver with numpy (3,000 items: a 3,000² matrix); at
catalogue scale it becomes an approximate nearest-neighbour search (decision 0023).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from recommendations.behaviour import BehaviourType
from recommendations.jobs import als
from recommendations.jobs.base import AlsoBoughtRow, JobContext, JobOutput, behaviour, require

if TYPE_CHECKING:
    from pyspark.ml.recommendation import ALSModel
    from pyspark.sql import DataFrame

CO_PURCHASE_SHARE = 0.7
FACTOR_CANDIDATES = 50  # nearest items by factors considered per item


def co_purchase(events: DataFrame) -> dict[tuple[int, int], float]:
    """{(item, other): bought by both / sqrt(buyers of item × buyers of other)}."""
    from pyspark.sql import functions as F

    buys = (events.filter((F.col("type") == str(BehaviourType.ORDER_PLACED)) & F.col("customer_id").isNotNull())
            .select("customer_id", "item_id").distinct().cache())
    buyers = buys.groupBy("item_id").agg(F.count("*").alias("n"))
    together = (buys.alias("a").join(buys.alias("b"), "customer_id")
                .filter(F.col("a.item_id") != F.col("b.item_id"))
                .groupBy(F.col("a.item_id").alias("item_id"), F.col("b.item_id").alias("other_item_id"))
                .agg(F.count("*").alias("both")))
    scored = (together.join(buyers, "item_id")
              .join(buyers.select(F.col("item_id").alias("other_item_id"), F.col("n").alias("n_other")),
                    "other_item_id")
              .select("item_id", "other_item_id", (F.col("both") / F.sqrt(F.col("n") * F.col("n_other"))).alias("s")))
    result = {(r["item_id"], r["other_item_id"]): float(r["s"]) for r in scored.collect()}
    buys.unpersist()
    return result


def factor_neighbours(model: ALSModel, candidates: int = FACTOR_CANDIDATES) -> dict[tuple[int, int], float]:
    """{(item, other): cosine of their ALS factors} for each item's `candidates` nearest."""
    rows = model.itemFactors.collect()
    if len(rows) < 2:
        return {}
    ids = np.array([r["id"] for r in rows])
    factors = np.array([r["features"] for r in rows], dtype=np.float64)
    norms = np.linalg.norm(factors, axis=1, keepdims=True)
    unit = factors / np.where(norms == 0, 1.0, norms)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    k = min(candidates, len(ids) - 1)
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    return {(int(ids[i]), int(ids[j])): float(similarity[i, j]) for i in range(len(ids)) for j in nearest[i]}


def blend(co: dict[tuple[int, int], float], factors: dict[tuple[int, int], float],
          limit: int) -> dict[int, list[tuple[int, float]]]:
    """{item: [(other, score)] best first, at most `limit`}."""
    scores: dict[tuple[int, int], float] = defaultdict(float)
    for pair, value in co.items():
        scores[pair] += CO_PURCHASE_SHARE * value
    for pair, value in factors.items():
        scores[pair] += (1 - CO_PURCHASE_SHARE) * max(0.0, value)
    per_item: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (item, other), score in scores.items():
        if score > 0:
            per_item[item].append((other, score))
    return {item: sorted(pairs, key=lambda p: (-p[1], p[0]))[:limit] for item, pairs in per_item.items()}


def also_bought_table(ctx: JobContext, events: DataFrame, model: ALSModel | None = None,
                      ) -> tuple[dict[int, list[tuple[int, float]]], dict]:
    """{item: [(other, score)]} from `events`; `model`: ALS trained on the same events, if at hand."""
    data = als.interactions(events, ctx.conf.signal_weights).cache()
    pairs = require(data, "customer behaviour")
    ctx.stage("co-purchases")
    co = co_purchase(events)
    ctx.stage(f"ALS item factors ({pairs} customer × item pairs)")
    factors = factor_neighbours(model or als.train(data, ctx.conf.als))
    data.unpersist()
    table = blend(co, factors, ctx.conf.also_bought)
    return table, {"pairs": pairs, "co_purchase_pairs": len(co), "items_with_co_purchase": len({i for i, _ in co}),
                   "items": len(table)}


def run(ctx: JobContext) -> JobOutput:
    ctx.stage("reading the lake")
    events = behaviour(ctx).cache()
    table, figures = also_bought_table(ctx, events)
    events.unpersist()
    rows = [AlsoBoughtRow(item, other, score, rank) for item, pairs in sorted(table.items())
            for rank, (other, score) in enumerate(pairs, start=1)]
    return JobOutput(also_bought=rows, figures={**figures, "rows": len(rows), "hyperparameters": ctx.conf.als})
