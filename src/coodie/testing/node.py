"""Start, stop and inspect a local Apache Cassandra 5.0 node for tests, without Docker.

    python -m coodie.testing.node up|down|status   (the repository's tools/cassandra/node
                                                   runs this with its files under .cassandra/)

    tools/cassandra/node up       fetch the jars once (cached by Maven), start one node on
                                  127.0.0.1:9042 under JDK 17, return when CQL answers
    tools/cassandra/node down     stop the node this script started (by its pid)
    tools/cassandra/node status   say whether CQL answers and whether our node runs

    tools/cassandra/node cluster up [N]   start a cluster of N nodes (default 3) on 127.0.0.11..,
                                          one after the other; return when all are in one ring
    tools/cassandra/node cluster down     stop every node of the cluster (data kept)
    tools/cassandra/node cluster status   each node's pid, memory and CQL; the ring as gossip sees it
    tools/cassandra/node cluster stop I   stop node I (SIGTERM, a clean shutdown)
    tools/cassandra/node cluster kill I   kill node I (SIGKILL); stop and kill return once
                                          the other nodes' failure detectors mark it DOWN
    tools/cassandra/node cluster start I  start node I again; return when the others see it UP
    tools/cassandra/node cluster destroy  stop the cluster and delete its data

The cluster (dc1: every node but the last, dc2: the last, when N >= 3) never touches the
single node on 127.0.0.1; it lives under .cassandra/cluster/.

Standard library only (tools/cassandra/node runs it before the project's virtualenv
exists). Everything it writes lives under CASSANDRA_ROOT: by default the user's cache,
$XDG_CACHE_HOME/coodie/cassandra (~/.cache/coodie/cassandra). It needs a JDK 17 and, the
first time, Maven (`mvn`), which fetches the jars into the user's Maven cache (~/.m2) and
copies them to CASSANDRA_LIB (CASSANDRA_ROOT/lib).

Environment: CASSANDRA_HOST (127.0.0.1), CASSANDRA_PORT (9042), CASSANDRA_HEAP (1g),
CASSANDRA_START_TIMEOUT seconds (240), JAVA_HOME (a JDK 17; found under /usr/lib/jvm if unset);
for the cluster CASSANDRA_CLUSTER_NODES (3) and CASSANDRA_CLUSTER_HEAP per node (768m).
For a second, throwaway node (tests start one with PasswordAuthenticator on 127.0.0.21):
CASSANDRA_ROOT, the directory for its config, data, logs and pid file (.cassandra/ of the
repository); CASSANDRA_EXTRA_YAML, `key: value` lines that replace those keys of
cassandra.yaml.in or are added (e.g. "authenticator: PasswordAuthenticator"). The jars
are always those of .cassandra/lib.

CASSANDRA_DURABLE=1 starts the node as production would run it: the system tables are
fsynced (no -Dcassandra.unsafesystem=true) and the commitlog is in `group` mode (a write
is acknowledged once its commitlog segment is synced), so a table and every acknowledged
write survive a kill -9. The default (the shared test node) trades that for a fast start.
The fault tests (tests/faults, `make test-faults`) run such a node on 127.0.0.22 and use

    python -m coodie.testing.node kill   kill -9 the node this script started (no drain, no flush)
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent / "cassandra"  # pom.xml, cassandra.yaml.in, logback.xml
_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "coodie" / "cassandra"
ROOT = Path(os.environ.get("CASSANDRA_ROOT") or _CACHE).resolve()
LIB = Path(os.environ.get("CASSANDRA_LIB") or ROOT / "lib").resolve()
HOST = os.environ.get("CASSANDRA_HOST", "127.0.0.1")
PORT = int(os.environ.get("CASSANDRA_PORT", "9042"))
HEAP = os.environ.get("CASSANDRA_HEAP", "1g")
START_TIMEOUT = float(os.environ.get("CASSANDRA_START_TIMEOUT", "240"))
EXTRA_YAML = os.environ.get("CASSANDRA_EXTRA_YAML", "")
DURABLE = os.environ.get("CASSANDRA_DURABLE", "") not in ("", "0")
# a node whose CQL port speaks only TLS (client_encryption_options in CASSANDRA_EXTRA_YAML):
# the readiness probe speaks TLS too, without checking the certificate (it only asks OPTIONS)
CQL_TLS = any(
    line.startswith("client_encryption_options:") and "enabled: true" in line
    for line in EXTRA_YAML.splitlines()
)

GROUP_COMMITLOG = "commitlog_sync: group\ncommitlog_sync_group_window: 10ms"

# From Cassandra's conf/jvm17-server.options.
JVM17_FLAGS = [
    *(
        f"--add-exports={m}=ALL-UNNAMED"
        for m in (
            "java.base/jdk.internal.misc",
            "java.management.rmi/com.sun.jmx.remote.internal.rmi",
            "java.rmi/sun.rmi.registry",
            "java.rmi/sun.rmi.server",
            "java.sql/java.sql",
            "java.base/java.lang.ref",
            "jdk.unsupported/sun.misc",
            "jdk.compiler/com.sun.tools.javac.file",
            "jdk.attach/sun.tools.attach",
            "java.management/com.sun.jmx.remote.security",
        )
    ),
    *(
        f"--add-opens={m}=ALL-UNNAMED"
        for m in (
            "java.base/java.lang.module",
            "java.base/jdk.internal.loader",
            "java.base/jdk.internal.ref",
            "java.base/jdk.internal.reflect",
            "java.base/jdk.internal.math",
            "java.base/jdk.internal.module",
            "java.base/jdk.internal.util.jar",
            "java.base/sun.nio.ch",
            "java.base/java.io",
            "java.base/java.lang.reflect",
            "java.base/java.lang",
            "java.base/java.util",
            "java.base/java.nio",
            "jdk.management/com.sun.management.internal",
            "jdk.compiler/com.sun.tools.javac",
        )
    ),
]


class NodeError(Exception):
    pass


def say(msg: str) -> None:
    print(f"cassandra: {msg}", flush=True)


def cql_answers(host: str = HOST, port: int = PORT, timeout: float = 2.0) -> bool:
    """True when a CQL native-protocol OPTIONS request gets a SUPPORTED answer."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            s = raw
            if CQL_TLS and host == HOST:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                s = context.wrap_socket(raw)
            s.settimeout(timeout)
            # v4 frame header: version, flags, stream, opcode OPTIONS (0x05), body length 0
            s.sendall(struct.pack(">BBhBi", 0x04, 0, 0, 0x05, 0))
            header = b""
            while len(header) < 9:
                chunk = s.recv(9 - len(header))
                if not chunk:
                    return False
                header += chunk
            version, _flags, _stream, opcode, _length = struct.unpack(">BBhBi", header)
            return bool(version & 0x80 != 0 and opcode == 0x06)  # response, SUPPORTED
    except OSError:
        return False


def daemon_pid(pidfile: Path, root: str) -> int | None:
    """The pid `pidfile` names while that process runs. Guards against pid reuse: the
    process must be the CassandraDaemon whose command line names `root`."""
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        with open(f"/proc/{pid}/stat") as f:
            zombie = f.read().rsplit(")", 1)[1].split()[0] == "Z"  # dead, not yet reaped
    except (OSError, ValueError):
        return None
    if zombie or b"CassandraDaemon" not in cmdline or root.encode() not in cmdline:
        return None
    return pid


def root_pid(root: Path) -> int | None:
    """The pid of the node whose files live under `root`, while it runs."""
    return daemon_pid(root / "node.pid", f"{root}/")


def our_pid() -> int | None:
    return root_pid(ROOT)


def find_java() -> str:
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    candidates += [Path(p) / "bin" / "java" for p in sorted(glob.glob("/usr/lib/jvm/*17*"))]
    which = shutil.which("java")
    if which:
        candidates.append(Path(which))
    for java in candidates:
        if not java.exists():
            continue
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True).stderr
        if 'version "17' in out:
            return str(java)
    raise NodeError(
        "no JDK 17 found (Cassandra 5.0 needs 17; 21+ lack the security manager it uses). "
        "Install openjdk-17-jdk-headless or set JAVA_HOME to a JDK 17."
    )


def fetch_jars() -> None:
    stamp = LIB / ".complete"
    pom = HERE / "pom.xml"
    if stamp.exists() and stamp.read_text() == pom.read_text():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise NodeError("Maven (mvn) is needed once to fetch the Cassandra jars; install maven")
    say("fetching the Cassandra jars from Maven Central (cached in ~/.m2 after the first time)")
    if LIB.exists():
        shutil.rmtree(LIB)
    LIB.mkdir(parents=True)
    proc = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={LIB}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise NodeError("mvn could not fetch the jars:\n" + (proc.stdout + proc.stderr)[-4000:])
    stamp.write_text(pom.read_text())


def write_config(root: Path, extra_yaml: str = "", **values: str) -> Path:
    """conf/cassandra.yaml (the template with `values` filled in, `extra_yaml` applied)
    and conf/logback.xml under `root`, and its data/ and logs/ folders."""
    for d in ("conf", "data", "logs"):
        (root / d).mkdir(parents=True, exist_ok=True)
    text = (HERE / "cassandra.yaml.in").read_text()
    for name, value in {"ROOT": str(root), **values}.items():
        text = text.replace(f"@{name}@", value)
    yaml = root / "conf" / "cassandra.yaml"
    yaml.write_text(with_extra_yaml(text, extra_yaml))
    shutil.copy(HERE / "logback.xml", root / "conf" / "logback.xml")
    return yaml


def write_single_config() -> Path:
    return write_config(
        ROOT,
        EXTRA_YAML,
        HOST=HOST,
        PORT=str(PORT),
        CLUSTER_NAME="coodie-test",
        INITIAL_TOKEN="",
        SNITCH="SimpleSnitch",
        SEEDS=f"{HOST}:7000",
        COMMITLOG_SYNC=(
            # acknowledged writes survive a kill -9: the commitlog is synced before the answer
            GROUP_COMMITLOG
            if DURABLE
            # the shared test node: synced every 10 s, a kill loses what came since
            else "commitlog_sync: periodic\ncommitlog_sync_period: 10000ms"
        ),
    )


def with_extra_yaml(text: str, extra: str) -> str:
    """`text` with each top-level `key: value` line of `extra` replacing that key's line
    (Cassandra rejects a key given twice), or added at the end."""
    lines = text.splitlines()
    for item in extra.splitlines():
        key, sep, _ = item.partition(":")
        key = key.strip()
        if not sep or not key or item[:1].isspace():
            raise NodeError(
                f"CASSANDRA_EXTRA_YAML: expected top-level 'key: value' lines, got {item!r}"
            )
        lines = [line for line in lines if line.split(":", 1)[0] != key]
        lines.append(item)
    return "\n".join(lines) + "\n"


def log_tail(root: Path = ROOT, n: int = 40) -> str:
    lines: list[str] = []
    for f in (root / "logs" / "system.log", root / "logs" / "stdout.log"):
        if f.exists():
            lines += [f"--- {f}", *f.read_text(errors="replace").splitlines()[-n:]]
    return "\n".join(lines) or "(no log written)"


def java_command(java: str, root: Path, yaml: Path, heap: str, *, unsafe: bool) -> list[str]:
    """The CassandraDaemon command line for the node whose files live under `root`
    (conf/, data/, logs/). `unsafe` skips fsync of the system tables (the single test node)."""
    conf, logs = root / "conf", root / "logs"
    jars = sorted(glob.glob(str(LIB / "*.jar")))
    jamm = next((j for j in jars if Path(j).name.startswith("jamm-")), None)
    cmd = [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-Xss512k",
        "-XX:+HeapDumpOnOutOfMemoryError",
        f"-XX:HeapDumpPath={root / 'data'}",
        *JVM17_FLAGS,
        "-Djdk.attach.allowAttachSelf=true",
        "-Dio.netty.tryReflectionSetAccessible=true",
        "-Djava.net.preferIPv4Stack=true",
        f"-Dcassandra.config=file://{yaml}",
        "-Dcassandra-foreground=yes",
        f"-Dcassandra.storagedir={root / 'data'}",
        f"-Dcassandra.logdir={logs}",
        f"-Dlogback.configurationFile={conf / 'logback.xml'}",
        "-Dcassandra.available_processors=2",
        "-Dcassandra.skip_wait_for_gossip_to_settle=0",
        "-Dcassandra.ring_delay_ms=1000",
        "-Dcassandra.superuser_setup_delay_ms=0",
        "-Dcassandra.migration_task_wait_in_seconds=1",
    ]
    if unsafe:
        cmd.append("-Dcassandra.unsafesystem=true")
    if jamm:
        cmd.append(f"-javaagent:{jamm}")
    # conf/ first on the classpath: the snitch reads cassandra-rackdc.properties from it
    cmd += ["-cp", f"{conf}:" + ":".join(jars), "org.apache.cassandra.service.CassandraDaemon"]
    return cmd


def spawn(cmd: list[str], root: Path) -> subprocess.Popen[bytes]:
    (root / "logs").mkdir(parents=True, exist_ok=True)
    out = open(root / "logs" / "stdout.log", "ab")  # noqa: SIM115 (the node writes it after we return)
    return subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=str(root),
    )


def up() -> int:
    if cql_answers():
        say(f"a node already answers CQL on {HOST}:{PORT}; nothing to do")
        return 0
    mode = "durable: group commitlog, synced system tables" if DURABLE else "fast start"
    start("the node", HOST, PORT, ROOT, write_single_config, mode, single=True)
    return 0


def start(
    name: str,
    host: str,
    port: int,
    root: Path,
    config: Callable[[], Path],
    note: str,
    single: bool,
) -> None:
    """Start the node whose files live under `root` (unless its pid file names one that
    runs) and return once it answers CQL. NodeError if it exits, or if START_TIMEOUT
    passes (then the single node is stopped)."""
    proc: subprocess.Popen[bytes] | None = None
    heap = HEAP if single else CLUSTER_HEAP

    running = root_pid(root)
    if running is None:
        java = find_java()
        fetch_jars()
        # the single test node skips fsync of the system tables, unless durable
        unsafe = single and not DURABLE
        proc = spawn(java_command(java, root, config(), heap, unsafe=unsafe), root)
        (root / "node.pid").write_text(str(proc.pid))
        say(f"{name}: started pid {proc.pid} on {host} ({note}, heap {heap}); waiting for CQL")
    else:
        say(f"{name}: pid {running} runs; waiting for CQL on {host}:{port}")
    started = time.monotonic()
    while time.monotonic() - started < START_TIMEOUT:
        if cql_answers(host, port):
            say(f"{name}: CQL answers on {host}:{port} after {time.monotonic() - started:.1f}s")
            return
        if (proc.poll() is not None) if proc is not None else root_pid(root) is None:
            raise NodeError(
                f"{name} exited while starting. Last lines of its log:\n" + log_tail(root)
            )
        time.sleep(0.5)
    late = root_pid(root)
    if single and late is not None:
        stop(late)
    raise NodeError(
        f"{name}: no CQL answer on {host}:{port} within {START_TIMEOUT:.0f}s"
        f"{'; stopped it' if single else ''}. Last lines of its log:\n" + log_tail(root)
    )


def stop(pid: int, grace: float = 30.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        with contextlib.suppress(ChildProcessError):  # reap if it is our child
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    else:
        say(f"pid {pid} ignored SIGTERM for {grace:.0f}s; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def down(kill: bool = False) -> int:
    """Stop the node this script started, or `kill` -9 it (see halt())."""
    if halt("the node", ROOT, kill) is None:
        say(f"no node started by this script is running; nothing to {'kill' if kill else 'stop'}")
    return 0


def halt(name: str, root: Path, kill: bool) -> int | None:
    """Stop (SIGTERM, a clean shutdown) or kill (SIGKILL: no drain, no flush; what the
    commitlog synced is what survives) the node under `root`, and return its pid once
    it is gone (None if none ran)."""
    pid = root_pid(root)
    if pid is not None:
        say(f"{name}: {'killing' if kill else 'stopping'} pid {pid}")
        if kill:
            kill_group(pid, lambda: root_pid(root))
        else:
            stop(pid)
        say(f"{name}: {'killed' if kill else 'stopped'}")
    (root / "node.pid").unlink(missing_ok=True)
    return pid


def kill_group(pid: int, running: Callable[[], int | None], seconds: float = 30) -> None:
    """SIGKILL the process group of `pid`; return once `running()` no longer finds it
    (reaping it if it is our child), or after `seconds`."""
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and running() is not None:
        with contextlib.suppress(ChildProcessError):  # reap if it is our child
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)


def status() -> int:
    pid = our_pid()
    answers = cql_answers()
    say(
        f"CQL on {HOST}:{PORT}: {'answers' if answers else 'no answer'}; "
        f"our node: {'pid ' + str(pid) if pid else 'not running'}"
    )
    if pid and (mib := resident_mib(pid)) is not None:
        say(f"resident memory: {mib} MiB")
    return 0 if answers else 1


def resident_mib(pid: int) -> int | None:
    """The process's resident memory in MiB (None where /proc does not say)."""
    try:
        kb = next(
            line.split()[1]
            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("VmRSS:")
        )
    except (OSError, StopIteration):
        return None
    return int(kb) // 1024


# ------------------------------------------------------------------ the cluster
# N nodes (default 3) of the same jars on 127.0.0.11, .12, ... (never the single test node's
# address), each with its own conf/, data/ and logs/ under .cassandra/cluster/nodeI/. Two data
# centres for GossipingPropertyFileSnitch: the last node is alone in dc2 (when N >= 3), the
# others are in dc1. One balanced token per node, the first node is the seed.

CLUSTER = ROOT / "cluster"
CLUSTER_HEAP = os.environ.get("CASSANDRA_CLUSTER_HEAP", "768m")
CLUSTER_SIZE = int(os.environ.get("CASSANDRA_CLUSTER_NODES", "3"))


def node_host(i: int) -> str:
    return f"127.0.0.{10 + i}"


def node_root(i: int) -> Path:
    return CLUSTER / f"node{i}"


def cluster_size() -> int:
    """The size the cluster was created with (or CASSANDRA_CLUSTER_NODES for a new one)."""
    try:
        return int((CLUSTER / "size").read_text())
    except (OSError, ValueError):
        return CLUSTER_SIZE


def node_dc(i: int, n: int) -> str:
    return "dc2" if n >= 3 and i == n else "dc1"


def node_pid(i: int) -> int | None:
    return root_pid(node_root(i))


def write_node_config(i: int, n: int) -> Path:
    root = node_root(i)
    token = -(2**63) + (i - 1) * (2**64 // n)
    yaml = write_config(
        root,
        HOST=node_host(i),
        PORT="9042",
        CLUSTER_NAME="coodie-cluster",
        INITIAL_TOKEN=f"initial_token: {token}",
        SNITCH="GossipingPropertyFileSnitch",
        SEEDS=f"{node_host(1)}:7000",
        # acknowledged writes survive a kill -9 (fault tests count them): group commit, and
        # the system tables are synced too (no unsafesystem), so a table outlives a kill
        COMMITLOG_SYNC=GROUP_COMMITLOG,
    )
    (root / "conf" / "cassandra-rackdc.properties").write_text(f"dc={node_dc(i, n)}\nrack=rack1\n")
    return yaml


def log_size(i: int) -> int:
    try:
        return (node_root(i) / "logs" / "system.log").stat().st_size
    except OSError:
        return 0


def log_since(i: int, offset: int) -> str:
    try:
        with open(node_root(i) / "logs" / "system.log", "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def start_node(i: int, n: int) -> None:
    """Start node i and return once it answers CQL."""
    config = partial(write_node_config, i, n)
    start(f"node {i}", node_host(i), 9042, node_root(i), config, node_dc(i, n), single=False)


def wait_seen(
    pairs: list[tuple[int, int]], state: str, offsets: dict[int, int], timeout: float
) -> None:
    """Wait until in each pair (i, j) node i's log (since `offsets`) says node j is now
    `state` (UP or DOWN)."""
    deadline = time.monotonic() + timeout
    while True:
        missing = [
            (i, j)
            for i, j in pairs
            if f"/{node_host(j)}:7000 is now {state}" not in log_since(i, offsets[i])
        ]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise NodeError(
                f"after {timeout:.0f}s, the ring is not as it should be: "
                + ", ".join(f"node {i} has not seen node {j} {state}" for i, j in missing)
            )
        time.sleep(0.2)


def wait_ring(n: int, offsets: dict[int, int], fresh: set[int]) -> None:
    """Wait until every running node has seen each node just started (`fresh`) come UP,
    and each of those has seen every other running node UP."""
    running = [i for i in range(1, n + 1) if node_pid(i) is not None]
    pairs = [(i, j) for i in running for j in running if i != j and (i in fresh or j in fresh)]
    wait_seen(pairs, "UP", offsets, 120.0)


def wait_seen_down(i: int, offsets: dict[int, int]) -> None:
    """Wait until every running node's failure detector has marked node i DOWN: from then
    on coordinators refuse what needs it (Unavailable) instead of timing out."""
    others = [j for j in range(1, cluster_size() + 1) if j != i and node_pid(j) is not None]
    wait_seen([(j, i) for j in others], "DOWN", offsets, 60.0)


def cluster_up(n: int | None = None) -> int:
    size = cluster_size() if n is None else n
    if not 1 <= size <= 9:  # (127.0.0.21 and up are the throwaway and fault-test nodes')
        raise NodeError(f"a cluster has 1 to 9 nodes (127.0.0.11-19), not {size}")
    if (CLUSTER / "size").exists() and size != cluster_size():
        raise NodeError(
            f"the cluster under {CLUSTER} has {cluster_size()} nodes; "
            "`cluster destroy` it first to change its size"
        )
    CLUSTER.mkdir(parents=True, exist_ok=True)
    (CLUSTER / "size").write_text(str(size))
    started = time.monotonic()
    offsets = {i: log_size(i) for i in range(1, size + 1)}
    fresh = {i for i in range(1, size + 1) if node_pid(i) is None}
    for i in range(1, size + 1):  # one after the other: the seed first, then each joins
        start_node(i, size)
    wait_ring(size, offsets, fresh)
    say(f"cluster of {size} nodes up and in one ring after {time.monotonic() - started:.1f}s")
    return 0


def cluster_down() -> int:
    size = cluster_size()
    stopped = 0
    for i in range(size, 0, -1):
        if halt(f"node {i}", node_root(i), kill=False) is not None:
            stopped += 1
    say(f"stopped {stopped} node(s)" if stopped else "no cluster node of ours is running")
    return 0


def cluster_destroy() -> int:
    """Stop the cluster and delete its data (a fresh cluster next time)."""
    cluster_down()
    if CLUSTER.exists():
        shutil.rmtree(CLUSTER)
        say(f"removed {CLUSTER}")
    return 0


def node_number(arg: str) -> int:
    size = cluster_size()
    if not arg.isdigit() or not 1 <= int(arg) <= size:
        raise NodeError(f"no node {arg!r}: the cluster has nodes 1..{size}")
    return int(arg)


def node_start(arg: str) -> int:
    i = node_number(arg)
    size = cluster_size()
    offsets = {j: log_size(j) for j in range(1, size + 1)}
    fresh = {i} if node_pid(i) is None else set()
    start_node(i, size)
    wait_ring(size, offsets, fresh)
    if fresh:
        say(f"node {i}: back in the ring (every running node sees it UP)")
    return 0


def node_down(arg: str, kill: bool) -> int:
    """Stop or kill node `arg` (see halt()), then wait until the other nodes see it DOWN."""
    i = node_number(arg)
    offsets = {j: log_size(j) for j in range(1, cluster_size() + 1)}
    started = time.monotonic()
    if halt(f"node {i}", node_root(i), kill) is None:
        say(f"node {i} is not running")
        return 0
    wait_seen_down(i, offsets)
    say(f"node {i}: the other nodes see it DOWN after {time.monotonic() - started:.1f}s")
    return 0


RING_QUERY = """
import sys
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import WhiteListRoundRobinPolicy
host = sys.argv[1]
profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([host]))
c = Cluster([host], protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile},
            connect_timeout=3, control_connection_timeout=3)
s = c.connect()
print(f"  the ring as node {host}'s gossip sees it (state, token, schema version):")
rows = s.execute('SELECT address, dc, rack, status_with_port, "schema" FROM system_views.gossip_info')
for r in sorted(rows, key=lambda r: r.address):
    print(f"    {r.address} {r.dc}/{r.rack} {r.status_with_port} schema {str(r.schema)[:8]}")
c.shutdown()
"""


def cluster_status() -> int:
    size = cluster_size()
    answering = []
    for i in range(1, size + 1):
        pid = node_pid(i)
        host = node_host(i)
        answers = cql_answers(host, 9042)
        mib = resident_mib(pid) if pid else None
        rss = "" if mib is None else f", {mib} MiB resident"
        say(
            f"node {i} {host} {node_dc(i, size)}: "
            f"{'pid ' + str(pid) if pid else 'not running'}{rss}; "
            f"CQL {'answers' if answers else 'no answer'}"
        )
        if answers:
            answering.append(host)
    venv_python = Path(os.environ.get("COODIE_NODE_PYTHON") or sys.executable)
    if answering and venv_python.exists():
        # the ring as gossip sees it, from the first node that answers
        subprocess.run([str(venv_python), "-c", RING_QUERY, answering[0]], timeout=60)
    return 0 if len(answering) == size else 1


def cluster_main(args: list[str]) -> int:
    if args and args[0] == "up":
        if len(args) > 2 or (len(args) == 2 and not args[1].isdigit()):
            raise NodeError("usage: cluster up [N]")
        return cluster_up(int(args[1]) if len(args) == 2 else None)
    simple = {"down": cluster_down, "status": cluster_status, "destroy": cluster_destroy}
    if len(args) == 1 and args[0] in simple:
        return simple[args[0]]()
    if len(args) == 2 and args[0] in ("stop", "kill"):
        return node_down(args[1], kill=args[0] == "kill")
    if len(args) == 2 and args[0] == "start":
        return node_start(args[1])
    print(__doc__, file=sys.stderr)
    return 2


def main(argv: list[str]) -> int:
    commands = {"up": up, "down": down, "kill": lambda: down(kill=True), "status": status}
    try:
        if len(argv) >= 2 and argv[1] == "cluster":
            return cluster_main(argv[2:])
        if len(argv) != 2 or argv[1] not in commands:
            print(__doc__, file=sys.stderr)
            return 2
        return commands[argv[1]]()
    except NodeError as e:
        say(f"error: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
