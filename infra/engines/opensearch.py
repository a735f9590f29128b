"""One OpenSearch node, assembled from Maven Central's jars (no distribution archive, no Docker).

    with start(data_dir=tmp) as node: OpenSearchBackend(node.env["OPENSEARCH_URL"])

OpenSearch's distribution is a folder: `lib/` (the server's class path), `modules/<name>/` (each
module's jars and `plugin-descriptor.properties`) and `config/`. Maven Central holds the same
jars, so the launcher builds that folder inside data_dir:

- the server's class path is infra/jvm/opensearch (run straight from the cache, no copy);
- each module has its own Maven description, infra/jvm/opensearch-<module>, so the jars of one
  module are exactly one `classpath()` (no guessing which jar belongs where); they are copied
  into `modules/<module>/` with the descriptor and security policy the distribution's build
  would have written;
- `config/` holds the opensearch.yml and log4j2.properties written here.

Only the three modules the shop needs: HTTP and transport (transport-netty4), the analyzers and
token filters beyond the standard ones (analysis-common: asciifolding), and Painless
(lang-painless, which analysis-common extends).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from infra.engines.base import (
    HOST,
    EngineStartError,
    EngineUnavailable,
    RunningEngine,
    classpath,
    free_port,
    heap_options,
    java_executable,
    start_java,
)

MODULE = "opensearch"
DEFAULT_PORT = 9200
HEAP_MB = 512
STARTUP_TIMEOUT_S = 120.0
MAIN_CLASS = "org.opensearch.bootstrap.OpenSearch"


@dataclass(frozen=True)
class OpenSearchModule:
    """One module of the distribution: where its jars come from and what its descriptor says."""

    name: str  # the folder under modules/, and the plugin's name
    artifact: str  # its jar on Maven Central, org.opensearch.plugin:<artifact>
    classname: str  # the Plugin class inside that jar
    description: str
    extended_plugins: tuple[str, ...] = ()
    security_policy: str = ""

    @property
    def maven_module(self) -> str:
        return f"opensearch-{self.name}"


# Descriptors and policies as OpenSearch 2.19's build writes them for these modules
# (modules/<name>/build.gradle and src/main/plugin-metadata/plugin-security.policy).
MODULES: tuple[OpenSearchModule, ...] = (
    OpenSearchModule(
        name="transport-netty4", artifact="transport-netty4-client", classname="org.opensearch.transport.Netty4Plugin",
        description="Netty 4 based transport implementation",
        security_policy="""grant {
  permission java.io.FilePermission "/proc/sys/net/core/somaxconn", "read";
  permission java.net.SocketPermission "*", "accept,connect";
  permission java.lang.RuntimePermission "*", "setContextClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
  permission java.util.PropertyPermission "sun.nio.ch.bugLevel", "write";
};
""",
    ),
    OpenSearchModule(
        name="lang-painless", artifact="lang-painless", classname="org.opensearch.painless.PainlessPlugin",
        description="An easy, safe and fast scripting language for OpenSearch",
        security_policy="""grant {
  permission java.lang.RuntimePermission "createClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
};
""",
    ),
    OpenSearchModule(
        name="analysis-common", artifact="analysis-common",
        classname="org.opensearch.analysis.common.CommonAnalysisPlugin",
        description="Adds \"built in\" analyzers to OpenSearch.",
        extended_plugins=("lang-painless",),  # it ships a Painless extension (META-INF/services)
    ),
)

# What OpenSearch's launcher adds to every node (distribution/tools/launchers SystemJvmOptions and
# config/jvm.options), less what only matters for big production heaps. `java.security.manager=allow`:
# OpenSearch 2.x installs its own security manager; Java 17 allows that anyway (with a warning),
# 18 to 23 only with this flag.
SYSTEM_JVM_OPTIONS = [
    "-Djava.security.manager=allow",
    "-Dopensearch.networkaddress.cache.ttl=60",
    "-Dopensearch.networkaddress.cache.negative.ttl=10",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ShowCodeDetailsInExceptionMessages",
    "-Dio.netty.noUnsafe=true",
    "-Dio.netty.noKeySetOptimization=true",
    "-Dio.netty.recycler.maxCapacityPerThread=0",
    "-Dio.netty.allocator.numDirectArenas=0",
    "-Dlog4j.shutdownHookEnabled=false",
    "-Dlog4j2.disable.jmx=true",
    "-Djava.locale.providers=SPI,COMPAT",  # date parsing as OpenSearch expects it
]
# OpenSearch refuses to run as root, and tests often run as root in containers. It asks the OS
# through JNA's native library; without that library (not unpacked, not taken from the system)
# it cannot tell, logs a warning and starts. It then also skips mlockall and the seccomp filter,
# neither of which a throwaway loopback node needs. Off everywhere, so every machine runs alike.
NO_NATIVE_ACCESS = ["-Djna.nosys=true", "-Djna.nounpack=true"]

# The node logs to stdout, which start_java keeps in data_dir/opensearch.log.
LOG4J2_PROPERTIES = """status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.deprecation.name = org.opensearch.deprecation
logger.deprecation.level = error
"""


def java_major(java: str) -> int:
    """The major version of `java` (17 for "17.0.15", 8 for "1.8.0")."""
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    found = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr)
    if not found:
        raise EngineUnavailable(f"cannot tell the version of {java}: {result.stderr.strip()[:200]}")
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def check_java() -> None:
    major = java_major(java_executable())
    # 2.19 runs on 11-23; Java 24 removed the security manager OpenSearch 2.x cannot start without.
    if not 11 <= major <= 23:
        raise EngineUnavailable(f"OpenSearch 2.19 needs Java 11 to 23 (17 is the tested one), found {major}; "
                                "set JAVA_HOME to a JDK 17")


def jar_version(jars: list[Path], artifact: str) -> str:
    """The version in `<artifact>-<version>.jar` among `jars`."""
    pattern = re.compile(rf"{re.escape(artifact)}-(\d+\.\d+\.\d+)\.jar")
    for jar in jars:
        if found := pattern.fullmatch(jar.name):
            return found.group(1)
    raise EngineStartError(f"no {artifact} jar among {[j.name for j in jars]}")  # a pom to fix, not a skip


def assemble_home(home: Path) -> list[Path]:
    """Write the node's home folder (modules/, plugins/, config/); returns the server's class path."""
    server = classpath(MODULE)
    version = jar_version(server, "opensearch")
    modules_dir = home / "modules"
    shutil.rmtree(modules_dir, ignore_errors=True)  # a home reused by a later run: fresh modules
    for module in MODULES:
        jars = classpath(module.maven_module)
        module_version = jar_version(jars, module.artifact)
        if module_version != version:  # OpenSearch refuses a module built for another version: a pom to fix
            raise EngineStartError(f"infra/jvm/{module.maven_module} pins {module_version}, the server {version}")
        folder = modules_dir / module.name
        folder.mkdir(parents=True)
        for jar in jars:  # copies: the security policy grants on paths inside home
            shutil.copy2(jar, folder / jar.name)
        (folder / "plugin-descriptor.properties").write_text(
            f"name={module.name}\ndescription={module.description}\nversion={version}\n"
            f"opensearch.version={version}\njava.version=11\nclassname={module.classname}\n"
            f"extended.plugins={','.join(module.extended_plugins)}\ncustom.foldername={module.name}\n")
        if module.security_policy:
            (folder / "plugin-security.policy").write_text(module.security_policy)
    (home / "plugins").mkdir(parents=True, exist_ok=True)
    return server


def write_config(config: Path, *, data_dir: Path, http_port: int, transport_port: int) -> None:
    config.mkdir(parents=True, exist_ok=True)
    settings = {
        "cluster.name": "bazaar",
        "node.name": "bazaar-1",
        "path.data": str(data_dir / "data"),
        "path.logs": str(data_dir / "logs"),
        "network.host": HOST,
        "http.port": http_port,
        "transport.port": transport_port,
        "discovery.type": "single-node",  # no cluster formation, no bootstrap checks on loopback
        # No `plugins.security.disabled`: the security plugin is not installed, and OpenSearch
        # refuses settings of plugins it does not have. Plain HTTP, no users.
        "bootstrap.memory_lock": False,
        # Test and dev disks are often nearly full: never turn indexes read-only for that.
        "cluster.routing.allocation.disk.threshold_enabled": False,
        # The backend creates every index with its mapping; a write to a missing one is a bug,
        # not a reason to create an index with a guessed mapping.
        "action.auto_create_index": False,
    }
    # YAML is a superset of JSON: one `key: <JSON value>` per line needs no YAML library.
    (config / "opensearch.yml").write_text("".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items()))
    (config / "log4j2.properties").write_text(LOG4J2_PROPERTIES)


def healthy(port: int) -> bool:
    """The node answers and its cluster is at least yellow (every primary shard assigned)."""
    url = f"http://{HOST}:{port}/_cluster/health?wait_for_status=yellow&timeout=1s"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200 and json.load(response).get("status") in ("yellow", "green")
    except (OSError, ValueError):  # refused while starting, 408 while red, a half-written answer
        return False


@contextmanager
def start(*, data_dir: Path, port: int | None = None) -> Iterator[RunningEngine]:
    with run_node(data_dir=Path(data_dir), port=port) as (node, _process):
        yield node


@contextmanager
def run_node(*, data_dir: Path, port: int | None) -> Iterator[tuple[RunningEngine, subprocess.Popen]]:
    """`start`, also giving the java process (to measure it)."""
    check_java()
    home = data_dir / "home"
    server = assemble_home(home)
    http_port = port or free_port()
    write_config(home / "config", data_dir=data_dir, http_port=http_port, transport_port=free_port())
    tmp = data_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    argv = [
        *heap_options(HEAP_MB),
        *SYSTEM_JVM_OPTIONS,
        *NO_NATIVE_ACCESS,
        f"-Djava.io.tmpdir={tmp}",
        f"-Dopensearch.path.home={home}",
        f"-Dopensearch.path.conf={home / 'config'}",
        "-Dopensearch.distribution.type=tar",
        "-cp", ":".join(str(jar) for jar in server),
        MAIN_CLASS,
    ]
    with start_java("opensearch", argv, data_dir=data_dir, ready=lambda: healthy(http_port),
                    startup_timeout_s=STARTUP_TIMEOUT_S) as process:
        yield (RunningEngine(name="opensearch", host=HOST, port=http_port, data_dir=data_dir,
                             env={"OPENSEARCH_URL": f"http://{HOST}:{http_port}"}), process)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure() -> None:
    """`python -m infra.engines.opensearch`: start a node (jars already fetched), print its start
    time and memory, stop it."""
    import tempfile

    for module in (MODULE, *(m.maven_module for m in MODULES)):
        classpath(module)  # not part of the start time
    with tempfile.TemporaryDirectory(prefix="bazaar-opensearch-") as tmp:
        started = time.monotonic()
        with run_node(data_dir=Path(tmp), port=None) as (node, process):
            ready_s = time.monotonic() - started
            with urllib.request.urlopen(f"http://{HOST}:{node.port}/", timeout=5) as response:
                version = json.load(response)["version"]["number"]
            print(f"OpenSearch {version} on {node.url}: ready (cluster yellow) in {ready_s:.1f} s, "
                  f"RSS {rss_mb(process.pid):.0f} MB with a {HEAP_MB} MB heap", flush=True)


if __name__ == "__main__":
    measure()
