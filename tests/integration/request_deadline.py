#!/usr/bin/python3
"""One deadline per request, end to end: a backend that stalls (the EC2 test
stack's `stuck_attach` fault: AttachVolume is accepted and never completes)
makes a Docker Mount fail with a timeout before the front end's deadline plus
one second, and leaves nothing attached or mounted; so does a slow endpoint
(`delay_ms` longer than the request). The deadline is the
Docker front end's (docker.timeout.long, shortened here to 4 s), not
device.attachTimeout (set to a minute so that it cannot be what fires). The
CLI's --timeout reaches the daemon the same way.

Env: REXRAY (the binary; default $BUILD/bin/rexray, with librexray-ebs.so in
its plugin directory). Needs root, a python3 with moto, and the aws CLI.
Only 127.0.0.1 is contacted. Every exit path stops the daemon and the stack.
"""

import json
import os
import re
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ebs_lifecycle import START_BANNER, is_mounted, main_in_one_mode, out_of  # noqa: E402
from testkit import UnixHTTPConnection  # noqa: E402

DOCKER_LONG_S = 4
SLOW_BACKEND = {"DOCKER_TIMEOUT_LONG": "%ds" % DOCKER_LONG_S, "DEVICE_ATTACHTIMEOUT": "60s"}


def docker(sock, method, body):
    conn = UnixHTTPConnection(sock, timeout=150)
    try:
        conn.request("POST", "/VolumeDriver." + method, body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read().decode() or "{}")
    finally:
        conn.close()


def run(m):
    r = m.r
    st = m.stack
    info = st.start()
    r.check("EC2 stack up (instance %s)" % info["instance_id"], True)
    vid = m.rx_obj("volume", "create", "dl01", "--size", "1")["id"]

    bad = m.rx("start", extra={"DOCKER_TIMEOUT_LONG": "0s"})
    r.check("a zero docker.timeout.long is refused at start, naming the key",
            bad.returncode != 0 and "docker.timeout.long" in bad.stdout + bad.stderr, out_of(bad))

    started = m.rx("start", extra=SLOW_BACKEND, timeout=90)
    pid = re.search(r"running at PID (\d+)", started.stdout)
    if not r.check("rexray start (docker.timeout.long %ds, device.attachTimeout 60s)" % DOCKER_LONG_S,
                   started.returncode == 0 and START_BANNER in started.stdout and pid, out_of(started)):
        return
    m.daemon_pid = int(pid.group(1))

    st.control("POST", "/faults", {"stuck_attach": True})
    t0 = time.monotonic()
    status, reply = docker(m.sock, "Mount", {"Name": "dl01", "ID": "c1"})
    took = time.monotonic() - t0
    err = reply.get("Err", "")
    r.check("a Mount on a stalled backend fails with a timeout error", status == 500 and
            re.search(r"time|deadline", err, re.I) is not None, (status, reply))
    r.check("... before the deadline plus one second (%.2f s of %d s)" % (took, DOCKER_LONG_S),
            took < DOCKER_LONG_S + 1, took)
    r.check("... and well after the start (the deadline, not an early give-up: %.2f s)" % took,
            took > DOCKER_LONG_S / 2, took)
    st.control("POST", "/faults/clear", {})
    v = m.ec2_volume(vid)
    r.check("... leaving the volume attached nowhere", v is not None and not v.get("Attachments"), v)
    r.check("... and mounted nowhere", not is_mounted(m.mountpoint("dl01")))
    status, got = docker(m.sock, "Get", {"Name": "dl01"})
    r.check("... and Docker Get shows it unattached",
            status == 200 and not got["Volume"]["Status"].get("attachedInstanceID"), got)

    status, reply = docker(m.sock, "Mount", {"Name": "dl01", "ID": "c1"})
    r.check("with the backend well again, the Mount works", status == 200 and not reply.get("Err")
            and is_mounted(m.mountpoint("dl01")), reply)
    status, reply = docker(m.sock, "Unmount", {"Name": "dl01", "ID": "c1"})
    r.check("Unmount", status == 200 and not reply.get("Err") and not is_mounted(m.mountpoint("dl01")), reply)

    # A slow endpoint: every EC2 call held longer than the whole request.
    st.control("POST", "/faults", {"delay_ms": 3 * DOCKER_LONG_S * 1000})
    t0 = time.monotonic()
    status, reply = docker(m.sock, "Mount", {"Name": "dl01", "ID": "c2"})
    took = time.monotonic() - t0
    st.control("POST", "/faults/clear", {})
    r.check("a Mount against an EC2 endpoint slower than the deadline fails with a timeout",
            status == 500 and re.search(r"time|deadline", reply.get("Err", ""), re.I) is not None,
            (status, reply))
    r.check("... before the deadline plus one second, not early (%.2f s of %d s)" % (took, DOCKER_LONG_S),
            DOCKER_LONG_S / 2 < took < DOCKER_LONG_S + 1, took)
    r.check("... and mounted nowhere", not is_mounted(m.mountpoint("dl01")))
    v = m.ec2_volume(vid)
    r.check("... and attached nowhere", v is not None and not v.get("Attachments"), v)

    # The CLI through the daemon: its --timeout becomes the daemon's deadline.
    st.control("POST", "/faults", {"stuck_attach": True})
    t0 = time.monotonic()
    cli = m.rx("volume", "mount", "dl01", "--timeout", "3s", extra=SLOW_BACKEND)
    took = time.monotonic() - t0
    st.control("POST", "/faults/clear", {})
    r.check("CLI mount --timeout 3s on a stalled backend fails with a timeout (%.2f s)" % took,
            cli.returncode != 0 and re.search(r"time|deadline", cli.stderr, re.I) is not None
            and 1.5 < took < 3 + 1.5, (took, out_of(cli)))
    v = m.ec2_volume(vid)
    r.check("... leaving it attached nowhere", v is not None and not v.get("Attachments"), v)
    usage = m.rx("volume", "ls", "--timeout", "soon")
    r.check("--timeout soon: a clear usage error", usage.returncode != 0 and "--timeout" in usage.stderr,
            out_of(usage))

    status, reply = docker(m.sock, "Remove", {"Name": "dl01"})
    r.check("Remove dl01", status == 200 and not reply.get("Err"), reply)
    m.stop_daemon()


def main():
    return main_in_one_mode(run, "rexray-deadline-it.")


if __name__ == "__main__":
    sys.exit(main())
