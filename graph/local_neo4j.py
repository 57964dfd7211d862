"""The local Neo4j: builds the launcher under graph/launcher with Maven (once; Maven's local repository
is reused), starts it as a child process with its data under a folder of ours, waits until Bolt
answers, and stops it. The launcher reads our end of a pipe on its standard input and shuts down when
it closes, so even a parent killed with SIGKILL leaves no database behind."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from neo4j import AsyncGraphDatabase

LAUNCHER_DIR = Path(__file__).resolve().parent / "launcher"
LAUNCHER_CLASS = "yimaqing.launcher.Launcher"
# Written in the data folder while a local Neo4j runs there: "<pid> <bolt uri>".
RUNNING_FILE = "neo4j.running"


class LocalNeo4jError(RuntimeError):
    """The local Neo4j could not be built or started; the message says why and where to look."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def build_launcher(quiet: bool = True) -> Path:
    """Compile the launcher and copy Neo4j's runtime jars, unless that is already done and current."""
    classes = LAUNCHER_DIR / "target" / "classes"
    lib = LAUNCHER_DIR / "target" / "lib"
    compiled = classes / "yimaqing" / "launcher" / "Launcher.class"
    sources = [LAUNCHER_DIR / "pom.xml", *LAUNCHER_DIR.glob("src/main/java/**/*.java")]
    if compiled.exists() and lib.is_dir() and all(s.stat().st_mtime <= compiled.stat().st_mtime for s in sources):
        return LAUNCHER_DIR / "target"
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalNeo4jError("Maven (mvn) is not on PATH: install Maven 3 and Java 17+, or set NEO4J_URI")
    command = [mvn, "-B", "-f", str(LAUNCHER_DIR / "pom.xml"), "package"]
    if quiet:
        command.insert(2, "-q")
    result = subprocess.run(command, capture_output=quiet, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stdout or "")[-4000:] + (result.stderr or "")[-2000:]
        raise LocalNeo4jError(f"building the local Neo4j launcher failed (mvn exit {result.returncode}):\n{detail}")
    return LAUNCHER_DIR / "target"


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    if candidate and candidate.exists():
        return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise LocalNeo4jError("Java 17+ is not on PATH (nor in JAVA_HOME): install it, or set NEO4J_URI")
    return found


@dataclass
class LocalNeo4j:
    """One local Neo4j process. Use `await start()` and `stop()`, or `async with`."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 7687
    heap_mb: int = 1024
    pagecache_mb: int = 512
    startup_timeout_s: float = 180.0
    _process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"bolt://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "neo4j.log"

    def running_uri(self) -> str | None:
        """The Bolt URI of a local Neo4j already running on this data folder (`make run` or `yimaqing neo4j`
        in another shell), so that a command uses it instead of starting a second one on the same store."""
        try:
            pid, uri = (self.data_dir / RUNNING_FILE).read_text(encoding="utf-8").split()
            os.kill(int(pid), 0)  # raises when no such process is left (a crash left the file behind)
        except (OSError, ValueError):
            return None
        return uri

    async def start(self) -> str:
        """Build if needed, start, and wait until Bolt answers. Returns the Bolt URI."""
        target = await asyncio.to_thread(build_launcher)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if _port_in_use(self.host, self.port):
            raise LocalNeo4jError(
                f"port {self.host}:{self.port} is taken: is another Neo4j running? "
                "Stop it, set LOCAL_NEO4J_PORT, or point NEO4J_URI at it"
            )
        classpath = os.pathsep.join([str(target / "classes"), str(target / "lib" / "*")])
        command = [
            _java(),
            f"-Xms{min(self.heap_mb, 256)}m",
            f"-Xmx{self.heap_mb}m",
            "-XX:+UseG1GC",
            "-cp",
            classpath,
            LAUNCHER_CLASS,
            "--home",
            str(self.data_dir / "neo4j"),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--pagecache-mb",
            str(self.pagecache_mb),
            "--exit-on-stdin-eof",
        ]
        self._process = _spawn(command, self.log_path)
        await self._wait_until_ready()
        (self.data_dir / RUNNING_FILE).write_text(f"{self._process.pid} {self.uri}\n", encoding="utf-8")
        return self.uri

    async def _wait_until_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.startup_timeout_s
        driver = AsyncGraphDatabase.driver(self.uri)
        try:
            while True:
                if self._process is not None and self._process.poll() is not None:
                    raise LocalNeo4jError(
                        f"the local Neo4j exited with code {self._process.returncode}; see {self.log_path}"
                    )
                try:
                    await driver.verify_connectivity()
                    return
                except Exception:  # not up yet: Bolt refuses or the database is still starting
                    if loop.time() > deadline:
                        self.stop()
                        raise LocalNeo4jError(
                            f"the local Neo4j did not answer within {self.startup_timeout_s:.0f} s; see {self.log_path}"
                        ) from None
                    await asyncio.sleep(0.25)
        finally:
            await driver.close()

    def stop(self, timeout_s: float = 60.0) -> None:
        """Shut down cleanly (closing the pipe, then SIGTERM), killing only if it hangs."""
        process, self._process = self._process, None
        if process is None:
            return
        (self.data_dir / RUNNING_FILE).unlink(missing_ok=True)
        if process.poll() is not None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    async def __aenter__(self) -> LocalNeo4j:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)


def _spawn(command: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    # Its own session: a Ctrl-C in the terminal reaches us, and we stop it in order.
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0
