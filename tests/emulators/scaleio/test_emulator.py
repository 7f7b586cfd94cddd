#!/usr/bin/env python3
"""Self-test of the ScaleIO REST gateway emulator: REST surface, tokens,
discovery by links, volumes, mappings with real loop devices, snapshots,
faults, HTTPS, the command-line contract, the fake drv_cfg, plain curl as a
second client, and cleanup.

    python3 tests/emulators/scaleio/test_emulator.py

Needs root (loop devices).  One `ok - …`/`FAIL - …` line per check, then
"N passed, M failed"; exit status 1 on any failure.  Cleans up on failure and
on SIGINT/SIGTERM.
"""

import base64
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "ec2"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration"))

from client import EmulatorProcess, GatewayClient, GatewayHTTPError, basic  # noqa: E402
from hotplug import detach_loops_backed_by  # noqa: E402  (tests/emulators/ec2)
from server import ScaleioEmulator  # noqa: E402
from testkit import Report, diag, loop_backing_files, poll  # noqa: E402

R = Report()
TMP = tempfile.mkdtemp(prefix="scaleio-emu-test-")
LIVE = []            # emulators and processes to stop on the way out
GB_KB = 1024 * 1024
MIB = 1 << 20


def on_signal(signum, frame):
    raise SystemExit(128 + signum)


def section(fn):
    """Run one group of checks; an exception is one failed check, and the run goes on."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        R.check("%s completes" % fn.__name__, False, "%s\n%s" % (e, traceback.format_exc()))


def expect_error(what, fn, status, code=None, message=None):
    try:
        fn()
    except GatewayHTTPError as e:
        body = e.body if isinstance(e.body, dict) else {}
        ok = (e.status == status and body.get("httpStatusCode") == status
              and (code is None or body.get("errorCode") == code)
              and (message is None or body.get("message") == message))
        return R.check(what, ok, "got %d %s" % (e.status, e.body))
    return R.check(what, False, "call succeeded")


def is_block_device(path):
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False


def loops_of(path):
    return [d for d, b in loop_backing_files().items() if b == path]


def write_at(dev, offset, data):
    fd = os.open(dev, os.O_RDWR)
    try:
        os.pwrite(fd, data, offset)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_at(dev, offset, n):
    fd = os.open(dev, os.O_RDONLY)
    try:
        return os.pread(fd, n, offset)
    finally:
        os.close(fd)


def pattern(tag):
    return (tag.encode() * (MIB // len(tag) + 1))[:MIB]


# ---------------------------------------------------------------- fixtures
STATE = os.path.join(TMP, "state")
DEVROOT = os.path.join(TMP, "by-id")
EMU = None
C = None             # GatewayClient (goscaleio-like) on EMU


def start_main():
    global EMU, C
    EMU = ScaleioEmulator(STATE, device_root=DEVROOT).start()
    LIVE.append(EMU)
    C = GatewayClient(EMU.url, EMU.info["user"], EMU.info["password"])
    C.login()
    C.get_version()


def ctl(method, path, body=None):
    return EMU.control(method, path, body)


def create(name, size_kb, pool=None, vtype="ThinProvisioned", pd=None):
    pool = pool or EMU.info["storage_pools"][0]
    body = {"protectionDomainId": pd or pool["protection_domain_id"], "storagePoolId": pool["id"],
            "volumeType": vtype, "volumeSizeInKb": str(size_kb)}
    if name is not None:
        body["name"] = name
    return C.post("/api/types/Volume/instances", body)["id"]


def vol(vid):
    return C.get("/api/instances/Volume::%s" % vid)


def action(vid, name, body):
    return C.post("/api/instances/Volume::%s/action/%s" % (vid, name), body)


def map_to(vid, sdc):
    return action(vid, "addMappedSdc", {"sdcId": sdc, "allowMultipleMappings": "false"})


def unmap(vid, sdc):
    return action(vid, "removeMappedSdc", {"sdcId": sdc, "ignoreScsiInitiators": "true"})


def remove(vid):
    return action(vid, "removeVolume", {"removeMode": "ONLY_ME"})


def link_of(vid, root=DEVROOT, system=None):
    return os.path.join(root, "emc-vol-%s-%s" % (system or EMU.info["system_id"], vid))


# ---------------------------------------------------------------- sections
def auth_and_version():
    info = EMU.info
    st, body, hdrs = C.raw("GET", "/api/login", headers={"Authorization": basic(info["user"], info["password"])})
    R.check("login: 200 with a JSON string token", st == 200 and isinstance(body, str) and len(body) > 16,
            "%s %r" % (st, body))
    R.check("login: application/json reply", hdrs.get("content-type", "").startswith("application/json"), hdrs)
    token = body
    st, body, hdrs = C.raw("GET", "/api/login", headers={"Authorization": basic(info["user"], "wrong")})
    R.check("login: bad password -> 401 + the spec's error JSON",
            st == 401 and body == {"message": "Unauthorized", "httpStatusCode": 401, "errorCode": 0},
            "%s %r" % (st, body))
    st, body, _ = C.raw("GET", "/api/login")
    R.check("login: no Authorization -> 401", st == 401 and body.get("errorCode") == 0, "%s %r" % (st, body))
    st, body, _ = C.raw("GET", "/api/version", headers={"Authorization": basic("", token)})
    R.check("version: \"2.0\" with Basic ':'+token", st == 200 and body == "2.0", "%s %r" % (st, body))
    R.check("client keeps the version for Accept", C.version == "2.0", C.version)
    st, body, _ = C.raw("GET", "/api/version")
    R.check("version: without a token -> 401", st == 401, st)
    st, _, _ = C.raw("GET", "/api/types/System/instances",
                     headers={"Authorization": basic(info["user"], info["password"])})
    R.check("user:password is not a token (401 outside /api/login)", st == 401, st)
    st, _, _ = C.raw("GET", "/api/types/System/instances", headers={"Authorization": basic("cinder", token)})
    R.check("any user name is accepted with a valid token", st == 200, st)
    st, _, _ = C.raw("GET", "/api/types/System/instances", headers={"Authorization": basic("", "bogus-token")})
    R.check("unknown token -> 401", st == 401, st)
    conn = C._conn()
    statuses, socks = [], set()
    for hdr in (basic("", "bogus"), basic("", token), basic("", token)):
        conn.request("GET", "/api/version", headers={"Authorization": hdr})
        r = conn.getresponse()
        r.read()
        statuses.append(r.status)
        socks.add(id(conn.sock) if conn.sock is not None else None)
    conn.close()
    R.check("HTTP/1.1 keep-alive: three requests, one connection (401, 200, 200)",
            statuses == [401, 200, 200] and len(socks) == 1 and None not in socks, (statuses, socks))
    st, _, _ = C.raw("GET", "/api/logout", headers={"Authorization": basic("", token)})
    st2, _, _ = C.raw("GET", "/api/version", headers={"Authorization": basic("", token)})
    R.check("logout: 200, then the token is dead", st == 200 and st2 == 401, "%s %s" % (st, st2))


def token_expiry():
    c = GatewayClient(EMU.url, "admin", "Scaleio123", relogin=False)
    c.login()
    ctl("POST", "/fault", {"token_idle": 1})
    c.get("/api/version")
    time.sleep(0.6)
    c.get("/api/version")
    time.sleep(0.6)
    R.check("idle lifetime: a token used every 0.6 s outlives a 1 s idle limit", c.get("/api/version") == "2.0")
    time.sleep(1.2)
    expect_error("idle lifetime: unused for 1.2 s -> 401 Unauthorized", lambda: c.get("/api/version"),
                 401, 0, "Unauthorized")
    expect_error("an expired token stays dead", lambda: c.get("/api/version"), 401, 0)
    c.login()
    R.check("re-login after expiry works", c.get("/api/version") == "2.0")
    ctl("POST", "/fault", {"token_idle": 0, "token_lifetime": 1.5})
    c.login()
    for _ in range(2):
        c.get("/api/version")
        time.sleep(0.5)
    c.get("/api/version")
    time.sleep(0.7)
    expect_error("absolute lifetime: 1.5 s after login -> 401 despite use", lambda: c.get("/api/version"), 401, 0)
    ctl("DELETE", "/fault")
    R.check("DELETE /_emulator/fault restores the start limits (8 h / 10 min)",
            ctl("GET", "/fault")["tokens"]["lifetime"] == 28800 and ctl("GET", "/fault")["tokens"]["idle"] == 600)
    r = GatewayClient(EMU.url, "admin", "Scaleio123")          # with goscaleio's re-login rule
    r.login()
    ctl("POST", "/fault", {"expire_tokens": True})
    expect_error("expire_tokens fault -> 401 for an issued token", lambda: c.get("/api/version"), 401, 0)
    R.check("client with re-login: one 401, a new login, replay succeeds",
            r.get("/api/types/System/instances")[0]["id"] == EMU.info["system_id"] and r.logins == 2, r.logins)


def discovery():
    info = EMU.info
    systems = C.get("/api/types/System/instances")
    R.check("systems: one, id and name from the seed",
            len(systems) == 1 and systems[0]["id"] == info["system_id"] and systems[0]["name"] == info["system_name"],
            systems)
    s = systems[0]
    R.check("system has self, ProtectionDomain and Sdc links",
            {ln["rel"] for ln in s["links"]} >= {"self", "/api/System/relationship/ProtectionDomain",
                                                  "/api/System/relationship/Sdc"}, s["links"])
    pds = C.get(C.link(s, "/api/System/relationship/ProtectionDomain"))
    R.check("PDs via the system's link: pd1, pd2 with systemId and Active state",
            [p["name"] for p in pds] == ["pd1", "pd2"]
            and all(p["systemId"] == s["id"] and p["protectionDomainState"] == "Active" for p in pds), pds)
    by_pd = {}
    for p in pds:
        by_pd[p["id"]] = C.get(C.link(p, "/api/ProtectionDomain/relationship/StoragePool"))
    R.check("pools via each PD's link (pool1, pool2 in pd1; pool3 in pd2)",
            [[x["name"] for x in by_pd[p["id"]]] for p in pds] == [["pool1", "pool2"], ["pool3"]]
            and all(x["protectionDomainId"] == pid for pid, xs in by_pd.items() for x in xs), by_pd)
    allp = C.get("/api/types/StoragePool/instances")
    R.check("GET /api/types/StoragePool/instances: all three, across PDs",
            sorted(x["id"] for x in allp) == sorted(x["id"] for xs in by_pd.values() for x in xs), allp)
    R.check("ready info lists the same pools",
            sorted(x["id"] for x in allp) == sorted(x["id"] for x in info["storage_pools"]))
    sdcs = C.get(C.link(s, "/api/System/relationship/Sdc"))
    host = [x for x in sdcs if x["id"] == info["host_sdc_id"]]
    R.check("SDCs via the system's link: this host's (upper-case GUID, name null) and node1",
            len(sdcs) == 2 and host and host[0]["sdcGuid"] == info["host_guid"] == info["host_guid"].upper()
            and host[0]["name"] is None and any(x["name"] == "node1" for x in sdcs), sdcs)
    R.check("SDC fields: sdcIp, sdcApproved, mdmConnectionState, systemId, links",
            all(x["sdcIp"] and x["sdcApproved"] is True and x["mdmConnectionState"] == "Connected"
                and x["systemId"] == s["id"] and x["links"] for x in sdcs), sdcs)
    R.check("GET /api/types/Sdc/instances = the system's SDCs",
            C.get("/api/types/Sdc/instances") == sdcs)
    # every link of every object answers 200
    vid = create("linkwalk", GB_KB)
    objs = systems + pds + allp + sdcs + [vol(vid)]
    bad = []
    for o in objs:
        for ln in o["links"]:
            try:
                C.get(ln["href"])
            except GatewayHTTPError as e:
                bad.append((ln["href"], e.status))
    R.check("every link href of system, PDs, pools, SDCs and a volume resolves (%d links)"
            % sum(len(o["links"]) for o in objs), not bad, bad)
    remove(vid)


def volumes():
    pools = {p["name"]: p for p in EMU.info["storage_pools"]}
    v1 = create("thin01", GB_KB)
    o = vol(v1)
    R.check("create thin 1 GiB -> sizeInKb 8388608 (8 GiB granularity), ThinProvisioned",
            o["sizeInKb"] == 8 * GB_KB and o["volumeType"] == "ThinProvisioned", o)
    v2 = create("thick01", 9 * GB_KB, vtype="ThickProvisioned")
    o2 = vol(v2)
    R.check("create thick 9 GiB -> 16 GiB, ThickProvisioned",
            o2["sizeInKb"] == 16 * GB_KB and o2["volumeType"] == "ThickProvisioned", o2)
    v3 = create("exact16", 16 * GB_KB)
    R.check("a multiple of 8 GiB is kept as is", vol(v3)["sizeInKb"] == 16 * GB_KB)
    v4 = create("inpd2", 1, pool=pools["pool3"])
    R.check("create in a pool of the other PD (pool3 in pd2), 1 KB -> 8 GiB",
            vol(v4)["storagePoolId"] == pools["pool3"]["id"] and vol(v4)["sizeInKb"] == 8 * GB_KB)
    R.check("volume ids are 16 lower-case hex digits",
            all(len(x) == 16 and x == x.lower() and int(x, 16) >= 0 for x in (v1, v2, v3, v4)))
    fields = {"id", "name", "sizeInKb", "storagePoolId", "volumeType", "ancestorVolumeId", "consistencyGroupId",
              "vtreeId", "creationTime", "mappingToAllSdcsEnabled", "useRmcache", "isObfuscated",
              "mappedSdcInfo", "links"}
    R.check("volume JSON has the spec's fields; unmapped -> mappedSdcInfo null, ancestorVolumeId null",
            set(o) == fields and o["mappedSdcInfo"] is None and o["ancestorVolumeId"] is None, sorted(o))
    R.check("volume links: self, Statistics, vtreeId, storagePoolId",
            [ln["rel"] for ln in o["links"]] == ["self", "/api/Volume/relationship/Statistics",
                                                  "/api/parent/relationship/vtreeId",
                                                  "/api/parent/relationship/storagePoolId"]
            and C.link(o, "self") == "/api/instances/Volume::" + v1, o["links"])
    name31 = "n" * 31
    v5 = create(name31, GB_KB)
    R.check("a 31-character name is accepted", vol(v5)["name"] == name31)
    expect_error("a 32-character name -> 500 name too long", lambda: create("m" * 32, GB_KB), 500, 99)
    expect_error("duplicate name -> 500, errorCode 6, the spec's message", lambda: create("thin01", GB_KB),
                 500, 6, "Volume name already in use. Please use a different name.")
    expect_error("size 0 -> 500", lambda: create("zero", 0), 500, 92)
    expect_error("volumeType Fat -> 500", lambda: create("fat", GB_KB, vtype="Fat"), 500, 94)
    expect_error("pool of pd1 with pd2's id -> 500",
                 lambda: create("mismatch", GB_KB, pool=pools["pool1"], pd=pools["pool3"]["protection_domain_id"]),
                 500, 91)
    expect_error("unknown pool -> 500", lambda: create("nopool", GB_KB, pool={"id": "0" * 16,
                                                                            "protection_domain_id": None}), 500, 87)
    expect_error("thick volume beyond the pool's capacity -> 500",
                 lambda: create("huge", 600 * GB_KB, pool=pools["pool3"], vtype="ThickProvisioned"), 500, 93)
    ids = [x["id"] for x in C.get("/api/types/Volume/instances")]
    R.check("list shows every created volume", all(x in ids for x in (v1, v2, v3, v4, v5)), ids)
    in_pool3 = C.get("/api/instances/StoragePool::%s/relationships/Volume" % pools["pool3"]["id"])
    R.check("StoragePool/relationships/Volume lists the pool's volumes", [x["id"] for x in in_pool3] == [v4])
    R.check("queryIdByKey name -> JSON string id",
            C.post("/api/types/Volume/instances/action/queryIdByKey", {"name": "thick01"}) == v2)
    expect_error("queryIdByKey unknown name -> 500 'Not found' errorCode 3",
                 lambda: C.post("/api/types/Volume/instances/action/queryIdByKey", {"name": "nope"}),
                 500, 3, "Not found")
    expect_error("GET unknown volume -> 500 'Could not find the volume' 79",
                 lambda: vol("00000000deadbeef"), 500, 79, "Could not find the volume")
    expect_error("action on an unknown volume -> 500 79",
                 lambda: map_to("00000000deadbeef", EMU.info["host_sdc_id"]), 500, 79)
    st, body, _ = C.raw("POST", "/api/types/Volume/instances", "{not json",
                        dict(C._headers({}), **{"Content-Type": "application/json"}))
    R.check("malformed JSON -> 400 with the error JSON", st == 400 and body.get("httpStatusCode") == 400, body)
    st, body, _ = C.raw("POST", "/api/types/Volume/instances", "name=x",
                        dict(C._headers({}), **{"Content-Type": "application/x-www-form-urlencoded"}))
    R.check("non-JSON Content-Type -> 415", st == 415 and body.get("httpStatusCode") == 415, body)
    st, body, _ = C.raw("GET", "/api/types/Volume/instances", None, dict(C._headers(None), Accept="text/html"))
    R.check("Accept text/html -> 406", st == 406, st)
    st, body, _ = C.raw("GET", "/api/types/Frobnicator/instances", None, C._headers(None))
    R.check("unknown type -> 404 with the error JSON", st == 404 and body.get("httpStatusCode") == 404, body)
    st, body, _ = C.raw("GET", "/api/nowhere", None, C._headers(None))
    R.check("unknown path -> 404", st == 404, st)
    action(v3, "setVolumeSize", {"sizeInGB": "20"})
    R.check("setVolumeSize 20 GB -> 24 GiB (rounded up)", vol(v3)["sizeInKb"] == 24 * GB_KB)
    expect_error("setVolumeSize smaller -> 500", lambda: action(v3, "setVolumeSize", {"sizeInGB": "8"}), 500, 96)
    action(v5, "setVolumeName", {"newName": "renamed"})
    R.check("setVolumeName", vol(v5)["name"] == "renamed")
    expect_error("removeVolume with a bad removeMode -> 500",
                 lambda: action(v1, "removeVolume", {"removeMode": "ALL"}), 500, 95)
    for v in (v1, v2, v3, v4, v5):
        remove(v)
    left = [x["id"] for x in C.get("/api/types/Volume/instances")]
    R.check("removeVolume ONLY_ME removes them (200, empty body)", not any(v in left for v in (v1, v2, v3, v4, v5)))
    expect_error("removing it again -> 500 79", lambda: remove(v1), 500, 79)


def mappings():
    host, other = EMU.info["host_sdc_id"], EMU.info["other_sdc_id"]
    vid = create("mapped01", GB_KB)
    backing = os.path.join(STATE, "backing", vid + ".img")
    R.check("addMappedSdc to this host: 200 with an empty body", map_to(vid, host) is None)
    link = link_of(vid)
    target = os.readlink(link) if os.path.islink(link) else None
    R.check("emc-vol-<systemId>-<volumeId> link appears -> /dev/loopN",
            target is not None and target.startswith("/dev/loop"), target)
    R.check("the link resolves to a block device", is_block_device(link))
    R.check("the loop device is backed by backing/<volumeId>.img",
            target in loops_of(backing), loop_backing_files())
    st = os.stat(backing)
    R.check("backing file: volume size, sparse", st.st_size == 8 * GB_KB * 1024 and st.st_blocks * 512 < 64 * MIB,
            (st.st_size, st.st_blocks))
    o = vol(vid)
    R.check("mappedSdcInfo lists this host's SDC (sdcId, sdcIp, limitIops 0, limitBwInMbps 0)",
            o["mappedSdcInfo"] == [{"sdcId": host, "sdcIp": "10.0.0.11", "limitIops": 0, "limitBwInMbps": 0}],
            o["mappedSdcInfo"])
    data = pattern("scaleio-data-")
    write_at(link, 0, data)
    write_at(link, 5 * (1 << 30), data)
    R.check("wrote 1 MiB at 0 and at 5 GiB through the device", read_at(link, 0, MIB) == data)
    expect_error("map to the same SDC again -> 500 errorCode 81", lambda: map_to(vid, host), 500, 81)
    expect_error("map to another SDC with allowMultipleMappings false -> 500",
                 lambda: map_to(vid, other), 500, 82)
    on_sdc = C.get("/api/instances/Sdc::%s/relationships/Volume" % host)
    R.check("Sdc/relationships/Volume lists the mapped volume", [x["id"] for x in on_sdc] == [vid], on_sdc)
    action(vid, "setMappedSdcLimits", {"sdcId": host, "iopsLimit": "500", "bandwidthLimitInKbps": "10240"})
    m = vol(vid)["mappedSdcInfo"][0]
    R.check("setMappedSdcLimits shows in limitIops / limitBwInMbps",
            m["limitIops"] == 500 and m["limitBwInMbps"] == 10, m)
    expect_error("removeVolume while mapped -> 500 errorCode 104", lambda: remove(vid), 500, 104)
    R.check("removeMappedSdc: 200", unmap(vid, host) is None)
    R.check("unmap removes the link", not os.path.lexists(link))
    R.check("unmap detaches the loop device", not loops_of(backing), loop_backing_files())
    R.check("the backing file stays", os.path.exists(backing))
    R.check("mappedSdcInfo back to null", vol(vid)["mappedSdcInfo"] is None)
    expect_error("unmap when not mapped -> 500 errorCode 84", lambda: unmap(vid, host), 500, 84)
    map_to(vid, host)
    R.check("map again: the data is still there",
            read_at(link, 0, MIB) == data and read_at(link, 5 * (1 << 30), MIB) == data)
    unmap(vid, host)

    v2 = create("othernode", GB_KB)
    map_to(v2, other)
    R.check("map to the other SDC (node1): recorded in mappedSdcInfo",
            [x["sdcId"] for x in vol(v2)["mappedSdcInfo"]] == [other])
    R.check("... and no device on this host", not os.path.lexists(link_of(v2))
            and not os.path.exists(os.path.join(STATE, "backing", v2 + ".img")))
    action(v2, "addMappedSdc", {"sdcId": host, "allowMultipleMappings": "true"})
    R.check("allowMultipleMappings true: mapped to both, device here",
            len(vol(v2)["mappedSdcInfo"]) == 2 and is_block_device(link_of(v2)))
    action(v2, "removeMappedSdc", {"ignoreScsiInitiators": "true", "allSdcs": "true"})
    R.check("removeMappedSdc allSdcs: no mappings, device gone",
            vol(v2)["mappedSdcInfo"] is None and not os.path.lexists(link_of(v2)))
    expect_error("allSdcs on an unmapped volume -> 500 84",
                 lambda: action(v2, "removeMappedSdc", {"allSdcs": "true"}), 500, 84)
    expect_error("unknown SDC -> 500", lambda: map_to(v2, "0000000000000bad"), 500, 86)
    action(v2, "addMappedSdc", {"guid": EMU.info["host_guid"].lower(), "allowMultipleMappings": "false"})
    R.check("addMappedSdc by guid (any case) maps this host", is_block_device(link_of(v2)))
    unmap(v2, host)

    ctl("POST", "/fault", {"device_delay": 0.6})
    t0 = time.monotonic()
    map_to(v2, host)
    R.check("device_delay: the map answers at once, the link is not there yet",
            time.monotonic() - t0 < 0.5 and not os.path.lexists(link_of(v2)))
    R.check("... and appears after the delay", poll(lambda: is_block_device(link_of(v2)), 5, 0.05))
    unmap(v2, host)
    map_to(v2, host)
    unmap(v2, host)
    time.sleep(0.8)
    R.check("unmap before the delayed link appeared: it never appears",
            not os.path.lexists(link_of(v2)) and not loops_of(os.path.join(STATE, "backing", v2 + ".img")))
    ctl("POST", "/fault", {"device_delay": 0})
    remove(vid)
    remove(v2)
    R.check("removeVolume deletes the backing file", not os.path.exists(backing))


def snapshots():
    host, sysid = EMU.info["host_sdc_id"], EMU.info["system_id"]
    src = create("snapsrc", GB_KB)
    map_to(src, host)
    data = pattern("before-snapshot-")
    write_at(link_of(src), MIB, data)
    r = C.post("/api/instances/System::%s/action/snapshotVolumes" % sysid,
               {"snapshotDefs": [{"volumeId": src, "snapshotName": "snap01"}]})
    R.check("snapshotVolumes: volumeIdList + snapshotGroupId",
            isinstance(r.get("volumeIdList"), list) and len(r["volumeIdList"]) == 1 and len(r["snapshotGroupId"]) == 16,
            r)
    snap = r["volumeIdList"][0]
    s = vol(snap)
    R.check("snapshot: ancestorVolumeId = source, same size/pool/vtree, unmapped, named",
            s["ancestorVolumeId"] == src and s["sizeInKb"] == vol(src)["sizeInKb"]
            and s["storagePoolId"] == vol(src)["storagePoolId"] and s["vtreeId"] == vol(src)["vtreeId"]
            and s["mappedSdcInfo"] is None and s["name"] == "snap01", s)
    R.check("snapshot is listed in /api/types/Volume/instances (clients filter on ancestorVolumeId)",
            snap in [x["id"] for x in C.get("/api/types/Volume/instances")])
    R.check("queryIdByKey finds the snapshot by name",
            C.post("/api/types/Volume/instances/action/queryIdByKey", {"name": "snap01"}) == snap)
    write_at(link_of(src), MIB, pattern("after-snapshot-"))
    map_to(snap, host)
    R.check("mapped snapshot shows the data at snapshot time", read_at(link_of(snap), MIB, MIB) == data)
    write_at(link_of(snap), 0, pattern("snap-own-"))
    R.check("writing the snapshot leaves the source alone", read_at(link_of(src), 0, 16) == b"\0" * 16)
    unmap(snap, host)
    r2 = C.post("/api/instances/System/action/snapshotVolumes",
                {"snapshotDefs": [{"volumeId": snap, "snapshotName": "fromsnap"}]})
    child = r2["volumeIdList"][0]
    map_to(child, host)
    R.check("volume from a snapshot (Cinder's /System/action form): the snapshot's content",
            read_at(link_of(child), MIB, MIB) == data and read_at(link_of(child), 0, MIB) == pattern("snap-own-"))
    R.check("its ancestorVolumeId is the snapshot", vol(child)["ancestorVolumeId"] == snap)
    unmap(child, host)
    expect_error("snapshot with a name in use -> 500 6",
                 lambda: C.post("/api/instances/System::%s/action/snapshotVolumes" % sysid,
                                {"snapshotDefs": [{"volumeId": src, "snapshotName": "snap01"}]}), 500, 6)
    expect_error("snapshot of an unknown volume -> 500 79",
                 lambda: C.post("/api/instances/System::%s/action/snapshotVolumes" % sysid,
                                {"snapshotDefs": [{"volumeId": "00000000deadbeef", "snapshotName": "x"}]}), 500, 79)
    r3 = C.post("/api/instances/System::%s/action/snapshotVolumes" % sysid,
                {"snapshotDefs": [{"volumeId": src, "snapshotName": "g1"}, {"volumeId": src, "snapshotName": "g2"}]})
    R.check("two snapshotDefs -> two snapshots in one group",
            len(r3["volumeIdList"]) == 2
            and all(vol(x)["consistencyGroupId"] == r3["snapshotGroupId"] for x in r3["volumeIdList"]))
    unmap(src, host)
    action(snap, "removeVolume", {"removeMode": "INCLUDING_DESCENDANTS"})
    left = [x["id"] for x in C.get("/api/types/Volume/instances")]
    R.check("removeVolume INCLUDING_DESCENDANTS removes the snapshot and its child",
            snap not in left and child not in left and src in left)
    action(src, "removeVolume", {"removeMode": "WHOLE_VTREE"})
    left = [x["id"] for x in C.get("/api/types/Volume/instances")]
    R.check("removeVolume WHOLE_VTREE removes the volume and its remaining snapshots",
            src not in left and not any(x in left for x in r3["volumeIdList"]))


def faults():
    host = EMU.info["host_sdc_id"]
    ctl("DELETE", "/calls")
    ctl("POST", "/fault", {"fail_next": 2, "fail_error_code": 65, "fail_message": "MDM busy"})
    expect_error("fail_next 1/2 -> 500 with the configured errorCode/message",
                 lambda: C.get("/api/types/System/instances"), 500, 65, "MDM busy")
    expect_error("fail_next 2/2", lambda: C.get("/api/types/StoragePool/instances"), 500, 65)
    R.check("after N failures requests succeed again", len(C.get("/api/types/System/instances")) == 1)
    vid = create("faulty", GB_KB)
    ctl("POST", "/fault", {"fail_next": 1, "fail_match": "addMappedSdc", "fail_error_code": None,
                           "fail_message": None})
    C.get("/api/types/Volume/instances")
    expect_error("fail_match addMappedSdc: other calls pass, the map fails (default INJECTED code 1)",
                 lambda: map_to(vid, host), 500, 1)
    R.check("... and nothing was mapped", vol(vid)["mappedSdcInfo"] is None)
    ctl("POST", "/fault", {"fail_next": 1, "fail_match": None, "fail_status": 503})
    expect_error("fail_status 503", lambda: C.get("/api/types/System/instances"), 503)
    ctl("POST", "/fault", {"fail_status": 500, "delay": {"addMappedSdc": 1.0}})
    t0 = time.monotonic()
    map_to(vid, host)
    took = time.monotonic() - t0
    R.check("slow addMappedSdc: takes >= 1 s, then succeeds", took >= 1.0 and is_block_device(link_of(vid)), took)
    t0 = time.monotonic()
    C.get("/api/types/System/instances")
    R.check("... other calls are not slowed", time.monotonic() - t0 < 0.5)
    unmap(vid, host)
    ctl("POST", "/fault", {"delay": {"addMappedSdc": 0, "removeVolume": 1.0}})
    first = {}
    t = threading.Thread(target=lambda: first.update(r=GatewayClient(EMU.url, "admin", "Scaleio123").post(
        "/api/instances/Volume::%s/action/removeVolume" % vid, {"removeMode": "ONLY_ME"})))
    t.start()
    time.sleep(0.3)
    expect_error("second removeVolume during a slow removal -> 'A volume removal operation is currently in progress'",
                 lambda: remove(vid), 500, None, "A volume removal operation is currently in progress")
    t.join(5)
    R.check("the slow removal completes", "r" in first and vid not in [x["id"] for x in
                                                                    C.get("/api/types/Volume/instances")])
    ctl("POST", "/fault", {"fail_sdc_list": True})
    sysid = EMU.info["system_id"]
    expect_error("fail_sdc_list: System/relationships/Sdc -> 500",
                 lambda: C.get("/api/instances/System::%s/relationships/Sdc" % sysid), 500)
    expect_error("fail_sdc_list: /api/types/Sdc/instances -> 500", lambda: C.get("/api/types/Sdc/instances"), 500)
    ctl("POST", "/fault", {"fail_sdc_list": False, "unavailable": True})
    expect_error("unavailable: 503 gateway cannot reach the MDM", lambda: C.get("/api/types/System/instances"), 503)
    st = ctl("DELETE", "/fault")
    R.check("DELETE /_emulator/fault clears everything",
            not st["unavailable"] and not st["delay"] and not st["fail_sdc_list"] and st["fail_next"] == 0, st)
    calls = ctl("GET", "/calls")
    R.check("call counts per action (addMappedSdc 2, removeVolume 2)",
            calls["actions"].get("addMappedSdc") == 2 and calls["actions"].get("removeVolume") == 2, calls)
    R.check("call counts per path with ids folded",
            calls["calls"].get("POST /api/instances/Volume::{id}/action/addMappedSdc") == 2
            and calls["calls"].get("GET /api/types/System/instances", 0) >= 4, calls["calls"])
    reqs = ctl("GET", "/requests")
    last_map = [r for r in reqs if r["call"].endswith("addMappedSdc")][-1]
    R.check("request log keeps Accept, Content-Type, the Basic user name, body and status",
            last_map["accept"] == "application/json;version=2.0"
            and last_map["content_type"] == "application/json;version=2.0" and last_map["auth_user"] == ""
            and json.loads(last_map["body"])["sdcId"] == host and last_map["status"] == 200, last_map)
    ctl("POST", "/errors", {"NOT_FOUND": {"httpStatusCode": 404}})
    expect_error("error table override: queryIdByKey 'Not found' as 404 (some builds)",
                 lambda: C.post("/api/types/Volume/instances/action/queryIdByKey", {"name": "nope"}), 404, 3,
                 "Not found")
    ctl("POST", "/errors", {"NOT_FOUND": {"httpStatusCode": 500}})
    state = ctl("GET", "/state")
    R.check("state dump: system, PDs, pools, SDCs, volumes, devices, tokens, faults, calls",
            all(k in state for k in ("system", "protectionDomains", "storagePools", "sdcs", "volumes", "vtrees",
                                     "devices", "tokens", "faults", "calls")), sorted(state))
    try:
        ctl("POST", "/fault", {"no_such_fault": 1})
        ok = False
    except Exception as e:  # noqa: BLE001 - urllib HTTPError 400
        ok = "400" in str(e)
    R.check("unknown fault setting -> 400 from the control API", ok)


def curl_client():
    """Another client than ours: plain curl, with the headers exactly as the spec shows them."""
    url, info = EMU.url, EMU.info
    ver = ["-H", "Accept: application/json;version=2.0"]
    post = ver + ["-H", "Content-Type: application/json;version=2.0", "-X", "POST"]

    def curl(*args):
        p = subprocess.run(["curl", "-sS", "--noproxy", "*", "-w", "\n%{http_code}"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        body, _, code = p.stdout.rpartition("\n")
        return int(code or 0), json.loads(body) if body else None

    st, token = curl("--user", "%s:%s" % (info["user"], info["password"]), url + "/login")
    R.check("curl: GET /api/login --user admin:Scaleio123 -> token", st == 200 and isinstance(token, str), token)
    st, token2 = curl("-H", "Authorization: Basic YWRtaW46U2NhbGVpbzEyMw==", url + "/login")
    R.check("curl: the spec's literal header (Basic YWRtaW46U2NhbGVpbzEyMw==) logs in", st == 200, token2)
    auth = ["-H", "Authorization: Basic " + base64.b64encode((":" + token).encode()).decode()]
    st, v = curl(*(auth + [url + "/version"]))
    R.check("curl: GET /api/version -> \"2.0\"", st == 200 and v == "2.0", v)
    st, systems = curl(*(auth + ver + [url + "/types/System/instances"]))
    sysobj = systems[0]
    base = url[: -len("/api")]
    pd_href = GatewayClient.link(sysobj, "/api/System/relationship/ProtectionDomain")
    st, pds = curl(*(auth + ver + [base + pd_href]))
    pool_href = GatewayClient.link(pds[0], "/api/ProtectionDomain/relationship/StoragePool")
    st, pools = curl(*(auth + ver + [base + pool_href]))
    R.check("curl: system -> PD -> pools by following links", st == 200 and pools[0]["name"] == "pool1", pools)
    body = json.dumps({"protectionDomainId": pds[0]["id"], "storagePoolId": pools[0]["id"],
                       "volumeType": "ThinProvisioned", "volumeSizeInKb": "8388608", "name": "curl01"})
    st, created = curl(*(auth + post + ["-d", body, url + "/types/Volume/instances"]))
    R.check("curl: create volume -> {\"id\": ...}", st == 200 and len(created.get("id", "")) == 16, created)
    vid = created["id"]
    st, qid = curl(*(auth + post + ["-d", '{"name":"curl01"}', url + "/types/Volume/instances/action/queryIdByKey"]))
    R.check("curl: queryIdByKey", st == 200 and qid == vid, qid)
    st, qid = curl(*(auth + post + ["-H", "Transfer-Encoding: chunked", "-d", '{"name":"curl01"}',
                                    url + "/types/Volume/instances/action/queryIdByKey"]))
    R.check("curl: a chunked request body is read", st == 200 and qid == vid, qid)
    st, out = curl(*(auth + post + ["-d", '{"sdcId":"%s","allowMultipleMappings":"false"}' % info["host_sdc_id"],
                                    url + "/instances/Volume::%s/action/addMappedSdc" % vid]))
    R.check("curl: addMappedSdc -> 200, empty body, device here",
            st == 200 and out is None and is_block_device(link_of(vid)), (st, out))
    st, v = curl(*(auth + ver + [url + "/instances/Volume::%s" % vid]))
    R.check("curl: GET the volume shows the mapping",
            st == 200 and v["mappedSdcInfo"][0]["sdcId"] == info["host_sdc_id"], v)
    st, out = curl(*(auth + post + ["-d", '{"sdcId":"%s","ignoreScsiInitiators":"true"}' % info["host_sdc_id"],
                                    url + "/instances/Volume::%s/action/removeMappedSdc" % vid]))
    R.check("curl: removeMappedSdc -> 200, device gone", st == 200 and not os.path.lexists(link_of(vid)), st)
    self_href = GatewayClient.link(v, "self")
    st, out = curl(*(auth + post + ["-d", '{"removeMode":"ONLY_ME"}', base + self_href + "/action/removeVolume"]))
    R.check("curl: removeVolume via the self link -> 200", st == 200 and out is None, (st, out))
    st, err = curl(*(auth + ver + [url + "/instances/Volume::%s" % vid]))
    R.check("curl: the removed volume -> 500 errorCode 79", st == 500 and err["errorCode"] == 79, err)


def loopback_only():
    R.check("listens on 127.0.0.1", EMU.server.server_address[0] == "127.0.0.1", EMU.server.server_address)
    try:
        addrs = subprocess.run(["hostname", "-I"], stdout=subprocess.PIPE, text=True).stdout.split()
    except OSError:
        addrs = []
    other = next((a for a in addrs if ":" not in a and not a.startswith("127.")), None)
    if other is None:
        R.check("not reachable on a non-loopback address (none on this host)", True)
        return
    try:
        socket.create_connection((other, EMU.info["port"]), timeout=2).close()
        reached = True
    except OSError:
        reached = False
    R.check("not reachable on %s" % other, not reached)


def https_subprocess():
    guid = "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9"
    st_dir, dev = os.path.join(TMP, "https-state"), os.path.join(TMP, "https-by-id")
    p = EmulatorProcess(st_dir, dev, https=True, host_guid=guid)
    LIVE.append(p)
    p.start()
    info = p.info
    R.check("CLI: ready file written, same JSON as the stdout line", json.loads(p.stdout_line) == info)
    R.check("CLI: https url on 127.0.0.1 with a free port",
            info["url"].startswith("https://127.0.0.1:") and info["url"].endswith("/api") and info["port"] > 0, info)
    R.check("CLI: ready info has the contract's keys",
            all(k in info for k in ("url", "system_id", "system_name", "host_sdc_id", "host_guid", "other_sdc_id",
                                    "protection_domains", "storage_pools", "user", "password", "cert")), info)
    R.check("CLI: --host-guid upper-cased in the ready info", info["host_guid"] == guid.upper())
    R.check("CLI: user admin / password Scaleio123", (info["user"], info["password"]) == ("admin", "Scaleio123"))
    R.check("self-signed certificate file exists", info["cert"] and os.path.exists(info["cert"]))

    def curl(*args):
        return subprocess.run(["curl", "-sS", "--noproxy", "*"] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=30)

    r = curl("-k", "--user", "admin:Scaleio123", info["url"] + "/login")
    R.check("curl -k: login over HTTPS", r.returncode == 0 and json.loads(r.stdout), r.stderr)
    token = json.loads(r.stdout)
    r2 = curl("--cacert", info["cert"], "--user", "admin:Scaleio123", info["url"] + "/login")
    R.check("curl --cacert: the certificate verifies for 127.0.0.1", r2.returncode == 0, r2.stderr)
    r3 = curl("--user", "admin:Scaleio123", info["url"] + "/login")
    R.check("curl without -k refuses the self-signed certificate", r3.returncode == 60, r3.returncode)
    c = GatewayClient(info["url"], "admin", "Scaleio123")        # unverified context (the driver's insecure path)
    c.login()
    sdcs = c.get("/api/types/Sdc/instances")
    R.check("http.client + unverified SSL context: login and list SDCs; GUID from --host-guid",
            any(s["sdcGuid"] == guid.upper() and s["id"] == info["host_sdc_id"] for s in sdcs), sdcs)
    cv = GatewayClient(info["url"], "admin", "Scaleio123", cafile=info["cert"])
    R.check("http.client verifying against the emitted cert", cv.get("/api/version") == "2.0")
    R.check("curl's token works from Python", GatewayClient(info["url"], "", "").raw(
        "GET", "/api/version", headers={"Authorization": basic("", token)})[0] == 200)
    r = subprocess.run([info["drv_cfg"], "--query_guid"], stdout=subprocess.PIPE, text=True,
                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    R.check("<state-dir>/drv_cfg --query_guid prints the host GUID (no env needed)",
            r.returncode == 0 and r.stdout.strip() == guid, r.stdout)
    pool = info["storage_pools"][0]
    vid = c.post("/api/types/Volume/instances", {"protectionDomainId": pool["protection_domain_id"],
                                                 "storagePoolId": pool["id"], "volumeType": "ThinProvisioned",
                                                 "volumeSizeInKb": "1048576", "name": "https01"})["id"]
    c.post("/api/instances/Volume::%s/action/addMappedSdc" % vid,
           {"sdcId": info["host_sdc_id"], "allowMultipleMappings": "false"})
    link = link_of(vid, dev, info["system_id"])
    backing = os.path.join(st_dir, "backing", vid + ".img")
    R.check("subprocess: mapped volume appears under its --device-root", is_block_device(link))
    rc = p.stop(signal.SIGTERM)
    R.check("SIGTERM: exit status 0", rc == 0, rc)
    R.check("SIGTERM: link and loop device removed", not os.path.lexists(link) and not loops_of(backing),
            loop_backing_files())
    R.check("SIGTERM: ready file, drv_cfg link and certificate removed",
            not os.path.exists(p.ready_file) and not os.path.lexists(info["drv_cfg"])
            and not os.path.exists(info["cert"]))


def sigint_subprocess():
    st_dir, dev = os.path.join(TMP, "sigint-state"), os.path.join(TMP, "sigint-by-id")
    p = EmulatorProcess(st_dir, dev, extra_args=["--delay", "addMappedSdc=0.2", "--token-idle", "300"])
    LIVE.append(p)
    p.start()
    c = GatewayClient(p.info["url"], "admin", "Scaleio123")
    pool = p.info["storage_pools"][-1]
    vid = c.post("/api/types/Volume/instances", {"storagePoolId": pool["id"], "volumeSizeInKb": "1"})["id"]
    t0 = time.monotonic()
    c.post("/api/instances/Volume::%s/action/addMappedSdc" % vid, {"sdcId": p.info["host_sdc_id"]})
    R.check("CLI --delay addMappedSdc=0.2 applies", time.monotonic() - t0 >= 0.2)
    R.check("CLI --token-idle shows in the fault state", p.control("GET", "/fault")["tokens"]["idle"] == 300)
    R.check("an unnamed volume has name null", c.get("/api/instances/Volume::%s" % vid)["name"] is None)
    link = link_of(vid, dev, p.info["system_id"])
    R.check("subprocess (HTTP): mapped volume appears", is_block_device(link))
    rc = p.stop(signal.SIGINT)
    R.check("SIGINT: exit status 0 and nothing left (link, loop device)",
            rc == 0 and not os.path.lexists(link)
            and not loops_of(os.path.join(st_dir, "backing", vid + ".img")), rc)
    bad = subprocess.run([sys.executable, os.path.join(HERE, "server.py"), "--state-dir", st_dir,
                          "--seed", os.path.join(TMP, "missing.json")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, timeout=30)
    R.check("CLI: a missing seed file is an error exit with a message",
            bad.returncode == 1 and "missing.json" in bad.stderr, bad.stderr)


def drv_cfg():
    script = os.path.join(HERE, "drv_cfg")
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def run(args, env):
        return subprocess.run([script] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    R.check("drv_cfg is executable", os.access(script, os.X_OK))
    r = run(["--query_guid"], dict(base, SCALEIO_GUID="11111111-2222-3333-4444-555555555555"))
    R.check("drv_cfg --query_guid with SCALEIO_GUID prints it",
            r.returncode == 0 and r.stdout == "11111111-2222-3333-4444-555555555555\n", r)
    f = os.path.join(TMP, "guid.txt")
    with open(f, "w") as fh:
        fh.write("AAAABBBB-CCCC-DDDD-EEEE-FFFF00001111\n")
    r = run(["--query_guid"], dict(base, SCALEIO_GUID_FILE=f))
    R.check("drv_cfg --query_guid with SCALEIO_GUID_FILE", r.stdout.strip() == "AAAABBBB-CCCC-DDDD-EEEE-FFFF00001111")
    r = run(["--query_guid"], dict(base, SCALEIO_GUID_FILE=os.path.join(TMP, "none")))
    R.check("drv_cfg without a GUID source: exit 1 with a message", r.returncode == 1 and r.stderr, r)
    for args in ([], ["--query_vols"], ["--query_guid", "extra"]):
        r = run(args, dict(base, SCALEIO_GUID="x"))
        R.check("drv_cfg %s: error exit" % (" ".join(args) or "(no args)"), r.returncode == 1 and r.stderr, r)
    r = subprocess.run([EMU.info["drv_cfg"], "--query_guid"], stdout=subprocess.PIPE, text=True, env=base)
    R.check("in-process emulator: <state-dir>/drv_cfg reports the seed's host GUID",
            r.stdout.strip() == EMU.info["host_guid"], r.stdout)


def nothing_left():
    EMU.stop()
    R.check("stop(): no loop device backed by a file of ours",
            not [d for d, b in loop_backing_files().items() if b.startswith(TMP + "/")], loop_backing_files())
    links = [n for d in (DEVROOT, os.path.join(TMP, "https-by-id"), os.path.join(TMP, "sigint-by-id"))
             if os.path.isdir(d) for n in os.listdir(d)]
    R.check("stop(): no emc-vol link left in any device root", not links, links)
    R.check("stop(): backing files removed", not os.path.exists(os.path.join(STATE, "backing")))


def main():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    if os.geteuid() != 0:
        diag("needs root (loop devices)")
        return 1
    try:
        start_main()
        for fn in (auth_and_version, token_expiry, discovery, volumes, mappings, snapshots, faults,
                   curl_client, loopback_only, drv_cfg, https_subprocess, sigint_subprocess, nothing_left):
            section(fn)
    except SystemExit as e:
        R.check("the run completes", False, "interrupted (exit %s)" % e.code)
    finally:
        for x in LIVE:
            try:
                x.stop()
            except Exception as e:  # noqa: BLE001
                diag("cleanup: %s" % e)
        detach_loops_backed_by(TMP, diag)
        shutil.rmtree(TMP, ignore_errors=True)
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())
