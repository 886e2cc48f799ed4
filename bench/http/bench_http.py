#!/usr/bin/env python3
"""GET /healthz: amo-http's server core vs a bare Boost.Beast server vs FastAPI (uvicorn).

Runs wrk against each server in paired rounds, a fresh server process per measurement, and
prints req/s and p99 (medians over rounds), the ratio ours/bare as the median of per-round
ratios (this VM's speed drifts, so only ratios from the same round are compared), and the
CPU seconds each server spent per 1000 requests (utime+stime from /proc/<pid>/stat).

  bench/http/bench_http.py --build-dir build [--rounds 5] [--duration 5] [--connections 64]

FastAPI runs as `python3 -m uvicorn` with uvicorn's defaults (1 worker; without uvloop and
httptools installed that means the asyncio loop and the h11 parser) under Debian's
/usr/bin/python3, which has python3-fastapi and python3-uvicorn; it is skipped if missing.
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")
DEBIAN_PYTHON = "/usr/bin/python3"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is state (field 3); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def wait_healthy(port, timeout=15.0):
    deadline = time.monotonic() + timeout
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(request)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not answer /healthz")


def parse_duration_ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(port, args):
    out = subprocess.run(
        ["wrk", f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
         f"http://127.0.0.1:{port}/healthz"],
        check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = parse_duration_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", out)
    if errors:
        print(f"  wrk reported: {errors.group(0)}", file=sys.stderr)
    return rps, p99, requests


def measure(name, command, port, args):
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=HERE)
    try:
        wait_healthy(port)
        cpu_before = cpu_seconds(proc.pid)
        rps, p99, requests = run_wrk(port, args)
        cpu = cpu_seconds(proc.pid) - cpu_before
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    result = {"rps": rps, "p99": p99, "cpu_per_1k": cpu / requests * 1000}
    print(f"  {name:8} {rps:10.0f} req/s  p99 {p99:7.2f} ms  cpu {result['cpu_per_1k'] * 1000:6.1f} ms/1k req",
          file=sys.stderr)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "..", "build"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="I/O threads of ours and bare")
    parser.add_argument("--no-fastapi", action="store_true")
    args = parser.parse_args()

    build = os.path.abspath(args.build_dir)
    servers = {
        "ours": lambda port: [os.path.join(build, "bench/http/bench_http_ours"), str(port), str(args.threads)],
        "bare": lambda port: [os.path.join(build, "bench/http/bench_http_bare"), str(port), str(args.threads)],
    }
    have_fastapi = subprocess.run([DEBIAN_PYTHON, "-c", "import fastapi, uvicorn"],
                                  capture_output=True).returncode == 0
    if have_fastapi and not args.no_fastapi:
        servers["fastapi"] = lambda port: [DEBIAN_PYTHON, "-m", "uvicorn", "--app-dir", HERE, "--port", str(port),
                                           "--log-level", "warning", "fastapi_app:app"]
    elif not args.no_fastapi:
        print("FastAPI skipped: python3-fastapi / python3-uvicorn not installed", file=sys.stderr)

    results = {name: [] for name in servers}
    names = list(servers)
    for round_no in range(args.rounds):
        print(f"round {round_no + 1}/{args.rounds}", file=sys.stderr)
        # Rotate the order so no server always runs first (or right after the heavy one).
        order = names[round_no % len(names):] + names[:round_no % len(names)]
        for name in order:
            port = free_port()
            results[name].append(measure(name, servers[name](port), port, args))

    ratio_rps = statistics.median(o["rps"] / b["rps"] for o, b in zip(results["ours"], results["bare"]))
    ratio_p99 = statistics.median(o["p99"] / b["p99"] for o, b in zip(results["ours"], results["bare"]))
    print(f"\nGET /healthz, wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s --latency, "
          f"{args.rounds} rounds, {args.threads} I/O threads (ours, bare); uvicorn defaults, 1 worker")
    print(f"{'server':10} {'req/s (median)':>15} {'p99 ms (median)':>16} {'CPU s / 1000 req':>17}")
    for name in names:
        rs = results[name]
        print(f"{name:10} {statistics.median(r['rps'] for r in rs):15.0f} "
              f"{statistics.median(r['p99'] for r in rs):16.2f} "
              f"{statistics.median(r['cpu_per_1k'] for r in rs):17.4f}")
    print(f"\nours/bare, median of per-round ratios: req/s {ratio_rps:.3f} (goal >= 0.9), "
          f"p99 {ratio_p99:.3f} (goal <= 1.2)")


if __name__ == "__main__":
    main()
