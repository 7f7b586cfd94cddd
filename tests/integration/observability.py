#!/usr/bin/python3
"""Operating a running daemon: /metrics, /healthz, /readyz, request IDs and
JSON logs (docs/observability.md), with the vfs driver on real loop devices.

Starts `rexray start` with REXRAY_LOGFORMAT=json, debug logging and
rexray.metrics.address on 127.0.0.1 (a port the system picks), then:
  health     /healthz and /readyz on the control socket and on TCP
  requestid  a client's X-Request-Id is echoed and used in the log lines of
             that request; without one the daemon makes one up and echoes it
  metrics    after a Docker Create and Mount (and a failing Mount), a scrape
             finds the counts: operation durations by result, backend calls
             by rxr_status, rexray_volumes, rexray_mounts, ready, build info;
             every line is valid Prometheus text; TCP serves the same
  errors     the error returned to Docker is logged at warning level with the
             request's ID
  logs       every line of the daemon's log parses as JSON with time, level,
             pid and msg

Env: REXRAY (the binary) or BUILD. Needs root (loop devices, mounts).
Python 3 standard library only. Prints "ok - ..."/"FAIL - ..." per check.
"""

import json
import os
import re
import sys
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from docker_protocol import Daemon, cleanup  # noqa: E402
from testkit import Report, UnixHTTPConnection, diag, exit_on_signals, poll, rexray_binary  # noqa: E402
from testkit import scratch_dir  # noqa: E402

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*)?\})? (-?[0-9.]+(?:[eE][+-]?[0-9]+)?|\+Inf|NaN)$')


def get(sock, path, headers=None):
    conn = UnixHTTPConnection(sock, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read().decode(), dict(r.getheaders())
    finally:
        conn.close()


def docker(sock, method, body, request_id=None):
    conn = UnixHTTPConnection(sock, timeout=130)
    try:
        headers = {"Content-Type": "application/json"}
        if request_id:
            headers["X-Request-Id"] = request_id
        conn.request("POST", "/VolumeDriver." + method, body=json.dumps(body).encode(), headers=headers)
        r = conn.getresponse()
        return r.status, json.loads(r.read().decode() or "{}"), r.getheader("X-Request-Id")
    finally:
        conn.close()


def parse_metrics(text):
    """{(name, frozenset(labels)): value}, and the lines that are not valid."""
    samples, bad, typed = {}, [], set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        if not m:
            bad.append(line)
            continue
        labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"', m.group(3) or ""))
        samples[(m.group(1), labels)] = float(m.group(7))
        family = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        if m.group(1) not in typed and family not in typed:
            bad.append("no TYPE before: " + line)
    return samples, bad


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def log_lines(path):
    with open(path, errors="surrogateescape") as f:
        return f.read().splitlines()


def run(r, d):
    d.start({"REXRAY_LOGFORMAT": "json", "REXRAY_LOGLEVEL": "debug",
             "REXRAY_METRICS_ADDRESS": "127.0.0.1:0"})
    r.check("rexray start with JSON logs and a metrics address (PID %s)" % d.pid, True)

    # -- health
    status, body, _ = get(d.control, "/healthz")
    r.check("GET /healthz on the control socket: 200 ok", status == 200 and body == "ok\n", (status, body))
    ready = poll(lambda: get(d.control, "/readyz")[0] == 200, 30)
    status, body, _ = get(d.control, "/readyz")
    r.check("GET /readyz: 200 once vfs is ready, naming it", ready and body == "vfs: ready\n", (status, body))

    address = None
    for line in log_lines(d.log):
        m = re.search(r"metrics, health and readiness on (http://127\.0\.0\.1:\d+)", line)
        if m:
            address = m.group(1)
    r.check("the log says where the TCP metrics listener is", address is not None)
    if address:
        with NO_PROXY.open(address + "/readyz", timeout=10) as resp:
            r.check("GET /readyz over TCP: 200", resp.status == 200 and resp.read() == b"vfs: ready\n")

    # -- a Docker create and mount, with and without a request ID
    status, reply, rid = docker(d.sock, "Create", {"Name": "obs1", "Opts": {"size": "1"}}, "it-create-1")
    r.check("Docker Create obs1 with X-Request-Id it-create-1: echoed", status == 200 and rid == "it-create-1",
            (status, reply, rid))
    status, reply, rid = docker(d.sock, "Mount", {"Name": "obs1", "ID": "c1"})
    mount_id = rid
    r.check("Docker Mount obs1 without an ID: the daemon makes one up and echoes it",
            status == 200 and reply.get("Mountpoint") and rid and re.fullmatch(r"[0-9a-f]{15}", rid),
            (status, reply, rid))
    status, reply, rid = docker(d.sock, "Mount", {"Name": "bad/name", "ID": "c2"}, "it-fail-1")
    r.check("Docker Mount of an invalid name fails (Err) and echoes its ID",
            status == 500 and reply.get("Err") and rid == "it-fail-1", (status, reply, rid))
    status, reply, rid = docker(d.sock, "Get", {"Name": "obs1"}, "bad id with spaces")
    r.check("an unusable client ID is replaced by one of the daemon's",
            status == 200 and rid and re.fullmatch(r"[0-9a-f]{15}", rid), rid)

    # -- metrics
    status, text, headers = get(d.control, "/metrics")
    r.check("GET /metrics: 200 in Prometheus text format 0.0.4",
            status == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
            (status, headers))
    samples, bad = parse_metrics(text)
    r.check("every /metrics line is a valid sample with a TYPE (%d samples)" % len(samples), not bad, bad[:5])
    dur = "rexray_operation_duration_seconds_count"
    checks = [
        ("one Create ok", value(samples, dur, service="vfs", operation="VolumeDriver.Create", result="ok"), 1),
        ("one Mount ok", value(samples, dur, service="vfs", operation="VolumeDriver.Mount", result="ok"), 1),
        ("one Mount error", value(samples, dur, service="vfs", operation="VolumeDriver.Mount",
                                  result="error"), 1),
        ("rexray_mounts{vfs} 1", value(samples, "rexray_mounts", service="vfs"), 1),
        ("rexray_volumes{vfs} 1", value(samples, "rexray_volumes", service="vfs"), 1),
        ("rexray_service_ready{vfs} 1", value(samples, "rexray_service_ready", service="vfs"), 1),
        ("one volume_create call ok", value(samples, "rexray_backend_requests_total", service="vfs",
                                            call="volume_create", code="ok"), 1),
        ("one volume_attach call ok", value(samples, "rexray_backend_requests_total", service="vfs",
                                            call="volume_attach", code="ok"), 1),
    ]
    for what, got, want in checks:
        r.check("metrics after a Docker Create and Mount: %s" % what, got == want, got)
    inf = value(samples, "rexray_operation_duration_seconds_bucket", service="vfs",
                operation="VolumeDriver.Mount", result="ok", le="+Inf")
    total = value(samples, "rexray_operation_duration_seconds_sum", service="vfs",
                  operation="VolumeDriver.Mount", result="ok")
    r.check("the Mount histogram: +Inf bucket 1, a sum in seconds > 0", inf == 1 and total and total > 0,
            (inf, total))
    r.check("rexray_build_info is 1 with version and commit",
            any(k[0] == "rexray_build_info" and dict(k[1]).get("version") and v == 1
                for k, v in samples.items()))
    if address:
        with NO_PROXY.open(address + "/metrics", timeout=10) as resp:
            tcp, _ = parse_metrics(resp.read().decode())
        r.check("the TCP listener serves the same counts",
                value(tcp, dur, service="vfs", operation="VolumeDriver.Mount", result="ok") == 1)

    # -- unmount and remove, then the logs
    for method, body in (("Unmount", {"Name": "obs1", "ID": "c1"}), ("Remove", {"Name": "obs1"})):
        status, reply, _ = docker(d.sock, method, body)
        r.check("Docker %s obs1" % method, status == 200 and reply.get("Err") == "", reply)
    _, text, _ = get(d.control, "/metrics")
    samples, _ = parse_metrics(text)
    r.check("after Unmount and Remove: rexray_mounts 0, rexray_volumes 0",
            value(samples, "rexray_mounts", service="vfs") == 0
            and value(samples, "rexray_volumes", service="vfs") == 0)

    lines = log_lines(d.log)
    parsed, unparsed = [], []
    for line in lines:
        try:
            o = json.loads(line)
            if not (isinstance(o, dict) and {"time", "level", "pid", "msg"} <= set(o)):
                raise ValueError("fields missing")
            parsed.append(o)
        except ValueError:
            unparsed.append(line)
    r.check("every one of the %d log lines is a JSON object with time, level, pid and msg" % len(lines),
            lines and not unparsed, unparsed[:3])
    r.check("levels are debug, info, warning or error",
            all(o["level"] in ("debug", "info", "warning", "error") for o in parsed))
    create_lines = [o for o in parsed if o.get("requestID") == "it-create-1"]
    r.check("the Create's lines carry the client's ID it-create-1 (%d lines)" % len(create_lines),
            len(create_lines) >= 1, create_lines[:2])
    mount_lines = [o for o in parsed if o.get("requestID") == mount_id]
    r.check("the Mount's lines carry the ID the daemon made (%d lines)" % len(mount_lines),
            len(mount_lines) >= 1)
    warnings = [o for o in parsed if o.get("requestID") == "it-fail-1" and o["level"] == "warning"]
    r.check("the error returned to Docker is logged at warning level with its request ID",
            any("VolumeDriver.Mount" in o["msg"] and "bad/name" in o["msg"] for o in warnings),
            [o for o in parsed if o.get("requestID") == "it-fail-1"])


def main():
    rexray = rexray_binary()
    if not rexray:
        return 2
    report = Report()
    home = scratch_dir("rexray-obs.")
    daemon = Daemon(rexray, home)
    exit_on_signals()
    try:
        try:
            run(report, daemon)
        except Exception as e:  # noqa: BLE001
            report.check("the test ran to the end", False, repr(e))
        if report.failed:
            diag(daemon.log_tail())
    finally:
        cleanup(daemon, home)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
