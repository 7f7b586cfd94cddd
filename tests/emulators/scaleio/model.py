"""The gateway's objects and operations, in memory: one system, its protection
domains and storage pools, SDCs, volumes (snapshots are volumes with an
ancestorVolumeId), VTrees and mappings.  Renders objects with the field names
and `links` of specs/scaleio-rest.md; raises GatewayError for every failure.

All state is behind one lock.  Mapping to the SDC marked "thisHost" also
exposes the volume through `devices` (a HostDevices), when one is set.
"""

import json
import os
import re
import threading
import time

KB_PER_GB = 1024 * 1024
GRANULARITY_KB = 8 * KB_PER_GB      # every volume is a multiple of 8 GiB
MAX_NAME = 31
VOLUME_TYPES = ("ThinProvisioned", "ThickProvisioned")
REMOVE_MODES = ("ONLY_ME", "INCLUDING_DESCENDANTS", "DESCENDANTS_ONLY", "WHOLE_VTREE")
TYPES = ("System", "ProtectionDomain", "StoragePool", "Volume", "Sdc", "VTree")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")


def round_up_kb(kb):
    return -(-kb // GRANULARITY_KB) * GRANULARITY_KB


def _inst(typ, oid):
    return "/api/instances/%s::%s" % (typ, oid)


def _link(rel, href):
    return {"rel": rel, "href": href}


def _rel(typ, oid, rel):
    return _link("/api/%s/relationship/%s" % (typ, rel), "%s/relationships/%s" % (_inst(typ, oid), rel))


def _parent(field, typ, oid):
    return _link("/api/parent/relationship/" + field, _inst(typ, oid))


def load_seed(path=None):
    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), "default_seed.json")
    with open(path) as f:
        return json.load(f)


class Model:
    def __init__(self, seed, errors, host_guid=None):
        self.lock = threading.RLock()
        self.errors = errors
        self.devices = None
        self._load(seed, host_guid)
        self.volumes = {}          # id -> internal volume dict (insertion ordered)
        self.vtrees = {}           # id -> {"id", "baseVolumeId", "storagePoolId"}
        self._prefixes = {k: os.urandom(4).hex() for k in ("vol", "vtree", "group")}
        self._counter = 0

    # ---- seed
    def _load(self, seed, host_guid):
        def hexid(obj, what):
            oid = str(obj.get("id", ""))
            if not _HEX16.match(oid):
                raise ValueError("seed: %s id %r is not 16 lower-case hex digits" % (what, oid))
            return oid

        sysd = seed.get("system") or {}
        self.system = {"id": hexid(sysd, "system"), "name": sysd.get("name"),
                       "systemVersionName": sysd.get("systemVersionName", "DellEMC ScaleIO Version: R2_6.0.133")}
        self.pds, self.pools, self.sdcs = {}, {}, {}
        for pd in seed.get("protectionDomains") or []:
            pid = hexid(pd, "protection domain")
            self.pds[pid] = {"id": pid, "name": pd.get("name")}
            for sp in pd.get("storagePools") or []:
                spid = hexid(sp, "storage pool")
                self.pools[spid] = {"id": spid, "name": sp.get("name"), "protectionDomainId": pid,
                                    "capacityInKb": int(sp.get("capacityInKb", 1 << 30))}
        if not self.pools:
            raise ValueError("seed: at least one protection domain with a storage pool is needed")
        self.host_sdc_id = None
        for sdc in seed.get("sdcs") or []:
            sid = hexid(sdc, "SDC")
            guid = str(sdc.get("sdcGuid", ""))
            if sdc.get("thisHost"):
                if self.host_sdc_id is not None:
                    raise ValueError("seed: more than one SDC is marked thisHost")
                self.host_sdc_id = sid
                if host_guid:
                    guid = host_guid
            self.sdcs[sid] = {"id": sid, "name": sdc.get("name"), "sdcGuid": guid.upper(),
                              "sdcIp": sdc.get("sdcIp", "10.0.0.%d" % (len(self.sdcs) + 11))}
        if self.host_sdc_id is None:
            raise ValueError("seed: one SDC must be marked thisHost")

    def _new_id(self, kind):
        self._counter += 1
        return "%s%08x" % (self._prefixes[kind], self._counter)

    # ---- rendering
    def system_json(self):
        s = self.system
        return {"id": s["id"], "name": s["name"], "systemVersionName": s["systemVersionName"],
                "links": [_link("self", _inst("System", s["id"])),
                          _rel("System", s["id"], "ProtectionDomain"),
                          _rel("System", s["id"], "Sdc")]}

    def pd_json(self, pd):
        return {"id": pd["id"], "name": pd["name"], "systemId": self.system["id"],
                "protectionDomainState": "Active",
                "links": [_link("self", _inst("ProtectionDomain", pd["id"])),
                          _parent("systemId", "System", self.system["id"]),
                          _rel("ProtectionDomain", pd["id"], "StoragePool")]}

    def pool_json(self, sp):
        return {"id": sp["id"], "name": sp["name"], "protectionDomainId": sp["protectionDomainId"],
                "links": [_link("self", _inst("StoragePool", sp["id"])),
                          _parent("protectionDomainId", "ProtectionDomain", sp["protectionDomainId"]),
                          _rel("StoragePool", sp["id"], "Volume")]}

    def sdc_json(self, sdc):
        return {"id": sdc["id"], "name": sdc["name"], "sdcGuid": sdc["sdcGuid"], "sdcIp": sdc["sdcIp"],
                "sdcApproved": True, "mdmConnectionState": "Connected", "systemId": self.system["id"],
                "links": [_link("self", _inst("Sdc", sdc["id"])),
                          _parent("systemId", "System", self.system["id"]),
                          _rel("Sdc", sdc["id"], "Volume")]}

    def volume_json(self, v):
        maps = [{"sdcId": m["sdcId"], "sdcIp": self.sdcs[m["sdcId"]]["sdcIp"],
                 "limitIops": m["limitIops"], "limitBwInMbps": m["limitBwInMbps"]} for m in v["mapped"]]
        return {"id": v["id"], "name": v["name"], "sizeInKb": v["sizeInKb"], "storagePoolId": v["storagePoolId"],
                "volumeType": v["volumeType"], "ancestorVolumeId": v["ancestorVolumeId"],
                "consistencyGroupId": v["consistencyGroupId"], "vtreeId": v["vtreeId"],
                "creationTime": v["creationTime"], "mappingToAllSdcsEnabled": False, "useRmcache": False,
                "isObfuscated": False, "mappedSdcInfo": maps or None,
                "links": [_link("self", _inst("Volume", v["id"])),
                          _rel("Volume", v["id"], "Statistics"),
                          _parent("vtreeId", "VTree", v["vtreeId"]),
                          _parent("storagePoolId", "StoragePool", v["storagePoolId"])]}

    def vtree_json(self, t):
        return {"id": t["id"], "name": None, "baseVolumeId": t["baseVolumeId"], "storagePoolId": t["storagePoolId"],
                "links": [_link("self", _inst("VTree", t["id"])),
                          _rel("VTree", t["id"], "Volume"),
                          _parent("storagePoolId", "StoragePool", t["storagePoolId"])]}

    # ---- lookups
    def _get(self, typ, oid):
        table, key = {"System": ({self.system["id"]: self.system}, "SYSTEM_NOT_FOUND"),
                      "ProtectionDomain": (self.pds, "PD_NOT_FOUND"),
                      "StoragePool": (self.pools, "POOL_NOT_FOUND"),
                      "Volume": (self.volumes, "VOLUME_NOT_FOUND"),
                      "Sdc": (self.sdcs, "SDC_NOT_FOUND"),
                      "VTree": (self.vtrees, "VTREE_NOT_FOUND")}[typ]
        obj = table.get(oid)
        if obj is None:
            raise self.errors.error(key)
        return obj

    def _render(self, typ, obj):
        return {"System": lambda o: self.system_json(), "ProtectionDomain": self.pd_json,
                "StoragePool": self.pool_json, "Volume": self.volume_json, "Sdc": self.sdc_json,
                "VTree": self.vtree_json}[typ](obj)

    def list_type(self, typ):
        with self.lock:
            objs = {"System": [self.system], "ProtectionDomain": self.pds.values(),
                    "StoragePool": self.pools.values(), "Volume": self.volumes.values(),
                    "Sdc": self.sdcs.values(), "VTree": self.vtrees.values()}[typ]
            return [self._render(typ, o) for o in objs]

    def get_instance(self, typ, oid):
        with self.lock:
            return self._render(typ, self._get(typ, oid))

    def relationship(self, typ, oid, rel):
        """The objects behind a relationship link, or None when typ has no such relationship."""
        with self.lock:
            obj = self._get(typ, oid)
            if (typ, rel) == ("System", "ProtectionDomain"):
                return [self.pd_json(p) for p in self.pds.values()]
            if (typ, rel) == ("System", "Sdc"):
                return [self.sdc_json(s) for s in self.sdcs.values()]
            if (typ, rel) == ("ProtectionDomain", "StoragePool"):
                return [self.pool_json(p) for p in self.pools.values() if p["protectionDomainId"] == oid]
            if (typ, rel) == ("StoragePool", "Volume"):
                return [self.volume_json(v) for v in self.volumes.values() if v["storagePoolId"] == oid]
            if (typ, rel) == ("Sdc", "Volume"):
                return [self.volume_json(v) for v in self.volumes.values()
                        if any(m["sdcId"] == oid for m in v["mapped"])]
            if (typ, rel) == ("VTree", "Volume"):
                return [self.volume_json(v) for v in self.volumes.values() if v["vtreeId"] == oid]
            if (typ, rel) == ("Volume", "Statistics"):
                return {"numOfMappedSdcs": len(obj["mapped"]),
                        "numOfChildVolumes": len(self._children(oid)),
                        "numOfDescendantVolumes": len(self._descendants(oid))}
            return None

    # ---- parameter parsing (values arrive as strings; numbers and booleans are accepted too)
    def _param(self, body, key, required=True):
        val = body.get(key)
        if val is None and required:
            raise self.errors.error("BAD_PARAMETER", "%s is required" % key)
        return val

    def _int(self, body, key, required=True):
        val = self._param(body, key, required)
        if val is None:
            return None
        try:
            if isinstance(val, bool):
                raise ValueError
            return int(str(val).strip())
        except ValueError:
            raise self.errors.error("BAD_PARAMETER", "%s must be an integer, got %r" % (key, val))

    def _bool(self, body, key, default=False):
        val = body.get(key)
        if val is None:
            return default
        if isinstance(val, bool):
            return val
        if str(val).lower() in ("true", "false"):
            return str(val).lower() == "true"
        raise self.errors.error("BAD_PARAMETER", "%s must be true or false, got %r" % (key, val))

    def _check_name(self, name, taken=()):
        if name is None or name == "":
            return None
        if not isinstance(name, str):
            raise self.errors.error("BAD_PARAMETER", "the name must be a string")
        if len(name) > MAX_NAME:
            raise self.errors.error("NAME_TOO_LONG")
        if name in taken or any(v["name"] == name for v in self.volumes.values()):
            raise self.errors.error("NAME_IN_USE")
        return name

    def _sdc_of(self, body):
        """The SDC named by sdcId (or guid) in an action body."""
        if body.get("sdcId") is None and body.get("guid") is not None:
            for s in self.sdcs.values():
                if s["sdcGuid"] == str(body["guid"]).upper():
                    return s
            raise self.errors.error("SDC_NOT_FOUND")
        return self._get("Sdc", str(self._param(body, "sdcId")))

    # ---- volumes
    def _thick_used(self, pool_id):
        return sum(v["sizeInKb"] for v in self.volumes.values()
                   if v["storagePoolId"] == pool_id and v["volumeType"] == "ThickProvisioned")

    def _check_capacity(self, pool, vtype, kb, already=0):
        cap = pool["capacityInKb"]
        if kb > cap or (vtype == "ThickProvisioned" and self._thick_used(pool["id"]) - already + kb > cap):
            raise self.errors.error("NO_CAPACITY")

    def _add_volume(self, name, size_kb, pool_id, vtype, ancestor=None, vtree=None, group=None):
        vid = self._new_id("vol")
        if vtree is None:
            vtree = self._new_id("vtree")
            self.vtrees[vtree] = {"id": vtree, "baseVolumeId": vid, "storagePoolId": pool_id}
        self.volumes[vid] = {"id": vid, "name": name, "sizeInKb": size_kb, "storagePoolId": pool_id,
                             "volumeType": vtype, "ancestorVolumeId": ancestor, "consistencyGroupId": group,
                             "vtreeId": vtree, "creationTime": int(time.time()), "mapped": [], "removing": False}
        return self.volumes[vid]

    def create_volume(self, body):
        with self.lock:
            pool = self._get("StoragePool", str(self._param(body, "storagePoolId")))
            pd_id = body.get("protectionDomainId")
            if pd_id is not None:
                self._get("ProtectionDomain", str(pd_id))
                if pool["protectionDomainId"] != pd_id:
                    raise self.errors.error("POOL_NOT_IN_PD")
            size = self._int(body, "volumeSizeInKb")
            if size <= 0:
                raise self.errors.error("BAD_SIZE")
            vtype = body.get("volumeType") or "ThinProvisioned"
            if vtype not in VOLUME_TYPES:
                raise self.errors.error("BAD_VOLUME_TYPE")
            name = self._check_name(body.get("name"))
            size = round_up_kb(size)
            self._check_capacity(pool, vtype, size)
            return {"id": self._add_volume(name, size, pool["id"], vtype)["id"]}

    def query_id_by_key(self, body):
        name = self._param(body, "name")
        with self.lock:
            for v in self.volumes.values():
                if v["name"] == name:
                    return v["id"]
        raise self.errors.error("NOT_FOUND")

    def _children(self, vid):
        return [v for v in self.volumes.values() if v["ancestorVolumeId"] == vid]

    def _descendants(self, vid):
        out, todo = [], [vid]
        while todo:
            for c in self._children(todo.pop()):
                out.append(c)
                todo.append(c["id"])
        return out

    def remove_volume(self, vid, body, delay=0.0):
        """Removal takes `delay` seconds (a fault); meanwhile the volumes are marked
        `removing` and a second removal gets REMOVAL_IN_PROGRESS."""
        with self.lock:
            v = self._get("Volume", vid)
            mode = body.get("removeMode")
            if mode not in REMOVE_MODES:
                raise self.errors.error("BAD_REMOVE_MODE")
            victims = {"ONLY_ME": [v], "INCLUDING_DESCENDANTS": [v] + self._descendants(vid),
                       "DESCENDANTS_ONLY": self._descendants(vid),
                       "WHOLE_VTREE": [x for x in self.volumes.values() if x["vtreeId"] == v["vtreeId"]]}[mode]
            if any(x["removing"] for x in victims):
                raise self.errors.error("REMOVAL_IN_PROGRESS")
            if any(x["mapped"] for x in victims):
                raise self.errors.error("VOLUME_MAPPED")
            for x in victims:
                x["removing"] = True
        if delay > 0:
            time.sleep(delay)
        with self.lock:
            for x in victims:
                self.volumes.pop(x["id"], None)
                if self.devices is not None:
                    self.devices.remove_backing(x["id"])
            for tid in {x["vtreeId"] for x in victims}:
                if not any(y["vtreeId"] == tid for y in self.volumes.values()):
                    self.vtrees.pop(tid, None)

    def add_mapped_sdc(self, vid, body):
        with self.lock:
            v = self._get("Volume", vid)
            if v["removing"]:
                raise self.errors.error("REMOVAL_IN_PROGRESS")
            sdc = self._sdc_of(body)
            multiple = self._bool(body, "allowMultipleMappings")
            if any(m["sdcId"] == sdc["id"] for m in v["mapped"]):
                raise self.errors.error("ALREADY_MAPPED")
            if v["mapped"] and not multiple:
                raise self.errors.error("MAPPED_ELSEWHERE")
            if sdc["id"] == self.host_sdc_id and self.devices is not None:
                try:
                    self.devices.attach(vid, v["sizeInKb"] * 1024)
                except Exception as e:  # noqa: BLE001 - the map fails as a whole
                    raise self.errors.error("DEVICE_FAILED", str(e))
            v["mapped"].append({"sdcId": sdc["id"], "limitIops": 0, "limitBwInMbps": 0})

    def remove_mapped_sdc(self, vid, body):
        with self.lock:
            v = self._get("Volume", vid)
            if self._bool(body, "allSdcs"):
                gone = list(v["mapped"])
            else:
                sdc = self._sdc_of(body)
                gone = [m for m in v["mapped"] if m["sdcId"] == sdc["id"]]
            if not gone:
                raise self.errors.error("NOT_MAPPED")
            v["mapped"] = [m for m in v["mapped"] if m not in gone]
            if self.devices is not None and any(m["sdcId"] == self.host_sdc_id for m in gone):
                self.devices.detach(vid)

    def set_mapped_sdc_limits(self, vid, body):
        with self.lock:
            v = self._get("Volume", vid)
            sdc = self._sdc_of(body)
            m = next((m for m in v["mapped"] if m["sdcId"] == sdc["id"]), None)
            if m is None:
                raise self.errors.error("NOT_MAPPED")
            iops = self._int(body, "iopsLimit", required=False)
            bw = self._int(body, "bandwidthLimitInKbps", required=False)
            if (iops is not None and iops < 0) or (bw is not None and bw < 0):
                raise self.errors.error("BAD_PARAMETER", "limits must not be negative")
            if iops is not None:
                m["limitIops"] = iops
            if bw is not None:
                m["limitBwInMbps"] = bw // 1024

    def set_volume_size(self, vid, body):
        with self.lock:
            v = self._get("Volume", vid)
            gb = self._int(body, "sizeInGB")
            if gb <= 0:
                raise self.errors.error("BAD_SIZE")
            kb = round_up_kb(gb * KB_PER_GB)
            if kb < v["sizeInKb"]:
                raise self.errors.error("SHRINK")
            pool = self.pools[v["storagePoolId"]]
            self._check_capacity(pool, v["volumeType"], kb,
                                 already=v["sizeInKb"] if v["volumeType"] == "ThickProvisioned" else 0)
            v["sizeInKb"] = kb
            if self.devices is not None:
                self.devices.resize(vid, kb * 1024)

    def set_volume_name(self, vid, body):
        with self.lock:
            v = self._get("Volume", vid)
            new = self._param(body, "newName")
            if new == v["name"]:
                return
            v["name"] = self._check_name(new)

    def snapshot_volumes(self, system_id, body):
        with self.lock:
            if system_id is not None:
                self._get("System", system_id)
            defs = body.get("snapshotDefs")
            if not isinstance(defs, list) or not defs:
                raise self.errors.error("BAD_PARAMETER", "snapshotDefs must be a non-empty list")
            plan, names = [], []
            for d in defs:
                if not isinstance(d, dict):
                    raise self.errors.error("BAD_PARAMETER", "each snapshotDef must be an object")
                src = self._get("Volume", str(self._param(d, "volumeId")))
                name = self._check_name(d.get("snapshotName"), taken=names)
                if name:
                    names.append(name)
                plan.append((src, name))
            group = self._new_id("group")
            ids = []
            for src, name in plan:
                snap = self._add_volume(name, src["sizeInKb"], src["storagePoolId"], "Snapshot",
                                        ancestor=src["id"], vtree=src["vtreeId"], group=group)
                if self.devices is not None:
                    self.devices.copy_backing(src["id"], snap["id"])
                ids.append(snap["id"])
            return {"volumeIdList": ids, "snapshotGroupId": group}

    VOLUME_ACTIONS = ("addMappedSdc", "removeMappedSdc", "removeVolume", "setMappedSdcLimits",
                      "setVolumeSize", "setVolumeName")

    def volume_action(self, vid, action, body, delay=0.0):
        """Returns the JSON result or None (empty 200); None for unknown actions is
        never reached: the handler checks VOLUME_ACTIONS first."""
        if action == "removeVolume":
            return self.remove_volume(vid, body, delay)
        return {"addMappedSdc": self.add_mapped_sdc, "removeMappedSdc": self.remove_mapped_sdc,
                "setMappedSdcLimits": self.set_mapped_sdc_limits, "setVolumeSize": self.set_volume_size,
                "setVolumeName": self.set_volume_name}[action](vid, body)

    # ---- introspection
    def dump(self):
        with self.lock:
            return {"system": self.system_json(),
                    "protectionDomains": [self.pd_json(p) for p in self.pds.values()],
                    "storagePools": [dict(self.pool_json(p), capacityInKb=p["capacityInKb"],
                                          thickCapacityInUseInKb=self._thick_used(p["id"]))
                                     for p in self.pools.values()],
                    "sdcs": [dict(self.sdc_json(s), thisHost=s["id"] == self.host_sdc_id)
                             for s in self.sdcs.values()],
                    "volumes": [self.volume_json(v) for v in self.volumes.values()],
                    "vtrees": [self.vtree_json(t) for t in self.vtrees.values()],
                    "devices": self.devices.describe() if self.devices is not None else None}
