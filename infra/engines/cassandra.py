"""One Apache Cassandra 5.0 node on loopback, for the order archive (orders/backends/cassandra.py).

    with start(data_dir=tmp) as cassandra:   # cassandra.env == {"CASSANDRA_HOSTS": ..., "CASSANDRA_PORT": ...}

Everything the node needs is generated into data_dir: a small cassandra.yaml (its own directories,
loopback only, no auth, small caches) and a logback.xml (warnings, plus the few startup lines that
say where the time goes). It runs in the foreground through CassandraDaemon, the way bin/cassandra
would, with the Java 17 module flags from Cassandra's conf/jvm17-server.options. It is a node for
tests and development: the settings below trade durability and production tuning for a fast start.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

from infra.engines.base import HOST, RunningEngine, classpath, free_port, heap_options, port_open, start_java

MODULE = "cassandra"
DEFAULT_PORT = 9042
MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon"
HEAP_MB = 1024
INITIAL_HEAP_MB = 256
STARTUP_TIMEOUT_S = 180.0  # about 6 s here; a cold, busy CI machine gets a wide margin

# From Cassandra 5.0's conf/jvm17-server.options ("JPMS" section): without these, Java 17 refuses
# the reflective access Cassandra, its Chronicle queues, jamm and Netty do at startup.
JAVA17_MODULE_OPTIONS = [
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
    "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
    "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
    "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
    "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens", "java.base/java.io=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang=ALL-UNNAMED",
    "--add-opens", "java.base/java.util=ALL-UNNAMED",
    "-Djdk.attach.allowAttachSelf=true",
    # Netty on Java 9+: direct buffers through Unsafe, and the pre-4.1.75 allocator defaults.
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dio.netty.allocator.useCacheForAllThreads=true",
    "-Dio.netty.allocator.maxOrder=11",
]

# Cassandra's own start-up waits, none of which a single fresh node needs.
FAST_START_PROPERTIES = [
    "-Dcassandra.skip_wait_for_gossip_to_settle=0",  # no other node to hear from
    "-Dcassandra.ring_delay_ms=100",  # default 30 s of waiting for ring information
    "-Dcassandra.initial_token=0",  # one token, no allocation algorithm to run
    "-Dcassandra.superuser_setup_delay_ms=0",
    "-Dcassandra.skip_sync=true",  # no fsync: a throwaway node, and fsyncs are slow on CI disks
    "-Dcassandra.consistent.rangemovement=false",
    "-Dcassandra.shutdown_announce_in_ms=0",  # default 2 s telling (absent) peers it is going
    # Chronicle (the audit/full-query log library) would otherwise try to phone home.
    "-Dchronicle.analytics.disable=true",
    "-Dchronicle.announcer.disable=true",
]


def cassandra_yaml(data_dir: Path, *, native_port: int, storage_port: int) -> str:
    """The node's configuration. JSON is valid YAML, so it is written as JSON: no quoting surprises."""
    config = {
        "cluster_name": "bazaar",
        "num_tokens": 1,
        "partitioner": "org.apache.cassandra.dht.Murmur3Partitioner",
        "authenticator": "AllowAllAuthenticator",
        "authorizer": "AllowAllAuthorizer",
        "data_file_directories": [str(data_dir / "data")],
        "commitlog_directory": str(data_dir / "commitlog"),
        "saved_caches_directory": str(data_dir / "saved_caches"),
        "hints_directory": str(data_dir / "hints"),
        "cdc_raw_directory": str(data_dir / "cdc_raw"),
        "commitlog_sync": "periodic",
        "commitlog_sync_period": "10000ms",
        "commitlog_segment_size": "8MiB",
        "seed_provider": [{"class_name": "org.apache.cassandra.locator.SimpleSeedProvider",
                           "parameters": [{"seeds": f"{HOST}:{storage_port}"}]}],
        "listen_address": HOST,
        "rpc_address": HOST,
        "storage_port": storage_port,
        "native_transport_port": native_port,
        "start_native_transport": True,
        "endpoint_snitch": "SimpleSnitch",
        # Small: the node shares a 2-core, few-GB test machine with the shop and other engines.
        "memtable_heap_space": "64MiB",
        "memtable_offheap_space": "64MiB",
        "key_cache_size": "8MiB",
        "file_cache_size": "32MiB",
        "counter_cache_size": "0MiB",
        "row_cache_size": "0MiB",
        "concurrent_reads": 4,
        "concurrent_writes": 4,
        "concurrent_counter_writes": 2,
        "concurrent_compactors": 1,
        "native_transport_max_threads": 16,
        # No snapshots of dropped or truncated tables: the tests drop a keyspace per run.
        "auto_snapshot": False,
        "snapshot_before_compaction": False,
        "hinted_handoff_enabled": False,
        "dynamic_snitch": False,
        "incremental_backups": False,
    }
    return json.dumps(config, indent=2) + "\n"


LOGBACK_XML = """<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{1} %msg%n</pattern></encoder>
  </appender>
  <!-- Warnings and errors, plus the lines that show how far start-up got and when it is done. -->
  <logger name="org.apache.cassandra.service.CassandraDaemon" level="INFO"/>
  <logger name="org.apache.cassandra.service.StorageService" level="INFO"/>
  <logger name="org.apache.cassandra.transport.Server" level="INFO"/>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
</configuration>
"""


def answers(port: int, *, timeout_s: float = 5.0) -> bool:
    """The node serves CQL: the driver connects and system.local tells its version."""
    if not port_open(port):  # cheap check first: the driver takes seconds to give up otherwise
        return False
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import RoundRobinPolicy

    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=timeout_s)
    cluster = Cluster([HOST], port=port, connect_timeout=timeout_s, control_connection_timeout=timeout_s,
                      protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    try:
        session = cluster.connect()
        row = session.execute("SELECT release_version FROM system.local").one()
        return bool(row and row.release_version)
    except Exception:  # any failure here means "not yet"; start_java gives up at the deadline
        return False
    finally:
        cluster.shutdown()


def jvm_arguments(data_dir: Path, *, jars: list[Path], jmx_port: int) -> list[str]:
    conf = data_dir / "conf"
    return [
        # Serial GC and C1 only (heap_options): a small heap on two cores starts faster than with
        # Cassandra's G1 settings, and Cassandra accepts it.
        # Up to 1 GB, but only 256 MB committed at start: Cassandra mlockall()s the JVM's memory at
        # start-up, which with -Xms1024m would make the whole heap resident at once.
        *heap_options(HEAP_MB, initial_megabytes=INITIAL_HEAP_MB),
        "-XX:+UseTLAB", "-XX:+ResizeTLAB", "-XX:+PerfDisableSharedMem",
        "-XX:+ExitOnOutOfMemoryError",  # Cassandra's advice: a node out of memory must not limp on
        *JAVA17_MODULE_OPTIONS,
        *FAST_START_PROPERTIES,
        "-Dcassandra-foreground=yes",
        f"-Dcassandra.config=file://{conf / 'cassandra.yaml'}",
        f"-Dcassandra.storagedir={data_dir}",
        f"-Dcassandra.logdir={data_dir / 'logs'}",
        f"-Dcassandra.triggers_dir={data_dir / 'triggers'}",
        f"-Dlogback.configurationFile=file://{conf / 'logback.xml'}",
        # JMX on loopback only, on a port of its own, so `nodetool -p <port>` can look inside.
        f"-Dcassandra.jmx.local.port={jmx_port}",
        "-cp", ":".join(str(jar) for jar in jars),
        MAIN_CLASS,
    ]


@contextlib.contextmanager
def start(*, data_dir: Path, port: int | None = None) -> Iterator[RunningEngine]:
    jars = classpath(MODULE)
    native_port = port or free_port()
    conf = data_dir / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    for name in ("data", "commitlog", "saved_caches", "hints", "cdc_raw", "logs", "triggers"):
        (data_dir / name).mkdir(exist_ok=True)
    (conf / "cassandra.yaml").write_text(cassandra_yaml(data_dir, native_port=native_port, storage_port=free_port()))
    (conf / "logback.xml").write_text(LOGBACK_XML)
    argv = jvm_arguments(data_dir, jars=jars, jmx_port=free_port())
    started = time.monotonic()
    with start_java("cassandra", argv, data_dir=data_dir, ready=lambda: answers(native_port),
                    startup_timeout_s=STARTUP_TIMEOUT_S) as process:
        (data_dir / "started.txt").write_text(f"pid {process.pid}, answered after {time.monotonic() - started:.1f} s\n")
        yield RunningEngine(name="cassandra", host=HOST, port=native_port, data_dir=data_dir,
                            env={"CASSANDRA_HOSTS": HOST, "CASSANDRA_PORT": str(native_port)})
