"""Plumbing for examples/demo.py: processes, ports, the mhero CLI, waiting, tables.

Everything here runs real programs on this machine, on loopback; nothing is simulated in Python.
"""
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
MHERO = BUILD / "src" / "mhero"


def say(text):
    print(text, flush=True)


def step(title):
    say(f"\n== {title}")


def free_port():
    """A TCP port free on loopback right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Long-running programs of the demo; each logs to <data>/logs/<name>.log. stop_all() sends
    SIGTERM (graceful stop), then SIGKILL to what is left after a grace period."""

    def __init__(self, data):
        self.logs = Path(data) / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.procs = {}

    def start(self, name, argv, ready_text=None, timeout=30):
        log = open(self.logs / f"{name}.log", "w")
        proc = subprocess.Popen([str(a) for a in argv], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        self.procs[name] = (proc, log)
        if ready_text:
            wait_until(lambda: ready_text in self.log_text(name) or proc.poll() is not None,
                       timeout, f"{name} to start")
            if proc.poll() is not None:
                raise SystemExit(f"demo: {name} exited early; see {self.logs / (name + '.log')}:\n"
                                 + self.log_text(name)[-2000:])
        return proc

    def log_text(self, name):
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def stop(self, name, grace=10):
        proc, log = self.procs.pop(name)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        return proc.returncode

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)


def wait_until(predicate, timeout, what, interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise SystemExit(f"demo: timed out after {timeout:.0f} s waiting for {what}")


def mhero(*args, node=None, check=True, quiet=False, input_text=None):
    """Runs `mhero ARGS [--dir node]` as a user would; prints the command unless quiet. Returns
    the CompletedProcess. With check, a failure stops the demo with mhero's own message."""
    argv = [str(MHERO), *[str(a) for a in args]]
    if node is not None:
        argv += ["--dir", str(node)]
    if not quiet:
        say("$ mhero " + " ".join(shlex.quote(str(a)) for a in args) +
            (f"   [{Path(node).name}]" if node else ""))
    r = subprocess.run(argv, capture_output=True, text=True, input=input_text)
    if check and r.returncode != 0:
        raise SystemExit(f"demo: `mhero {' '.join(map(str, args))}` failed ({r.returncode}):\n"
                         f"{r.stderr}{r.stdout}")
    return r


def mhero_json(*args, node=None):
    return json.loads(mhero(*args, "--json", node=node, quiet=True).stdout)


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    say(line)
    say("  ".join("-" * w for w in widths))
    for r in rows:
        say("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


class Checks:
    """Named pass/fail checks; the demo exits 0 only if all hold."""

    def __init__(self):
        self.results = []

    def check(self, name, ok, detail=""):
        self.results.append((name, bool(ok), detail))
        return ok

    def report(self):
        step("checks")
        for name, ok, detail in self.results:
            say(f"  [{'ok' if ok else 'FAIL'}] {name}" + (f": {detail}" if detail else ""))
        return all(ok for _, ok, _ in self.results)
