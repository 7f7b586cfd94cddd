#!/usr/bin/env python3
"""Scale benchmark: does an operation cost the same with 10,000 volumes as with 100?

  bench/scale.py path/to/rexray [--volumes N] [--results FILE]

A private daemon on vfs. At 100 volumes and again at N (default 10,000), all
created through the Docker socket, it times (medians): Create of a new name,
Remove, Mount and Unmount of a formatted volume, Get, Path and List; then
`rexray volume ls` through the daemon, the time of all N creates, and the
daemon's memory per cached volume. Targets (issue "Performance"): each
operation at N within 1.5x of its cost at 100; N creates under 60 s; List of
N <= 10 ms; `volume ls` of N <= 200 ms; <= 2 KiB per cached volume.
"""
import argparse
import os
import subprocess
import time

from benchkit import Daemon, Docker, median, record

REPEATS = 30


def measure(d, daemon, count, results, label):
    """Per-operation medians in ms with `count` volumes present."""
    out = {}
    creates, removes = [], []
    for i in range(REPEATS):
        name = f"probe-{count}-{i}"
        creates.append(d.timed("Create", Name=name, Opts={"size": "1"}))
        removes.append(d.timed("Remove", Name=name))
    out["Create"], out["Remove"] = median(creates), median(removes)
    mounts, unmounts = [], []
    for i in range(REPEATS):
        mounts.append(d.timed("Mount", Name="cycle", ID=f"m{i}"))
        unmounts.append(d.timed("Unmount", Name="cycle", ID=f"m{i}"))
    out["Mount"], out["Unmount"] = median(mounts), median(unmounts)
    for method in ("Get", "Path"):
        out[method] = memory_answer(daemon, d, method)
    out["List"] = median([d.timed_unparsed("List") for _ in range(20)])
    ls = []
    for _ in range(3):
        t0 = time.perf_counter()
        daemon.cli("volume", "ls")
        ls.append(time.perf_counter() - t0)
    print("volume ls runs (ms):", [round(t * 1000) for t in ls], flush=True)
    out["volume ls"] = median(ls)
    print(f"with {count} volumes ({label}): " +
          ", ".join(f"{k} {v * 1000:.2f} ms" for k, v in out.items()), flush=True)
    return out


def memory_answer(daemon, d, method):
    """Median latency of a cached answer. A Python client's own time per call
    (~100 us, and noisy) would swamp a 40 us answer, so the C load client
    next to the binary (bench/docker_api_load.cpp) measures it when built."""
    load = os.path.join(os.path.dirname(os.path.abspath(daemon.rexray)), "docker_api_load")
    if not os.path.exists(load):
        return median([d.timed(method, Name="vol-00042") for _ in range(200)])
    out = subprocess.run([load, "--socket", daemon.sock, "--method", "VolumeDriver." + method,
                          "--body", '{"Name":"vol-00042"}', "--connections", "1", "--seconds", "2",
                          "--warmup-seconds", "0.5", "--check-err", "--kv"],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    kv = dict(line.split("=", 1) for line in out.split() if "=" in line)
    if kv.get("errors", "0") != "0":
        raise RuntimeError(f"{method}: {kv.get('errors')} errors")
    return float(kv["p50_us"]) / 1e6


def create_up_to(d, start, count):
    t0 = time.perf_counter()
    for i in range(start, count):
        d.call("Create", Name=f"vol-{i:05d}", Opts={"size": "1"})
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rexray")
    ap.add_argument("--volumes", type=int, default=10000)
    ap.add_argument("--results")
    args = ap.parse_args()
    n = args.volumes
    cmd = f"bench/scale.py BUILD/bin/rexray --volumes {n}"
    with Daemon(args.rexray) as daemon:
        d = Docker(daemon.sock)
        d.call("Create", Name="cycle", Opts={"size": "1"})
        d.call("Mount", Name="cycle", ID="format")  # formats it once
        d.call("Unmount", Name="cycle", ID="format")
        first = create_up_to(d, 0, 100)
        small = measure(d, daemon, 100, args.results, "small")
        mem_small = daemon.memory()
        rest = create_up_to(d, 100, n)
        total = first + rest
        mem_large = daemon.memory()
        large = measure(d, daemon, n, args.results, "large")
        d.close()

    record(args.results, name=f"{n} Docker Creates of new names", command=cmd,
           target="< 60 s", value=round(total, 1), unit=" s", met=total < 60)
    record(args.results, name=f"Create rate over the last {n - 100} creates", command=cmd,
           target="-", value=round((n - 100) / rest), unit=" creates/s", met=None)
    for op in ("Create", "Remove", "Mount", "Unmount", "Get", "Path"):
        ratio = large[op] / small[op]
        record(args.results, name=f"Docker {op} at {n} volumes vs 100", command=cmd,
               target="<= 1.5x", value=f"{large[op] * 1000:.3f} ms vs {small[op] * 1000:.3f} ms "
               f"= {ratio:.2f}", unit="x", met=ratio <= 1.5)
    record(args.results, name=f"Docker List of {n} vfs volumes", command=cmd, target="<= 10 ms",
           value=round(large["List"] * 1000, 2), unit=" ms", met=large["List"] <= 0.010)
    record(args.results, name=f"`rexray volume ls` of {n} volumes (through the daemon)",
           command=cmd, target="<= 200 ms", value=round(large["volume ls"] * 1000),
           unit=" ms", met=large["volume ls"] <= 0.200)
    per_volume = (mem_large["VmRSS"] - mem_small["VmRSS"]) * 1024 / (n - 100)
    record(args.results, name="Daemon memory per cached volume (RSS growth / volumes)",
           command=cmd, target="<= 2 KiB", value=round(per_volume), unit=" bytes",
           met=per_volume <= 2048)
    record(args.results, name=f"Daemon RSS with 100 / {n} volumes", command=cmd, target="-",
           value=f"{mem_small['VmRSS'] / 1024:.1f} / {mem_large['VmRSS'] / 1024:.1f}",
           unit=" MiB", met=None)


if __name__ == "__main__":
    main()
