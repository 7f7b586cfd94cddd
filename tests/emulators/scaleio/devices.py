"""What the SDC kernel driver shows on this host for a volume mapped to its SDC:
a block device (a loop device over a per-volume sparse backing file) and the
udev link <device_root>/emc-vol-<systemId>-<volumeId> -> /dev/loopN.

Backing files live in <state_dir>/backing/<volumeId>.img, are created at the
first map (sparse, the volume's size) and kept until the volume is removed, so
data survives unmap/map.  A snapshot starts as a sparse copy of its source.
Loop-device and mount helpers come from the EC2 emulator's hotplug module.
"""

import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ec2"))
from hotplug import detach_loops_backed_by, mounts_of, run, sparse_copy  # noqa: E402


class Plug:
    def __init__(self, volume_id):
        self.volume_id = volume_id
        self.loop = None
        self.link = None
        self.state = "pending"      # pending -> plugged | failed | cancelled
        self.error = None
        self.cancelled = False
        self.done = threading.Event()

    def describe(self):
        return {"volume_id": self.volume_id, "loop": self.loop, "link": self.link,
                "state": self.state, "error": self.error}


class HostDevices:
    def __init__(self, device_root, state_dir, system_id, delay=0.0, log=None):
        self.device_root = os.path.abspath(device_root)
        self.backing_dir = os.path.join(os.path.abspath(state_dir), "backing")
        self.system_id = system_id
        self.delay = float(delay)
        self.log = log or (lambda msg: None)
        self.lock = threading.RLock()
        self.losetup_lock = threading.Lock()
        self.plugs = {}           # volume id -> Plug
        self.warnings = []

    # ---- paths
    def link_path(self, volume_id):
        return os.path.join(self.device_root, "emc-vol-%s-%s" % (self.system_id, volume_id))

    def backing_path(self, volume_id):
        return os.path.join(self.backing_dir, volume_id + ".img")

    def setup(self):
        """Create the directories and drop what a killed earlier run left here."""
        os.makedirs(self.device_root, exist_ok=True)
        detach_loops_backed_by(self.backing_dir, self.log)
        shutil.rmtree(self.backing_dir, ignore_errors=True)
        os.makedirs(self.backing_dir)
        prefix = "emc-vol-%s-" % self.system_id
        for name in os.listdir(self.device_root):
            path = os.path.join(self.device_root, name)
            if name.startswith(prefix) and os.path.islink(path):
                os.unlink(path)

    # ---- backing files
    def _ensure_backing(self, volume_id, size_bytes):
        path = self.backing_path(volume_id)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.truncate(size_bytes)
        elif os.path.getsize(path) < size_bytes:
            os.truncate(path, size_bytes)
        return path

    def copy_backing(self, source_id, target_id):
        """A snapshot's content: a sparse copy of the source's data, if it has any."""
        src = self.backing_path(source_id)
        if not os.path.exists(src):
            return False
        with self.lock:
            plug = self.plugs.get(source_id)
            loop = plug.loop if plug is not None and plug.state == "plugged" else None
        if loop:
            fd = os.open(loop, os.O_RDONLY)   # push the device's cached writes into the file
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        sparse_copy(src, self.backing_path(target_id))
        return True

    def resize(self, volume_id, size_bytes):
        path = self.backing_path(volume_id)
        if os.path.exists(path) and os.path.getsize(path) < size_bytes:
            os.truncate(path, size_bytes)
            with self.lock:
                plug = self.plugs.get(volume_id)
                if plug is not None and plug.loop:
                    run(["losetup", "--set-capacity", plug.loop], check=False)

    def remove_backing(self, volume_id):
        try:
            os.unlink(self.backing_path(volume_id))
        except FileNotFoundError:
            pass

    # ---- loop devices
    def _losetup(self, path):
        with self.losetup_lock:
            last = None
            for _ in range(5):
                p = run(["losetup", "--find", "--show", path], check=False)
                if p.returncode == 0:
                    return p.stdout.strip()
                last = p.stderr.strip()
                time.sleep(0.1)
            raise RuntimeError("losetup --find --show %s: %s" % (path, last))

    def _unloop(self, plug):
        if plug.link:
            try:
                os.unlink(plug.link)
            except FileNotFoundError:
                pass
            plug.link = None
        if plug.loop:
            mounted = mounts_of(plug.loop)
            if mounted:
                msg = "%s unmapped while %s is mounted at %s" % (plug.volume_id, plug.loop, ", ".join(mounted))
                self.log("devices: WARNING " + msg)
                self.warnings.append({"time": time.time(), "volume_id": plug.volume_id, "warning": msg})
            with self.losetup_lock:
                p = run(["losetup", "-d", plug.loop], check=False)
            if p.returncode != 0 and "No such device" not in p.stderr:
                self.log("devices: losetup -d %s: %s" % (plug.loop, p.stderr.strip()))
            plug.loop = None

    def _plug(self, plug, size_bytes, delay):
        try:
            if delay > 0:
                time.sleep(delay)
            with self.lock:
                if plug.cancelled:
                    plug.state = "cancelled"
                    return
                path = self._ensure_backing(plug.volume_id, size_bytes)
                plug.loop = self._losetup(path)
                link = self.link_path(plug.volume_id)
                try:
                    if os.path.lexists(link):
                        raise RuntimeError("%s already exists" % link)
                    os.symlink(plug.loop, link)
                    plug.link = link
                except Exception:
                    self._unloop(plug)
                    raise
                plug.state = "plugged"
                self.log("devices: %s -> %s" % (link, plug.loop))
        except Exception as e:  # noqa: BLE001 - reported to the caller or in describe()
            plug.state = "failed"
            plug.error = str(e)
            self.log("devices: plugging %s failed: %s" % (plug.volume_id, e))
        finally:
            plug.done.set()

    # ---- map / unmap
    def attach(self, volume_id, size_bytes):
        """Expose the volume here.  Without a delay this is synchronous and raises on
        failure; with one, the link appears `delay` seconds later (failures show up in
        describe())."""
        with self.lock:
            if volume_id in self.plugs:
                raise RuntimeError("volume %s is already exposed on this host" % volume_id)
            plug = Plug(volume_id)
            self.plugs[volume_id] = plug
            delay = self.delay
        if delay <= 0:
            self._plug(plug, size_bytes, 0)
            if plug.state != "plugged":
                with self.lock:
                    self.plugs.pop(volume_id, None)
                raise RuntimeError(plug.error)
            return plug
        threading.Thread(target=self._plug, args=(plug, size_bytes, delay),
                         name="plug-" + volume_id, daemon=True).start()
        return plug

    def detach(self, volume_id):
        # _plug checks `cancelled` and plugs under one hold of self.lock: once we hold
        # it, the plug is either finished or will see the cancellation.
        with self.lock:
            plug = self.plugs.pop(volume_id, None)
            if plug is None:
                return None
            plug.cancelled = True
            if plug.state == "pending":
                return plug
            self._unloop(plug)
            if plug.state == "plugged":
                plug.state = "unplugged"
        self.log("devices: %s unplugged" % volume_id)
        return plug

    def device_of(self, volume_id):
        with self.lock:
            plug = self.plugs.get(volume_id)
            return plug.loop if plug is not None and plug.state == "plugged" else None

    def describe(self):
        with self.lock:
            return {"device_root": self.device_root, "backing_dir": self.backing_dir, "delay": self.delay,
                    "plugs": {v: p.describe() for v, p in self.plugs.items()},
                    "warnings": list(self.warnings)}

    # ---- teardown
    def cleanup(self, remove_backing=True):
        with self.lock:
            plugs = list(self.plugs.values())
            self.plugs.clear()
            for p in plugs:
                p.cancelled = True
                self._unloop(p)
        detach_loops_backed_by(self.backing_dir, self.log)   # safety net
        if remove_backing:
            shutil.rmtree(self.backing_dir, ignore_errors=True)
