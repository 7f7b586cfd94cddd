"""Device hot-plug for the EC2 emulator: loop devices over per-volume sparse
backing files, plus what Xen or Nitro hosts show for an attached EBS volume.

Layout under the state dir:
  backing/<vol-id>.img   one sparse file per volume (created at first attach)
  backing/<snap-id>.img  copy of the volume's file at CreateSnapshot time
  dev/xvdX -> /dev/loopN                                 (xen)
  dev/nvmeKn1 -> /dev/loopN                              (nitro)
  dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_volXXX -> ../../nvmeKn1
  sys/block/nvmeKn1/device/{serial,model}, sys/block/nvmeKn1/{dev,size}
"""

import os
import re
import shutil
import subprocess
import threading
import time

GIB = 1 << 30
NVME_MODEL = "Amazon Elastic Block Store"


def xen_name(device):
    """'/dev/sdf' -> 'xvdf', '/dev/xvdf' -> 'xvdf'."""
    base = os.path.basename(device or "")
    if base.startswith("sd"):
        base = "xvd" + base[2:]
    return base


def nvme_serial(volume_id):
    return volume_id.replace("-", "", 1)


def run(cmd, check=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p


def sparse_copy(src, dst):
    tmp = dst + ".tmp"
    run(["cp", "--sparse=always", src, tmp])
    os.replace(tmp, dst)


def _unmount_all(predicate, log):
    """Unmount every mount whose (source, target) satisfies predicate.
    Deepest targets first; lazy unmount as the fallback."""
    for _ in range(3):
        mounts = []
        try:
            with open("/proc/self/mountinfo") as f:
                for line in f:
                    parts = line.split()
                    sep = parts.index("-")
                    target = parts[4].encode().decode("unicode_escape")
                    source = parts[sep + 2].encode().decode("unicode_escape")
                    if predicate(source, target):
                        mounts.append(target)
        except OSError:
            return
        if not mounts:
            return
        for target in sorted(set(mounts), key=len, reverse=True):
            log("hotplug: unmounting leftover mount %s" % target)
            if run(["umount", target], check=False).returncode != 0:
                run(["umount", "-l", target], check=False)


class Plug:
    def __init__(self, volume_id, device, backing):
        self.volume_id = volume_id
        self.device = device          # as requested in AttachVolume
        self.backing = backing
        self.loop = None              # /dev/loopN once plugged
        self.links = []               # paths we created (files/symlinks)
        self.dirs = []                # dirs we created (sysfs)
        self.name = None              # xvdf / nvme1n1
        self.nvme_index = None
        self.state = "pending"        # pending -> plugged | failed | cancelled
        self.error = None
        self.done = threading.Event()
        self.cancelled = False

    def describe(self):
        return {"volume_id": self.volume_id, "device": self.device, "name": self.name,
                "loop": self.loop, "backing": self.backing, "links": list(self.links),
                "state": self.state, "error": self.error}


class Hotplug:
    def __init__(self, state_dir, nitro=False, nitro_xvd_links=False, delay_ms=200, log=None):
        self.state_dir = os.path.abspath(state_dir)
        self.dev_root = os.path.join(self.state_dir, "dev")
        self.sys_root = os.path.join(self.state_dir, "sys")
        self.backing_dir = os.path.join(self.state_dir, "backing")
        self.nitro = nitro
        self.nitro_xvd_links = nitro_xvd_links
        self.default_delay_ms = delay_ms
        self.delay_ms = delay_ms
        self.log = log or (lambda *a: None)
        self.lock = threading.RLock()     # protects plugs / names / loops
        self.losetup_lock = threading.Lock()
        self.plugs = {}                   # volume_id -> Plug
        self.loops = set()                # every loop device we created and have not detached
        self.errors = []
        self.root_plug = None

    # ---- paths
    def backing_path(self, resource_id):
        return os.path.join(self.backing_dir, resource_id + ".img")

    def setup(self):
        for d in (self.dev_root, os.path.join(self.dev_root, "disk", "by-id"),
                  os.path.join(self.sys_root, "block"), self.backing_dir):
            os.makedirs(d, exist_ok=True)

    # ---- backing files
    def ensure_backing(self, volume_id, size_gib):
        path = self.backing_path(volume_id)
        want = max(int(size_gib or 1), 1) * GIB
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.truncate(want)
        elif os.path.getsize(path) < want:
            os.truncate(path, want)
        return path

    def grow(self, volume_id, size_gib):
        """After ModifyVolume: the backing file grows, and an attached loop
        device takes the new size, as an EBS disk does online."""
        with self.lock:
            self.ensure_backing(volume_id, size_gib)
            plug = self.plugs.get(volume_id)
            if plug is not None and plug.loop:
                with self.losetup_lock:
                    run(["losetup", "-c", plug.loop])
                self.log("hotplug: %s grown to %d GiB" % (volume_id, size_gib))

    def snapshot_created(self, volume_id, snapshot_id):
        src = self.backing_path(volume_id)
        if os.path.exists(src):
            os.sync()  # data the guest wrote through a mounted fs reaches the file
            sparse_copy(src, self.backing_path(snapshot_id))
            return True
        return False

    def snapshot_copied(self, source_snapshot_id, new_snapshot_id):
        src = self.backing_path(source_snapshot_id)
        if os.path.exists(src):
            sparse_copy(src, self.backing_path(new_snapshot_id))
            return True
        return False

    def volume_from_snapshot(self, snapshot_id, volume_id, size_gib):
        src = self.backing_path(snapshot_id)
        if os.path.exists(src):
            dst = self.backing_path(volume_id)
            sparse_copy(src, dst)
            if size_gib and os.path.getsize(dst) < int(size_gib) * GIB:
                os.truncate(dst, int(size_gib) * GIB)
            return True
        return False

    def remove_backing(self, resource_id):
        try:
            os.unlink(self.backing_path(resource_id))
            return True
        except FileNotFoundError:
            return False

    # ---- loop devices
    def _losetup(self, path):
        with self.losetup_lock:
            last = None
            for _ in range(5):
                p = run(["losetup", "--find", "--show", path], check=False)
                if p.returncode == 0:
                    loop = p.stdout.strip()
                    self.loops.add(loop)
                    return loop
                last = p.stderr.strip()
                time.sleep(0.1)
            raise RuntimeError("losetup --find --show %s: %s" % (path, last))

    def _loop_detach(self, loop, unmount=True, volume_id=None):
        """unmount=False is the DetachVolume path: like EC2 we pull the disk even
        if the guest still has it mounted (the kernel frees the loop device at
        the last unmount) and record a warning for the tests to see."""
        if not loop:
            return
        mounted = mounts_of(loop)
        if mounted and not unmount:
            msg = "%s detached while %s is still mounted at %s" % (volume_id or "volume", loop, ", ".join(mounted))
            self.log("hotplug: WARNING " + msg)
            self.errors.append({"time": time.time(), "volume_id": volume_id, "error": msg})
        elif mounted:
            _unmount_all(lambda src, tgt: src == loop, self.log)
        with self.losetup_lock:
            p = run(["losetup", "-d", loop], check=False)
            if p.returncode != 0 and "No such device" not in p.stderr:
                self.log("hotplug: losetup -d %s: %s" % (loop, p.stderr.strip()))
            if not (mounted and not unmount):
                self.loops.discard(loop)

    @staticmethod
    def _loop_devno(loop):
        st = os.stat(loop)
        return "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))

    # ---- names
    def _free_nvme_index(self, start=1):
        used = {p.nvme_index for p in self.plugs.values() if p.nvme_index is not None}
        if self.root_plug is not None and self.root_plug.nvme_index is not None:
            used.add(self.root_plug.nvme_index)
        k = start
        while k in used or os.path.lexists(os.path.join(self.dev_root, "nvme%dn1" % k)) \
                or os.path.lexists(os.path.join(self.sys_root, "block", "nvme%dn1" % k)):
            k += 1
        return k

    def _symlink(self, plug, target, path):
        if os.path.lexists(path):
            raise RuntimeError("%s already exists (not created by the emulator)" % path)
        os.symlink(target, path)
        plug.links.append(path)

    def _write(self, plug, path, text):
        with open(path, "w") as f:
            f.write(text)
        plug.links.append(path)

    def _create_nodes(self, plug, size_bytes, root=False):
        """Create the platform's view of the plugged loop device.  Caller holds self.lock."""
        if not self.nitro:
            plug.name = xen_name(plug.device)
            if not re.fullmatch(r"xvd[a-z]{1,2}\d*", plug.name):
                raise RuntimeError("cannot derive a Xen device name from %r" % plug.device)
            self._symlink(plug, plug.loop, os.path.join(self.dev_root, plug.name))
            return
        k = 0 if root else self._free_nvme_index()
        plug.nvme_index = k
        plug.name = "nvme%dn1" % k
        self._symlink(plug, plug.loop, os.path.join(self.dev_root, plug.name))
        blk = os.path.join(self.sys_root, "block", plug.name)
        dev = os.path.join(blk, "device")
        os.makedirs(dev)
        plug.dirs.append(blk)
        serial = nvme_serial(plug.volume_id)
        self._write(plug, os.path.join(dev, "serial"), serial.ljust(20) + "\n")
        self._write(plug, os.path.join(dev, "model"), NVME_MODEL.ljust(40) + "\n")
        self._write(plug, os.path.join(dev, "vendor"), "0x1d0f\n")
        # what `nvme id-ctrl` shows in the vendor-specific area (bytes 3072..3103)
        self._write(plug, os.path.join(dev, "ebs_device_name"), (plug.device or "").ljust(32) + "\n")
        self._write(plug, os.path.join(blk, "dev"), self._loop_devno(plug.loop) + "\n")
        self._write(plug, os.path.join(blk, "size"), "%d\n" % (size_bytes // 512))
        self._symlink(plug, "../../" + plug.name,
                      os.path.join(self.dev_root, "disk", "by-id",
                                   "nvme-Amazon_Elastic_Block_Store_" + serial))
        if self.nitro_xvd_links and plug.device and not root:
            # Amazon Linux's ec2-utils udev rule links the requested name (from the
            # vendor area) to the NVMe disk: /dev/xvdf -> nvme1n1
            name = os.path.basename(plug.device)
            if re.fullmatch(r"(xvd|sd)[a-z]{1,2}", name):
                self._symlink(plug, plug.name, os.path.join(self.dev_root, name))

    def _remove_nodes(self, plug):
        for path in reversed(plug.links):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as e:
                self.log("hotplug: cannot remove %s: %s" % (path, e))
        plug.links = []
        for d in plug.dirs:
            shutil.rmtree(d, ignore_errors=True)
        plug.dirs = []

    # ---- root disk (always present, like a real instance)
    def plug_root(self, volume_id, device, size_gib):
        path = self.ensure_backing(volume_id, size_gib)
        plug = Plug(volume_id, device, path)
        with self.lock:
            plug.loop = self._losetup(path)
            self.root_plug = plug
            try:
                self._create_nodes(plug, os.path.getsize(path), root=True)
            except Exception:
                self._remove_nodes(plug)
                raise
            plug.state = "plugged"
            plug.done.set()
        return plug

    # ---- attach / detach
    def is_pending(self, volume_id):
        with self.lock:
            p = self.plugs.get(volume_id)
            return p is not None and p.state == "pending"

    def unplugged_volumes(self):
        """Volumes attached here whose device is not there (yet): pending or failed."""
        with self.lock:
            return [v for v, p in self.plugs.items() if p.state in ("pending", "failed")]

    def plugged(self, volume_id):
        with self.lock:
            return self.plugs.get(volume_id)

    def attach_async(self, volume_id, device, size_gib, delay_ms=None):
        """Called after moto accepted AttachVolume for this host.  Returns the Plug."""
        delay = self.delay_ms if delay_ms is None else delay_ms
        with self.lock:
            old = self.plugs.get(volume_id)
            if old is not None:
                raise RuntimeError("volume %s is already plugged here" % volume_id)
            plug = Plug(volume_id, device, self.backing_path(volume_id))
            self.plugs[volume_id] = plug
        t = threading.Thread(target=self._plug, args=(plug, size_gib, delay / 1000.0),
                             name="hotplug-" + volume_id, daemon=True)
        t.start()
        return plug

    def _plug(self, plug, size_gib, delay):
        try:
            if delay > 0:
                time.sleep(delay)
            with self.lock:
                if plug.cancelled:
                    plug.state = "cancelled"
                    return
                self.ensure_backing(plug.volume_id, size_gib)
                plug.loop = self._losetup(plug.backing)
                try:
                    self._create_nodes(plug, os.path.getsize(plug.backing))
                except Exception:
                    self._remove_nodes(plug)
                    self._loop_detach(plug.loop)
                    plug.loop = None
                    raise
                plug.state = "plugged"
                self.log("hotplug: %s plugged as %s (%s)" % (plug.volume_id, plug.name, plug.loop))
        except Exception as e:  # noqa: BLE001 - recorded for the control API
            plug.state = "failed"
            plug.error = str(e)
            self.errors.append({"time": time.time(), "volume_id": plug.volume_id, "error": str(e)})
            self.log("hotplug: %s failed: %s" % (plug.volume_id, e))
        finally:
            plug.done.set()

    def detach(self, volume_id):
        """Called after moto accepted DetachVolume.  Synchronous."""
        with self.lock:
            plug = self.plugs.pop(volume_id, None)
            if plug is None:
                return None
            plug.cancelled = True
            if plug.state == "pending":
                # the plug thread needs self.lock to proceed; it sees cancelled
                return plug
        plug.done.wait(30)
        with self.lock:
            self._remove_nodes(plug)
            self._loop_detach(plug.loop, unmount=False, volume_id=volume_id)
            plug.state = "unplugged"
            self.log("hotplug: %s unplugged (%s)" % (volume_id, plug.loop))
        return plug

    def wait(self, volume_id, timeout=10):
        with self.lock:
            plug = self.plugs.get(volume_id)
        if plug is None:
            return None
        plug.done.wait(timeout)
        return plug

    def describe(self):
        with self.lock:
            return {
                "mode": "nitro" if self.nitro else "xen",
                "volumes": {v: p.describe() for v, p in self.plugs.items()},
                "root": self.root_plug.describe() if self.root_plug else None,
                "loops": sorted(self.loops),
                "errors": list(self.errors),
                "hotplug_delay_ms": self.delay_ms,
            }

    # ---- teardown
    def cleanup(self, remove_backing=True):
        with self.lock:
            plugs = list(self.plugs.values())
            self.plugs.clear()
            if self.root_plug is not None:
                plugs.append(self.root_plug)
                self.root_plug = None
            for p in plugs:
                p.cancelled = True
        for p in plugs:
            p.done.wait(5)
            self._remove_nodes(p)
            self._loop_detach(p.loop)
        # safety nets: mounts under the state dir, any loop device still backed by our files
        sd = self.state_dir + "/"
        _unmount_all(lambda src, tgt: tgt.startswith(sd) or src in self.loops, self.log)
        for loop in list(self.loops):
            self._loop_detach(loop)
        detach_loops_backed_by(self.backing_dir, self.log)
        for d in (os.path.join(self.dev_root), os.path.join(self.sys_root)):
            shutil.rmtree(d, ignore_errors=True)
        if remove_backing:
            shutil.rmtree(self.backing_dir, ignore_errors=True)


def mounts_of(source):
    out = []
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                parts = line.split()
                sep = parts.index("-")
                if parts[sep + 2].encode().decode("unicode_escape") == source:
                    out.append(parts[4].encode().decode("unicode_escape"))
    except OSError:
        pass
    return out


def loops_backed_by(directory):
    """Loop devices whose backing file lives in directory (even if deleted)."""
    directory = os.path.abspath(directory) + "/"
    out = []
    p = run(["losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE"], check=False)
    for line in p.stdout.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2:
            back = parts[1].strip()
            if back.endswith(" (deleted)"):
                back = back[: -len(" (deleted)")]
            if back.startswith(directory):
                out.append(parts[0])
    return out


def detach_loops_backed_by(directory, log=lambda *a: None):
    loops = loops_backed_by(directory)
    if loops:
        _unmount_all(lambda src, tgt: src in loops, log)
    for loop in loops:
        log("hotplug: detaching leftover %s" % loop)
        run(["losetup", "-d", loop], check=False)
    return loops
