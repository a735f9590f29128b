"""The JVM engines (infra/engines) as session fixtures, started only when a selected test asks.

    kafka_engine = engine_fixture("kafka")      # in a test module or conftest
    def test_x(kafka_engine): KafkaEventBus(kafka_engine.address, ...)

Under xdist every test that uses an engine fixture goes to one worker (tests/conftest.py marks it
with xdist_group), so each engine starts once per run. Where the engine cannot run (no Java, no
Maven, no network to fetch its jars) the test is skipped with the reason, except when
BAZAAR_REQUIRE_ENGINES is set (CI sets it): then a missing engine is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from infra.engines import launcher
from infra.engines.base import EngineUnavailable, RunningEngine

ENGINE_FIXTURES = {"kafka_engine": "kafka", "cassandra_engine": "cassandra", "opensearch_engine": "opensearch"}
# One xdist group for every test that uses an engine, so each engine starts once per run.
# tests/conftest.py adds these marks itself when a test names an engine fixture; a test that
# reaches one only through request.getfixturevalue must carry them.
ENGINE_MARKS = (pytest.mark.engine, pytest.mark.xdist_group("jvm-engines"))


def engines_required() -> bool:
    return os.environ.get("BAZAAR_REQUIRE_ENGINES", "") not in ("", "0")


def unavailable(reason: str) -> None:
    if engines_required():
        pytest.fail(f"{reason} (BAZAAR_REQUIRE_ENGINES is set: a missing engine is a failure)", pytrace=False)
    pytest.skip(reason)


def engine_fixture(name: str):
    @pytest.fixture(scope="session")
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEngine]:
        engine = launcher(name)
        starting = engine.start(data_dir=tmp_path_factory.mktemp(name))
        try:
            running = starting.__enter__()
        except EngineUnavailable as exc:
            unavailable(f"{name} cannot run on this machine: {exc}")
        try:
            yield running
        finally:
            starting.__exit__(None, None, None)

    return fixture
