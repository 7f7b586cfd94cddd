#!/usr/bin/python3
"""Prove the vboxweb emulator against the official VirtualBox 6.1 WSDL.

Run as root with Debian's python3-zeep:

    /usr/bin/python3 tests/emulators/vboxweb/test_wsdl_conformance.py [--wsdl PATH] [--keep] [-v]

A zeep client generated from the WSDL (service address overridden to the emulator) drives every
operation the `virtualbox` plugin may use.  zeep decodes every reply through the WSDL's schema
(strict mode), and every reply body is additionally validated with lxml against the XML Schema
embedded in the WSDL.  Device emulation (loop device + ata-VBOX_HARDDISK_VB… link) is checked to
appear and vanish, and after SIGTERM no loop device of the emulator may remain.

Prints `N passed, M failed` and exits non-zero on failure.
"""

import argparse
import copy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import server as emu_mod  # noqa: E402  (for disk_serial / default WSDL path / in-process run)

try:
    import zeep
    import zeep.exceptions
    from zeep.plugins import Plugin
    from lxml import etree
except ImportError as e:  # pragma: no cover
    print("python3-zeep is required (apt-get install -y python3-zeep): %s" % e)
    sys.exit(2)

VBOX = "http://www.virtualbox.org/"
BINDING = "{http://www.virtualbox.org/}vboxBinding"
MOR_RE = re.compile(r"^[0-9a-f]{16}-[0-9a-f]{16}$")

E_INVALIDARG = -2147024809
VBOX_E_OBJECT_NOT_FOUND = -2135228415
VBOX_E_INVALID_VM_STATE = -2135228414
VBOX_E_FILE_ERROR = -2135228412
VBOX_E_INVALID_OBJECT_STATE = -2135228409
VBOX_E_OBJECT_IN_USE = -2135228404
GiB = 1 << 30
MiB = 1 << 20

VERBOSE = False
RESULTS = {"passed": 0, "failed": 0, "failures": []}


def check(name, cond, detail=""):
    if cond:
        RESULTS["passed"] += 1
        if VERBOSE:
            print("  ok   %s" % name)
    else:
        RESULTS["failed"] += 1
        RESULTS["failures"].append("%s %s" % (name, detail))
        print("  FAIL %s %s" % (name, detail))


def section(title):
    print("== %s" % title)


# ------------------------------------------------------------------------------------------------
# Independent schema validation of every reply
# ------------------------------------------------------------------------------------------------
class SchemaValidator(Plugin):
    def __init__(self, wsdl_path):
        doc = etree.parse(wsdl_path)
        sch = doc.find("{http://schemas.xmlsoap.org/wsdl/}types/{http://www.w3.org/2001/XMLSchema}schema")
        xsd = "http://www.w3.org/2001/XMLSchema"
        root = etree.Element("{%s}schema" % xsd, nsmap={"xsd": xsd, "vbox": VBOX}, targetNamespace=VBOX)
        for child in sch:  # explicit vbox:/xsd: declarations: type="vbox:…" QNames must resolve
            root.append(copy.deepcopy(child))
        self.schema = etree.XMLSchema(etree.ElementTree(root))
        self.validated = 0
        self.errors = []
        self.ops = set()

    def ingress(self, envelope, http_headers, operation):
        body = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
        if body is None or len(body) != 1:
            self.errors.append("%s: no single Body child" % operation.name)
            return envelope, http_headers
        child = body[0]
        if child.tag == "{http://schemas.xmlsoap.org/soap/envelope/}Fault":
            det = child.find("detail")
            if det is not None and len(det):
                child = det[0]
            else:
                return envelope, http_headers
        elif child.tag != "{%s}%sResponse" % (VBOX, operation.name):
            self.errors.append("%s: unexpected response element %s" % (operation.name, child.tag))
        standalone = etree.fromstring(etree.tostring(child))
        if not self.schema.validate(standalone):
            self.errors.append("%s: %s" % (operation.name, self.schema.error_log.last_error))
        self.validated += 1
        self.ops.add(operation.name)
        return envelope, http_headers


def make_client(wsdl, endpoint, validator):
    settings = zeep.Settings(strict=True, xml_huge_tree=True)
    transport = zeep.Transport(timeout=30, operation_timeout=60)
    client = zeep.Client(wsdl, settings=settings, transport=transport, plugins=[validator])
    return client, client.create_service(BINDING, endpoint)


# ------------------------------------------------------------------------------------------------
# Fault helpers
# ------------------------------------------------------------------------------------------------
class FaultInfo:
    def __init__(self, f):
        self.message = f.message or ""
        self.code = f.code
        self.kind = None
        self.rc = None
        self.errinfo = None
        self.bad = None
        if f.detail is not None and len(f.detail):
            d = f.detail[0]
            if d.tag == "{%s}RuntimeFault" % VBOX:
                self.kind = "RuntimeFault"
                self.rc = int(d.findtext("resultCode"))
                self.errinfo = d.findtext("returnval")
            elif d.tag == "{%s}InvalidObjectFault" % VBOX:
                self.kind = "InvalidObjectFault"
                self.bad = d.findtext("badObjectID")

    def __repr__(self):
        return "<%s rc=%s bad=%s %r>" % (self.kind, self.rc, self.bad, self.message)


def fault_of(fn, *a, **kw):
    try:
        r = fn(*a, **kw)
    except zeep.exceptions.Fault as f:
        return FaultInfo(f)
    raise AssertionError("expected a fault, got %r" % (r,))


def raw_post(endpoint, body, timeout=10):
    req = urllib.request.Request(endpoint, data=body.encode(), method="POST",
                                 headers={"Content-Type": 'text/xml; charset="utf-8"', "User-Agent": "gowsdl/0.1",
                                          "Authorization": "Basic Og==", "Connection": "close"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def control(ep, path, obj=None, method="POST"):
    data = None if obj is None and method == "GET" else json.dumps(obj or {}).encode()
    req = urllib.request.Request(ep + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode())


def gorequest(inner):
    """The exact envelope style REX-Ray's Go client sends (default namespaces, qualified children)."""
    return ('<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body xmlns="http://schemas.xmlsoap.org/'
            'soap/envelope/">%s</Body></Envelope>' % inner)


def prefixed(inner):
    return ('<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:vbox="http://www.virtualbox.org/"><soapenv:Body>%s</soapenv:Body></soapenv:Envelope>' % inner)


def returnvals(xml_text, op):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(xml_text)
    el = root.find(".//{%s}%sResponse" % (VBOX, op))
    if el is None:
        return None
    return [c.text or "" for c in el if c.tag == "returnval"]


def list_loops_for(prefix):
    out = []
    for dev, backing in emu_mod.list_loops():
        if backing.startswith(prefix):
            out.append((dev, backing))
    return out


def wait_for(pred, timeout):
    t0 = time.monotonic()
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() - t0 > timeout:
            return v
        time.sleep(0.01)


# ------------------------------------------------------------------------------------------------
# Plugin-style helpers built on the zeep service
# ------------------------------------------------------------------------------------------------
class Vbox:
    def __init__(self, svc, info):
        self.s = svc
        self.info = info
        self.vb = None

    def logon(self):
        self.vb = self.s.IWebsessionManager_logon(username="", password="")
        return self.vb

    def wait(self, progress):
        s = self.s
        while not s.IProgress_getCompleted(_this=progress):
            s.IProgress_waitForCompletion(_this=progress, timeout=200)
        return s.IProgress_getResultCode(_this=progress)

    def machine(self, name):
        return self.s.IVirtualBox_findMachine(_this=self.vb, nameOrId=name)

    def create(self, name, size=64 * MiB, fmt="vmdk"):
        s = self.s
        md = s.IVirtualBox_createMedium(_this=self.vb, format=fmt, location=os.path.join(self.info["volume_path"], name),
                                        accessMode="ReadWrite", aDeviceTypeType="HardDisk")
        p = s.IMedium_createBaseStorage(_this=md, logicalSize=size, variant=["Standard"])
        rc = self.wait(p)
        assert rc == 0, "createBaseStorage rc=%s" % rc
        return md

    def locked(self, machine_name, fn):
        s = self.s
        m = self.machine(machine_name)
        sess = s.IWebsessionManager_getSessionObject(refIVirtualBox=self.vb)
        s.IMachine_lockMachine(_this=m, session=sess, lockType="Shared")
        try:
            sm = s.ISession_getMachine(_this=sess)
            return fn(m, sm)
        finally:
            s.ISession_unlockMachine(_this=sess)
            s.IManagedObjectRef_release(_this=sess)

    def attach(self, machine_name, md, port):
        def f(m, sm):
            self.s.IMachine_attachDevice(_this=sm, name="SATA", controllerPort=port, device=0, type="HardDisk",
                                         medium=md)
            self.s.IMachine_saveSettings(_this=sm)
        self.locked(machine_name, f)

    def find_attachment(self, m, medium_id):
        for ma in self.s.IMachine_getMediumAttachments(_this=m) or []:
            if not ma.medium:
                continue
            if self.s.IMedium_getId(_this=ma.medium) == medium_id:
                return ma
        return None

    def free_port(self, m, sm=None):
        sc = self.s.IMachine_getStorageControllerByName(_this=sm or m, name="SATA")
        used = {a.port for a in self.s.IMachine_getMediumAttachmentsOfController(_this=m, name="SATA") or []}
        free = [p for p in range(self.s.IStorageController_getPortCount(_this=sc)) if p not in used]
        return free[0] if free else None

    def detach(self, machine_name, medium_id):
        def f(m, sm):
            ma = self.find_attachment(m, medium_id)
            assert ma is not None, "medium %s not attached to %s" % (medium_id, machine_name)
            self.s.IMachine_detachDevice(_this=sm, name=ma.controller, controllerPort=ma.port, device=ma.device)
            self.s.IMachine_saveSettings(_this=sm)
        self.locked(machine_name, f)


def link_path(info, medium_id):
    return os.path.join(info["disk_id_path"], emu_mod.by_id_name(medium_id))


# ------------------------------------------------------------------------------------------------
# The test body
# ------------------------------------------------------------------------------------------------
def run_all(wsdl, info, proc_log):
    validator = SchemaValidator(wsdl)
    client, s = make_client(wsdl, info["endpoint"], validator)
    v = Vbox(s, info)
    ep, cep = info["endpoint"], info["control_endpoint"]

    def step(title, fn):
        section(title)
        try:
            fn()
        except Exception as e:
            check("%s: no unexpected exception" % title, False, "%s\n%s" % (e, traceback.format_exc()))

    # -- sessions and identity --------------------------------------------------------------------
    def t_session():
        vb = v.logon()
        check("logon returns MOR %016x-%016x", bool(MOR_RE.match(vb or "")), vb)
        check("logon MOR counter is 1", vb.endswith("-0000000000000001"), vb)
        check("getAPIVersion", s.IVirtualBox_getAPIVersion(_this=vb) == "6_1")
        s1 = s.IWebsessionManager_getSessionObject(refIVirtualBox=vb)
        s2 = s.IWebsessionManager_getSessionObject(refIVirtualBox=vb)
        check("getSessionObject returns a new ISession each call", s1 != s2 and MOR_RE.match(s1))
        check("ISession state Unlocked", s.ISession_getState(_this=s1) == "Unlocked")
        check("getInterfaceName", s.IManagedObjectRef_getInterfaceName(_this=s1) == "ISession")
        m1 = s.IVirtualBox_findMachine(_this=vb, nameOrId="node0")
        m2 = s.IVirtualBox_findMachine(_this=vb, nameOrId=info["machine_uuid"])
        check("findMachine by name and UUID give the same MOR", m1 == m2, "%s %s" % (m1, m2))
        f = fault_of(s.IVirtualBox_findMachine, _this=vb, nameOrId="nosuchvm")
        check("findMachine unknown -> RuntimeFault VBOX_E_OBJECT_NOT_FOUND",
              f.kind == "RuntimeFault" and f.rc == VBOX_E_OBJECT_NOT_FOUND, repr(f))
        check("faultstring format", f.message.startswith("VirtualBox error: apirc=0x80bb0001 ") and
              "nosuchvm" in f.message, f.message)
        check("RuntimeFault returnval is an IVirtualBoxErrorInfo MOR", bool(MOR_RE.match(f.errinfo or "")))
        check("IVirtualBoxErrorInfo_getText", "nosuchvm" in (s.IVirtualBoxErrorInfo_getText(_this=f.errinfo) or ""))
        check("IVirtualBoxErrorInfo_getResultCode",
              s.IVirtualBoxErrorInfo_getResultCode(_this=f.errinfo) == VBOX_E_OBJECT_NOT_FOUND)

    step("websession, findMachine, faults", t_session)

    def t_identity():
        vb = v.vb
        machines = s.IVirtualBox_getMachines(_this=vb)
        check("getMachines lists 2 machines", len(machines) == 2, repr(machines))
        sp = s.IVirtualBox_getSystemProperties(_this=vb)
        found = None
        names = {}
        for m in machines:
            mid = s.IMachine_getId(_this=m)
            names[mid] = s.IMachine_getName(_this=m)
            chip = s.IMachine_getChipsetType(_this=m)
            check("getChipsetType enum (%s)" % names[mid], chip in ("PIIX3", "ICH9"), chip)
            n = s.ISystemProperties_getMaxNetworkAdapters(_this=sp, chipset=chip)
            check("getMaxNetworkAdapters(%s)" % chip, n == {"PIIX3": 8, "ICH9": 36}[chip], n)
            macs = []
            for slot in range(n):
                na = s.IMachine_getNetworkAdapter(_this=m, slot=slot)
                macs.append(s.INetworkAdapter_getMACAddress(_this=na))
                if slot == 0:
                    check("INetworkAdapter_getEnabled slot 0", s.INetworkAdapter_getEnabled(_this=na) is True)
                    check("INetworkAdapter_getSlot", s.INetworkAdapter_getSlot(_this=na) == 0)
            check("MACs are 12 upper-case hex digits", all(re.match(r"^[0-9A-F]{12}$", x) for x in macs))
            if set(info["mac_addresses"]) & set(macs):
                found = mid
            s.IManagedObjectRef_release(_this=m)
        check("MAC lookup finds node0", found == info["machine_uuid"], "%s %s" % (found, names))
        check("machine names", sorted(names.values()) == ["node0", "node1"], repr(names))
        m = v.machine("node0")
        check("getHardwareUUID", s.IMachine_getHardwareUUID(_this=m) == info["machine_hardware_uuid"])
        check("getState node0 Running", s.IMachine_getState(_this=m) == "Running")
        f = fault_of(s.IMachine_getNetworkAdapter, _this=m, slot=8)
        check("getNetworkAdapter(slot 8) on PIIX3 -> E_INVALIDARG", f.rc == E_INVALIDARG, repr(f))

    step("instance identity (MAC / chipset / adapters)", t_identity)

    def t_media_list():
        disks = s.IVirtualBox_getHardDisks(_this=v.vb)
        check("getHardDisks lists the two boot disks", len(disks) == 2, repr(disks))
        md = disks[0]
        mid = s.IMedium_getId(_this=md)
        check("IMedium_getId is a UUID", bool(re.match(r"^[0-9a-f-]{36}$", mid)), mid)
        check("IMedium_getName", s.IMedium_getName(_this=md) == "node0-disk001.vdi")
        check("IMedium_getLocation absolute", os.path.isabs(s.IMedium_getLocation(_this=md)))
        check("IMedium_getDescription string", s.IMedium_getDescription(_this=md) in ("", None))
        check("IMedium_getSize is the image file's size (10 GiB sparse boot disk)",
              s.IMedium_getSize(_this=md) == os.stat(s.IMedium_getLocation(_this=md)).st_size == 10 * GiB)
        check("IMedium_getLogicalSize 10 GiB", s.IMedium_getLogicalSize(_this=md) == 10 * GiB)
        check("IMedium_getDeviceType HardDisk", s.IMedium_getDeviceType(_this=md) == "HardDisk")
        check("IMedium_getFormat VDI", s.IMedium_getFormat(_this=md) == "VDI")
        mf = s.IMedium_getMediumFormat(_this=md)
        check("IMedium_getMediumFormat MOR + IMediumFormat_getId", s.IMediumFormat_getId(_this=mf) == "VDI")
        check("IMedium_getHostDrive false", s.IMedium_getHostDrive(_this=md) is False)
        check("IMedium_getChildren empty", not s.IMedium_getChildren(_this=md))
        check("IMedium_getParent null", s.IMedium_getParent(_this=md) in ("", None))
        check("IMedium_getMachineIds == [node0]", s.IMedium_getMachineIds(_this=md) == [info["machine_uuid"]])
        check("IMedium_getSnapshotIds empty", not s.IMedium_getSnapshotIds(_this=md, machineId=zeep.xsd.SkipValue))
        check("IMedium_getState Created", s.IMedium_getState(_this=md) == "Created")
        var = s.IMedium_getVariant(_this=md)
        check("IMedium_getVariant is a MediumVariant list", isinstance(var, list) and len(var) == 32
              and set(var) == {"Standard"}, repr(var)[:120])
        check("IMedium_getType Normal", s.IMedium_getType(_this=md) == "Normal")

    step("media listing and IMedium getters", t_media_list)

    state = {}

    # -- create -----------------------------------------------------------------------------------
    def t_create():
        vb = v.vb
        loc = os.path.join(info["volume_path"], "vol1")
        md = s.IVirtualBox_createMedium(_this=vb, format="vmdk", location=loc, accessMode="ReadWrite",
                                        aDeviceTypeType="HardDisk")
        check("createMedium MOR", bool(MOR_RE.match(md)))
        check("new medium state NotCreated", s.IMedium_getState(_this=md) == "NotCreated")
        control(cep, "/faults", {"slow_progress_ms": 600})
        p = s.IMedium_createBaseStorage(_this=md, logicalSize=1 * GiB, variant=["Standard"])
        check("createBaseStorage returns IProgress", s.IManagedObjectRef_getInterfaceName(_this=p) == "IProgress")
        check("progress not completed at once", s.IProgress_getCompleted(_this=p) is False)
        pct0 = s.IProgress_getPercent(_this=p)
        check("percent < 100 while running", pct0 < 100, pct0)
        f = fault_of(s.IProgress_getResultCode, _this=p)
        check("getResultCode while running -> fault", f.kind == "RuntimeFault", repr(f))
        check("medium state Creating", s.IMedium_getState(_this=md) == "Creating")
        t0 = time.monotonic()
        s.IProgress_waitForCompletion(_this=p, timeout=100)
        dt = time.monotonic() - t0
        check("waitForCompletion(100) returns after ~100 ms", 0.05 < dt < 0.5, "%.3f" % dt)
        s.IProgress_waitForCompletion(_this=p, timeout=-1)
        check("waitForCompletion(-1) waits until done", s.IProgress_getCompleted(_this=p) is True)
        control(cep, "/faults/clear")
        check("percent 100", s.IProgress_getPercent(_this=p) == 100)
        check("result code 0", s.IProgress_getResultCode(_this=p) == 0)
        check("getErrorInfo null on success", s.IProgress_getErrorInfo(_this=p) in ("", None))
        check("medium state Created", s.IMedium_getState(_this=md) == "Created")
        st = os.stat(loc)
        check("backing file is sparse with the logical size", st.st_size == GiB and st.st_blocks * 512 < 16 * MiB,
              "%d %d" % (st.st_size, st.st_blocks))
        check("format VMDK", s.IMedium_getFormat(_this=md) == "VMDK")
        check("name = file name", s.IMedium_getName(_this=md) == "vol1")
        check("logicalSize", s.IMedium_getLogicalSize(_this=md) == GiB)
        ids = [s.IMedium_getId(_this=x) for x in s.IVirtualBox_getHardDisks(_this=vb)]
        state["vol1"] = md
        state["vol1_id"] = s.IMedium_getId(_this=md)
        check("new medium listed by getHardDisks", state["vol1_id"] in ids)
        check("machineIds empty", not s.IMedium_getMachineIds(_this=md))
        f = fault_of(s.IVirtualBox_createMedium, _this=vb, format="vmdk", location=loc, accessMode="ReadWrite",
                     aDeviceTypeType="HardDisk")
        check("createMedium at a registered location -> VBOX_E_OBJECT_IN_USE", f.rc == VBOX_E_OBJECT_IN_USE, repr(f))
        # progress failure on demand
        control(cep, "/faults", {"fail_next_progress": "disk full (injected)"})
        md2 = s.IVirtualBox_createMedium(_this=vb, format="vmdk", location=os.path.join(info["volume_path"], "bad"),
                                         accessMode="ReadWrite", aDeviceTypeType="HardDisk")
        p2 = s.IMedium_createBaseStorage(_this=md2, logicalSize=GiB, variant=["Standard"])
        s.IProgress_waitForCompletion(_this=p2, timeout=-1)
        rc = s.IProgress_getResultCode(_this=p2)
        check("failed progress: completed, resultCode != 0", s.IProgress_getCompleted(_this=p2) and rc != 0, rc)
        check("failed progress: percent < 100", s.IProgress_getPercent(_this=p2) < 100)
        ei = s.IProgress_getErrorInfo(_this=p2)
        check("failed progress: getErrorInfo -> getText",
              s.IVirtualBoxErrorInfo_getText(_this=ei) == "disk full (injected)")
        check("failed create leaves medium NotCreated and no file",
              s.IMedium_getState(_this=md2) == "NotCreated" and
              not os.path.exists(os.path.join(info["volume_path"], "bad")))
        md3 = s.IVirtualBox_createMedium(_this=vb, format="vmdk", location="/nonexistent-dir-xyz/v",
                                         accessMode="ReadWrite", aDeviceTypeType="HardDisk")
        p3 = s.IMedium_createBaseStorage(_this=md3, logicalSize=GiB, variant=zeep.xsd.SkipValue)
        check("missing directory -> progress fails VBOX_E_FILE_ERROR", v.wait(p3) == VBOX_E_FILE_ERROR)
        f = fault_of(s.IVirtualBox_createMedium, _this=vb, format="qcow9", location="/tmp/x",
                     accessMode="ReadWrite", aDeviceTypeType="HardDisk")
        check("unknown format -> E_INVALIDARG", f.rc == E_INVALIDARG, repr(f))
        md4 = v.create("vol-vdi", 32 * MiB, fmt="VDI")
        check("VDI format selectable", s.IMedium_getFormat(_this=md4) == "VDI")
        state["vdi"] = md4

    step("create (createMedium, createBaseStorage, IProgress)", t_create)

    # -- attach -------------------------------------------------------------------------------------
    def t_attach():
        vb = v.vb
        md, mid = state["vol1"], state["vol1_id"]
        m = v.machine("node0")
        sess = s.IWebsessionManager_getSessionObject(refIVirtualBox=vb)
        s.IMachine_lockMachine(_this=m, session=sess, lockType="Shared")
        check("ISession state Locked", s.ISession_getState(_this=sess) == "Locked")
        check("ISession type Shared (running VM)", s.ISession_getType(_this=sess) == "Shared")
        sm = s.ISession_getMachine(_this=sess)
        check("session machine MOR differs from the original", sm != m)
        scs = s.IMachine_getStorageControllers(_this=sm)
        sc = None
        for c in scs:
            if s.IStorageController_getName(_this=c) == "SATA":
                sc = c
        check("SATA controller found via getStorageControllers", sc is not None)
        check("getMaxPortCount 30", s.IStorageController_getMaxPortCount(_this=sc) == 30)
        check("getPortCount 2", s.IStorageController_getPortCount(_this=sc) == 2)
        check("getBus SATA", s.IStorageController_getBus(_this=sc) == "SATA")
        check("getControllerType IntelAhci", s.IStorageController_getControllerType(_this=sc) == "IntelAhci")
        atts = s.IMachine_getMediumAttachmentsOfController(_this=m, name="SATA")
        check("getMediumAttachmentsOfController: boot disk at port 0",
              len(atts) == 1 and atts[0].port == 0 and atts[0].device == 0 and atts[0].type == "HardDisk"
              and atts[0].controller == "SATA" and MOR_RE.match(atts[0].medium) and atts[0].machine == m,
              repr(atts))
        allatts = s.IMachine_getMediumAttachments(_this=m)
        check("getMediumAttachments includes an empty DVD drive (medium null)",
              any(a.type == "DVD" and not a.medium for a in allatts), repr(allatts))
        f = fault_of(s.IMachine_attachDevice, _this=m, name="SATA", controllerPort=1, device=0, type="HardDisk",
                     medium=md)
        check("attachDevice on the original machine -> VBOX_E_INVALID_VM_STATE", f.rc == VBOX_E_INVALID_VM_STATE,
              repr(f))
        f = fault_of(s.IMachine_attachDevice, _this=sm, name="SCSI", controllerPort=1, device=0, type="HardDisk",
                     medium=md)
        check("attachDevice unknown controller -> VBOX_E_OBJECT_NOT_FOUND", f.rc == VBOX_E_OBJECT_NOT_FOUND, repr(f))
        s.IMachine_attachDevice(_this=sm, name="SATA", controllerPort=1, device=0, type="HardDisk", medium=md)
        lp = link_path(info, mid)
        check("no by-id link before saveSettings", not os.path.lexists(lp))
        check("original machine does not show the unsaved attachment",
              len(s.IMachine_getMediumAttachmentsOfController(_this=m, name="SATA")) == 1)
        check("session machine shows it",
              len(s.IMachine_getMediumAttachmentsOfController(_this=sm, name="SATA")) == 2)
        check("getSettingsModified true", s.IMachine_getSettingsModified(_this=sm) is True)
        s.IMachine_saveSettings(_this=sm)
        ok = wait_for(lambda: os.path.islink(lp), 0.3)
        check("by-id link appears within 300 ms of saveSettings", ok, lp)
        dev = os.readlink(lp) if ok else ""
        check("link -> /dev/loopN", dev.startswith("/dev/loop"), dev)
        check("loop device backs the medium file",
              (dev, os.path.join(info["volume_path"], "vol1")) in list_loops_for(info["volume_path"]),
              repr(list_loops_for(info["volume_path"])))
        check("link name ata-VBOX_HARDDISK_VB<first 8 hex>-<last 4 bytes LE>",
              os.path.basename(lp) == "ata-VBOX_HARDDISK_VB%s-%s%s%s%s" % (
                  mid[:8], mid[34:36], mid[32:34], mid[30:32], mid[28:30]), os.path.basename(lp))
        s.ISession_unlockMachine(_this=sess)
        f = fault_of(s.IMachine_getName, _this=sm)
        check("session machine unusable after unlock", f.kind == "RuntimeFault", repr(f))
        check("ISession state Unlocked", s.ISession_getState(_this=sess) == "Unlocked")
        check("machineIds == [node0]", s.IMedium_getMachineIds(_this=md) == [info["machine_uuid"]])
        ma = v.find_attachment(m, mid)
        check("attachment visible on original machine at port 1", ma is not None and ma.port == 1, repr(ma))
        check("attachment is hotPluggable (running VM)", ma is not None and ma.hotPluggable is True)
        # write a pattern through the device for the persistence check
        with open(dev, "r+b") as fh:
            fh.seek(4 * MiB)
            fh.write(b"REXRAY-VBOX-PATTERN" * 100)
            fh.flush()
            os.fsync(fh.fileno())
        state["dev"] = dev
        s.IManagedObjectRef_release(_this=sm)
        s.IManagedObjectRef_release(_this=sess)
        f = fault_of(s.ISession_getState, _this=sess)
        check("released MOR -> InvalidObjectFault", f.kind == "InvalidObjectFault" and f.bad == sess, repr(f))
        f = fault_of(s.IManagedObjectRef_release, _this=sess)
        check("release of an unknown MOR -> InvalidObjectFault", f.kind == "InvalidObjectFault", repr(f))

    step("attach (lockMachine Shared, session machine, attachDevice, saveSettings, device)", t_attach)

    # -- port exhaustion ----------------------------------------------------------------------------
    def t_ports():
        md = v.create("vol2", 32 * MiB)
        mid = s.IMedium_getId(_this=md)
        state["vol2"], state["vol2_id"] = md, mid

        def f(m, sm):
            sc = s.IMachine_getStorageControllerByName(_this=sm, name="SATA")
            used = {a.port for a in s.IMachine_getMediumAttachmentsOfController(_this=m, name="SATA")}
            pc = s.IStorageController_getPortCount(_this=sc)
            check("all ports in use", used == set(range(pc)), "%s %s" % (used, pc))
            ft = fault_of(s.IMachine_attachDevice, _this=sm, name="SATA", controllerPort=pc, device=0,
                          type="HardDisk", medium=md)
            check("attach at port >= portCount -> E_INVALIDARG", ft.rc == E_INVALIDARG, repr(ft))
            wording = ("The port and/or device parameter are out of range: port=%d (must be in range [0, %d]), "
                       "device=0 (must be in range [0, 0])" % (pc, pc - 1))
            check("... in VirtualBox's own words", wording in ft.message, ft.message)
            ft = fault_of(s.IMachine_attachDevice, _this=sm, name="SATA", controllerPort=1, device=0,
                          type="HardDisk", medium=md)
            check("attach at an occupied port -> VBOX_E_OBJECT_IN_USE", ft.rc == VBOX_E_OBJECT_IN_USE, repr(ft))
            ft = fault_of(s.IMachine_attachDevice, _this=sm, name="SATA", controllerPort=0, device=1,
                          type="HardDisk", medium=md)
            check("device 1 on SATA -> E_INVALIDARG", ft.rc == E_INVALIDARG, repr(ft))
            ft = fault_of(s.IStorageController_setPortCount, _this=sc, portCount=31)
            check("setPortCount(31) -> E_INVALIDARG", ft.rc == E_INVALIDARG, repr(ft))
            orig_sc = s.IMachine_getStorageControllerByName(_this=m, name="SATA")
            ft = fault_of(s.IStorageController_setPortCount, _this=orig_sc, portCount=4)
            check("setPortCount via the original machine -> VBOX_E_INVALID_VM_STATE",
                  ft.rc == VBOX_E_INVALID_VM_STATE, repr(ft))
            s.IStorageController_setPortCount(_this=sc, portCount=pc + 1)
            check("setPortCount raises the count", s.IStorageController_getPortCount(_this=sc) == pc + 1)
            s.IMachine_attachDevice(_this=sm, name="SATA", controllerPort=pc, device=0, type="HardDisk", medium=md)
            s.IMachine_saveSettings(_this=sm)
            return pc

        pc = v.locked("node0", f)
        check("vol2 link after raising the port count", wait_for(lambda: os.path.islink(link_path(info, mid)), 0.3))
        m = v.machine("node0")
        sc = s.IMachine_getStorageControllerByName(_this=m, name="SATA")
        check("saved port count visible on the original machine", s.IStorageController_getPortCount(_this=sc) == pc + 1)
        st = control(cep, "/state", method="GET")
        n0 = [x for x in st["machines"] if x["name"] == "node0"][0]
        check("control state shows ports", n0["ports"]["SATA"]["port_count"] == pc + 1, repr(n0["ports"]))
        # strict mode: real VirtualBox refuses setPortCount on a running VM
        control(cep, "/faults", {"strict_port_count": True})

        def g(m, sm):
            sc2 = s.IMachine_getStorageControllerByName(_this=sm, name="SATA")
            return fault_of(s.IStorageController_setPortCount, _this=sc2, portCount=pc + 2)
        ft = v.locked("node0", g)
        check("strict_port_count: setPortCount on running VM -> VBOX_E_INVALID_VM_STATE",
              ft.rc == VBOX_E_INVALID_VM_STATE, repr(ft))
        control(cep, "/faults/clear")

    step("port exhaustion and setPortCount", t_ports)

    # -- locks --------------------------------------------------------------------------------------
    def t_locks():
        vb = v.vb
        m = v.machine("node0")
        sess = s.IWebsessionManager_getSessionObject(refIVirtualBox=vb)
        control(cep, "/faults", {"lock_held": 1})
        f = fault_of(s.IMachine_lockMachine, _this=m, session=sess, lockType="Shared")
        check("lock_held -> VBOX_E_INVALID_OBJECT_STATE", f.rc == VBOX_E_INVALID_OBJECT_STATE, repr(f))
        s.IMachine_lockMachine(_this=m, session=sess, lockType="Shared")
        check("next lockMachine succeeds", s.ISession_getState(_this=sess) == "Locked")
        f = fault_of(s.IMachine_lockMachine, _this=m, session=sess, lockType="Shared")
        check("locking a busy session -> VBOX_E_INVALID_OBJECT_STATE", f.rc == VBOX_E_INVALID_OBJECT_STATE, repr(f))
        s.ISession_unlockMachine(_this=sess)
        f = fault_of(s.ISession_unlockMachine, _this=sess)
        check("unlock twice -> fault", f.kind == "RuntimeFault", repr(f))
        s2 = s.IWebsessionManager_getSessionObject(refIVirtualBox=vb)
        f = fault_of(s.IMachine_lockMachine, _this=m, session=s2, lockType="Write")
        check("Write lock on a running VM -> VBOX_E_INVALID_OBJECT_STATE", f.rc == VBOX_E_INVALID_OBJECT_STATE,
              repr(f))
        # stopped VM: Shared gives a write lock; a second Shared fails
        n1 = v.machine("node1")
        a = s.IWebsessionManager_getSessionObject(refIVirtualBox=vb)
        b = s.IWebsessionManager_getSessionObject(refIVirtualBox=vb)
        s.IMachine_lockMachine(_this=n1, session=a, lockType="Shared")
        check("Shared on a stopped VM gives a WriteLock session", s.ISession_getType(_this=a) == "WriteLock")
        f = fault_of(s.IMachine_lockMachine, _this=n1, session=b, lockType="Shared")
        check("second Shared on a write-locked VM -> VBOX_E_INVALID_OBJECT_STATE",
              f.rc == VBOX_E_INVALID_OBJECT_STATE, repr(f))
        s.ISession_unlockMachine(_this=a)
        s.IMachine_lockMachine(_this=n1, session=b, lockType="Shared")
        check("lock succeeds after the holder unlocked", s.ISession_getState(_this=b) == "Locked")
        s.ISession_unlockMachine(_this=b)
        # unsaved changes are lost at unlock; discardSettings rolls back
        mid = state["vol1_id"]

        def lose(m0, sm):
            ma = v.find_attachment(m0, mid)
            s.IMachine_detachDevice(_this=sm, name=ma.controller, controllerPort=ma.port, device=ma.device)
            check("detach visible on the session machine", v.find_attachment(sm, mid) is None)
        v.locked("node0", lose)
        check("unsaved detach lost after unlock", v.find_attachment(m, mid) is not None)
        check("link still present", os.path.islink(link_path(info, mid)))

        def discard(m0, sm):
            ma = v.find_attachment(m0, mid)
            s.IMachine_detachDevice(_this=sm, name=ma.controller, controllerPort=ma.port, device=ma.device)
            s.IMachine_discardSettings(_this=sm)
            check("discardSettings restores the session machine", v.find_attachment(sm, mid) is not None)
        v.locked("node0", discard)
        f = fault_of(s.IMachine_saveSettings, _this=m)
        check("saveSettings on the original machine -> VBOX_E_INVALID_VM_STATE", f.rc == VBOX_E_INVALID_VM_STATE,
              repr(f))

    step("machine locks (Shared/Write), lost and discarded changes", t_locks)

    # -- detach + persistence --------------------------------------------------------------------------
    def t_detach():
        mid = state["vol1_id"]
        lp = link_path(info, mid)
        dev = state["dev"]
        v.detach("node0", mid)
        check("link removed after detach", wait_for(lambda: not os.path.lexists(lp), 0.3))
        check("loop device detached",
              wait_for(lambda: all(d != dev or not b.endswith("/vol1") for d, b in
                                   list_loops_for(info["volume_path"])), 0.5),
              repr(list_loops_for(info["volume_path"])))
        check("machineIds empty after detach", not s.IMedium_getMachineIds(_this=state["vol1"]))
        v.attach("node0", state["vol1"], 1)
        check("re-attach creates the link again", wait_for(lambda: os.path.islink(lp), 0.3))
        with open(os.readlink(lp), "rb") as fh:
            fh.seek(4 * MiB)
            data = fh.read(19 * 100)
        check("data persists across attachments", data == b"REXRAY-VBOX-PATTERN" * 100)
        v.detach("node0", mid)
        check("link removed again", wait_for(lambda: not os.path.lexists(lp), 0.3))

    step("detach, data persistence", t_detach)

    # -- clone -------------------------------------------------------------------------------------------
    def t_clone():
        vb = v.vb
        src = state["vol1"]
        tgt = s.IVirtualBox_createMedium(_this=vb, format="vmdk",
                                         location=os.path.join(info["volume_path"], "vol1-snap"),
                                         accessMode="ReadWrite", aDeviceTypeType="HardDisk")
        p = s.IMedium_cloneTo(_this=src, target=tgt, variant=["Standard"], parent="")
        check("cloneTo returns IProgress", s.IManagedObjectRef_getInterfaceName(_this=p) == "IProgress")
        check("cloneTo completes with rc 0", v.wait(p) == 0)
        check("clone Created", s.IMedium_getState(_this=tgt) == "Created")
        check("clone logical size", s.IMedium_getLogicalSize(_this=tgt) == GiB)
        with open(os.path.join(info["volume_path"], "vol1-snap"), "rb") as fh:
            fh.seek(4 * MiB)
            check("clone content copied", fh.read(1900) == b"REXRAY-VBOX-PATTERN" * 100)
        st = os.stat(os.path.join(info["volume_path"], "vol1-snap"))
        check("clone stays sparse", st.st_blocks * 512 < 16 * MiB, st.st_blocks)
        check("clone listed", s.IMedium_getId(_this=tgt) in
              [s.IMedium_getId(_this=x) for x in s.IVirtualBox_getHardDisks(_this=vb)])
        f = fault_of(s.IMedium_cloneTo, _this=src, target=tgt, variant=["Standard"], parent="")
        check("cloneTo onto a created medium -> VBOX_E_INVALID_OBJECT_STATE", f.rc == VBOX_E_INVALID_OBJECT_STATE,
              repr(f))
        state["snap"] = tgt

    step("cloneTo (snapshot as clone)", t_clone)

    # -- preempt: medium attached to another VM -----------------------------------------------------
    def t_preempt():
        vb = v.vb
        md = v.create("vol3", 32 * MiB)
        mid = s.IMedium_getId(_this=md)
        r = control(cep, "/attach-other", {"medium_uuid": mid})
        check("control attach-other", r.get("machine") == "node1", repr(r))
        ids = s.IMedium_getMachineIds(_this=md)
        check("machineIds shows node1", ids == [info["other_machine_uuid"]], repr(ids))
        check("no device for an attachment to node1", not os.path.lexists(link_path(info, mid)))

        def f(m, sm):
            return fault_of(s.IMachine_attachDevice, _this=sm, name="SATA", controllerPort=2, device=0,
                            type="HardDisk", medium=md)
        ft = v.locked("node0", f)
        check("attaching a medium attached elsewhere -> VBOX_E_OBJECT_IN_USE", ft.rc == VBOX_E_OBJECT_IN_USE, repr(ft))
        ft = fault_of(s.IMedium_deleteStorage, _this=md)
        check("deleteStorage of an attached medium -> VBOX_E_OBJECT_IN_USE", ft.rc == VBOX_E_OBJECT_IN_USE, repr(ft))
        for muid in ids:
            mach = s.IVirtualBox_findMachine(_this=vb, nameOrId=muid)
            v.detach(s.IMachine_getName(_this=mach), mid)
        check("machineIds empty after preempt detach", not s.IMedium_getMachineIds(_this=md))
        v.attach("node0", md, v.free_port(v.machine("node0")))
        check("attach after preempt", wait_for(lambda: os.path.islink(link_path(info, mid)), 0.3))
        state["vol3"], state["vol3_id"] = md, mid

    step("preempt from another VM (attach-other)", t_preempt)

    # -- delete ------------------------------------------------------------------------------------------
    def t_delete():
        vb = v.vb
        md, mid = state["vol2"], state["vol2_id"]
        f = fault_of(s.IMedium_deleteStorage, _this=md)
        check("deleteStorage attached -> VBOX_E_OBJECT_IN_USE", f.rc == VBOX_E_OBJECT_IN_USE, repr(f))
        v.detach("node0", mid)
        check("vol2 link gone", not os.path.lexists(link_path(info, mid)))
        for key, name in (("vol2", "vol2"), ("snap", "vol1-snap"), ("vol1", "vol1"), ("vdi", "vol-vdi")):
            p = s.IMedium_deleteStorage(_this=state[key])
            check("deleteStorage %s rc 0" % name, v.wait(p) == 0)
            check("deleteStorage %s percent 100" % name, s.IProgress_getPercent(_this=p) == 100)
            check("backing file %s removed" % name, not os.path.exists(os.path.join(info["volume_path"], name)))
        ids = [s.IMedium_getId(_this=x) for x in s.IVirtualBox_getHardDisks(_this=vb)]
        check("deleted media no longer listed", mid not in ids and state["vol1_id"] not in ids, repr(ids))

    step("deleteStorage", t_delete)

    # -- schema strictness and request styles ------------------------------------------------------
    def t_schema():
        st, body = raw_post(ep, gorequest('<IWebsessionManager_logon xmlns="http://www.virtualbox.org/">'
                                          '</IWebsessionManager_logon>'))
        vals = returnvals(body, "IWebsessionManager_logon")
        check("Go-style default-namespace request (blank logon)", st == 200 and vals and MOR_RE.match(vals[0]),
              "%s %s" % (st, body[:200]))
        vb2 = vals[0] if vals else ""
        st, body = raw_post(ep, gorequest('<IVirtualBox_findMachine xmlns="http://www.virtualbox.org/"><_this>%s'
                                          '</_this><nameOrId>node0</nameOrId></IVirtualBox_findMachine>' % vb2))
        vals = returnvals(body, "IVirtualBox_findMachine")
        check("Go-style request with qualified children", st == 200 and vals and MOR_RE.match(vals[0]), body[:300])
        mref = vals[0] if vals else ""
        st, body = raw_post(ep, prefixed('<vbox:IMachine_getName><_this>%s</_this></vbox:IMachine_getName>' % mref))
        check("vbox:-prefixed request with unqualified children", st == 200 and
              returnvals(body, "IMachine_getName") == ["node0"], body[:300])
        check("response element is vbox:-prefixed gSOAP style", "<vbox:IMachine_getNameResponse><returnval>node0"
              "</returnval></vbox:IMachine_getNameResponse>" in body, body[:400])
        # absent element = zero: slot omitted -> slot 0
        st, body = raw_post(ep, gorequest('<IMachine_getNetworkAdapter xmlns="http://www.virtualbox.org/"><_this>%s'
                                          '</_this></IMachine_getNetworkAdapter>' % mref))
        na = (returnvals(body, "IMachine_getNetworkAdapter") or [""])[0]
        st, body = raw_post(ep, gorequest('<INetworkAdapter_getSlot xmlns="http://www.virtualbox.org/"><_this>%s'
                                          '</_this></INetworkAdapter_getSlot>' % na))
        check("absent <slot> decodes as 0", returnvals(body, "INetworkAdapter_getSlot") == ["0"], body[:300])
        st, body = raw_post(ep, gorequest('<IMachine_getFrobnicator xmlns="http://www.virtualbox.org/"><_this>%s'
                                          '</_this></IMachine_getFrobnicator>' % mref))
        check("unknown operation -> HTTP 500 SOAP-ENV:Client fault", st == 500 and
              "<faultcode>SOAP-ENV:Client</faultcode>" in body and "IMachine_getFrobnicator" in body, body[:400])
        st, body = raw_post(ep, prefixed('<vbox:IMachine_getName><_this>%s</_this><verbose>1</verbose>'
                                         '</vbox:IMachine_getName>' % mref))
        check("unknown child element -> Client fault", st == 500 and "SOAP-ENV:Client" in body and
              "verbose" in body, body[:400])
        st, body = raw_post(ep, prefixed('<vbox:IMachine_getNameResponse><returnval>x</returnval>'
                                         '</vbox:IMachine_getNameResponse>'))
        check("response element used as a request -> Client fault", st == 500 and "SOAP-ENV:Client" in body)
        st, body = raw_post(ep, prefixed('<IMachine_getName xmlns="urn:other"><_this>%s</_this></IMachine_getName>'
                                         % mref))
        check("wrong namespace -> Client fault", st == 500 and "SOAP-ENV:Client" in body)
        sess = s.IWebsessionManager_getSessionObject(refIVirtualBox=vb2)
        st, body = raw_post(ep, prefixed('<vbox:IMachine_lockMachine><_this>%s</_this><session>%s</session>'
                                         '<lockType>Exclusive</lockType></vbox:IMachine_lockMachine>' % (mref, sess)))
        check("bad enum spelling -> Client fault", st == 500 and "SOAP-ENV:Client" in body and
              "RuntimeFault" not in body, body[:400])
        st, body = raw_post(ep, prefixed('<vbox:IMachine_getNetworkAdapter><_this>%s</_this><slot>x1</slot>'
                                         '</vbox:IMachine_getNetworkAdapter>' % mref))
        check("non-integer value -> Client fault", st == 500 and "SOAP-ENV:Client" in body)
        st, body = raw_post(ep, "<not-xml")
        check("malformed XML -> Client fault", st == 500 and "SOAP-ENV:Client" in body)
        st, body = raw_post(ep, gorequest('<IMachine_getName xmlns="http://www.virtualbox.org/">'
                                          '</IMachine_getName>'))
        check("missing _this -> InvalidObjectFault", st == 500 and "InvalidObjectFault" in body and
              "<badObjectID></badObjectID>" in body, body[:400])
        st, body = raw_post(ep, gorequest('<IMachine_getName xmlns="http://www.virtualbox.org/"><_this>%s</_this>'
                                          '</IMachine_getName>' % sess))
        check("MOR of the wrong interface -> InvalidObjectFault", st == 500 and "InvalidObjectFault" in body)
        with urllib.request.urlopen(ep + "/?wsdl", timeout=10) as r:
            check("GET /?wsdl serves the WSDL", b"vboxBinding" in r.read())
        s.IWebsessionManager_logoff(refIVirtualBox=vb2)

    step("schema strictness, request styles, absent elements", t_schema)

    # -- session expiry, logoff ------------------------------------------------------------------------
    def t_expiry():
        vb = v.vb
        m = v.machine("node0")
        control(cep, "/faults", {"expire_sessions": True})
        f = fault_of(s.IMachine_getName, _this=m)
        check("expire_sessions -> InvalidObjectFault with badObjectID", f.kind == "InvalidObjectFault" and
              f.bad == m and 'Invalid managed object reference "%s"' % m in f.message, repr(f))
        f = fault_of(s.IVirtualBox_getMachines, _this=vb)
        check("old IVirtualBox MOR invalid too", f.kind == "InvalidObjectFault")
        vb = v.logon()
        check("log on again works", bool(MOR_RE.match(vb)))
        control(cep, "/faults", {"session_timeout": 1})
        m = v.machine("node0")
        time.sleep(0.6)
        s.IMachine_getName(_this=m)  # resets the idle timer
        time.sleep(0.6)
        check("activity resets the idle timer", s.IMachine_getName(_this=m) == "node0")
        time.sleep(1.5)
        f = fault_of(s.IMachine_getName, _this=m)
        check("idle websession expires -> InvalidObjectFault", f.kind == "InvalidObjectFault", repr(f))
        control(cep, "/faults/clear")
        vb = v.logon()
        # a lock held by an expired websession is released
        sess = s.IWebsessionManager_getSessionObject(refIVirtualBox=vb)
        n1 = v.machine("node1")
        s.IMachine_lockMachine(_this=n1, session=sess, lockType="Write")
        control(cep, "/faults", {"expire_sessions": True})
        vb = v.logon()
        n1 = v.machine("node1")
        sess2 = s.IWebsessionManager_getSessionObject(refIVirtualBox=vb)
        s.IMachine_lockMachine(_this=n1, session=sess2, lockType="Write")
        check("locks of expired websessions are released", s.ISession_getState(_this=sess2) == "Locked")
        s.ISession_unlockMachine(_this=sess2)
        vb_old = vb
        s.IWebsessionManager_logoff(refIVirtualBox=vb_old)
        f = fault_of(s.IVirtualBox_getMachines, _this=vb_old)
        check("logoff invalidates the websession", f.kind == "InvalidObjectFault", repr(f))
        st = control(cep, "/state", method="GET")
        check("control state counts calls", st["calls"].get("IWebsessionManager_logon", 0) >= 3, repr(st["calls"])[:200])
        v.logon()

    step("session expiry, logoff", t_expiry)

    # -- transport faults, slow progress ----------------------------------------------------------------
    def t_transport():
        import requests
        control(cep, "/faults", {"drop_connections": 1})
        try:
            s.IVirtualBox_getAPIVersion(_this=v.vb)
            dropped = False
        except (requests.exceptions.ConnectionError, ConnectionError):
            dropped = True
        check("drop_connections drops the next request", dropped)
        check("next request works", s.IVirtualBox_getAPIVersion(_this=v.vb) == "6_1")
        control(cep, "/faults", {"drop_after_execute": 1})
        try:
            s.IVirtualBox_createMedium(_this=v.vb, format="vmdk", location=os.path.join(info["volume_path"], "lost"),
                                       accessMode="ReadWrite", aDeviceTypeType="HardDisk")
            dropped = False
        except (requests.exceptions.ConnectionError, ConnectionError):
            dropped = True
        st = control(cep, "/state", method="GET")
        check("drop_after_execute: reply lost but the call ran", dropped and any(
            x["location"].endswith("/lost") for x in st["media"]), repr(dropped))
        control(cep, "/faults", {"empty_reply": 1})
        st, body = raw_post(ep, prefixed('<vbox:IVirtualBox_getAPIVersion><_this>%s</_this>'
                                         '</vbox:IVirtualBox_getAPIVersion>' % v.vb))
        check("empty_reply -> HTTP 200 with an empty body", st == 200 and body == "", "%s %r" % (st, body[:100]))
        control(cep, "/faults", {"fail_calls": [{"method": "IMachine_saveSettings", "result_code": "0x80004005",
                                                 "text": "settings file I/O error"}]})
        md = v.create("vol4", 16 * MiB)
        mid = s.IMedium_getId(_this=md)

        def f(m, sm):
            s.IMachine_attachDevice(_this=sm, name="SATA", controllerPort=v.free_port(m, sm), device=0,
                                    type="HardDisk", medium=md)
            ft = fault_of(s.IMachine_saveSettings, _this=sm)
            s.IMachine_discardSettings(_this=sm)
            return ft
        ft = v.locked("node0", f)
        check("fail_calls: saveSettings -> E_FAIL", ft.rc == -2147467259 and "settings file" in ft.message, repr(ft))
        check("no device after failed save + discard", not os.path.lexists(link_path(info, mid)))
        check("medium not attached", not s.IMedium_getMachineIds(_this=md))
        control(cep, "/faults", {"slow_progress_ms": 1500})
        p = s.IMedium_deleteStorage(_this=md)
        t0 = time.monotonic()
        s.IProgress_waitForCompletion(_this=p, timeout=100)
        check("slow progress: not complete after 100 ms", s.IProgress_getCompleted(_this=p) is False)
        pct = s.IProgress_getPercent(_this=p)
        check("slow progress: percent advancing below 100", 0 <= pct < 100, pct)
        check("medium Deleting meanwhile", s.IMedium_getState(_this=md) == "Deleting")
        s.IProgress_waitForCompletion(_this=p, timeout=-1)
        dt = time.monotonic() - t0
        check("slow progress takes ~1.5 s", 1.2 < dt < 3.0, "%.2f" % dt)
        check("slow progress result 0", s.IProgress_getResultCode(_this=p) == 0)
        control(cep, "/faults/clear")

    step("dropped connections, empty replies, injected call faults, slow progress", t_transport)

    section("schema validation of every reply")
    check("every reply body validates against the WSDL's XML Schema (%d replies, %d operations)"
          % (validator.validated, len(validator.ops)), not validator.errors and validator.validated > 100,
          "\n".join(validator.errors[:10]))
    return validator


def run_inprocess(wsdl):
    section("in-process VboxEmulator context manager")
    d = tempfile.mkdtemp(prefix="vboxweb-inproc-")
    try:
        with emu_mod.VboxEmulator(d, ports=3, progress_ms=0, wsdl=wsdl) as e:
            info = json.load(open(os.path.join(d, "vbox.json")))
            check("vbox.json written", info["endpoint"] == e.endpoint and info["ports"] == 3)
            validator = SchemaValidator(wsdl)
            client, s = make_client(wsdl, e.endpoint, validator)
            v = Vbox(s, info)
            v.logon()
            md = v.create("inproc", 8 * MiB)
            mid = s.IMedium_getId(_this=md)
            v.attach("node0", md, 1)
            check("in-process: device attached", os.path.islink(link_path(info, mid)))
            check("in-process: loop device present", len(list_loops_for(info["volume_path"])) == 1)
        check("context exit detaches loop devices", not list_loops_for(os.path.join(d, "volumes")),
              repr(list_loops_for(os.path.join(d, "volumes"))))
        check("context exit removes links", not os.listdir(os.path.join(d, "disk", "by-id")))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    global VERBOSE
    ap = argparse.ArgumentParser()
    ap.add_argument("--wsdl", default=emu_mod.default_wsdl_path())
    ap.add_argument("--keep", action="store_true", help="keep the state directory")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    VERBOSE = args.verbose
    if os.geteuid() != 0:
        print("must run as root (loop devices)")
        return 2
    state_dir = tempfile.mkdtemp(prefix="vboxweb-conf-")
    log = open(os.path.join(state_dir, "server.log"), "w")
    proc = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--state-dir", state_dir,
                             "--ports", "2", "--progress-ms", "150", "--wsdl", args.wsdl] +
                            (["--verbose"] if VERBOSE else []), stdout=log, stderr=subprocess.STDOUT)
    info_path = os.path.join(state_dir, "vbox.json")
    try:
        t0 = time.monotonic()
        while not os.path.exists(info_path):
            if proc.poll() is not None or time.monotonic() - t0 > 30:
                print(open(os.path.join(state_dir, "server.log")).read())
                print("emulator failed to start")
                return 1
            time.sleep(0.05)
        info = json.load(open(info_path))
        section("vbox.json contract")
        for k in ("endpoint", "control_endpoint", "machine_name", "machine_uuid", "other_machine_name",
                  "other_machine_uuid", "controller_name", "volume_path", "disk_id_path", "mac_addresses"):
            check("vbox.json has %s" % k, k in info)
        check("endpoint on 127.0.0.1", info["endpoint"].startswith("http://127.0.0.1:"))
        check("mac_addresses start 080027", all(m.startswith("080027") for m in info["mac_addresses"]))
        run_all(args.wsdl, info, log)
        section("SIGTERM cleanup")
        active = list_loops_for(info["volume_path"])
        check("a device is still attached before SIGTERM (vol3)", len(active) >= 1, repr(active))
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rc = None
        check("emulator exits on SIGTERM with status 0", rc == 0, rc)
        left = list_loops_for(info["volume_path"])
        check("no loop device left after SIGTERM (losetup -a)", not left, repr(left))
        la = subprocess.run(["losetup", "-a"], capture_output=True, text=True).stdout
        check("losetup -a shows nothing from the state dir", state_dir not in la, la)
        check("no by-id links left", not os.listdir(info["disk_id_path"]), repr(os.listdir(info["disk_id_path"])))
        run_inprocess(args.wsdl)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        if RESULTS["failed"]:
            print("---- emulator log (tail) ----")
            print("".join(open(os.path.join(state_dir, "server.log")).readlines()[-40:]))
        if args.keep or RESULTS["failed"]:
            print("state dir kept: %s" % state_dir)
        else:
            shutil.rmtree(state_dir, ignore_errors=True)
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 0 if RESULTS["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
