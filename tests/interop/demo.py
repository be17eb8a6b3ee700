"""Start `mcp-gateway demo` over HTTP on a free loopback port and read the lines it prints.

Used by the interop tests that talk HTTP; each test gets its own gateway and tenant, and the
process is stopped (SIGTERM, then SIGKILL) when the `with` block ends, also on failure.
"""
import os
import re
import signal
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Demo:
    url: str  # the MCP endpoint, http://127.0.0.1:PORT/mcp
    key: str | None  # the access key, None with --insecure-no-auth
    tenant: str  # the fake Auth0 tenant's base URL


@contextmanager
def demo(gateway: str, *extra: str, startup_timeout: float = 30.0):
    env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn"))
    proc = subprocess.Popen(
        [gateway, "demo", "--listen", "127.0.0.1:0", *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines: dict[str, str] = {}
        seen = threading.Event()

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                m = re.match(r"^(MCP endpoint|Access key|Demo tenant): (.*)$", line.rstrip("\n"))
                if m:
                    lines[m.group(1)] = m.group(2).strip()
                    if len(lines) == 3:
                        seen.set()
            seen.set()  # stdout closed: the process is gone

        threading.Thread(target=read, daemon=True).start()
        if not seen.wait(startup_timeout) or len(lines) < 3:
            raise RuntimeError(f"gateway demo did not print its endpoint (exit code {proc.poll()}); got {lines}")
        key = lines["Access key"]
        yield Demo(
            url=lines["MCP endpoint"],
            key=None if key.startswith("none") else key,
            tenant=lines["Demo tenant"],
        )
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
