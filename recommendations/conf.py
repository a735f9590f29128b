"""The recommendations app's settings, each with its default here, in one place.

Every value may be set in Django settings under the same name; the lake path and the Spark
master may also come from the environment (BEHAVIOUR_LAKE_PATH, SPARK_MASTER), so a job runner or
a test points them elsewhere without a settings module of its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from recommendations.behaviour import BehaviourType

# How much each signal says about wanting an item: the confidence given to ALS (implicit
# feedback, Hu, Koren & Volinsky 2008). view < click < wishlist < cart < order; removals and
# cancellations add nothing (an implicit confidence cannot be negative).
SIGNAL_WEIGHTS: dict[str, float] = {
    BehaviourType.PRODUCT_VIEWED: 1.0,
    BehaviourType.SEARCH_CLICKED: 2.0,
    BehaviourType.WISHLIST_ADDED: 4.0,
    BehaviourType.CART_ADDED: 6.0,
    BehaviourType.ORDER_PLACED: 10.0,
}
# What makes an item popular: being bought; lighter signals break ties and let a new item rise.
# A cancelled order takes its order back.
POPULAR_WEIGHTS: dict[str, float] = {
    BehaviourType.ORDER_PLACED: 1.0,
    BehaviourType.ORDER_CANCELLED: -1.0,
    BehaviourType.CART_ADDED: 0.3,
    BehaviourType.WISHLIST_ADDED: 0.2,
    BehaviourType.SEARCH_CLICKED: 0.05,
    BehaviourType.PRODUCT_VIEWED: 0.02,
}
# Chosen by `spark_job als_eval` on the demo behaviour (docs/decisions/0023).
ALS_DEFAULTS: dict[str, Any] = {"rank": 16, "reg_param": 1.0, "alpha": 10.0, "max_iter": 10, "seed": 7}

DEFAULTS: dict[str, Any] = {
    "SPARK_MASTER": "local[2]",
    "SPARK_DRIVER_MEMORY": "1g",
    "SPARK_CHECKPOINT_DIR": "",  # default: a folder under the local temp dir in local mode
    # Jars for Spark's Kafka connector (comma-separated paths; `make services` prints them). Empty:
    # Spark fetches the connector from Maven Central by its coordinates when the stream reads Kafka.
    "SPARK_JARS": "",
    # The live reports' stream (recommendations/streaming.py): a micro-batch this often; its state
    # and offsets in this folder (default var/spark-stream); events later than the watermark's delay
    # are left to the batch jobs.
    "RECOMMENDATIONS_STREAM_TRIGGER_SECONDS": 10.0,
    "RECOMMENDATIONS_STREAM_CHECKPOINT_DIR": "",
    "RECOMMENDATIONS_STREAM_WATERMARK_MINUTES": 15,
    "RECOMMENDATIONS_ALS": ALS_DEFAULTS,
    "RECOMMENDATIONS_SIGNAL_WEIGHTS": SIGNAL_WEIGHTS,
    "RECOMMENDATIONS_POPULAR_WEIGHTS": POPULAR_WEIGHTS,
    "RECOMMENDATIONS_POPULAR_HALF_LIFE_DAYS": 14.0,
    "RECOMMENDATIONS_POPULAR_LIMIT": 100,  # items kept per scope (overall, a category, a state)
    "RECOMMENDATIONS_PER_CUSTOMER": 30,  # items kept per customer
    "RECOMMENDATIONS_ALSO_BOUGHT": 20,  # items kept per item
    "RECOMMENDATIONS_EVAL_TEST_DAYS": 14,  # als_eval tests on purchases in the lake's last days
    "RECOMMENDATIONS_KEEP_RUNS": 2,  # successful runs whose results stay (a reader mid-swap finds them)
    # The in-process bus's lake writer: a batch file when this many events came, or this long passed.
    "RECOMMENDATIONS_LAKE_BATCH": 500,
    "RECOMMENDATIONS_LAKE_BATCH_SECONDS": 15.0,  # the live reports read the lake (decision 0027)
    # Serving: a customer with fewer personal rows (after filtering) sees popular items instead.
    "RECOMMENDATIONS_MIN_PERSONAL": 4,
    # A row holds at most this many items of one brand, and of one category, before the rest.
    "RECOMMENDATIONS_MAX_PER_BRAND": 2,
    "RECOMMENDATIONS_MAX_PER_CATEGORY": 3,
    "RECOMMENDATIONS_RECENT_ORDER_DAYS": 30,  # what a customer bought this recently is not offered
    "RECOMMENDATIONS_CACHE_SECONDS": 600,
}


@dataclass(frozen=True)
class RecommendationSettings:
    lake_location: str
    spark_master: str
    spark_driver_memory: str
    spark_checkpoint_dir: str
    spark_jars: str = ""
    stream_trigger_seconds: float = 10.0
    stream_checkpoint_dir: str = ""
    stream_watermark_minutes: int = 15
    als: dict[str, Any] = field(default_factory=dict)
    signal_weights: dict[str, float] = field(default_factory=dict)
    popular_weights: dict[str, float] = field(default_factory=dict)
    popular_half_life_days: float = 14.0
    popular_limit: int = 100
    per_customer: int = 30
    also_bought: int = 20
    eval_test_days: int = 14
    keep_runs: int = 2
    lake_batch: int = 500
    lake_batch_seconds: float = 15.0
    min_personal: int = 4
    max_per_brand: int = 2
    max_per_category: int = 3
    recent_order_days: int = 30
    cache_seconds: int = 600


# Also read from the environment, so a job runner or a test points them elsewhere without settings.
ENVIRONMENT_NAMES = {"SPARK_MASTER", "SPARK_JARS", "BEHAVIOUR_LAKE_PATH", "RECOMMENDATIONS_STREAM_CHECKPOINT_DIR"}


def _get(name: str) -> Any:
    value = getattr(settings, name, None)
    if value is None and name in ENVIRONMENT_NAMES:
        value = os.environ.get(name) or None
    return DEFAULTS.get(name) if value is None else value


def lake_location() -> str:
    """The lake as Spark is given it: a folder, or a URI (s3a://bucket/lake) on a cluster."""
    configured = getattr(settings, "BEHAVIOUR_LAKE_PATH", None) or os.environ.get("BEHAVIOUR_LAKE_PATH")
    return str(configured) if configured else str(Path(settings.BASE_DIR) / "var" / "lake")


def lake_path() -> Path:
    """The lake as this process writes it (pyarrow, local or mounted storage)."""
    return Path(lake_location())


def rec_settings() -> RecommendationSettings:
    """Read on every call (tests override settings)."""
    return RecommendationSettings(
        lake_location=lake_location(),
        spark_master=_get("SPARK_MASTER"),
        spark_driver_memory=_get("SPARK_DRIVER_MEMORY"),
        spark_checkpoint_dir=_get("SPARK_CHECKPOINT_DIR"),
        spark_jars=_get("SPARK_JARS"),
        stream_trigger_seconds=float(_get("RECOMMENDATIONS_STREAM_TRIGGER_SECONDS")),
        stream_checkpoint_dir=_get("RECOMMENDATIONS_STREAM_CHECKPOINT_DIR")
        or str(Path(settings.BASE_DIR) / "var" / "spark-stream"),
        stream_watermark_minutes=int(_get("RECOMMENDATIONS_STREAM_WATERMARK_MINUTES")),
        als={**ALS_DEFAULTS, **_get("RECOMMENDATIONS_ALS")},
        signal_weights={str(k): float(v) for k, v in _get("RECOMMENDATIONS_SIGNAL_WEIGHTS").items()},
        popular_weights={str(k): float(v) for k, v in _get("RECOMMENDATIONS_POPULAR_WEIGHTS").items()},
        popular_half_life_days=float(_get("RECOMMENDATIONS_POPULAR_HALF_LIFE_DAYS")),
        popular_limit=int(_get("RECOMMENDATIONS_POPULAR_LIMIT")),
        per_customer=int(_get("RECOMMENDATIONS_PER_CUSTOMER")),
        also_bought=int(_get("RECOMMENDATIONS_ALSO_BOUGHT")),
        eval_test_days=int(_get("RECOMMENDATIONS_EVAL_TEST_DAYS")),
        keep_runs=max(1, int(_get("RECOMMENDATIONS_KEEP_RUNS"))),
        lake_batch=max(1, int(_get("RECOMMENDATIONS_LAKE_BATCH"))),
        lake_batch_seconds=float(_get("RECOMMENDATIONS_LAKE_BATCH_SECONDS")),
        min_personal=int(_get("RECOMMENDATIONS_MIN_PERSONAL")),
        max_per_brand=max(1, int(_get("RECOMMENDATIONS_MAX_PER_BRAND"))),
        max_per_category=max(1, int(_get("RECOMMENDATIONS_MAX_PER_CATEGORY"))),
        recent_order_days=int(_get("RECOMMENDATIONS_RECENT_ORDER_DAYS")),
        cache_seconds=int(_get("RECOMMENDATIONS_CACHE_SECONDS")),
    )
