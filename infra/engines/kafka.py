"""Apache Kafka 4 (KRaft): one node that is both broker and controller, on 127.0.0.1 only.

    with start(data_dir=tmp) as kafka: KafkaEventBus(kafka.address, ...)

The broker runs with its own main class (`kafka.Kafka server.properties`) after its own storage
tool has formatted data_dir/logs, both from the jars of infra/jvm/kafka. The settings are the
smallest that behave like a real cluster for one client: replication factor 1 for the internal
topics, no initial rebalance delay, few internal partitions (so the first consumer group does
not wait for 50 __consumer_offsets partitions to be created on a 2-core machine).
"""

from __future__ import annotations

import base64
import contextlib
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

from infra.engines.base import (
    HOST,
    EngineStartError,
    RunningEngine,
    classpath,
    free_port,
    heap_options,
    java_executable,
    port_open,
    start_java,
)

MODULE = "kafka"
DEFAULT_PORT = 9092
HEAP_MB = 512
STARTUP_TIMEOUT_S = 120.0  # ~4.5 s alone (format included); room for a busy machine and other engines
NODE_ID = 1

# WARN and above to the console (start_java writes it to data_dir/kafka.log), plus the one INFO
# line that says the server is up, so the log shows when it was ready.
LOG4J2_PROPERTIES = """\
status = warn
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
"""


def server_properties(*, port: int, controller_port: int, log_dir: Path) -> str:
    # A static voter set (controller.quorum.voters) rather than --standalone's dynamic quorum:
    # the dynamic one records the controller's endpoint in the metadata log, so a restart on
    # another free port would look for a controller that is no longer there.
    settings = {
        "process.roles": "broker,controller",
        "node.id": NODE_ID,
        "controller.quorum.voters": f"{NODE_ID}@{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(log_dir),
        # The shop's topic (bazaar.events) is created on first publish: several partitions, so
        # `make services` + `make run` spreads keys as production would (tests make their own topics).
        "num.partitions": 3,
        "default.replication.factor": 1,
        "min.insync.replicas": 1,
        "offsets.topic.replication.factor": 1,
        "offsets.topic.num.partitions": 3,
        "transaction.state.log.replication.factor": 1,
        "transaction.state.log.min.isr": 1,
        "transaction.state.log.num.partitions": 3,
        "share.coordinator.state.topic.replication.factor": 1,
        "share.coordinator.state.topic.min.isr": 1,
        "group.initial.rebalance.delay.ms": 0,
        "num.network.threads": 2,
        "num.io.threads": 2,
        "num.recovery.threads.per.data.dir": 1,
        "log.flush.interval.messages": 9223372036854775807,  # the OS flushes; as in production
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def new_cluster_id() -> str:
    """A cluster id as Kafka writes them: 16 random bytes in URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def broker_answers(port: int) -> bool:
    """Ready = a Metadata request answers and lists this broker (it has registered with the
    controller and is unfenced), not merely that the port accepts connections."""
    if not port_open(port):
        return False
    from kafka import KafkaAdminClient  # the shop's client, so "ready" means ready for it

    try:
        admin = KafkaAdminClient(bootstrap_servers=f"{HOST}:{port}", bootstrap_timeout_ms=2_000,
                                 request_timeout_ms=2_000)
    except Exception:
        return False
    try:
        return bool(admin.describe_cluster()["brokers"])
    except Exception:
        return False
    finally:
        admin.close()


def format_storage(jars: str, config: Path, log_options: list[str], data_dir: Path) -> None:
    """Write meta.properties into the log dir (KRaft refuses to start without it). A data_dir
    that is already formatted keeps its cluster id and data (--ignore-formatted)."""
    # "--cluster-id=<id>" as one argument: an id starting with "-" (1 in 64) is otherwise read as an option.
    command = [java_executable(), *heap_options(128), *log_options, "-cp", jars, "kafka.tools.StorageTool",
               "format", f"--cluster-id={new_cluster_id()}", "--config", str(config), "--ignore-formatted"]
    result = subprocess.run(command, cwd=data_dir, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise EngineStartError(f"kafka's storage format failed ({result.returncode}):\n"
                               f"{result.stdout[-3000:]}{result.stderr[-3000:]}")


@contextlib.contextmanager
def start(*, data_dir: Path, port: int | None = None) -> Iterator[RunningEngine]:
    jars = ":".join(str(jar) for jar in classpath(MODULE))
    port = port or free_port()
    controller_port = free_port()
    while controller_port == port:
        controller_port = free_port()

    config = data_dir / "server.properties"
    config.write_text(server_properties(port=port, controller_port=controller_port, log_dir=data_dir / "logs"))
    log4j_config = data_dir / "log4j2.properties"
    log4j_config.write_text(LOG4J2_PROPERTIES)
    log_options = [f"-Dlog4j2.configurationFile={log4j_config}"]

    format_storage(jars, config, log_options, data_dir)
    argv = [*heap_options(HEAP_MB), *log_options, "-cp", jars, "kafka.Kafka", str(config)]
    with start_java("kafka", argv, data_dir=data_dir, ready=lambda: broker_answers(port),
                    startup_timeout_s=STARTUP_TIMEOUT_S):
        yield RunningEngine(name="kafka", host=HOST, port=port, data_dir=data_dir,
                            env={"KAFKA_BOOTSTRAP_SERVERS": f"{HOST}:{port}"})
