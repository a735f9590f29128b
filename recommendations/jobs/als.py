"""`als`: implicit-feedback ALS (pyspark.ml) over what customers did, and each customer's best
items they have not ordered yet.

Confidence: each signal's weight (view < click < wishlist < cart < order, settings) summed per
customer and item, then log(1 + sum), so fifty views do not outweigh an order by fifty; ALS makes
it 1 + alpha × that (Hu, Koren & Volinsky).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from recommendations.behaviour import BehaviourType
from recommendations.jobs.base import CustomerRow, JobContext, JobOutput, behaviour, require

if TYPE_CHECKING:
    from pyspark.ml.recommendation import ALSModel
    from pyspark.sql import DataFrame


def interactions(events: DataFrame, weights: dict[str, float]) -> DataFrame:
    """(customer_id, item_id, confidence) for logged-in customers' weighted signals."""
    from pyspark.sql import functions as F

    weight = F.create_map(*[x for type_, w in weights.items() for x in (F.lit(type_), F.lit(float(w)))])
    return (events.filter(F.col("customer_id").isNotNull() & F.col("type").isin(list(weights)))
            .groupBy(F.col("customer_id").cast("int").alias("customer_id"),
                     F.col("item_id").cast("int").alias("item_id"))
            .agg(F.log1p(F.sum(weight[F.col("type")])).alias("confidence")))


def train(data: DataFrame, params: dict[str, Any]) -> ALSModel:
    from pyspark.ml.recommendation import ALS

    als = ALS(rank=int(params["rank"]), maxIter=int(params["max_iter"]), regParam=float(params["reg_param"]),
              alpha=float(params["alpha"]), implicitPrefs=True, userCol="customer_id", itemCol="item_id",
              ratingCol="confidence", coldStartStrategy="drop", seed=int(params.get("seed", 7)))
    return als.fit(data)


def ordered(events: DataFrame) -> DataFrame:
    """(customer_id, item_id) of what each customer has ordered: never recommended back."""
    from pyspark.sql import functions as F

    return (events.filter((F.col("type") == str(BehaviourType.ORDER_PLACED)) & F.col("customer_id").isNotNull())
            .select(F.col("customer_id").cast("int").alias("customer_id"),
                    F.col("item_id").cast("int").alias("item_id"))
            .distinct())


def recommend(model: ALSModel, owned: DataFrame, limit: int, users: DataFrame | None = None) -> DataFrame:
    """(customer_id, item_id, score, rank): each user's `limit` best items they do not own."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    largest = owned.groupBy("customer_id").count().agg(F.max("count")).first()
    assert largest is not None  # an aggregate without groupBy has exactly one row
    most_owned = largest[0] or 0
    k = limit + int(most_owned)
    raw = model.recommendForAllUsers(k) if users is None else model.recommendForUserSubset(users, k)
    flat = (raw.select("customer_id", F.explode("recommendations").alias("r"))
            .select("customer_id", F.col("r.item_id").alias("item_id"), F.col("r.rating").alias("score"))
            .join(owned, ["customer_id", "item_id"], "left_anti"))
    window = Window.partitionBy("customer_id").orderBy(F.desc("score"), F.asc("item_id"))
    return flat.withColumn("rank", F.row_number().over(window)).filter(F.col("rank") <= limit)


def run(ctx: JobContext) -> JobOutput:
    conf = ctx.conf
    ctx.stage("reading the lake")
    events = behaviour(ctx).cache()
    data = interactions(events, conf.signal_weights).cache()
    pairs = require(data, "customer behaviour")
    ctx.stage(f"training ALS on {pairs} customer × item pairs ({conf.als})")
    model = train(data, conf.als)
    ctx.stage("recommending")
    rows = [CustomerRow(r["customer_id"], r["item_id"], float(r["score"]), r["rank"])
            for r in recommend(model, ordered(events), conf.per_customer).collect()]
    customers = len({row.customer_id for row in rows})
    events.unpersist()
    data.unpersist()
    return JobOutput(customers=rows, figures={"pairs": pairs, "customers": customers, "rows": len(rows),
                                              "hyperparameters": conf.als, "weights": conf.signal_weights})
