"""`check --deploy`: the recommendation jobs need Java (Spark's driver runs on it, locally or
against SPARK_MASTER's cluster). Without it the shop still serves: pages show the jobs' last
stored results, or the top-rated shelf before there are any (decision 0023)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register

from recommendations.spark import java_available


@register(Tags.compatibility, deploy=True)
def recommendation_jobs_have_java(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[CheckMessage]:
    if java_available():
        return []
    return [Warning(
        "No Java here: the recommendation jobs (Spark) can't run, so pages keep showing the results the "
        "jobs stored last, or the top-rated shelf until there are some.",
        hint="Install a JDK 17 or newer (Debian: openjdk-17-jre-headless) or set JAVA_HOME.",
        id="bazaar.W002",
    )]
