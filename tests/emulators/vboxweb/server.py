#!/usr/bin/python3
"""vboxwebsrv emulator: a SOAP 1.1 server that speaks the VirtualBox 6.1 web-service
protocol well enough for the `virtualbox` storage driver and its tests.

Python 3 standard library only.  Listens on 127.0.0.1.

    /usr/bin/python3 tests/emulators/vboxweb/server.py --state-dir DIR [--port 0] [--ports 2]
                     [--session-timeout 300] [--check-interval 5] [--progress-ms 200] [--wsdl PATH]
                     [--username U --password P] [--mimic-host] [--no-loop] [--strict-port-count] [--verbose]

Writes DIR/vbox.json once listening and runs until SIGTERM/SIGINT.  Importable:

    with VboxEmulator(state_dir, ports=2) as e:
        e.info["endpoint"] ...

Every request is checked against the official WSDL (operation element and child element
names, enum spellings, integer ranges); every response is built only from names the WSDL
defines for that response.  See README.md in this directory for the control API.
"""

import argparse
import atexit
import collections
import copy
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

VBOX_NS = "http://www.virtualbox.org/"
SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV_NS = "http://www.w3.org/2003/05/soap-envelope"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"

HERE = os.path.dirname(os.path.abspath(__file__))


def default_wsdl_path():
    cands = [os.environ.get("VBOXWEB_WSDL", ""),
             os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "vboxweb-6.1.wsdl")),
             "/work/shared/data/vboxweb-6.1.wsdl"]
    for c in cands:
        if c and os.path.isfile(c):
            return c
    return cands[-1]


# ----------------------------------------------------------------------------------------------
# Result codes (VirtualBox.xidl / COM)
# ----------------------------------------------------------------------------------------------
E_FAIL = 0x80004005
E_NOTIMPL = 0x80004001
E_INVALIDARG = 0x80070057
E_ACCESSDENIED = 0x80070005
E_UNEXPECTED = 0x8000FFFF
VBOX_E_OBJECT_NOT_FOUND = 0x80BB0001
VBOX_E_INVALID_VM_STATE = 0x80BB0002
VBOX_E_VM_ERROR = 0x80BB0003
VBOX_E_FILE_ERROR = 0x80BB0004
VBOX_E_IPRT_ERROR = 0x80BB0005
VBOX_E_INVALID_OBJECT_STATE = 0x80BB0007
VBOX_E_NOT_SUPPORTED = 0x80BB0009
VBOX_E_INVALID_SESSION_STATE = 0x80BB000B
VBOX_E_OBJECT_IN_USE = 0x80BB000C


def signed32(v):
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def parse_code(v):
    if isinstance(v, str):
        v = int(v, 0)
    return int(v) & 0xFFFFFFFF


class RuntimeFault(Exception):
    def __init__(self, code, text, component="VirtualBox", interface="IVirtualBox"):
        super().__init__(text)
        self.code = code & 0xFFFFFFFF
        self.text = text
        self.component = component
        self.interface = interface
        self.errinfo_mor = ""


class InvalidObject(Exception):
    def __init__(self, ref):
        super().__init__(ref)
        self.ref = ref or ""


class ClientFault(Exception):
    """gSOAP-level fault (bad XML, unknown method / element, bad value): SOAP-ENV:Client, no detail."""

    def __init__(self, text, code="SOAP-ENV:Client"):
        super().__init__(text)
        self.text = text
        self.code = code


class AuthFault(Exception):
    pass


# ----------------------------------------------------------------------------------------------
# WSDL schema
# ----------------------------------------------------------------------------------------------
class Field:
    __slots__ = ("name", "type", "min", "array")

    def __init__(self, name, typ, mino, maxo):
        self.name = name
        self.type = typ
        self.min = int(mino) if mino is not None else 1
        self.array = maxo == "unbounded" or (maxo is not None and maxo not in ("0", "1"))


INT_RANGES = {
    "xsd:int": (-(1 << 31), (1 << 31) - 1),
    "xsd:unsignedInt": (0, (1 << 32) - 1),
    "xsd:long": (-(1 << 63), (1 << 63) - 1),
    "xsd:unsignedLong": (0, (1 << 64) - 1),
    "xsd:short": (-(1 << 15), (1 << 15) - 1),
    "xsd:unsignedShort": (0, (1 << 16) - 1),
    "xsd:byte": (-128, 127),
    "xsd:unsignedByte": (0, 255),
}


class SchemaError(Exception):
    """A response the emulator tried to build does not fit the WSDL (emulator bug)."""


class Schema:
    def __init__(self, path):
        self.path = path
        root = ET.parse(path).getroot()
        sch = root.find("{%s}types/{%s}schema" % (WSDL_NS, XSD_NS))
        if sch is None:
            raise ValueError("no xsd:schema in %s" % path)
        self.enums = {}
        self.structs = {}
        self.elements = {}
        for st in sch.findall("{%s}simpleType" % XSD_NS):
            self.enums[st.get("name")] = [e.get("value") for e in st.iter("{%s}enumeration" % XSD_NS)]
        for ct in sch.findall("{%s}complexType" % XSD_NS):
            self.structs[ct.get("name")] = self._fields(ct)
        for el in sch.findall("{%s}element" % XSD_NS):
            ct = el.find("{%s}complexType" % XSD_NS)
            self.elements[el.get("name")] = self._fields(ct) if ct is not None else []
        msgs = {}
        for m in root.findall("{%s}message" % WSDL_NS):
            part = m.find("{%s}part" % WSDL_NS)
            if part is not None and part.get("element"):
                msgs[m.get("name")] = part.get("element").split(":")[-1]
        self.ops = {}  # operation name -> (input element, output element)
        for pt in root.findall("{%s}portType" % WSDL_NS):
            for op in pt.findall("{%s}operation" % WSDL_NS):
                i = op.find("{%s}input" % WSDL_NS)
                o = op.find("{%s}output" % WSDL_NS)
                if i is None or o is None:
                    continue
                ie = msgs.get(i.get("message").split(":")[-1])
                oe = msgs.get(o.get("message").split(":")[-1])
                if ie and oe:
                    self.ops[op.get("name")] = (ie, oe)
        self.input_elements = {ie: name for name, (ie, oe) in self.ops.items()}

    @staticmethod
    def _fields(ct):
        out = []
        seq = ct.find("{%s}sequence" % XSD_NS)
        if seq is None:
            return out
        for e in seq.findall("{%s}element" % XSD_NS):
            out.append(Field(e.get("name"), e.get("type"), e.get("minOccurs"), e.get("maxOccurs")))
        return out

    # -- request decoding -------------------------------------------------------------------
    def parse_request(self, body):
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            raise ClientFault("XML syntax error: %s" % e)
        ns, local = split_tag(root.tag)
        if local != "Envelope":
            raise ClientFault("Validation constraint violation: tag name or namespace mismatch in element '%s'" % local)
        if ns == SOAP12_ENV_NS:
            raise ClientFault("SOAP version mismatch or invalid SOAP message", "SOAP-ENV:VersionMismatch")
        if ns != SOAP_ENV_NS:
            raise ClientFault("Validation constraint violation: tag name or namespace mismatch in element 'Envelope'")
        body_el = None
        for c in root:
            cns, cl = split_tag(c.tag)
            if cns == SOAP_ENV_NS and cl == "Body":
                body_el = c
            elif cns == SOAP_ENV_NS and cl == "Header":
                continue
            else:
                raise ClientFault("Validation constraint violation: tag name or namespace mismatch in element '%s'" % cl)
        if body_el is None:
            raise ClientFault("Body absent")
        kids = list(body_el)
        if len(kids) != 1:
            raise ClientFault("Validation constraint violation: expected exactly one method element in Body, got %d" % len(kids))
        method = kids[0]
        mns, mname = split_tag(method.tag)
        if mns != VBOX_NS or mname not in self.input_elements:
            raise ClientFault("Method '%s' not implemented: method name or namespace not recognized" % mname)
        opname = self.input_elements[mname]
        fields = {f.name: f for f in self.elements[mname]}
        args = {}
        for c in method:
            cns, cl = split_tag(c.tag)
            if cns not in ("", VBOX_NS) or cl not in fields:
                raise ClientFault("Validation constraint violation: tag name or namespace mismatch in element '%s'" % cl)
            f = fields[cl]
            if f.array:
                args.setdefault(cl, []).append(self._decode(f, c))
            else:
                if cl in args:
                    raise ClientFault("Validation constraint violation: duplicate element '%s'" % cl)
                args[cl] = self._decode(f, c)
        for f in fields.values():
            if f.name not in args:
                args[f.name] = [] if f.array else self._zero(f.type)
        return opname, args

    def _zero(self, typ):
        if typ in INT_RANGES:
            return 0
        if typ == "xsd:boolean":
            return False
        if typ.startswith("vbox:"):
            t = typ[5:]
            if t in self.enums:
                return "Null" if "Null" in self.enums[t] else None
        return ""

    def _decode(self, f, el):
        if len(el):
            raise ClientFault("Validation constraint violation: data type mismatch in element '%s'" % f.name)
        text = (el.text or "").strip() if f.type != "xsd:string" else (el.text or "")
        t = f.type
        if t == "xsd:string":
            return text
        if t in INT_RANGES:
            if text == "":
                return 0
            try:
                v = int(text)
            except ValueError:
                raise ClientFault("Validation constraint violation: invalid value in element '%s'" % f.name)
            lo, hi = INT_RANGES[t]
            if not lo <= v <= hi:
                raise ClientFault("Validation constraint violation: value out of range in element '%s'" % f.name)
            return v
        if t == "xsd:boolean":
            if text in ("true", "1"):
                return True
            if text in ("false", "0", ""):
                return False
            raise ClientFault("Validation constraint violation: invalid value in element '%s'" % f.name)
        if t.startswith("vbox:") and t[5:] in self.enums:
            if text == "":
                return self._zero(t)
            if text not in self.enums[t[5:]]:
                raise ClientFault("Validation constraint violation: invalid value in element '%s'" % f.name)
            return text
        raise ClientFault("Validation constraint violation: data type mismatch in element '%s'" % f.name)

    # -- response encoding ------------------------------------------------------------------
    def build_response(self, opname, result):
        out_el = self.ops[opname][1]
        fields = self.elements[out_el]
        names = {f.name for f in fields}
        if result is None:
            values = {}
        elif isinstance(result, dict) and not (len(fields) == 1 and fields[0].type.startswith("vbox:")
                                               and fields[0].type[5:] in self.structs):
            values = result
        else:
            values = {"returnval": result}
        for k in values:
            if k not in names:
                raise SchemaError("%s has no child <%s>" % (out_el, k))
        parts = []
        for f in fields:
            if f.name not in values:
                if f.array or f.min == 0:
                    continue
                raise SchemaError("%s: missing required <%s>" % (out_el, f.name))
            v = values[f.name]
            if f.array:
                if not isinstance(v, (list, tuple)):
                    raise SchemaError("%s: <%s> must be a list" % (out_el, f.name))
                for item in v:
                    parts.append(self._encode(f.name, f.type, item))
            else:
                parts.append(self._encode(f.name, f.type, v))
        inner = "".join(parts)
        if inner:
            body = "<vbox:%s>%s</vbox:%s>" % (out_el, inner, out_el)
        else:
            body = "<vbox:%s/>" % out_el
        return envelope(body)

    def _encode(self, name, typ, v):
        if typ == "xsd:string":
            if v is None:
                v = ""
            if not isinstance(v, str):
                raise SchemaError("<%s> expects a string, got %r" % (name, v))
            s = xml_escape(v)
        elif typ in INT_RANGES:
            if isinstance(v, bool) or not isinstance(v, int):
                raise SchemaError("<%s> expects an integer, got %r" % (name, v))
            lo, hi = INT_RANGES[typ]
            if not lo <= v <= hi:
                raise SchemaError("<%s> %s out of range for %s" % (name, v, typ))
            s = str(v)
        elif typ == "xsd:boolean":
            if not isinstance(v, bool):
                raise SchemaError("<%s> expects a bool, got %r" % (name, v))
            s = "true" if v else "false"
        elif typ.startswith("vbox:") and typ[5:] in self.enums:
            if v not in self.enums[typ[5:]]:
                raise SchemaError("<%s> value %r is not a %s" % (name, v, typ))
            s = v
        elif typ.startswith("vbox:") and typ[5:] in self.structs:
            sf = self.structs[typ[5:]]
            if not isinstance(v, dict):
                raise SchemaError("<%s> expects struct %s" % (name, typ))
            known = {f.name for f in sf}
            for k in v:
                if k not in known:
                    raise SchemaError("struct %s has no field <%s>" % (typ, k))
            sub = []
            for f in sf:
                if f.name not in v:
                    raise SchemaError("struct %s: missing field <%s>" % (typ, f.name))
                if f.array:
                    for item in v[f.name]:
                        sub.append(self._encode(f.name, f.type, item))
                else:
                    sub.append(self._encode(f.name, f.type, v[f.name]))
            return "<%s>%s</%s>" % (name, "".join(sub), name)
        else:
            raise SchemaError("<%s>: unsupported type %s" % (name, typ))
        return "<%s>%s</%s>" % (name, s, name) if s != "" else "<%s></%s>" % (name, name)


def split_tag(tag):
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def envelope(body):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:vbox="http://www.virtualbox.org/">'
            '<SOAP-ENV:Body>%s</SOAP-ENV:Body></SOAP-ENV:Envelope>' % body).encode("utf-8")


def fault_xml(code, text, detail=""):
    return envelope("<SOAP-ENV:Fault><faultcode>%s</faultcode><faultstring>%s</faultstring>%s</SOAP-ENV:Fault>"
                    % (code, xml_escape(text), detail))


# ----------------------------------------------------------------------------------------------
# Object model
# ----------------------------------------------------------------------------------------------
MOR_RE = re.compile(r"^[0-9a-f]{16}-[0-9a-f]{16}$")
UUID_RE = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")

IIDS = {  # interface IDs reported by IVirtualBoxErrorInfo.interfaceID (VirtualBox 6.1 values)
    "IVirtualBox": "{d0a0163f-e254-4e5b-a1f2-011cf991c38d}",
    "IMachine": "{85632c68-b5bb-4316-a900-5eb28d3413df}",
    "IMedium": "{ad47ad09-787b-44ab-b343-a082a3f2dfb1}",
    "ISession": "{c0447716-ff5a-4795-b57a-ecd5fffa18a4}",
    "IStorageController": "{ddca7247-bf98-47fb-ab2f-b5177533f493}",
    "IProgress": "{77faf1c0-489d-b123-274c-5a95e77ab286}",
}

MAX_PORTS = {"SATA": 30, "IDE": 2, "SCSI": 16, "SAS": 255, "Floppy": 1, "USB": 8, "PCIe": 255, "VirtioSCSI": 256}
MIN_PORTS = {"SATA": 1, "IDE": 2, "SCSI": 16, "SAS": 1, "Floppy": 1, "USB": 8, "PCIe": 1, "VirtioSCSI": 1}
MAX_DEVS = {"SATA": 1, "IDE": 2, "SCSI": 1, "SAS": 1, "Floppy": 2, "USB": 1, "PCIe": 1, "VirtioSCSI": 1}
HOTPLUG_BUS = {"SATA", "USB", "VirtioSCSI"}
HOTPLUG_CTYPES = {"IntelAhci", "USB", "VirtioSCSI"}
MAX_ADAPTERS = {"PIIX3": 8, "ICH9": 36}
VARIANT_BITS = {"Standard": 0, "VmdkSplit2G": 0x01, "VmdkRawDisk": 0x02, "VmdkStreamOptimized": 0x04,
                "VmdkESX": 0x08, "VdiZeroExpand": 0x100, "Fixed": 0x10000, "Diff": 0x20000,
                "Formatted": 0x20000000, "NoCreateDir": 0x40000000}
BITS_VARIANT = {v: k for k, v in VARIANT_BITS.items()}
FORMATS = {"vdi": "VDI", "vmdk": "VMDK", "vhd": "VHD", "parallels": "Parallels", "qed": "QED", "qcow": "QCOW"}


def disk_serial(medium_uuid):
    """VirtualBox ATA/AHCI serial: VB%08x-%08x from the UUID's first and last 32-bit words (DevATA.cpp)."""
    b = uuid.UUID(medium_uuid).bytes
    return "VB%08x-%08x" % (int.from_bytes(b[0:4], "big"), int.from_bytes(b[12:16], "little"))


def by_id_name(medium_uuid):
    return "ata-VBOX_HARDDISK_" + disk_serial(medium_uuid)


class VirtualBoxObj:
    iface = "IVirtualBox"
    key = ("VB",)


class SystemProperties:
    iface = "ISystemProperties"
    key = ("SP",)


class MediumFormat:
    iface = "IMediumFormat"

    def __init__(self, name):
        self.name = name
        self.key = ("MF", name)


class Controller:
    def __init__(self, name, bus, ctype, port_count, instance=0, bootable=False):
        self.name = name
        self.bus = bus
        self.ctype = ctype
        self.port_count = port_count
        self.instance = instance
        self.bootable = bootable
        self.use_host_io_cache = bus != "SATA"


class Attachment:
    def __init__(self, controller, port, device, typ, medium, hotpluggable=False):
        self.controller = controller
        self.port = port
        self.device = device
        self.type = typ
        self.medium = medium  # medium uuid or None (empty drive)
        self.hotpluggable = hotpluggable
        self.nonrotational = False
        self.discard = False
        self.passthrough = False


class Config:
    def __init__(self):
        self.controllers = collections.OrderedDict()
        self.attachments = []

    def clone(self):
        return copy.deepcopy(self)

    def find_att(self, name, port, device):
        for a in self.attachments:
            if a.controller == name and a.port == port and a.device == device:
                return a
        return None

    def summary(self):
        return sorted((a.controller, a.port, a.device, a.type, a.medium) for a in self.attachments)


class Machine:
    iface = "IMachine"

    def __init__(self, name, muuid, chipset, state, macs, enabled, settings_dir, hw_uuid=None):
        self.name = name
        self.uuid = muuid
        self.hw_uuid = hw_uuid or muuid
        self.chipset = chipset
        self.state = state
        self.macs = macs
        self.enabled = enabled
        self.settings_path = os.path.join(settings_dir, name + ".vbox")
        self.config = Config()
        self.pending = None
        self.holders = []
        self.lock_type = None  # 'Write' or 'Shared' while locked
        self.key = ("M", muuid)
        self.running = state == "Running"

    def session_state(self):
        if self.running:
            return "Locked"  # the VM process holds the write lock
        return "Locked" if self.holders else "Unlocked"


class SessionMachine:
    """The mutable machine handed out by ISession_getMachine while the session holds a lock."""
    iface = "IMachine"

    def __init__(self, session):
        self.session = session
        self.gen = session.gen
        self.machine = session.machine
        self.key = ("SM", session.sid, session.gen)

    def valid(self):
        return self.session.state == "Locked" and self.session.gen == self.gen and self.machine.pending is not None


class ControllerRef:
    iface = "IStorageController"

    def __init__(self, machine, name, sm=None):
        self.machine = machine
        self.name = name
        self.sm = sm
        self.key = ("SC", machine.uuid, name, sm.key if sm else None)


class NetAdapterRef:
    iface = "INetworkAdapter"

    def __init__(self, machine, slot, sm=None):
        self.machine = machine
        self.slot = slot
        self.key = ("NA", machine.uuid, slot, sm.key if sm else None)


class VSession:
    iface = "ISession"

    def __init__(self, websession):
        self.sid = uuid.uuid4().hex
        self.ws = websession
        self.state = "Unlocked"
        self.machine = None
        self.type = "Null"
        self.gen = 0
        self.name = ""
        self.key = ("S", self.sid)


class Medium:
    iface = "IMedium"

    def __init__(self, muuid, location, fmt, device_type="HardDisk"):
        self.uuid = muuid
        self.location = location
        self.format = fmt
        self.device_type = device_type
        self.logical_size = 0
        self.state = "NotCreated"
        self.variant = 0
        self.registered = False
        self.description = ""
        self.boot = False
        self.last_error = ""
        self.key = ("MD", muuid)

    @property
    def name(self):
        return os.path.basename(self.location)

    def size(self):
        # The image file's size, as VirtualBox reports it for IMedium::size;
        # st_blocks would say 0 for every fresh sparse image.
        try:
            return os.stat(self.location).st_size
        except OSError:
            return 0


class ErrorInfo:
    iface = "IVirtualBoxErrorInfo"

    def __init__(self, code, text, component="VirtualBox", interface="IVirtualBox"):
        self.code = code
        self.text = text
        self.component = component
        self.interface = interface
        self.key = ("E", uuid.uuid4().hex)


class Progress:
    iface = "IProgress"

    def __init__(self, model, description, initiator, work, rollback):
        self.model = model
        self.id = str(uuid.uuid4())
        self.description = description
        self.initiator = initiator
        self.work = work
        self.rollback = rollback
        self.key = ("P", self.id)
        self.t0 = time.monotonic()
        self.duration = model.progress_delay()
        self.done = threading.Event()
        self.rc = 0
        self.error = None
        self.fail_pct = 0
        self.fail = model.take_fail_next_progress()
        self.timeout_ms = 0
        model.progresses[self.id] = self
        if self.duration <= 0:
            self.finish()
        else:
            self.timer = threading.Timer(self.duration, self.finish)
            self.timer.daemon = True
            self.timer.start()

    def elapsed_pct(self):
        if self.duration <= 0:
            return 100
        return int(min(1.0, (time.monotonic() - self.t0) / self.duration) * 100)

    def finish(self):
        with self.model.lock:
            if self.done.is_set():
                return
            try:
                if self.fail is not None:
                    text, code = self.fail
                    raise RuntimeFault(code, text, "Medium", "IMedium")
                self.work()
            except RuntimeFault as e:
                self.rc = signed32(e.code)
                self.error = ErrorInfo(e.code, e.text, e.component, e.interface)
                self.fail_pct = max(1, min(99, self.elapsed_pct() // 2 or 50))
                try:
                    self.rollback()
                except Exception:
                    traceback.print_exc()
            except Exception as e:  # emulator bug: report as a failed progress, keep serving
                traceback.print_exc()
                self.rc = signed32(E_FAIL)
                self.error = ErrorInfo(E_FAIL, "emulator error: %s" % e)
                self.fail_pct = 50
                try:
                    self.rollback()
                except Exception:
                    pass
            self.model.progresses.pop(self.id, None)
            self.done.set()

    def percent(self):
        if self.done.is_set():
            return 100 if self.rc == 0 else self.fail_pct
        return min(99, self.elapsed_pct())


class WebSession:
    def __init__(self, wsid):
        self.id = wsid
        self.counter = 0
        self.by_mor = {}
        self.by_key = {}
        self.last_used = time.monotonic()
        self.sessions = []

    def ref(self, obj):
        if obj is None:
            return ""
        mor = self.by_key.get(obj.key)
        if mor is not None:
            return mor
        self.counter += 1
        mor = "%016x-%016x" % (self.id, self.counter)
        self.by_key[obj.key] = mor
        self.by_mor[mor] = obj
        return mor

    def drop(self, mor):
        obj = self.by_mor.pop(mor, None)
        if obj is not None:
            self.by_key.pop(obj.key, None)
        return obj


# ----------------------------------------------------------------------------------------------
# The model: machines, media, sessions, locks, faults, device emulation
# ----------------------------------------------------------------------------------------------
FAULT_KEYS = {"expire_sessions", "lock_held", "slow_progress_ms", "fail_next_progress", "fail_next_progress_code",
              "drop_connections", "drop_after_execute", "empty_reply", "fail_calls", "session_timeout",
              "strict_port_count", "progress_ms"}


class Model:
    def __init__(self, state_dir, schema, ports=2, session_timeout=300.0, check_interval=5.0, progress_ms=200,
                 username=None, password=None, mimic_host=False, no_loop=False, strict_port_count=False,
                 verbose=False):
        self.lock = threading.RLock()
        self.schema = schema
        self.state_dir = os.path.abspath(state_dir)
        self.volume_path = os.path.join(self.state_dir, "volumes")
        self.disk_id_path = os.path.join(self.state_dir, "disk", "by-id")
        self.vms_path = os.path.join(self.state_dir, "vms")
        self.base_session_timeout = float(session_timeout)
        self.session_timeout = float(session_timeout)
        self.check_interval = float(check_interval)
        self.base_progress_ms = int(progress_ms)
        self.base_strict_port_count = bool(strict_port_count)
        self.username = username
        self.password = password
        self.no_loop = no_loop
        self.verbose = verbose
        self.vbox = VirtualBoxObj()
        self.sysprops = SystemProperties()
        self.machines = collections.OrderedDict()
        self.media = collections.OrderedDict()
        self.websessions = {}
        self.progresses = {}
        self.devices = {}  # medium uuid -> {"device", "link", "backing"}
        self.calls = collections.Counter()
        self.closed = False
        self.clear_faults()
        self._prepare_dirs()
        self._build_machines(max(1, min(30, int(ports))), mimic_host)

    # -- setup ------------------------------------------------------------------------------
    def _prepare_dirs(self):
        marker = os.path.join(self.state_dir, ".vboxweb-emulator")
        os.makedirs(self.state_dir, exist_ok=True)
        reuse = os.path.exists(marker)
        self.cleanup_stale_loops()
        for d in (self.volume_path, self.disk_id_path, self.vms_path):
            if reuse and os.path.isdir(d):
                for root, dirs, files in os.walk(d, topdown=False):
                    for f in files:
                        try:
                            os.unlink(os.path.join(root, f))
                        except OSError:
                            pass
                    for dd in dirs:
                        p = os.path.join(root, dd)
                        try:
                            if os.path.islink(p):
                                os.unlink(p)
                            else:
                                os.rmdir(p)
                        except OSError:
                            pass
            os.makedirs(d, exist_ok=True)
        with open(marker, "w") as f:
            f.write("state directory of tests/emulators/vboxweb/server.py; its subdirectories are wiped at start\n")

    def _build_machines(self, ports, mimic_host):
        def rand_mac():
            return "080027%06X" % random.getrandbits(24)

        node0_uuid = str(uuid.uuid4())
        node0_macs = [rand_mac() for _ in range(MAX_ADAPTERS["PIIX3"])]
        enabled0 = 2
        if mimic_host:
            host_macs = local_macs()
            for i, mac in enumerate(host_macs[:len(node0_macs)]):
                node0_macs[i] = mac
            enabled0 = max(1, min(len(host_macs), len(node0_macs)))
            pu = product_uuid()
            if pu:
                node0_uuid = pu
        specs = [("node0", node0_uuid, "PIIX3", "Running", node0_macs, enabled0),
                 ("node1", str(uuid.uuid4()), "ICH9", "PoweredOff",
                  [rand_mac() for _ in range(MAX_ADAPTERS["ICH9"])], 1)]
        for name, muuid, chipset, state, macs, enabled in specs:
            d = os.path.join(self.vms_path, name)
            os.makedirs(d, exist_ok=True)
            m = Machine(name, muuid, chipset, state, macs, enabled, d)
            if name == "node0":
                m.config.controllers["IDE"] = Controller("IDE", "IDE", "PIIX4", 2, 0, True)
            m.config.controllers["SATA"] = Controller("SATA", "SATA", "IntelAhci", ports, 0, True)
            boot = Medium(str(uuid.uuid4()), os.path.join(d, name + "-disk001.vdi"), "VDI")
            boot.boot = True
            boot.logical_size = 10 << 30
            with open(boot.location, "wb") as f:
                f.truncate(boot.logical_size)
            boot.state = "Created"
            boot.registered = True
            self.media[boot.uuid] = boot
            m.config.attachments.append(Attachment("SATA", 0, 0, "HardDisk", boot.uuid))
            if name == "node0":
                m.config.attachments.append(Attachment("IDE", 1, 0, "DVD", None))
            self.machines[m.uuid] = m
        self.node0 = list(self.machines.values())[0]
        self.node1 = list(self.machines.values())[1]

    # -- faults -----------------------------------------------------------------------------
    def clear_faults(self):
        with self.lock:
            self.faults = {"lock_held": 0, "slow_progress_ms": None, "fail_next_progress": None,
                           "drop_connections": 0, "drop_after_execute": 0, "empty_reply": 0, "fail_calls": []}
            self.session_timeout = getattr(self, "base_session_timeout", 300.0)
            self.progress_ms = getattr(self, "base_progress_ms", 200)
            self.strict_port_count = getattr(self, "base_strict_port_count", False)

    def set_faults(self, d):
        if not isinstance(d, dict):
            raise ValueError("expected a JSON object")
        unknown = set(d) - FAULT_KEYS
        if unknown:
            raise ValueError("unknown fault keys: %s" % ", ".join(sorted(unknown)))
        with self.lock:
            if d.get("expire_sessions"):
                for ws in list(self.websessions.values()):
                    self.destroy_websession(ws)
            for k in ("lock_held", "drop_connections", "drop_after_execute", "empty_reply"):
                if k in d:
                    self.faults[k] = int(d[k])
            if "slow_progress_ms" in d:
                self.faults["slow_progress_ms"] = None if d["slow_progress_ms"] is None else int(d["slow_progress_ms"])
            if "progress_ms" in d:
                self.progress_ms = int(d["progress_ms"])
            if "fail_next_progress" in d:
                code = parse_code(d.get("fail_next_progress_code", VBOX_E_FILE_ERROR))
                self.faults["fail_next_progress"] = None if d["fail_next_progress"] is None else (
                    str(d["fail_next_progress"]), code)
            if "fail_calls" in d:
                items = d["fail_calls"]
                if isinstance(items, dict):
                    items = [items]
                for it in items:
                    if it.get("method") not in self.schema.ops:
                        raise ValueError("fail_calls: unknown method %r" % it.get("method"))
                    self.faults["fail_calls"].append({
                        "method": it["method"], "code": parse_code(it.get("result_code", E_FAIL)),
                        "text": it.get("text", "injected failure"), "count": int(it.get("count", 1))})
            if "session_timeout" in d:
                self.session_timeout = float(d["session_timeout"])
            if "strict_port_count" in d:
                self.strict_port_count = bool(d["strict_port_count"])

    def progress_delay(self):
        ms = self.faults["slow_progress_ms"]
        if ms is None:
            ms = self.progress_ms
        return max(0, ms) / 1000.0

    def take_fail_next_progress(self):
        f = self.faults["fail_next_progress"]
        self.faults["fail_next_progress"] = None
        return f

    def take_connection_fault(self):
        with self.lock:
            for k in ("drop_connections", "empty_reply", "drop_after_execute"):
                if self.faults[k] > 0:
                    self.faults[k] -= 1
                    return k
        return None

    # -- websessions ------------------------------------------------------------------------
    def new_websession(self):
        while True:
            wsid = random.getrandbits(64)
            if wsid and wsid not in self.websessions:
                break
        ws = WebSession(wsid)
        self.websessions[wsid] = ws
        return ws

    def destroy_websession(self, ws):
        self.websessions.pop(ws.id, None)
        for s in ws.sessions:
            if s.state == "Locked":
                self.unlock_session(s)

    def expire_idle(self):
        if self.session_timeout <= 0:
            return
        now = time.monotonic()
        for ws in list(self.websessions.values()):
            if now - ws.last_used > self.session_timeout:
                self.destroy_websession(ws)

    def resolve(self, mor):
        if not isinstance(mor, str) or not MOR_RE.match(mor):
            raise InvalidObject(mor)
        ws = self.websessions.get(int(mor[:16], 16))
        if ws is None:
            raise InvalidObject(mor)
        if self.session_timeout > 0 and time.monotonic() - ws.last_used > self.session_timeout:
            self.destroy_websession(ws)
            raise InvalidObject(mor)
        obj = ws.by_mor.get(mor)
        if obj is None:
            raise InvalidObject(mor)
        ws.last_used = time.monotonic()
        return obj, ws

    # -- locks ------------------------------------------------------------------------------
    def lock_machine(self, machine, session, lock_type):
        if self.faults["lock_held"] > 0:
            self.faults["lock_held"] -= 1
            if lock_type == "Shared":
                raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE,
                                   "Failed to get a console object from the direct session (another client holds "
                                   "the lock on machine '%s')" % machine.name, "Machine", "IMachine")
            raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE,
                               "The machine '%s' is already locked for a session (or being unlocked)" % machine.name,
                               "Machine", "IMachine")
        if session.state != "Unlocked":
            raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE, "The given session is busy", "Machine", "IMachine")
        if lock_type not in ("Shared", "Write", "VM"):
            raise RuntimeFault(E_INVALIDARG, "Invalid lock type '%s'" % lock_type, "Machine", "IMachine")
        if machine.running:
            if lock_type != "Shared":
                raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE,
                                   "The machine '%s' is already locked for a session (or being unlocked)"
                                   % machine.name, "Machine", "IMachine")
            stype = "Shared"
            machine.lock_type = "Shared"
        else:
            if machine.holders:
                if lock_type == "Shared":
                    raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE,
                                       "Failed to get a console object from the direct session: the machine '%s' "
                                       "is locked for writing by another session" % machine.name,
                                       "Machine", "IMachine")
                raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE,
                                   "The machine '%s' is already locked for a session (or being unlocked)"
                                   % machine.name, "Machine", "IMachine")
            stype = "WriteLock"
            machine.lock_type = "Write"
        if machine.pending is None:
            machine.pending = machine.config.clone()
        machine.holders.append(session)
        session.state = "Locked"
        session.machine = machine
        session.type = stype
        session.gen += 1

    def unlock_session(self, session):
        m = session.machine
        session.state = "Unlocked"
        session.type = "Null"
        session.machine = None
        session.gen += 1
        if m is not None and session in m.holders:
            m.holders.remove(session)
            if not m.holders:
                m.pending = None  # uncommitted changes are lost
                m.lock_type = None

    # -- media ------------------------------------------------------------------------------
    def machine_ids(self, medium):
        out = []
        for m in self.machines.values():
            confs = [m.config] + ([m.pending] if m.pending is not None else [])
            if any(a.medium == medium.uuid for c in confs for a in c.attachments):
                out.append(m.uuid)
        return out

    def medium_by_location(self, loc):
        for md in self.media.values():
            if md.location == loc and md.state != "NotCreated":
                return md
        return None

    # -- device emulation (node0 only) -----------------------------------------------------
    def plug(self, medium):
        os.makedirs(self.disk_id_path, exist_ok=True)
        link = os.path.join(self.disk_id_path, by_id_name(medium.uuid))
        if self.no_loop:
            target = medium.location
        else:
            r = subprocess.run(["losetup", "--find", "--show", medium.location],
                               capture_output=True, text=True, timeout=60)
            if r.returncode != 0 or not r.stdout.strip().startswith("/dev/loop"):
                raise RuntimeFault(E_FAIL, "Failed to hot-plug medium '%s': losetup: %s"
                                   % (medium.location, (r.stderr or r.stdout).strip()), "Machine", "IMachine")
            target = r.stdout.strip()
        self.devices[medium.uuid] = {"device": target, "link": link, "backing": medium.location}
        tmp = "%s.tmp%d" % (link, os.getpid())
        try:
            os.unlink(tmp)
        except OSError:
            pass
        os.symlink(target, tmp)
        os.replace(tmp, link)

    def unplug(self, muuid):
        rec = self.devices.pop(muuid, None)
        if rec is None:
            return
        try:
            os.unlink(rec["link"])
        except OSError:
            pass
        if not self.no_loop:
            detach_loop(rec["device"], rec["backing"])

    def cleanup_devices(self):
        with self.lock:
            for muuid in list(self.devices):
                try:
                    self.unplug(muuid)
                except Exception:
                    traceback.print_exc()
            self.cleanup_stale_loops()

    def cleanup_stale_loops(self):
        """Detach loop devices whose backing file lives under DIR/volumes (left by a killed run)."""
        if self.no_loop:
            return
        prefix = self.volume_path.rstrip("/") + "/"
        for dev, backing in list_loops():
            if backing.startswith(prefix):
                detach_loop(dev, None)

    def apply_device_changes(self, machine, old, new):
        if machine is not self.node0:
            return
        oldm = {a.medium for a in old.attachments if a.medium and a.type == "HardDisk"}
        newm = {a.medium for a in new.attachments if a.medium and a.type == "HardDisk"}
        for mu in oldm - newm:
            self.unplug(mu)
        plugged = []
        try:
            for mu in newm - oldm:
                md = self.media.get(mu)
                if md is None or md.boot:
                    continue
                self.plug(md)
                plugged.append(mu)
        except Exception:
            for mu in plugged:
                self.unplug(mu)
            raise

    # -- control: attach to node1 --------------------------------------------------------------
    def attach_other(self, medium_uuid, port=None, machine=None):
        with self.lock:
            m = self.node1 if machine is None else self.find_machine_any(machine)
            md = self.media.get(str(medium_uuid).lower())
            if md is None or md.state == "NotCreated":
                raise KeyError("no such medium %s" % medium_uuid)
            if self.machine_ids(md):
                raise ValueError("medium %s is already attached to %s" % (md.uuid, self.machine_ids(md)))
            sata = m.config.controllers["SATA"]
            used = {a.port for a in m.config.attachments if a.controller == "SATA"}
            if port is None:
                free = [p for p in range(sata.port_count) if p not in used]
                if not free:
                    sata.port_count = min(30, sata.port_count + 1)
                    free = [p for p in range(sata.port_count) if p not in used]
                    if not free:
                        raise ValueError("no free SATA port on %s" % m.name)
                port = free[0]
            port = int(port)
            if port in used:
                raise ValueError("port %d of %s is in use" % (port, m.name))
            if port >= sata.port_count:
                sata.port_count = min(30, port + 1)
            old = m.config.clone()
            att = Attachment("SATA", port, 0, "HardDisk", md.uuid, hotpluggable=m.running)
            m.config.attachments.append(att)
            if m.pending is not None:
                m.pending.attachments.append(copy.deepcopy(att))
                if "SATA" in m.pending.controllers:
                    m.pending.controllers["SATA"].port_count = max(m.pending.controllers["SATA"].port_count,
                                                                   sata.port_count)
            self.apply_device_changes(m, old, m.config)
            return {"machine": m.name, "machine_uuid": m.uuid, "port": port}

    def detach_other(self, medium_uuid, machine=None):
        with self.lock:
            m = self.node1 if machine is None else self.find_machine_any(machine)
            mu = str(medium_uuid).lower()
            old = m.config.clone()
            n = len(m.config.attachments)
            m.config.attachments = [a for a in m.config.attachments if a.medium != mu]
            if m.pending is not None:
                m.pending.attachments = [a for a in m.pending.attachments if a.medium != mu]
            if len(m.config.attachments) == n:
                raise KeyError("medium %s is not attached to %s" % (medium_uuid, m.name))
            self.apply_device_changes(m, old, m.config)
            return {"machine": m.name}

    def set_port_count_ctl(self, machine, controller, count):
        with self.lock:
            m = self.find_machine_any(machine or "node0")
            c = m.config.controllers.get(controller or "SATA")
            if c is None:
                raise KeyError("no controller %s" % controller)
            count = int(count)
            if not MIN_PORTS[c.bus] <= count <= MAX_PORTS[c.bus]:
                raise ValueError("port count out of range")
            c.port_count = count
            if m.pending is not None and c.name in m.pending.controllers:
                m.pending.controllers[c.name].port_count = count
            return {"machine": m.name, "controller": c.name, "port_count": count}

    def find_machine_any(self, name_or_id):
        for m in self.machines.values():
            if m.name == name_or_id or m.uuid == str(name_or_id).lower():
                return m
        raise KeyError("no such machine %s" % name_or_id)

    # -- state dump ---------------------------------------------------------------------------
    def state(self):
        with self.lock:
            self.expire_idle()

            def atts(conf):
                return [{"controller": a.controller, "port": a.port, "device": a.device, "type": a.type,
                         "medium_uuid": a.medium,
                         "medium_location": self.media[a.medium].location if a.medium in self.media else None,
                         "hot_pluggable": a.hotpluggable} for a in conf.attachments]

            machines = []
            for m in self.machines.values():
                machines.append({
                    "name": m.name, "uuid": m.uuid, "hardware_uuid": m.hw_uuid, "state": m.state,
                    "chipset": m.chipset, "mac_addresses": m.macs[:m.enabled],
                    "lock": {"type": m.lock_type, "sessions": len(m.holders)},
                    "controllers": [{"name": c.name, "bus": c.bus, "type": c.ctype, "port_count": c.port_count,
                                     "max_port_count": MAX_PORTS[c.bus]} for c in m.config.controllers.values()],
                    "attachments": atts(m.config),
                    "pending_attachments": atts(m.pending) if m.pending is not None else None,
                    "ports": {c.name: {"port_count": c.port_count,
                                       "used": sorted({a.port for a in m.config.attachments if a.controller == c.name}),
                                       "free": [p for p in range(c.port_count) if p not in
                                                {a.port for a in m.config.attachments if a.controller == c.name}]}
                              for c in m.config.controllers.values()},
                })
            media = []
            for md in self.media.values():
                dev = self.devices.get(md.uuid)
                media.append({"uuid": md.uuid, "name": md.name, "location": md.location, "format": md.format,
                              "logical_size": md.logical_size, "size": md.size(), "state": md.state,
                              "registered": md.registered, "boot": md.boot,
                              "machine_ids": self.machine_ids(md),
                              "device": dev["device"] if dev else None, "link": dev["link"] if dev else None,
                              "by_id_name": by_id_name(md.uuid)})
            f = dict(self.faults)
            f["fail_next_progress"] = f["fail_next_progress"][0] if f["fail_next_progress"] else None
            return {"machines": machines, "media": media,
                    "devices": {k: dict(v) for k, v in self.devices.items()},
                    "sessions": len(self.websessions),
                    "locked_sessions": sum(len(m.holders) for m in self.machines.values()),
                    "progress_running": len(self.progresses),
                    "calls": dict(sorted(self.calls.items())),
                    "faults": f, "session_timeout": self.session_timeout, "progress_ms": self.progress_ms,
                    "strict_port_count": self.strict_port_count}

    # -- SOAP dispatch ------------------------------------------------------------------------
    def handle_soap(self, body):
        try:
            opname, args = self.schema.parse_request(body)
        except ClientFault as f:
            self.calls["<client-fault>"] += 1
            return 500, fault_xml(f.code, f.text), "<invalid>", f.text
        after = None
        try:
            with self.lock:
                self.calls[opname] += 1
                ctx = Ctx(self, opname, args)
                try:
                    result = self._call(ctx)
                except RuntimeFault as e:
                    if ctx.ws is not None and ctx.ws.id in self.websessions:
                        e.errinfo_mor = ctx.ws.ref(ErrorInfo(e.code, e.text, e.component, e.interface))
                    raise
                after = ctx.after
            if after is not None:
                after()
            payload = self.schema.build_response(opname, result)
            return 200, payload, opname, "ok"
        except InvalidObject as e:
            text = 'VirtualBox error: Invalid managed object reference "%s"' % e.ref
            detail = "<detail><vbox:InvalidObjectFault><badObjectID>%s</badObjectID></vbox:InvalidObjectFault></detail>" \
                     % xml_escape(e.ref)
            return 500, fault_xml("SOAP-ENV:Client", text, detail), opname, text
        except RuntimeFault as e:
            text = "VirtualBox error: apirc=0x%08x %s (0x%08x)" % (e.code, e.text, e.code)
            detail = ("<detail><vbox:RuntimeFault><resultCode>%d</resultCode><returnval>%s</returnval>"
                      "</vbox:RuntimeFault></detail>" % (signed32(e.code), e.errinfo_mor))
            return 500, fault_xml("SOAP-ENV:Client", text, detail), opname, text
        except AuthFault as e:
            return 500, fault_xml("SOAP-ENV:Client", "VirtualBox error: %s" % e), opname, str(e)
        except SchemaError as e:
            traceback.print_exc()
            return 500, fault_xml("SOAP-ENV:Server", "emulator response does not fit the WSDL: %s" % e), opname, str(e)
        except Exception as e:
            traceback.print_exc()
            return 500, fault_xml("SOAP-ENV:Server", "emulator internal error: %r" % e), opname, repr(e)

    def _call(self, ctx):
        op = ctx.op
        fields = {f.name for f in self.schema.elements[self.schema.ops[op][0]]}
        if "_this" in fields:
            ctx.self = ctx.this()
        for fc in self.faults["fail_calls"]:
            if fc["method"] == op and fc["count"] > 0:
                fc["count"] -= 1
                self.faults["fail_calls"] = [x for x in self.faults["fail_calls"] if x["count"] > 0]
                raise RuntimeFault(fc["code"], fc["text"])
        h = HANDLERS.get(op)
        if h is None:
            raise RuntimeFault(E_NOTIMPL, "%s is not implemented by the vboxweb emulator" % op)
        return h(ctx, ctx.a)


class Ctx:
    def __init__(self, model, op, args):
        self.m = model
        self.op = op
        self.a = args
        self.ws = None
        self.self = None
        self.after = None

    def obj(self, mor, iface=None, null_ok=False):
        if (mor is None or mor == "") and null_ok:
            return None
        o, ws = self.m.resolve(mor)
        if self.ws is None:
            self.ws = ws
        if iface and iface != "IManagedObjectRef" and o.iface != iface:
            raise InvalidObject(mor)
        return o

    def this(self):
        iface = self.op.split("_", 1)[0]
        return self.obj(self.a.get("_this", ""), iface)

    def ref(self, o):
        return self.ws.ref(o) if o is not None else ""


# ----------------------------------------------------------------------------------------------
# Host helpers
# ----------------------------------------------------------------------------------------------
def list_loops():
    out = []
    try:
        names = os.listdir("/sys/block")
    except OSError:
        return out
    for n in names:
        if not n.startswith("loop"):
            continue
        try:
            with open("/sys/block/%s/loop/backing_file" % n) as f:
                backing = f.read().strip()
        except OSError:
            continue
        if backing.endswith(" (deleted)"):
            backing = backing[:-len(" (deleted)")]
        out.append(("/dev/" + n, backing))
    return out


def detach_loop(dev, expected_backing):
    name = os.path.basename(dev)
    if expected_backing is not None:
        try:
            with open("/sys/block/%s/loop/backing_file" % name) as f:
                b = f.read().strip()
        except OSError:
            return  # already gone
        if b.endswith(" (deleted)"):
            b = b[:-len(" (deleted)")]
        if os.path.realpath(b) != os.path.realpath(expected_backing):
            return  # not ours any more
    subprocess.run(["losetup", "-d", dev], capture_output=True, timeout=60)


def local_macs():
    macs = []
    try:
        for n in sorted(os.listdir("/sys/class/net")):
            if n == "lo":
                continue
            try:
                with open("/sys/class/net/%s/address" % n) as f:
                    a = f.read().strip().replace(":", "").upper()
            except OSError:
                continue
            if a and a != "000000000000" and len(a) == 12:
                macs.append(a)
    except OSError:
        pass
    return macs


def product_uuid():
    try:
        with open("/sys/class/dmi/id/product_uuid") as f:
            v = f.read().strip().lower()
        if UUID_RE.match(v):
            return v
    except OSError:
        pass
    return None


def sparse_copy(src, dst):
    """Copy src to a new file dst preserving holes."""
    fd_in = os.open(src, os.O_RDONLY)
    try:
        size = os.fstat(fd_in).st_size
        fd_out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.ftruncate(fd_out, size)
            pos = 0
            while pos < size:
                try:
                    data = os.lseek(fd_in, pos, os.SEEK_DATA)
                except OSError:
                    break  # no more data
                try:
                    hole = os.lseek(fd_in, data, os.SEEK_HOLE)
                except OSError:
                    hole = size
                off = data
                while off < hole:
                    n = min(hole - off, 4 << 20)
                    buf = os.pread(fd_in, n, off)
                    if not buf:
                        break
                    if buf.count(0) != len(buf):
                        os.pwrite(fd_out, buf, off)
                    off += len(buf)
                pos = hole
            os.fsync(fd_out)
        finally:
            os.close(fd_out)
    finally:
        os.close(fd_in)


# ----------------------------------------------------------------------------------------------
# Operation handlers
# ----------------------------------------------------------------------------------------------
HANDLERS = {}


def op(*names):
    def deco(f):
        for n in names:
            HANDLERS[n] = f
        return f
    return deco


def simple(name, fn):
    HANDLERS[name] = lambda ctx, a: fn(ctx, ctx.self)


# -- IWebsessionManager / IManagedObjectRef ---------------------------------------------------
@op("IWebsessionManager_logon")
def _logon(ctx, a):
    m = ctx.m
    if m.username is not None or m.password is not None:
        if a["username"] != (m.username or "") or a["password"] != (m.password or ""):
            raise AuthFault("authentication failed for user '%s'" % a["username"])
    m.expire_idle()
    ws = m.new_websession()
    ctx.ws = ws
    return ws.ref(m.vbox)


@op("IWebsessionManager_getSessionObject")
def _get_session_object(ctx, a):
    ctx.obj(a["refIVirtualBox"], "IVirtualBox")
    s = VSession(ctx.ws)
    ctx.ws.sessions.append(s)
    return ctx.ref(s)


@op("IWebsessionManager_logoff")
def _logoff(ctx, a):
    ctx.obj(a["refIVirtualBox"], "IVirtualBox")
    ctx.m.destroy_websession(ctx.ws)
    ctx.ws = None
    return None


@op("IManagedObjectRef_getInterfaceName")
def _ifname(ctx, a):
    return ctx.self.iface


@op("IManagedObjectRef_release")
def _release(ctx, a):
    obj = ctx.ws.drop(a["_this"])
    if isinstance(obj, VSession):
        if obj.state == "Locked":
            ctx.m.unlock_session(obj)
        if obj in ctx.ws.sessions:
            ctx.ws.sessions.remove(obj)
    return None


# -- IVirtualBox --------------------------------------------------------------------------------
simple("IVirtualBox_getVersion", lambda c, o: "6.1.50")
simple("IVirtualBox_getVersionNormalized", lambda c, o: "6.1.50")
simple("IVirtualBox_getRevision", lambda c, o: 161033)
simple("IVirtualBox_getAPIVersion", lambda c, o: "6_1")
simple("IVirtualBox_getAPIRevision", lambda c, o: 0x0006000100320000)
simple("IVirtualBox_getPackageType", lambda c, o: "LINUX_64BITS_GENERIC")
simple("IVirtualBox_getHomeFolder", lambda c, o: c.m.state_dir)
simple("IVirtualBox_getSettingsFilePath", lambda c, o: os.path.join(c.m.state_dir, "VirtualBox.xml"))
simple("IVirtualBox_getSystemProperties", lambda c, o: c.ref(c.m.sysprops))
simple("IVirtualBox_getMachines", lambda c, o: [c.ref(m) for m in c.m.machines.values()])
simple("IVirtualBox_getHardDisks", lambda c, o: [c.ref(md) for md in c.m.media.values()
                                                 if md.registered and md.device_type == "HardDisk"
                                                 and md.state != "NotCreated"])
simple("IVirtualBox_getDVDImages", lambda c, o: [])
simple("IVirtualBox_getFloppyImages", lambda c, o: [])


@op("IVirtualBox_findMachine")
def _find_machine(ctx, a):
    key = a["nameOrId"]
    mu = UUID_RE.match(key)
    for m in ctx.m.machines.values():
        if (mu and m.uuid == mu.group(1).lower()) or m.name == key:
            return ctx.ref(m)
    raise RuntimeFault(VBOX_E_OBJECT_NOT_FOUND, "Could not find a registered machine named '%s'" % key,
                       "VirtualBox", "IVirtualBox")


def _abs_location(m, loc):
    if not loc:
        raise RuntimeFault(E_INVALIDARG, "Medium location is empty", "Medium", "IMedium")
    if not os.path.isabs(loc):
        loc = os.path.join(m.volume_path, loc)
    return os.path.normpath(loc)


@op("IVirtualBox_createMedium")
def _create_medium(ctx, a):
    m = ctx.m
    fmt_in = a["format"] or "VDI"
    fmt = FORMATS.get(fmt_in.lower())
    if fmt is None:
        raise RuntimeFault(E_INVALIDARG, "Invalid medium storage format '%s'" % fmt_in, "Medium", "IMedium")
    if a["accessMode"] not in ("ReadOnly", "ReadWrite"):
        raise RuntimeFault(E_INVALIDARG, "Invalid access mode", "VirtualBox", "IVirtualBox")
    if a["aDeviceTypeType"] != "HardDisk":
        raise RuntimeFault(E_INVALIDARG, "Device type '%s' is not supported by the emulator (only HardDisk)"
                           % a["aDeviceTypeType"], "VirtualBox", "IVirtualBox")
    loc = _abs_location(m, a["location"])
    other = m.medium_by_location(loc)
    if other is not None:
        raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "Cannot create medium storage unit '%s' because it is already in "
                           "use by medium {%s}" % (loc, other.uuid), "Medium", "IMedium")
    if os.path.lexists(loc):
        raise RuntimeFault(VBOX_E_FILE_ERROR, "Cannot create medium storage unit '%s' because the storage unit "
                           "already exists" % loc, "Medium", "IMedium")
    md = Medium(str(uuid.uuid4()), loc, fmt)
    m.media[md.uuid] = md
    return ctx.ref(md)


@op("IVirtualBox_openMedium")
def _open_medium(ctx, a):
    m = ctx.m
    if a["deviceType"] != "HardDisk":
        raise RuntimeFault(E_INVALIDARG, "Device type '%s' is not supported by the emulator" % a["deviceType"])
    loc = a["location"]
    mu = UUID_RE.match(loc)
    if mu and mu.group(1).lower() in m.media and m.media[mu.group(1).lower()].state != "NotCreated":
        return ctx.ref(m.media[mu.group(1).lower()])
    loc = _abs_location(m, loc)
    md = m.medium_by_location(loc)
    if md is not None:
        return ctx.ref(md)
    if not os.path.isfile(loc):
        raise RuntimeFault(VBOX_E_FILE_ERROR, "Could not find file for the medium '%s' (VERR_FILE_NOT_FOUND)" % loc,
                           "Medium", "IMedium")
    ext = os.path.splitext(loc)[1].lstrip(".").lower()
    md = Medium(str(uuid.uuid4()), loc, FORMATS.get(ext, "VMDK"))
    md.logical_size = os.path.getsize(loc)
    md.state = "Created"
    md.registered = True
    m.media[md.uuid] = md
    return ctx.ref(md)


# -- ISystemProperties / IMediumFormat ------------------------------------------------------------
@op("ISystemProperties_getMaxNetworkAdapters")
def _max_adapters(ctx, a):
    if a["chipset"] not in MAX_ADAPTERS:
        raise RuntimeFault(E_INVALIDARG, "Invalid chipset type %s" % a["chipset"], "SystemProperties",
                           "ISystemProperties")
    return MAX_ADAPTERS[a["chipset"]]


def _bus_table(table):
    def h(ctx, a):
        if a["bus"] not in table:
            raise RuntimeFault(E_INVALIDARG, "Invalid storage bus %s" % a["bus"], "SystemProperties",
                               "ISystemProperties")
        return table[a["bus"]]
    return h


HANDLERS["ISystemProperties_getMaxPortCountForStorageBus"] = _bus_table(MAX_PORTS)
HANDLERS["ISystemProperties_getMinPortCountForStorageBus"] = _bus_table(MIN_PORTS)
HANDLERS["ISystemProperties_getMaxDevicesPerPortForStorageBus"] = _bus_table(MAX_DEVS)
simple("ISystemProperties_getDefaultHardDiskFormat", lambda c, o: "VDI")
simple("ISystemProperties_getDefaultMachineFolder", lambda c, o: c.m.vms_path)
simple("ISystemProperties_getWebServiceAuthLibrary",
       lambda c, o: "VBoxAuth" if c.m.username is not None else "null")
simple("ISystemProperties_getMediumFormats", lambda c, o: [c.ref(MediumFormat(n)) for n in ("VDI", "VMDK", "VHD")])


@op("ISystemProperties_getStorageControllerHotplugCapable")
def _hotplug_capable(ctx, a):
    return a["controllerType"] in HOTPLUG_CTYPES


simple("IMediumFormat_getId", lambda c, o: o.name)
simple("IMediumFormat_getName", lambda c, o: {"VDI": "Virtual Disk Image", "VMDK": "Virtual Machine Disk",
                                              "VHD": "Virtual Hard Disk"}.get(o.name, o.name))


# -- IMachine -------------------------------------------------------------------------------------
def mview(ctx, o, mutate=False):
    """-> (machine, config, session machine or None). Raises for stale session machines, and for
    mutation through the original (immutable) machine object."""
    if isinstance(o, SessionMachine):
        if not o.valid():
            raise RuntimeFault(E_ACCESSDENIED, "The object is not ready (the session that owned this session "
                               "machine has been unlocked)", "SessionMachine", "IMachine")
        return o.machine, o.machine.pending, o
    if mutate:
        raise RuntimeFault(VBOX_E_INVALID_VM_STATE, "The machine is not mutable (state is %s): lock it with "
                           "IMachine_lockMachine and use ISession_getMachine" % o.state, "Machine", "IMachine")
    return o, o.config, None


def _mgetter(name, fn):
    HANDLERS["IMachine_" + name] = lambda ctx, a: fn(ctx, *mview(ctx, ctx.self))


_mgetter("getId", lambda c, m, conf, sm: m.uuid)
_mgetter("getName", lambda c, m, conf, sm: m.name)
_mgetter("getHardwareUUID", lambda c, m, conf, sm: m.hw_uuid)
_mgetter("getChipsetType", lambda c, m, conf, sm: m.chipset)
_mgetter("getState", lambda c, m, conf, sm: m.state)
_mgetter("getSessionState", lambda c, m, conf, sm: m.session_state())
_mgetter("getSessionName", lambda c, m, conf, sm: "headless" if m.running else "")
_mgetter("getAccessible", lambda c, m, conf, sm: True)
_mgetter("getDescription", lambda c, m, conf, sm: "emulated VM %s" % m.name)
_mgetter("getOSTypeId", lambda c, m, conf, sm: "Debian_64")
_mgetter("getSettingsFilePath", lambda c, m, conf, sm: m.settings_path)
_mgetter("getSettingsModified", lambda c, m, conf, sm: sm is not None and conf.summary() != m.config.summary())
_mgetter("getMemorySize", lambda c, m, conf, sm: 2048)
_mgetter("getCPUCount", lambda c, m, conf, sm: 2)
_mgetter("getStorageControllers", lambda c, m, conf, sm: [c.ref(ControllerRef(m, n, sm)) for n in conf.controllers])


def _att_struct(ctx, mref, a):
    return {"machine": ctx.ref(mref), "medium": ctx.ref(ctx.m.media.get(a.medium)) if a.medium else "",
            "controller": a.controller, "port": a.port, "device": a.device, "type": a.type,
            "passthrough": a.passthrough, "temporaryEject": False, "isEjected": False,
            "nonRotational": a.nonrotational, "discard": a.discard, "hotPluggable": a.hotpluggable,
            "bandwidthGroup": ""}


@op("IMachine_getMediumAttachments")
def _get_atts(ctx, a):
    m, conf, sm = mview(ctx, ctx.self)
    return [_att_struct(ctx, ctx.self, x) for x in conf.attachments]


def _controller_or_fault(m, conf, name):
    c = conf.controllers.get(name)
    if c is None:
        raise RuntimeFault(VBOX_E_OBJECT_NOT_FOUND, "Could not find a storage controller named '%s'" % name,
                           "Machine", "IMachine")
    return c


@op("IMachine_getMediumAttachmentsOfController")
def _get_atts_of(ctx, a):
    m, conf, sm = mview(ctx, ctx.self)
    _controller_or_fault(m, conf, a["name"])
    return [_att_struct(ctx, ctx.self, x) for x in conf.attachments if x.controller == a["name"]]


def _att_or_fault(conf, name, port, device):
    att = conf.find_att(name, port, device)
    if att is None:
        raise RuntimeFault(VBOX_E_OBJECT_NOT_FOUND, "No storage device attached to device slot %d on port %d of "
                           "controller '%s'" % (device, port, name), "Machine", "IMachine")
    return att


@op("IMachine_getMediumAttachment")
def _get_att(ctx, a):
    m, conf, sm = mview(ctx, ctx.self)
    _controller_or_fault(m, conf, a["name"])
    return _att_struct(ctx, ctx.self, _att_or_fault(conf, a["name"], a["controllerPort"], a["device"]))


@op("IMachine_getMedium")
def _get_medium_at(ctx, a):
    m, conf, sm = mview(ctx, ctx.self)
    _controller_or_fault(m, conf, a["name"])
    att = _att_or_fault(conf, a["name"], a["controllerPort"], a["device"])
    return ctx.ref(ctx.m.media.get(att.medium)) if att.medium else ""


@op("IMachine_getStorageControllerByName")
def _get_sc_by_name(ctx, a):
    m, conf, sm = mview(ctx, ctx.self)
    _controller_or_fault(m, conf, a["name"])
    return ctx.ref(ControllerRef(m, a["name"], sm))


@op("IMachine_getNetworkAdapter")
def _get_adapter(ctx, a):
    m, conf, sm = mview(ctx, ctx.self)
    slot = a["slot"]
    if not 0 <= slot < MAX_ADAPTERS[m.chipset]:
        raise RuntimeFault(E_INVALIDARG, "Invalid slot number: %d (must be in range [0, %d])"
                           % (slot, MAX_ADAPTERS[m.chipset] - 1), "Machine", "IMachine")
    return ctx.ref(NetAdapterRef(m, slot, sm))


@op("IMachine_lockMachine")
def _lock_machine(ctx, a):
    o = ctx.self
    machine = o.machine if isinstance(o, SessionMachine) else o
    session = ctx.obj(a["session"], "ISession")
    ctx.m.lock_machine(machine, session, a["lockType"])
    return None


def _check_port_device(c, port, device):
    # VirtualBox's StorageController::i_checkPortAndDeviceValid: one message for both.
    if not (0 <= port < c.port_count and 0 <= device < MAX_DEVS[c.bus]):
        raise RuntimeFault(E_INVALIDARG, "The port and/or device parameter are out of range: port=%d (must be in "
                           "range [0, %d]), device=%d (must be in range [0, %d])"
                           % (port, c.port_count - 1, device, MAX_DEVS[c.bus] - 1), "Machine", "IMachine")


@op("IMachine_attachDevice")
def _attach_device(ctx, a):
    mdl = ctx.m
    m, conf, sm = mview(ctx, ctx.self, mutate=True)
    c = _controller_or_fault(m, conf, a["name"])
    port, device, typ = a["controllerPort"], a["device"], a["type"]
    _check_port_device(c, port, device)
    medium = ctx.obj(a["medium"], "IMedium", null_ok=True)
    if typ not in ("HardDisk", "DVD", "Floppy"):
        raise RuntimeFault(E_INVALIDARG, "Invalid device type '%s'" % typ, "Machine", "IMachine")
    if m.running and c.bus not in HOTPLUG_BUS:
        raise RuntimeFault(VBOX_E_INVALID_VM_STATE, "Controller '%s' does not support hot-plugging" % c.name,
                           "Machine", "IMachine")
    existing = conf.find_att(c.name, port, device)
    if existing is not None:
        what = ("Medium '%s'" % mdl.media[existing.medium].location) if existing.medium else "A device"
        raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "%s is already attached to port %d, device %d of controller '%s' "
                           "of this virtual machine" % (what, port, device, c.name), "Machine", "IMachine")
    if typ == "HardDisk":
        if medium is None:
            raise RuntimeFault(E_INVALIDARG, "Cannot attach a hard disk without a medium", "Machine", "IMachine")
        if medium.device_type != "HardDisk":
            raise RuntimeFault(E_INVALIDARG, "The device type of medium '%s' does not match the requested type"
                               % medium.location, "Machine", "IMachine")
        if medium.state not in ("Created", "LockedRead"):
            raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE, "Medium '%s' is not accessible (state is %s)"
                               % (medium.location, medium.state), "Medium", "IMedium")
        for x in conf.attachments:
            if x.medium == medium.uuid:
                raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "Medium '%s' is already attached to this virtual machine"
                                   % medium.location, "Machine", "IMachine")
        others = [mdl.machines[u].name for u in mdl.machine_ids(medium) if u != m.uuid]
        if others:
            raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "Medium '%s' is already attached to another virtual machine "
                               "(%s)" % (medium.location, ", ".join(others)), "Machine", "IMachine")
    conf.attachments.append(Attachment(c.name, port, device, typ, medium.uuid if medium else None,
                                       hotpluggable=m.running))
    return None


@op("IMachine_detachDevice")
def _detach_device(ctx, a):
    m, conf, sm = mview(ctx, ctx.self, mutate=True)
    c = _controller_or_fault(m, conf, a["name"])
    port, device = a["controllerPort"], a["device"]
    _check_port_device(c, port, device)
    att = _att_or_fault(conf, c.name, port, device)
    if m.running:
        if c.bus not in HOTPLUG_BUS:
            raise RuntimeFault(VBOX_E_INVALID_VM_STATE, "Controller '%s' does not support hot-plugging" % c.name,
                               "Machine", "IMachine")
        if not att.hotpluggable:
            raise RuntimeFault(VBOX_E_NOT_SUPPORTED, "The device slot %d on port %d of controller '%s' does not "
                               "support hot-plugging" % (device, port, c.name), "Machine", "IMachine")
    conf.attachments.remove(att)
    return None


@op("IMachine_saveSettings")
def _save_settings(ctx, a):
    mdl = ctx.m
    m, conf, sm = mview(ctx, ctx.self, mutate=True)
    mdl.apply_device_changes(m, m.config, conf)
    m.config = conf.clone()
    return None


@op("IMachine_discardSettings")
def _discard_settings(ctx, a):
    m, conf, sm = mview(ctx, ctx.self, mutate=True)
    m.pending = m.config.clone()
    return None


# -- ISession ---------------------------------------------------------------------------------------
@op("ISession_getMachine")
def _session_get_machine(ctx, a):
    s = ctx.self
    if s.state != "Locked":
        raise RuntimeFault(E_UNEXPECTED, "The session is not locked (session state: %s)" % s.state,
                           "Session", "ISession")
    return ctx.ref(SessionMachine(s))


@op("ISession_unlockMachine")
def _unlock_machine(ctx, a):
    s = ctx.self
    if s.state != "Locked":
        raise RuntimeFault(E_UNEXPECTED, "The session is not locked (session state: %s)" % s.state,
                           "Session", "ISession")
    ctx.m.unlock_session(s)
    return None


simple("ISession_getState", lambda c, o: o.state)
simple("ISession_getType", lambda c, o: o.type)
simple("ISession_getName", lambda c, o: o.name)


@op("ISession_setName")
def _session_set_name(ctx, a):
    if ctx.self.state != "Unlocked":
        raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE, "Trying to set name for a session which is not in state "
                           "\"unlocked\"", "Session", "ISession")
    ctx.self.name = a["name"]


# -- IStorageController -----------------------------------------------------------------------------
def scview(ctx, o, mutate=False):
    if o.sm is not None:
        m, conf, sm = mview(ctx, o.sm, mutate)
    else:
        m, conf, sm = mview(ctx, o.machine, mutate)
    c = conf.controllers.get(o.name)
    if c is None:
        raise RuntimeFault(E_ACCESSDENIED, "The object is not ready (controller '%s' no longer exists)" % o.name,
                           "StorageController", "IStorageController")
    return m, conf, c


def _scgetter(name, fn):
    HANDLERS["IStorageController_" + name] = lambda ctx, a: fn(*scview(ctx, ctx.self))


_scgetter("getName", lambda m, conf, c: c.name)
_scgetter("getBus", lambda m, conf, c: c.bus)
_scgetter("getControllerType", lambda m, conf, c: c.ctype)
_scgetter("getPortCount", lambda m, conf, c: c.port_count)
_scgetter("getMaxPortCount", lambda m, conf, c: MAX_PORTS[c.bus])
_scgetter("getMinPortCount", lambda m, conf, c: MIN_PORTS[c.bus])
_scgetter("getMaxDevicesPerPortCount", lambda m, conf, c: MAX_DEVS[c.bus])
_scgetter("getInstance", lambda m, conf, c: c.instance)
_scgetter("getBootable", lambda m, conf, c: c.bootable)
_scgetter("getUseHostIOCache", lambda m, conf, c: c.use_host_io_cache)


@op("IStorageController_setPortCount")
def _set_port_count(ctx, a):
    m, conf, c = scview(ctx, ctx.self, mutate=True)
    n = a["portCount"]
    if ctx.m.strict_port_count and m.running:
        raise RuntimeFault(VBOX_E_INVALID_VM_STATE, "The machine is not mutable (state is %s)" % m.state,
                           "StorageController", "IStorageController")
    if not MIN_PORTS[c.bus] <= n <= MAX_PORTS[c.bus]:
        raise RuntimeFault(E_INVALIDARG, "Invalid port count: %d (must be in range [%d, %d])"
                           % (n, MIN_PORTS[c.bus], MAX_PORTS[c.bus]), "StorageController", "IStorageController")
    used = [x.port for x in conf.attachments if x.controller == c.name]
    if used and n <= max(used):
        raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "Cannot set port count to %d: port %d of controller '%s' is in use"
                           % (n, max(used), c.name), "StorageController", "IStorageController")
    c.port_count = n
    return None


# -- INetworkAdapter ---------------------------------------------------------------------------------
simple("INetworkAdapter_getMACAddress", lambda c, o: o.machine.macs[o.slot])
simple("INetworkAdapter_getEnabled", lambda c, o: o.slot < o.machine.enabled)
simple("INetworkAdapter_getSlot", lambda c, o: o.slot)
simple("INetworkAdapter_getAdapterType", lambda c, o: "I82540EM")
simple("INetworkAdapter_getAttachmentType",
       lambda c, o: ("NAT" if o.slot == 0 else "HostOnly") if o.slot < o.machine.enabled else "Null")
simple("INetworkAdapter_getCableConnected", lambda c, o: o.slot < o.machine.enabled)


# -- IMedium ---------------------------------------------------------------------------------------
def _variants(md):
    return [BITS_VARIANT.get(md.variant & (1 << i), "Standard") for i in range(32)]


simple("IMedium_getId", lambda c, o: o.uuid)
simple("IMedium_getName", lambda c, o: o.name)
simple("IMedium_getLocation", lambda c, o: o.location)
simple("IMedium_getDescription", lambda c, o: o.description)
simple("IMedium_getState", lambda c, o: o.state)
simple("IMedium_refreshState", lambda c, o: o.state)
simple("IMedium_getVariant", lambda c, o: _variants(o))
simple("IMedium_getSize", lambda c, o: o.size())
simple("IMedium_getLogicalSize", lambda c, o: o.logical_size)
simple("IMedium_getDeviceType", lambda c, o: o.device_type)
simple("IMedium_getFormat", lambda c, o: o.format)
simple("IMedium_getMediumFormat", lambda c, o: c.ref(MediumFormat(o.format)))
simple("IMedium_getHostDrive", lambda c, o: False)
simple("IMedium_getType", lambda c, o: "Normal")
simple("IMedium_getReadOnly", lambda c, o: False)
simple("IMedium_getAutoReset", lambda c, o: False)
simple("IMedium_getParent", lambda c, o: "")
simple("IMedium_getChildren", lambda c, o: [])
simple("IMedium_getBase", lambda c, o: c.ref(o))
simple("IMedium_getLastAccessError", lambda c, o: o.last_error)
simple("IMedium_getMachineIds", lambda c, o: c.m.machine_ids(o))


@op("IMedium_getSnapshotIds")
def _snapshot_ids(ctx, a):
    return []


@op("IMedium_setDescription")
def _set_description(ctx, a):
    ctx.self.description = a["description"]


def _variant_bits(lst):
    v = 0
    for x in lst:
        v |= VARIANT_BITS[x]
    return v


@op("IMedium_createBaseStorage")
def _create_base_storage(ctx, a):
    mdl, md = ctx.m, ctx.self
    if md.state != "NotCreated":
        raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE, "Storage for the medium '%s' is already created (state is %s)"
                           % (md.location, md.state), "Medium", "IMedium")
    size = a["logicalSize"]
    if size <= 0:
        raise RuntimeFault(E_INVALIDARG, "Invalid logical size %d" % size, "Medium", "IMedium")
    variant = _variant_bits(a["variant"])
    if variant & (VARIANT_BITS["Diff"] | VARIANT_BITS["VmdkRawDisk"]):
        raise RuntimeFault(E_INVALIDARG, "Medium variant %s is not supported for base storage" % a["variant"],
                           "Medium", "IMedium")
    md.state = "Creating"
    md.logical_size = size
    md.variant = variant

    def work():
        d = os.path.dirname(md.location)
        if not os.path.isdir(d):
            raise RuntimeFault(VBOX_E_FILE_ERROR, "Could not create the medium storage unit '%s'. "
                               "(VERR_PATH_NOT_FOUND)" % md.location, "Medium", "IMedium")
        other = mdl.medium_by_location(md.location)
        if other is not None and other is not md:
            raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "Medium '%s' is already registered as {%s}"
                               % (md.location, other.uuid), "Medium", "IMedium")
        try:
            fd = os.open(md.location, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise RuntimeFault(VBOX_E_FILE_ERROR, "Could not create the medium storage unit '%s'. "
                               "(VERR_ALREADY_EXISTS)" % md.location, "Medium", "IMedium")
        except OSError as e:
            raise RuntimeFault(VBOX_E_FILE_ERROR, "Could not create the medium storage unit '%s'. (%s)"
                               % (md.location, e.strerror), "Medium", "IMedium")
        try:
            os.ftruncate(fd, size)
        except OSError as e:
            os.close(fd)
            os.unlink(md.location)
            raise RuntimeFault(VBOX_E_FILE_ERROR, "Could not create the medium storage unit '%s'. (%s)"
                               % (md.location, e.strerror), "Medium", "IMedium")
        os.close(fd)
        md.state = "Created"
        md.registered = True

    def rollback():
        md.state = "NotCreated"
        md.registered = False
        md.last_error = "creation failed"

    p = Progress(mdl, "Creating medium storage unit '%s'" % md.location, md, work, rollback)
    return ctx.ref(p)


@op("IMedium_deleteStorage")
def _delete_storage(ctx, a):
    mdl, md = ctx.m, ctx.self
    if md.state not in ("Created", "Inaccessible"):
        raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE, "Medium '%s' is not in a deletable state (state is %s)"
                           % (md.location, md.state), "Medium", "IMedium")
    if md.boot:
        raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "Medium '%s' is the boot disk of an emulated VM" % md.location,
                           "Medium", "IMedium")
    ids = mdl.machine_ids(md)
    if ids:
        raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "Cannot delete storage: medium '%s' is still attached to the "
                           "following %d virtual machine(s): %s" % (md.location, len(ids), ", ".join(ids)),
                           "Medium", "IMedium")
    md.state = "Deleting"

    def work():
        try:
            os.unlink(md.location)
        except FileNotFoundError:
            pass
        except OSError as e:
            raise RuntimeFault(VBOX_E_FILE_ERROR, "Could not delete the medium storage unit '%s' (%s)"
                               % (md.location, e.strerror), "Medium", "IMedium")
        md.state = "NotCreated"
        md.registered = False

    def rollback():
        md.state = "Created"

    return ctx.ref(Progress(mdl, "Deleting medium storage unit '%s'" % md.location, md, work, rollback))


@op("IMedium_cloneTo")
def _clone_to(ctx, a):
    mdl, src = ctx.m, ctx.self
    target = ctx.obj(a["target"], "IMedium")
    parent = ctx.obj(a["parent"], "IMedium", null_ok=True)
    if parent is not None:
        raise RuntimeFault(E_INVALIDARG, "Cloning onto a parent (differencing) medium is not supported by the "
                           "emulator", "Medium", "IMedium")
    if src.state not in ("Created", "LockedRead"):
        raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE, "Medium '%s' is not accessible (state is %s)"
                           % (src.location, src.state), "Medium", "IMedium")
    if target.state != "NotCreated":
        raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE, "Storage for the medium '%s' is already created (state is %s)"
                           % (target.location, target.state), "Medium", "IMedium")
    if target is src:
        raise RuntimeFault(E_INVALIDARG, "Cannot clone a medium onto itself", "Medium", "IMedium")
    variant = _variant_bits(a["variant"])
    prev_state = src.state
    src.state = "LockedRead"
    target.state = "Creating"

    def restore_src():
        if src.state == "LockedRead":
            src.state = prev_state if prev_state != "LockedRead" else "Created"

    def work():
        restore_src()
        if not os.path.isdir(os.path.dirname(target.location)):
            raise RuntimeFault(VBOX_E_FILE_ERROR, "Could not create the clone medium '%s' (VERR_PATH_NOT_FOUND)"
                               % target.location, "Medium", "IMedium")
        try:
            sparse_copy(src.location, target.location)
        except FileExistsError:
            raise RuntimeFault(VBOX_E_FILE_ERROR, "Could not create the clone medium '%s' (VERR_ALREADY_EXISTS)"
                               % target.location, "Medium", "IMedium")
        except OSError as e:
            try:
                os.unlink(target.location)
            except OSError:
                pass
            raise RuntimeFault(VBOX_E_FILE_ERROR, "Could not create the clone medium '%s' (%s)"
                               % (target.location, e.strerror), "Medium", "IMedium")
        target.logical_size = src.logical_size
        target.variant = variant
        target.state = "Created"
        target.registered = True

    def rollback():
        restore_src()
        target.state = "NotCreated"
        target.registered = False

    return ctx.ref(Progress(mdl, "Creating clone medium '%s'" % target.location, src, work, rollback))


@op("IMedium_resize")
def _resize(ctx, a):
    mdl, md = ctx.m, ctx.self
    if md.state != "Created":
        raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE, "Medium '%s' is not accessible (state is %s)"
                           % (md.location, md.state), "Medium", "IMedium")
    size = a["logicalSize"]
    if size < md.logical_size:
        raise RuntimeFault(VBOX_E_NOT_SUPPORTED, "Shrinking medium '%s' is not supported" % md.location,
                           "Medium", "IMedium")
    if mdl.machine_ids(md):
        raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "Medium '%s' is attached to a virtual machine" % md.location,
                           "Medium", "IMedium")
    md.state = "LockedWrite"

    def work():
        md.state = "Created"
        try:
            os.truncate(md.location, size)
        except OSError as e:
            raise RuntimeFault(VBOX_E_FILE_ERROR, "Could not resize '%s' (%s)" % (md.location, e.strerror),
                               "Medium", "IMedium")
        md.logical_size = size

    def rollback():
        md.state = "Created"

    return ctx.ref(Progress(mdl, "Resizing medium '%s'" % md.location, md, work, rollback))


@op("IMedium_close")
def _close(ctx, a):
    mdl, md = ctx.m, ctx.self
    if mdl.machine_ids(md):
        raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "Medium '%s' cannot be closed because it is still attached to "
                           "virtual machines" % md.location, "Medium", "IMedium")
    if md.state in ("Creating", "Deleting", "LockedRead", "LockedWrite"):
        raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE, "Medium '%s' is busy (state is %s)" % (md.location, md.state),
                           "Medium", "IMedium")
    if md.boot:
        raise RuntimeFault(VBOX_E_OBJECT_IN_USE, "Medium '%s' is the boot disk of an emulated VM" % md.location,
                           "Medium", "IMedium")
    md.registered = False
    md.state = "NotCreated"
    mdl.media.pop(md.uuid, None)
    return None


# -- IProgress --------------------------------------------------------------------------------------
simple("IProgress_getId", lambda c, o: o.id)
simple("IProgress_getDescription", lambda c, o: o.description)
simple("IProgress_getInitiator", lambda c, o: c.ref(o.initiator))
simple("IProgress_getCancelable", lambda c, o: False)
simple("IProgress_getCanceled", lambda c, o: False)
simple("IProgress_getPercent", lambda c, o: o.percent())
simple("IProgress_getOperationPercent", lambda c, o: o.percent())
simple("IProgress_getCompleted", lambda c, o: o.done.is_set())
simple("IProgress_getOperation", lambda c, o: 0)
simple("IProgress_getOperationCount", lambda c, o: 1)
simple("IProgress_getOperationWeight", lambda c, o: 1)
simple("IProgress_getOperationDescription", lambda c, o: o.description)
simple("IProgress_getTimeout", lambda c, o: o.timeout_ms)
simple("IProgress_getTimeRemaining",
       lambda c, o: 0 if o.done.is_set() else max(0, int((o.t0 + o.duration - time.monotonic()) * 1000)))


@op("IProgress_getResultCode")
def _progress_rc(ctx, a):
    p = ctx.self
    if not p.done.is_set():
        raise RuntimeFault(E_FAIL, "Result code is not available, operation is still in progress",
                           "ProgressProxy", "IProgress")
    return p.rc


@op("IProgress_getErrorInfo")
def _progress_errinfo(ctx, a):
    p = ctx.self
    if not p.done.is_set():
        raise RuntimeFault(E_FAIL, "Error info is not available, operation is still in progress",
                           "ProgressProxy", "IProgress")
    return ctx.ref(p.error) if p.error is not None else ""


def _wait(ctx, p, timeout_ms):
    def after():
        p.done.wait(None if timeout_ms < 0 else timeout_ms / 1000.0)
        with ctx.m.lock:
            if ctx.ws is not None:
                ctx.ws.last_used = time.monotonic()
    ctx.after = after


@op("IProgress_waitForCompletion")
def _wait_for_completion(ctx, a):
    _wait(ctx, ctx.self, a["timeout"])


@op("IProgress_waitForOperationCompletion")
def _wait_for_op(ctx, a):
    if a["operation"] != 0:
        raise RuntimeFault(E_INVALIDARG, "Invalid operation %d (the emulator's progress objects have one "
                           "operation)" % a["operation"], "ProgressProxy", "IProgress")
    _wait(ctx, ctx.self, a["timeout"])


@op("IProgress_setTimeout")
def _progress_set_timeout(ctx, a):
    ctx.self.timeout_ms = a["timeout"]


@op("IProgress_cancel")
def _progress_cancel(ctx, a):
    raise RuntimeFault(VBOX_E_INVALID_OBJECT_STATE, "Operation cannot be canceled", "ProgressProxy", "IProgress")


# -- IVirtualBoxErrorInfo -------------------------------------------------------------------------
simple("IVirtualBoxErrorInfo_getResultCode", lambda c, o: signed32(o.code))
simple("IVirtualBoxErrorInfo_getResultDetail", lambda c, o: 0)
simple("IVirtualBoxErrorInfo_getInterfaceID", lambda c, o: IIDS.get(o.interface, IIDS["IVirtualBox"]))
simple("IVirtualBoxErrorInfo_getComponent", lambda c, o: o.component)
simple("IVirtualBoxErrorInfo_getText", lambda c, o: o.text)
simple("IVirtualBoxErrorInfo_getNext", lambda c, o: "")


# ----------------------------------------------------------------------------------------------
# HTTP front end
# ----------------------------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gSOAP/2.8"
    sys_version = ""

    def log_message(self, fmt, *args):
        if self.server.model.verbose:
            sys.stderr.write("vboxweb: %s\n" % (fmt % args))

    def _read_body(self):
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while True:
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                chunks.append(self.rfile.read(n))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, payload, ctype="text/xml; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, status, obj):
        self._send(status, (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode(), "application/json")

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        u = urlsplit(self.path)
        model = self.server.model
        if u.path.rstrip("/") == "/__control/state":
            return self._json(200, model.state())
        if u.path.rstrip("/") == "/__control/info":
            return self._json(200, self.server.info)
        if "wsdl" in u.query.lower():
            with open(model.schema.path, "rb") as f:
                return self._send(200, f.read())
        return self._send(405, fault_xml("SOAP-ENV:Client", "HTTP GET method not implemented"))

    def do_POST(self):
        u = urlsplit(self.path)
        body = self._read_body()
        if u.path.startswith("/__control"):
            return self._control(u.path.rstrip("/"), body)
        model = self.server.model
        cf = model.take_connection_fault()
        if cf == "drop_connections":
            return self._drop()
        if cf == "empty_reply":
            return self._send(200, b"")
        status, payload, opname, note = model.handle_soap(body)
        if model.verbose:
            sys.stderr.write("vboxweb: %s -> %s %s\n" % (opname, status, note))
        if cf == "drop_after_execute":
            return self._drop()
        self._send(status, payload)

    def _control(self, path, body):
        model = self.server.model
        try:
            data = json.loads(body.decode() or "{}")
        except ValueError as e:
            return self._json(400, {"error": "bad JSON: %s" % e})
        try:
            if path == "/__control/faults":
                model.set_faults(data)
                return self._json(200, {"ok": True, "faults": model.state()["faults"]})
            if path == "/__control/faults/clear":
                model.clear_faults()
                return self._json(200, {"ok": True})
            if path == "/__control/attach-other":
                return self._json(200, model.attach_other(data["medium_uuid"], data.get("port"), data.get("machine")))
            if path == "/__control/detach-other":
                return self._json(200, model.detach_other(data["medium_uuid"], data.get("machine")))
            if path == "/__control/port-count":
                return self._json(200, model.set_port_count_ctl(data.get("machine"), data.get("controller"),
                                                                data["count"]))
            if path == "/__control/state":
                return self._json(200, model.state())
            return self._json(404, {"error": "unknown control path %s" % path})
        except KeyError as e:
            return self._json(404, {"error": str(e)})
        except (ValueError, TypeError) as e:
            return self._json(400, {"error": str(e)})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class VboxEmulator:
    """Run the emulator in-process.  `with VboxEmulator(dir, ports=2) as e: e.info[...]`."""

    def __init__(self, state_dir, port=0, ports=2, session_timeout=300.0, check_interval=5.0, wsdl=None,
                 progress_ms=200, username=None, password=None, mimic_host=False, no_loop=False,
                 strict_port_count=False, verbose=False):
        self.state_dir = os.path.abspath(state_dir)
        self.port = port
        self.kw = dict(ports=ports, session_timeout=session_timeout, check_interval=check_interval,
                       progress_ms=progress_ms, username=username, password=password, mimic_host=mimic_host,
                       no_loop=no_loop, strict_port_count=strict_port_count, verbose=verbose)
        self.wsdl = wsdl or default_wsdl_path()
        self.model = None
        self.httpd = None
        self.info = None
        self._threads = []
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._did_stop = False

    @property
    def endpoint(self):
        return self.info["endpoint"]

    @property
    def control_endpoint(self):
        return self.info["control_endpoint"]

    def start(self):
        schema = Schema(self.wsdl)
        missing = [n for n in HANDLERS if n not in schema.ops]
        if missing:
            raise RuntimeError("handlers for operations the WSDL lacks: %s" % missing)
        self.model = Model(self.state_dir, schema, **self.kw)
        try:
            self.httpd = Server(("127.0.0.1", int(self.port)), Handler)
        except Exception:
            self.model.cleanup_devices()
            raise
        self.httpd.model = self.model
        port = self.httpd.server_address[1]
        m = self.model
        self.info = {
            "endpoint": "http://127.0.0.1:%d" % port,
            "control_endpoint": "http://127.0.0.1:%d/__control" % port,
            "machine_name": m.node0.name, "machine_uuid": m.node0.uuid,
            "machine_hardware_uuid": m.node0.hw_uuid,
            "other_machine_name": m.node1.name, "other_machine_uuid": m.node1.uuid,
            "controller_name": "SATA",
            "volume_path": m.volume_path,
            "disk_id_path": m.disk_id_path,
            "mac_addresses": m.node0.macs[:m.node0.enabled],
            "other_mac_addresses": m.node1.macs[:m.node1.enabled],
            "ports": m.node0.config.controllers["SATA"].port_count,
            "session_timeout": m.session_timeout,
            "wsdl": self.wsdl,
            "pid": os.getpid(),
        }
        self.httpd.info = self.info
        t = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                             name="vboxweb-http")
        t.start()
        self._threads.append(t)
        w = threading.Thread(target=self._watchdog, daemon=True, name="vboxweb-watchdog")
        w.start()
        self._threads.append(w)
        path = os.path.join(self.state_dir, "vbox.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.info, f, indent=1)
            f.write("\n")
        os.replace(tmp, path)
        return self

    def _watchdog(self):
        interval = self.model.check_interval
        while not self._stopped.wait(max(0.05, min(interval, self.model.session_timeout / 2.0
                                                   if self.model.session_timeout > 0 else interval))):
            with self.model.lock:
                self.model.expire_idle()

    def stop(self):
        with self._stop_lock:
            if self._did_stop:
                return
            self._did_stop = True
        self._stopped.set()
        if self.httpd is not None:
            try:
                self.httpd.shutdown()
                self.httpd.server_close()
            except Exception:
                traceback.print_exc()
        if self.model is not None:
            with self.model.lock:
                self.model.closed = True
                for p in list(self.model.progresses.values()):
                    t = getattr(p, "timer", None)
                    if t is not None:
                        t.cancel()
            self.model.cleanup_devices()
        try:
            os.unlink(os.path.join(self.state_dir, "vbox.json"))
        except OSError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def main(argv=None):
    ap = argparse.ArgumentParser(description="vboxwebsrv (VirtualBox 6.1 SOAP) emulator")
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--ports", type=int, default=2, help="SATA port count of each VM (1..30)")
    ap.add_argument("--session-timeout", type=float, default=300.0, help="websession idle timeout, s (0 = never)")
    ap.add_argument("--check-interval", type=float, default=5.0, help="idle-session watchdog period, s")
    ap.add_argument("--progress-ms", type=int, default=200, help="duration of IProgress operations, ms")
    ap.add_argument("--wsdl", default=None)
    ap.add_argument("--username", default=None)
    ap.add_argument("--password", default=None)
    ap.add_argument("--mimic-host", action="store_true",
                    help="give node0 this host's NIC MACs and DMI product UUID")
    ap.add_argument("--no-loop", action="store_true", help="no loop devices; by-id links point at the backing files")
    ap.add_argument("--strict-port-count", action="store_true",
                    help="refuse setPortCount on a running VM (as real VirtualBox does)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    if not 1 <= args.ports <= 30:
        ap.error("--ports must be in 1..30")
    emu = VboxEmulator(args.state_dir, port=args.port, ports=args.ports, session_timeout=args.session_timeout,
                       check_interval=args.check_interval, wsdl=args.wsdl, progress_ms=args.progress_ms,
                       username=args.username, password=args.password, mimic_host=args.mimic_host,
                       no_loop=args.no_loop, strict_port_count=args.strict_port_count, verbose=args.verbose)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    atexit.register(emu.stop)
    emu.start()
    sys.stderr.write("vboxweb emulator listening on %s (state %s)\n" % (emu.info["endpoint"], emu.state_dir))
    sys.stderr.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
