"""One launcher per JVM engine, each a module with

    MODULE: str                      # its Maven description, infra/jvm/<MODULE>/pom.xml
    DEFAULT_PORT: int                # what `make services` asks for first
    def start(*, data_dir: Path, port: int | None = None) -> ContextManager[RunningEngine]

`start` fetches the class path if needed, starts one node on 127.0.0.1 with its data in data_dir,
returns once it answers and stops it when the block ends. `make services` and the test fixtures
(tests/engines.py) both go through here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

ENGINES: dict[str, str] = {
    "kafka": "infra.engines.kafka",
    "cassandra": "infra.engines.cassandra",
    "opensearch": "infra.engines.opensearch",
}


def launcher(name: str) -> ModuleType:
    return importlib.import_module(ENGINES[name])
