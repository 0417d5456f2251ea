"""GET a template by label with its ETag, against a bare Starlette endpoint returning a
constant: both routes in the same Starlette app, served by the same uvicorn server (in a child
process, so the load generator does not share its interpreter), in the same run.

  * throughput: C keep-alive connections sending back to back, in interleaved rounds;
  * latency at a fixed rate: 200 requests/s for S seconds, measured from each request's
    scheduled start (so a slow answer also delays, and counts against, the ones after it).

The API request is what the client sends once its cache is stale: `If-None-Match` with the
current ETag (answer 304). A plain GET (answer 200 with the body) is shown too.

    .venv/bin/python bench/api_get.py [--seconds 3] [--connections 8] [--rate 200]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from _api_server import served  # bench/ is on sys.path when run as a script


class Conn:
    """One keep-alive HTTP/1.1 connection, written by hand so the client costs little."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def request(self, raw: bytes) -> int:
        self.sock.sendall(raw)
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += self.sock.recv(65536)
        self.buf = rest[length:]
        return status


def request_bytes(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def throughput(port: int, raw: bytes, expect: int, seconds: float, connections: int) -> float:
    counts = [0] * connections
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        conn = Conn(port)
        while time.perf_counter() < stop:
            status = conn.request(raw)
            if status != expect:
                raise SystemExit(f"HTTP {status}, expected {expect}")
            counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def paced(port: int, raw: bytes, expect: int, rate: float, seconds: float) -> list[float]:
    """Latency in ms from each request's scheduled time, at `rate` requests/s."""
    conn = Conn(port)
    interval = 1.0 / rate
    n = int(rate * seconds)
    out: list[float] = []
    start = time.perf_counter() + 0.05
    for i in range(n):
        due = start + i * interval
        now = time.perf_counter()
        if now < due:
            time.sleep(due - now)
        status = conn.request(raw)
        out.append((time.perf_counter() - due) * 1000)
        if status != expect:
            raise SystemExit(f"HTTP {status}, expected {expect}")
    return out


def pct(ms: list[float], q: float) -> float:
    ordered = sorted(ms)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput, per case")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per case")
    args = parser.parse_args()

    import httpx

    with tempfile.TemporaryDirectory() as tmp, served(f"sqlite:///{Path(tmp)}/b.db") as server:
        port, token = server.port, server.token
        auth = {"Authorization": f"Bearer {token}"}
        first = httpx.get(f"{server.url}/api/v1/templates/bench", headers=auth)
        etag = first.headers["etag"]
        cases = {
            "bare Starlette": (request_bytes("/bare", {}), 200),
            "API 304 (ETag)": (
                request_bytes("/api/v1/templates/bench", {**auth, "If-None-Match": etag}),
                304,
            ),
            "API 200": (request_bytes("/api/v1/templates/bench", auth), 200),
        }
        for raw, expect in cases.values():  # warm up every path
            throughput(port, raw, expect, 0.5, 2)
        # Interleaved rounds, so that a noisy neighbour on the machine hits every case alike.
        runs: dict[str, list[float]] = {name: [] for name in cases}
        latencies: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, (raw, expect) in cases.items():
                runs[name].append(
                    throughput(port, raw, expect, args.seconds / args.rounds, args.connections)
                )
        for _ in range(args.rounds):
            for name, (raw, expect) in cases.items():
                chunk = args.paced_seconds / args.rounds
                latencies[name] += paced(port, raw, expect, args.rate, chunk)
        rates = {name: statistics.median(r) for name, r in runs.items()}

    bare = rates["bare Starlette"]
    print(
        f"GET by label vs a bare Starlette endpoint, one uvicorn process, {os.cpu_count()} CPUs; "
        f"throughput with {args.connections} connections, median of {args.rounds} interleaved "
        f"rounds of {args.seconds / args.rounds:g} s"
    )
    for name, rate in rates.items():
        print(f"  {name:<15} {rate:8.0f} req/s   {rate / bare:5.2f}x bare")
    print(f"latency at {args.rate:g} req/s for {args.paced_seconds:g} s (from the scheduled time)")
    for name, ms in latencies.items():
        print(
            f"  {name:<15} median {statistics.median(ms):5.2f} ms  p99 {pct(ms, 0.99):5.2f} ms  "
            f"max {max(ms):6.2f} ms  n={len(ms)}"
        )


if __name__ == "__main__":
    main()
