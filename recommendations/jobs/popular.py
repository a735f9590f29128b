"""`popular`: what sells, time-decayed, overall, per category (and every category above it) and
per state (from the PIN code of the event)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING

from recommendations.jobs.base import JobContext, JobOutput, PopularRow, behaviour, require
from recommendations.places import category_lineage, pin_states

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def decayed_scores(events: DataFrame, *, now: datetime, weights: dict[str, float], half_life_days: float) -> DataFrame:
    """Each event's weight × 2^(-age / half-life), as column `s` (events of other types dropped)."""
    from pyspark.sql import functions as F

    weight = F.create_map(*[x for type_, w in weights.items() for x in (F.lit(type_), F.lit(float(w)))])
    age_days = (F.lit(now.timestamp()) - F.unix_timestamp("occurred_at").cast("double")) / 86400.0
    decay = F.exp(F.lit(-math.log(2) / half_life_days) * F.greatest(age_days, F.lit(0.0)))
    return events.filter(F.col("type").isin(list(weights))).withColumn("s", weight[F.col("type")] * decay)


def top_per_key(scored: DataFrame, key: str, limit: int) -> DataFrame:
    """(key, item_id, score, rank) for the `limit` best items of each key, score > 0 only."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    totals = scored.groupBy(key, "item_id").agg(F.sum("s").alias("score")).filter(F.col("score") > 0)
    window = Window.partitionBy(key).orderBy(F.desc("score"), F.asc("item_id"))
    return totals.withColumn("rank", F.row_number().over(window)).filter(F.col("rank") <= limit)


def popular_overall(events: DataFrame, *, now: datetime, weights: dict[str, float], half_life_days: float,
                    limit: int) -> list[tuple[int, float]]:
    """[(item id, score)] best first: also what als_eval compares ALS with."""
    from pyspark.sql import functions as F

    scored = decayed_scores(events, now=now, weights=weights, half_life_days=half_life_days)
    rows = top_per_key(scored.withColumn("all", F.lit("")), "all", limit).orderBy("rank").collect()
    return [(row["item_id"], row["score"]) for row in rows]


def run(ctx: JobContext) -> JobOutput:
    from pyspark.sql import functions as F

    conf = ctx.conf
    ctx.stage("reading the lake")
    events = behaviour(ctx, types=list(conf.popular_weights)).cache()
    count = require(events, "behaviour of the kinds popularity counts")
    scored = decayed_scores(events, now=ctx.now, weights=conf.popular_weights,
                            half_life_days=conf.popular_half_life_days).cache()
    rows: list[PopularRow] = []

    ctx.stage("scoring overall")
    overall = popular_overall(events, now=ctx.now, weights=conf.popular_weights,
                              half_life_days=conf.popular_half_life_days, limit=conf.popular_limit)
    rows += [PopularRow("all", "", item, score, rank) for rank, (item, score) in enumerate(overall, start=1)]

    ctx.stage("scoring per category")
    lineage = category_lineage(r["category_id"] for r in events.select("category_id").distinct().collect())
    pairs = [(leaf, ancestor) for leaf, chain in lineage.items() for ancestor in chain]
    categories = ctx.spark.createDataFrame(pairs, "category_id BIGINT, scope_category BIGINT")
    per_category = top_per_key(scored.join(F.broadcast(categories), "category_id"), "scope_category",
                               conf.popular_limit)
    rows += [PopularRow("category", str(r["scope_category"]), r["item_id"], r["score"], r["rank"])
             for r in per_category.collect()]

    ctx.stage("scoring per state")
    states = pin_states(r["pin_code"] for r in events.select("pin_code").distinct().collect())
    by_state = top_per_key(scored.join(F.broadcast(ctx.spark.createDataFrame(
        list(states.items()) or [("", "")], "pin_code STRING, state STRING")), "pin_code"), "state", conf.popular_limit)
    rows += [PopularRow("state", r["state"], r["item_id"], r["score"], r["rank"]) for r in by_state.collect()
             if r["state"]]
    events.unpersist()
    scored.unpersist()
    return JobOutput(popular=rows, figures={
        "events": count, "items_overall": len(overall), "categories": len({k for _, k in pairs}),
        "states": len(set(states.values())), "rows": len(rows), "half_life_days": conf.popular_half_life_days,
        "weights": conf.popular_weights,
    })
