#!/usr/bin/env python3
"""EC2 calls per operation, counted by the EC2 test backend's proxy.

Usage: bench/ebs_calls.py path/to/rexray   (run with the python3 that has moto)

Runs the real daemon with the ebs plugin against tests/emulators/ec2 (moto on
127.0.0.1 only) and prints how many EC2 calls, by Action, it takes to:
  1. mount an existing, detached volume after warm-up (Docker Mount), and unmount it;
  2. answer `docker volume ls`-style traffic (List, then Get and Path of each of
     100 volumes) while the cache is fresh;
  3. answer 50 concurrent lookups of volumes the daemon has never seen.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from benchkit import record  # bench/ is the script's own directory

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "tests", "emulators", "ec2"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from stack import Ec2Stack  # noqa: E402
from testkit import UnixHTTPConnection, poll  # noqa: E402


def call(sock, method, path, body=None):
    conn = UnixHTTPConnection(sock, timeout=150)
    try:
        data = None if body is None else json.dumps(body)
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        payload = r.read().decode()
        if r.status >= 300:
            raise RuntimeError("%s %s -> %s %s" % (method, path, r.status, payload))
        return json.loads(payload or "null")
    finally:
        conn.close()


def docker(sock, method, body):
    reply = call(sock, "POST", "/VolumeDriver." + method, body)
    if reply.get("Err"):
        raise RuntimeError("%s: %s" % (method, reply["Err"]))
    return reply


def show(title, calls):
    total = sum(calls.values())
    detail = ", ".join("%s %d" % (k, v) for k, v in sorted(calls.items())) or "none"
    print("%-62s %3d  (%s)" % (title, total, detail), flush=True)
    return total


def main():
    rexray = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/bin/rexray")
    tmp = tempfile.mkdtemp(prefix="rexray-ebs-bench.")
    home = os.path.join(tmp, "home")
    daemon_started = False
    env = None
    try:
        with Ec2Stack(os.path.join(tmp, "stack")) as st:
            i = st.info
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("REXRAY_", "VOLUME_", "EBS_", "EC2_", "AWS_"))}
            env.update({"REXRAY_HOME": home, "HOME": home, "REXRAY_STORAGEDRIVERS": "ebs",
                        "EBS_ENDPOINT": i["ec2_endpoint"], "EBS_METADATAENDPOINT": i["metadata_endpoint"],
                        "EBS_ACCESSKEY": i["access_key"], "EBS_SECRETKEY": i["secret_key"],
                        "EBS_REGION": i["region"], "EBS_DEVICEROOT": i["device_root"],
                        "EBS_SYSFSROOT": i["sysfs_root"]})
            os.makedirs(home)
            r = subprocess.run([rexray, "start"], env=env, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError("rexray start: " + r.stdout + r.stderr)
            daemon_started = True
            sock = os.path.join(home, "run/docker/plugins/rexray.sock")
            api = os.path.join(home, "var/run/rexray/rexray.sock")
            poll(lambda: call(api, "GET", "/services")[0]["state"] == "ready", 60)

            # 1. Mount of an existing, detached volume, after a warm-up cycle.
            docker(sock, "Create", {"Name": "bench", "Opts": {"size": "1"}})
            docker(sock, "Mount", {"Name": "bench", "ID": "warmup"})
            docker(sock, "Unmount", {"Name": "bench", "ID": "warmup"})
            st.control("POST", "/calls/reset", {})
            docker(sock, "Mount", {"Name": "bench", "ID": "a"})
            mount_total = show("Mount of an existing, detached volume (warm)", st.control("GET", "/calls"))
            st.control("POST", "/calls/reset", {})
            docker(sock, "Unmount", {"Name": "bench", "ID": "a"})
            unmount_total = show("Unmount (last user: unmount and detach)",
                                 st.control("GET", "/calls"))

            # 2. docker volume ls traffic with 100 volumes and a fresh cache.
            ec2 = st.ec2_client()
            for n in range(100):
                ec2.create_volume(AvailabilityZone=i["availability_zone"], Size=1,
                                  TagSpecifications=[{"ResourceType": "volume",
                                                      "Tags": [{"Key": "Name", "Value": "vol-%d" % n}]}])
            call(api, "GET", "/volumes/ebs")  # the refresh the daemon does every 30 s
            st.control("POST", "/calls/reset", {})
            listed = docker(sock, "List", {})["Volumes"]
            for n in range(100):
                docker(sock, "Get", {"Name": "vol-%d" % n})
                docker(sock, "Path", {"Name": "vol-%d" % n})
            ls_calls = show("List + 100 Get + 100 Path (%d volumes, fresh cache)" % len(listed),
                            st.control("GET", "/calls"))

            # 3. 50 concurrent lookups of volumes made behind the daemon's back.
            for n in range(50):
                ec2.create_volume(AvailabilityZone=i["availability_zone"], Size=1,
                                  TagSpecifications=[{"ResourceType": "volume",
                                                      "Tags": [{"Key": "Name", "Value": "new-%d" % n}]}])
            st.control("POST", "/calls/reset", {})
            errors = []

            def inspect(n):
                try:
                    call(api, "GET", "/volumes/ebs/new-%d" % n)
                except Exception as e:  # noqa: BLE001 - report every failure
                    errors.append(str(e))
            threads = [threading.Thread(target=inspect, args=(n,)) for n in range(50)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            calls = st.control("GET", "/calls")
            show("50 concurrent lookups of uncached volumes", calls)
            if errors:
                print("  lookups failed: %d, first: %s" % (len(errors), errors[0]))
            out, cmd = os.environ.get("BENCH_RESULTS"), "bench/ebs_calls.py BUILD/bin/rexray"
            describes = calls.get("DescribeVolumes", 0)
            record(out, name="EC2 calls: Docker Mount of an existing, detached volume (warm)",
                   command=cmd, target="<= 4", value=mount_total, met=mount_total <= 4)
            record(out, name="EC2 calls: Docker Unmount by the last user", command=cmd,
                   target="-", value=unmount_total, met=None)
            record(out, name="EC2 calls: List + Get and Path of each of 100 volumes, fresh cache",
                   command=cmd, target="0", value=ls_calls, met=ls_calls == 0)
            record(out, name="EC2 DescribeVolumes for 50 concurrent lookups of unseen volumes",
                   command=cmd, target="<= 2, no errors", value=describes,
                   met=describes <= 2 and not errors)
            print("\ntargets: mount <= 4 calls: %s; ls traffic 0 calls: %s; 50 lookups <= 2 "
                  "DescribeVolumes: %s" % (
                      "met" if mount_total <= 4 else "NOT met",
                      "met" if ls_calls == 0 else "NOT met",
                      "met" if calls.get("DescribeVolumes", 0) <= 2 and not errors else "NOT met"))

            subprocess.run([rexray, "stop"], env=env, capture_output=True)
            daemon_started = False
    finally:
        if daemon_started and env is not None:
            subprocess.run([rexray, "stop"], env=env, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
