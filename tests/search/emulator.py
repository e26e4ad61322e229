"""Start and stop ``noida-db``, the Elasticsearch-protocol emulator, for tests and benchmarks."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmulatedElasticsearch:
    """One emulator process on a free port with its own data dir; ``kill`` and ``start`` again at will."""

    def __init__(self, data_dir: Path, port: int | None = None):
        self.data_dir, self.port = Path(data_dir), port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        binary = shutil.which("noida-db") or str(Path(sys.executable).with_name("noida-db"))
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "start", "--only", "elasticsearch", "--elasticsearch-port", str(self.port),
             "--data-dir", str(self.data_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # the CLI runs the server as a child: signal the whole group
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"noida-db exited with {self.process.returncode} before serving on {self.url}")
            try:
                urllib.request.urlopen(self.url, timeout=1).read()  # noqa: S310
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"noida-db did not answer on {self.url} within {timeout:.0f}s")

    def _signal(self, sig: int) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return

    def kill(self) -> None:
        """SIGKILL the server and its children: a crash, not a shutdown."""
        self._signal(signal.SIGKILL)
        if self.process:
            self.process.wait(10)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)
        try:
            if self.process:
                self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()
        self._signal(signal.SIGKILL)  # children that ignored SIGTERM
