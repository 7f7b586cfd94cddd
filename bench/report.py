#!/usr/bin/env python3
"""Writes bench/results.md from the figures the benchmarks recorded, and the
README's performance table from it.

  bench/report.py RESULTS.jsonl bench/results.md README.md

Each line of RESULTS.jsonl is one figure (benchkit.record or the shell
benchmarks' record): name, command, target, value, unit, met (true, false or
null when the figure has no target). The README section between the
`<!-- bench:results -->` and `<!-- /bench:results -->` markers is replaced by
the same table, so the README never holds figures typed by hand.
"""
import datetime
import json
import os
import platform
import subprocess
import sys

BEGIN, END = "<!-- bench:results -->", "<!-- /bench:results -->"


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // (1024 * 1024)
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True).stdout.strip() or "unknown"
    load = open("/proc/loadavg").read().split()[:3]
    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem} GiB, Linux "
            f"{platform.release()}; commit {commit}; "
            f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
            f"load average at the end {' '.join(load)}")


def table(rows):
    out = ["| Figure | Value | Target | Met | Command |", "|---|---|---|---|---|"]
    for r in rows:
        met = {True: "yes", False: "**no**", None: "-"}[r.get("met")]
        value = f"{r['value']}{r.get('unit', '')}"
        out.append(f"| {r['name']} | {value} | {r.get('target', '-')} | {met} | "
                   f"`{r.get('command', '')}` |")
    return "\n".join(out)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: report.py RESULTS.jsonl results.md README.md")
    results, md, readme = sys.argv[1:]
    rows = [json.loads(l) for l in open(results) if l.strip()]
    body = table(rows)
    where = machine()
    with open(md, "w") as f:
        f.write("# Benchmark results\n\nWritten by `make bench` (bench/report.py); do not edit.\n\n")
        f.write(f"Machine: {where}.\n\n{body}\n")
    text = open(readme).read()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        section = (f"{BEGIN}\nFrom [bench/results.md](bench/results.md), written by `make bench` "
                   f"on {where}:\n\n{body}\n{END}")
        with open(readme, "w") as f:
            f.write(head + section + tail)
    missed = [r["name"] for r in rows if r.get("met") is False]
    print(f"{len(rows)} figures, {len(missed)} targets not met" +
          ("".join(f"\n  not met: {m}" for m in missed)))


if __name__ == "__main__":
    main()
