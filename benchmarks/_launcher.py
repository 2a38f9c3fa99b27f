"""The process launcher every benchmark starts its contenders from.

On Linux a child's ru_maxrss starts from its parent's peak RSS (the parent's high-water mark is
folded in at exec), so a contender started by a benchmark process that holds gold texts,
predictions or a 50 MB page would report that process's peak as its own. So contenders are
started by a launcher: a bare interpreter, started before the benchmark loads anything, that
stays at the size of an empty interpreter (its peak is reported as the floor). It runs one
command per JSON request line and answers with the wall time from start to exit and the child's
own rusage (os.wait4), killing it at the timeout; an optional address-space cap makes a blow-up
fail with MemoryError instead of starving the machine.

Import this module and call `start()` before any heavy import.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_CODE = r"""
import json, os, resource, signal, subprocess, sys, threading, time
def floor():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"floor_kib": floor()}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    done = threading.Event()
    with open(req["stdout"], "wb") as out, open(req["stderr"], "wb") as err:
        started = time.perf_counter()
        def cap(limit=req.get("max_bytes")):
            if limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        proc = subprocess.Popen(req["cmd"], stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=cap)
        def kill(pid=proc.pid):
            if not done.is_set():
                os.kill(pid, signal.SIGKILL)
        timer = threading.Timer(req["timeout"], kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        done.set()
        timer.cancel()
    print(json.dumps({"elapsed": elapsed, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss,
                      "returncode": os.waitstatus_to_exitcode(status), "floor_kib": floor()}), flush=True)
"""


class Launcher:
    """The client side of the launcher process."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.floor_kib = json.loads(proc.stdout.readline())["floor_kib"]  # type: ignore[union-attr]

    def run(self, cmd: list[str], stdout: Path, stderr: Path, timeout: float, max_bytes: int | None = None) -> dict:
        """Run `cmd` to completion (or the timeout), its address space capped at `max_bytes`
        when given; wall time, CPU, peak RSS and exit status."""
        self.proc.stdin.write(json.dumps({"cmd": cmd, "stdout": str(stdout), "stderr": str(stderr),  # type: ignore[union-attr]
                                          "timeout": timeout, "max_bytes": max_bytes}) + "\n")
        self.proc.stdin.flush()  # type: ignore[union-attr]
        answer = json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]
        self.floor_kib = max(self.floor_kib, answer["floor_kib"])
        return answer

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=30)


def start() -> Launcher:
    """Start the launcher process (before anything heavy is imported)."""
    proc = subprocess.Popen([sys.executable, "-c", _CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return Launcher(proc)
