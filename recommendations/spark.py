"""One SparkSession for the batch jobs: local[2] by default, SPARK_MASTER for a cluster.

Java is found as the engines find it (infra/engines/base.py, which the shop may not import):
$JAVA_HOME, else `java` on PATH. Without it, `SparkUnavailable` says so before Spark tries.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from recommendations.conf import rec_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_lock = threading.Lock()


class SparkUnavailable(RuntimeError):
    """No Java here, or pyspark missing: the jobs cannot run (pages keep the last results)."""


def java_available() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java")


def kafka_connector_package() -> str:
    """Spark's Kafka connector by its Maven coordinates, for the installed pyspark's version."""
    import pyspark

    return f"org.apache.spark:spark-sql-kafka-0-10_2.13:{pyspark.__version__}"


def spark_session(*, kafka: bool = False) -> SparkSession:
    """The process's session (created on first use, then reused: starting one costs seconds).

    `kafka`: the session reads Kafka, so it needs the connector: the jars of SPARK_JARS, or else
    the package from Maven Central (fetched by Spark into ~/.ivy2 once)."""
    if not java_available():
        raise SparkUnavailable("no Java found: install a JDK 17+ or set JAVA_HOME")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is in requirements
        raise SparkUnavailable(f"pyspark is not installed: {exc}") from exc
    conf = rec_settings()
    with _lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        # py4j logs at INFO from a __del__ at interpreter exit; nothing worth reading.
        logging.getLogger("py4j").setLevel(logging.WARNING)
        # Spark's Python workers run this interpreter, not whichever `python3` is on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (
            SparkSession.builder.master(conf.spark_master)
            .appName("bazaar-recommendations")
            .config("spark.driver.memory", conf.spark_driver_memory)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            # Small data, two cores: a few partitions beat the default 200.
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.default.parallelism", "4")
            .config("spark.sql.session.timeZone", "UTC")
            # The lake's files are small (an hour of one type): pack many into each task.
            .config("spark.sql.files.openCostInBytes", str(256 * 1024))
            # A file compacted away while a job lists the lake is skipped (its rows are in the
            # merged file the job also finds, or it sees the next run's).
            .config("spark.sql.files.ignoreMissingFiles", "true")
        )
        if conf.spark_jars:
            builder = builder.config("spark.jars", conf.spark_jars)
        elif kafka:
            builder = builder.config("spark.jars.packages", kafka_connector_package())
        local_dir = None
        if conf.spark_master.startswith("local"):
            local_dir = Path(tempfile.gettempdir()) / f"bazaar-spark-{os.getuid()}"
            builder = (builder.config("spark.driver.host", "127.0.0.1")
                       .config("spark.driver.bindAddress", "127.0.0.1")
                       .config("spark.local.dir", str(local_dir)))
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("WARN")
        # ALS cuts its lineage every 10 iterations only with a checkpoint folder (without one, 20
        # iterations overflow the stack serialising it). On a cluster: shared storage.
        checkpoints = conf.spark_checkpoint_dir or (str(local_dir / "checkpoints") if local_dir else None)
        if checkpoints:
            session.sparkContext.setCheckpointDir(checkpoints)
        return session
