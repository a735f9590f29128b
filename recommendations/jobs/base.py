"""What every batch job shares: its context (Spark, settings, the time it runs at, a progress
line per stage), what it returns, and the lake read as a Spark DataFrame."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from recommendations.conf import RecommendationSettings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SPARK_SCHEMA_DDL = (
    "event_id STRING, occurred_at TIMESTAMP, visitor_id STRING, customer_id BIGINT, item_id BIGINT, "
    "category_id BIGINT, price_paise BIGINT, pin_code STRING, query STRING, position INT, quantity INT, "
    "type STRING, date STRING, hour INT"
)


class NoBehaviour(RuntimeError):
    """The lake holds nothing a job can learn from."""


@dataclass(frozen=True, slots=True)
class PopularRow:
    scope: str
    scope_key: str
    item_id: int
    score: float
    rank: int


@dataclass(frozen=True, slots=True)
class CustomerRow:
    customer_id: int
    item_id: int
    score: float
    rank: int


@dataclass(frozen=True, slots=True)
class AlsoBoughtRow:
    item_id: int
    other_item_id: int
    score: float
    rank: int


@dataclass
class JobOutput:
    """A job's results: None for a table the job does not own; figures go on its JobRun."""

    popular: list[PopularRow] | None = None
    customers: list[CustomerRow] | None = None
    also_bought: list[AlsoBoughtRow] | None = None
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobContext:
    name: str
    spark: SparkSession
    conf: RecommendationSettings
    now: datetime
    progress: Callable[[str], None] = print
    started: float = field(default_factory=time.monotonic)
    _stage: int = 0

    def stage(self, text: str) -> None:
        self._stage += 1
        self.progress(f"{self.name} [{self._stage}] {text} (+{time.monotonic() - self.started:.1f} s)")


def behaviour(ctx: JobContext, types: Iterable[str] | None = None) -> DataFrame:
    """The lake's events (of `types`), each event id once; partition pruning reads only those types."""
    from pyspark.sql import functions as F

    frame = (ctx.spark.read.schema(SPARK_SCHEMA_DDL).option("basePath", ctx.conf.lake_location)
             .parquet(ctx.conf.lake_location))
    if types is not None:
        frame = frame.filter(F.col("type").isin([str(t) for t in types]))
    return frame.dropDuplicates(["event_id"])


def require(frame: DataFrame, what: str) -> int:
    count = frame.count()
    if count == 0:
        raise NoBehaviour(f"no {what} in the behaviour lake")
    return count
