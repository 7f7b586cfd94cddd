#!/usr/bin/env python3
"""Docker Mount+Unmount against the kernel's own cost, in one run.

  bench/docker_cycle.py path/to/rexray path/to/mount_floor [--cycles N] [--results FILE]

1. The floor: mount_floor (bench/mount_floor.c) binds, mounts, unmounts and
   unbinds a formatted 1 GiB ext4 image in one process, N cycles.
2. Ours: a private daemon on vfs; Docker Mount+Unmount of a formatted 1 GiB
   ext4 volume over one keep-alive connection, N cycles. Median of each and
   the ratio (target <= 2x).
3. System calls the daemon makes per Mount+Unmount (strace -f -c attached to
   it for 20 cycles; target <= 60), with the ten most frequent.
4. 32 parallel Mount+Unmount cycles of 32 different volumes, one connection
   each: cycles per second and errors (target: no errors).
"""
import argparse
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

from benchkit import Daemon, Docker, median, record


def floor_cycle(floor, cycles):
    work = tempfile.mkdtemp(prefix="rexray-floor-")
    try:
        image, target = os.path.join(work, "floor.img"), os.path.join(work, "mnt")
        os.mkdir(target)
        with open(image, "wb") as f:
            f.truncate(1 << 30)
        subprocess.run(["mkfs.ext4", "-F", "-q", image], check=True)
        out = subprocess.run([floor, image, target, "ext4", str(cycles)], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        return median([int(x) for x in out.split()]) / 1e6
    finally:
        subprocess.run(["umount", "-l", os.path.join(work, "mnt")], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


def docker_cycles(d, name, cycles):
    times = []
    for i in range(cycles):
        t0 = time.perf_counter()
        d.call("Mount", Name=name, ID=f"c{i}")
        d.call("Unmount", Name=name, ID=f"c{i}")
        times.append(time.perf_counter() - t0)
    return times


def syscalls_per_cycle(daemon, d, cycles=20):
    if not shutil.which("strace"):
        return None, []
    out = os.path.join(daemon.home, "strace.txt")
    tracer = subprocess.Popen(["strace", "-f", "-c", "-o", out, "-p", str(daemon.proc.pid)],
                              stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached to every thread
    docker_cycles(d, "cycle", cycles)
    tracer.terminate()
    tracer.wait()
    counts = {}
    for line in open(out):
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
        if m and m.group(2) not in ("total",):
            counts[m.group(2)] = int(m.group(1))
    # The event loop's idle wake-ups and worker hand-offs are not the cycle's work.
    idle = {k: counts.pop(k, 0) for k in ("epoll_wait", "futex", "restart_syscall", "rt_sigtimedwait")}
    total = sum(counts.values())
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:10]
    return total / cycles, [(k, round(v / cycles, 1)) for k, v in top]


def parallel(daemon, volumes, cycles_each):
    errors, done = [], [0]
    lock = threading.Lock()

    def worker(name):
        d = Docker(daemon.sock)
        try:
            for i in range(cycles_each):
                d.call("Mount", Name=name, ID=f"p{i}")
                d.call("Unmount", Name=name, ID=f"p{i}")
                with lock:
                    done[0] += 1
        except Exception as e:  # counted, reported
            with lock:
                errors.append(f"{name}: {e}")
        finally:
            d.close()

    threads = [threading.Thread(target=worker, args=(v,)) for v in volumes]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.perf_counter() - t0), errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rexray")
    ap.add_argument("floor")
    ap.add_argument("--cycles", type=int, default=50)
    ap.add_argument("--results")
    args = ap.parse_args()
    cmd = "bench/docker_cycle.py BUILD/bin/rexray BUILD/bin/mount_floor"

    floor = floor_cycle(args.floor, args.cycles)
    with Daemon(args.rexray) as daemon:
        d = Docker(daemon.sock)
        d.call("Create", Name="cycle", Opts={"size": "1"})
        docker_cycles(d, "cycle", 3)  # formats it, warms up
        ours = median(docker_cycles(d, "cycle", args.cycles))
        per_cycle, top = syscalls_per_cycle(daemon, d)
        names = [f"par-{i:02d}" for i in range(32)]
        for n in names:
            d.call("Create", Name=n, Opts={"size": "1"})
            docker_cycles(d, n, 1)  # formatted before the timed run
        rate, errors = parallel(daemon, names, 5)
        d.close()

    ratio = ours / floor
    record(args.results, name="In-process floor of a mount cycle (loop bind, mount, umount, unbind)",
           command=cmd, target="-", value=round(floor * 1000, 2), unit=" ms", met=None)
    record(args.results, name="Docker Mount+Unmount of a formatted vfs volume, per cycle",
           command=cmd, target="<= 2x the floor",
           value=f"{ours * 1000:.2f} ms = {ratio:.2f}", unit="x the floor", met=ratio <= 2)
    if per_cycle is not None:
        record(args.results, name="System calls by the daemon per Docker Mount+Unmount",
               command=cmd + " (strace -f -c)", target="<= 60", value=round(per_cycle),
               unit="", met=per_cycle <= 60)
        record(args.results, name="  of which the most frequent", command=cmd, target="-",
               value=", ".join(f"{k} {v}" for k, v in top), unit="", met=None)
    record(args.results, name="32 parallel Mount+Unmount cycles of 32 volumes", command=cmd,
           target="no errors", value=f"{rate:.0f} cycles/s, {len(errors)} errors", unit="",
           met=not errors)
    for e in errors[:5]:
        print("   ", e)


if __name__ == "__main__":
    main()
