"""Start-up of the ``syncd`` command, side by side (prints numbers, asserts nothing).

Each line is the median wall time of starting a fresh process, over ``--runs`` runs:

(a) ``python -c pass``: the floor, the interpreter alone;
(b) ``syncd --version``;
(c) ``syncd status`` on the demo database (``syncd demo --keep``, made once beforehand);
(d) ``syncd run`` until it sends ``READY=1`` to the ``NOTIFY_SOCKET`` this script opens (the
    demo's settings, the platform simulator in its own process); then SIGTERM.

Targets (issue 13): (b) ≤ 3 × (a); (d) ≤ 1.5 s on a quiet 2-core machine.  The load average is
printed with the figures: other work on the machine slows every line.

Run: ``.venv/bin/python bench/bench_cli.py [--runs 10]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SYNCD = str(Path(sys.executable).with_name("syncd"))
_LISTENING = re.compile(r"simulator listening on (\S+)")


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - started


def until_ready(config: Path, env: dict[str, str], folder: Path) -> float:
    """Seconds from starting ``syncd run`` to its READY=1 datagram."""
    path = folder / "notify.sock"
    path.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(30)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [SYNCD, "--config", str(config), "run"],
            env={**env, "NOTIFY_SOCKET": str(path)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not sock.recv(4096).startswith(b"READY=1"):
                pass
            took = time.perf_counter() - started
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=90)
    return took


def simulator() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([SYNCD, "simulator", "--port", "0"], stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        found = _LISTENING.search(line)
        if found:
            return proc, found.group(1)
    raise RuntimeError("the simulator did not start")


def line(name: str, samples: list[float], note: str = "") -> str:
    ms = [s * 1000 for s in samples]
    median = statistics.median(ms)
    return f"  {name:<28} {median:8.1f} ms  (min {min(ms):.1f}, max {max(ms):.1f}){note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each line (default 10)")
    runs = parser.parse_args().runs
    folder = Path(tempfile.mkdtemp(prefix="syncd-bench-cli-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    sim: subprocess.Popen[str] | None = None
    try:
        subprocess.run(
            [SYNCD, "demo", "--keep", str(folder), "--no-progress"],
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        config = folder / "syncd.yaml"
        sim, endpoint = simulator()
        run_env = {**env, "SYNCD_PLATFORM__URL": endpoint}

        def measure(fn: Callable[[], float], count: int) -> list[float]:
            return [fn() for _ in range(count)]

        floor = measure(lambda: timed([sys.executable, "-c", "pass"]), runs)
        version = measure(lambda: timed([SYNCD, "--version"]), runs)
        status = measure(lambda: timed([SYNCD, "--config", str(config), "status"], env), runs)
        ready = measure(lambda: until_ready(config, run_env, folder), max(3, runs // 2))
    finally:
        if sim is not None:
            sim.terminate()
            sim.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    ratio = statistics.median(version) / statistics.median(floor)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"syncd start-up, median of {runs} runs ({os.cpu_count()} CPUs, load average {load})")
    print(line("(a) python -c pass", floor))
    print(line("(b) syncd --version", version, f"  = {ratio:.1f} x (a), target <= 3 x"))
    print(line("(c) syncd status (demo db)", status))
    print(line("(d) syncd run -> READY=1", ready, "  target <= 1500 ms"))


if __name__ == "__main__":
    main()
