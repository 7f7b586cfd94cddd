#!/usr/bin/env python3
"""Self-tests for the EC2 test backend (stack.py, proxy.py, imds.py, hotplug.py, sigv4.py).

    python3 tests/emulators/ec2/test_stack.py [-v] [name-substring ...]

Needs root (loop devices, mount).  Prints "N passed, M failed"; exit status 1 on failure.
"""

import datetime
import glob
import json
import os
import random
import re
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.exceptions  # noqa: E402

import sigv4  # noqa: E402
from stack import Ec2Stack  # noqa: E402

VERBOSE = "-v" in sys.argv
TESTS = []
_stacks = {}
_tmp_root = tempfile.mkdtemp(prefix="ec2-selftest-")


def test(fn):
    TESTS.append(fn)
    return fn


def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def eq(a, b, msg=""):
    if a != b:
        raise AssertionError("%s: %r != %r" % (msg or "values differ", a, b))


def wait_for(pred, timeout=10.0, interval=0.05, msg="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s" % msg)


def expect_error(fn, code, status=None):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        eq(got, code, "error code")
        if status is not None:
            eq(e.response["ResponseMetadata"]["HTTPStatusCode"], status, "HTTP status for " + code)
        return e
    raise AssertionError("expected %s, call succeeded" % code)


def stack(name="xen", **kw):
    """One shared stack per configuration."""
    if name not in _stacks:
        d = os.path.join(_tmp_root, name)
        _stacks[name] = Ec2Stack(d, **kw).start()
    return _stacks[name]


def our_loops(directory):
    out = subprocess.run(["losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE"],
                         stdout=subprocess.PIPE, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if directory in line]


def loop_backing(loop):
    return open("/sys/block/%s/loop/backing_file" % os.path.basename(loop)).read().strip()


def mounts_under(directory):
    with open("/proc/self/mounts") as f:
        return [line for line in f if directory in line]


def raw_post(url, body, headers):
    req = urllib.request.Request(url, data=body if isinstance(body, bytes) else body.encode(),
                                 headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def http(method, url, headers=None, data=None, timeout=10):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


# ---------------------------------------------------------------------------
# SigV4 (no stack)

S_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
S_DATE = "20150830T123600Z"


@test
def sigv4_vector_get_vanilla():
    creq = sigv4.canonical_request("GET", "/", "", [("Host", "example.amazonaws.com"), ("X-Amz-Date", S_DATE)],
                                   ["host", "x-amz-date"], sigv4.EMPTY_SHA256)
    eq(sigv4.sha256_hex(creq), "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")
    eq(sigv4.signature(S_SECRET, S_DATE, "us-east-1", "service", creq),
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")


@test
def sigv4_vector_iam_example():
    creq = sigv4.canonical_request(
        "GET", "/", "Action=ListUsers&Version=2010-05-08",
        [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Host", "iam.amazonaws.com"),
         ("X-Amz-Date", S_DATE)], ["content-type", "host", "x-amz-date"], sigv4.EMPTY_SHA256)
    eq(sigv4.sha256_hex(creq), "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59")
    eq(sigv4.signing_key(S_SECRET, "20150830", "us-east-1", "iam").hex(),
       "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
    eq(sigv4.signature(S_SECRET, S_DATE, "us-east-1", "iam", creq),
       "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")


@test
def sigv4_vector_ec2_derived():
    body = b"Action=DescribeVolumes&Version=2016-11-15&VolumeId.1=vol-049df61146c4d7901"
    eq(len(body), 74)
    eq(sigv4.sha256_hex(body), "fc46196b1c46f2284f9eb8f29f7aeb22591b60bfee24401223666047f6ddcef2")
    hdrs = [("Content-Length", "74"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ("Host", "ec2.us-east-1.amazonaws.com"), ("X-Amz-Date", S_DATE)]
    for names, want in ((["content-length", "content-type", "host", "x-amz-date"],
                         "f4e6a278cf3c561b05c4ccc27e6942beb7ad7a2f48a22737681a9e81c04d93d1"),
                        (["content-type", "host", "x-amz-date"],
                         "b91311b96862746015008e2a58e5fc8c8020ef9f80a521fd0e1b190510b97556")):
        creq = sigv4.canonical_request("POST", "/", "", hdrs, names, sigv4.sha256_hex(body))
        eq(sigv4.signature(S_SECRET, S_DATE, "us-east-1", "ec2", creq), want, "EC2 vector " + ";".join(names))
    # and the verifier accepts it at that time
    auth = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, "
            "SignedHeaders=content-length;content-type;host;x-amz-date, "
            "Signature=f4e6a278cf3c561b05c4ccc27e6942beb7ad7a2f48a22737681a9e81c04d93d1")
    t = sigv4.parse_amz_date(S_DATE)
    v = sigv4.verify("POST", "/", "", hdrs + [("Authorization", auth)], body,
                     {"AKIDEXAMPLE": S_SECRET}.get, now=t + 10)
    eq(v.access_key, "AKIDEXAMPLE")
    try:
        sigv4.verify("POST", "/", "", hdrs + [("Authorization", auth)], body, {"AKIDEXAMPLE": S_SECRET}.get,
                     now=t + 301)
        raise AssertionError("old request accepted")
    except sigv4.AuthError as e:
        eq(e.code, "RequestExpired")


@test
def sigv4_cross_check_botocore():
    rnd = random.Random(7)
    creds = botocore.credentials.Credentials("AKIDCROSS", "secret/+key%s" % rnd.random())
    for i in range(200):
        params = {"Action": rnd.choice(["DescribeVolumes", "CreateTags", "AttachVolume"]),
                  "Version": "2016-11-15"}
        for j in range(rnd.randint(0, 6)):
            params["Filter.%d.Name" % (j + 1)] = rnd.choice(["tag:Name", "volume-id", "availability-zone"])
            params["Filter.%d.Value.1" % (j + 1)] = "".join(
                rnd.choice("abcXYZ019 -_.~/+=&%:é") for _ in range(rnd.randint(0, 12)))
        body = urllib.parse.urlencode(sorted(params.items()))
        query = ""
        if i % 3 == 0:
            query = "?a=%s&b=%s&%s=1" % (urllib.parse.quote(str(rnd.random())), urllib.parse.quote("x y+z"),
                                         urllib.parse.quote("k~ey"))
        region = rnd.choice(["us-east-1", "eu-west-3", "us-gov-west-1"])
        url = "http://127.0.0.1:%d/%s" % (rnd.randint(1024, 65535), query)
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        if i % 4 == 1:
            headers["X-Custom"] = "  a   b  "
        req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body, headers=headers)
        botocore.auth.SigV4Auth(creds, "ec2", region).add_auth(req)
        prepared = req.prepare()
        u = urllib.parse.urlsplit(prepared.url)
        hdrs = list(prepared.headers.items())
        if "host" not in {k.lower() for k, _ in hdrs}:
            hdrs.append(("Host", u.netloc))
        v = sigv4.verify("POST", u.path, u.query, hdrs, prepared.body.encode()
                         if isinstance(prepared.body, str) else prepared.body, {creds.access_key: creds.secret_key}.get)
        eq(v.region, region)
        # our signer produces botocore's signature
        amz = dict(prepared.headers)["X-Amz-Date"]
        signed = re.search(r"SignedHeaders=([^,]+)", dict(prepared.headers)["Authorization"]).group(1).split(";")
        ours = sigv4.sign_request("POST", prepared.url, body, creds.access_key, creds.secret_key, region,
                                  headers=headers, amz_date=amz, signed_headers=signed)
        eq(ours["Authorization"], dict(prepared.headers)["Authorization"], "signature vs botocore")


# ---------------------------------------------------------------------------
# EC2 through the proxy (Xen stack)


def attached_state(c, vid):
    v = c.describe_volumes(VolumeIds=[vid])["Volumes"][0]
    return v["State"], [(a["InstanceId"], a["Device"], a["State"]) for a in v["Attachments"]]


@test
def ec2_botocore_lifecycle_xen():
    s = stack("xen")
    c = s.ec2_client()
    vols = c.describe_volumes()["Volumes"]
    check(any(v["VolumeId"] == s.info["root_volume_id"] for v in vols), "root volume listed")
    v = c.create_volume(AvailabilityZone="us-east-1a", Size=1, VolumeType="gp2",
                        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "t1"}]}])
    vid = v["VolumeId"]
    eq(v["Size"], 1)
    a = c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/xvdf")
    eq(a["State"], "attaching")
    dev = os.path.join(s.info["device_root"], "xvdf")
    # the device shows up slightly after the API reply, and DescribeVolumes says attaching until then
    check(not os.path.lexists(dev), "device must not exist right after AttachVolume")
    eq(attached_state(c, vid)[1][0][2], "attaching", "attachment state before hot-plug")
    wait_for(lambda: os.path.lexists(dev), 5, msg=dev)
    eq(attached_state(c, vid), ("in-use", [(s.instance_id, "/dev/xvdf", "attached")]))
    target = os.readlink(dev)
    check(re.fullmatch(r"/dev/loop\d+", target), "symlink to a loop device: %s" % target)
    check(stat.S_ISBLK(os.stat(dev).st_mode), "block device")
    backing = os.path.join(s.info["state_dir"], "backing", vid + ".img")
    eq(loop_backing(target), backing, "loop backing file")
    eq(os.path.getsize(backing), 1 << 30, "backing size")
    check(os.stat(backing).st_blocks * 512 < (1 << 20), "backing file is sparse")
    # write a marker through the device
    with open(dev, "r+b") as f:
        f.seek(4096)
        f.write(b"REXRAY-MARKER-1")
        f.flush()
        os.fsync(f.fileno())
    c.detach_volume(VolumeId=vid)  # no InstanceId, like REX-Ray
    check(not os.path.lexists(dev), "device removed after DetachVolume")
    check(target not in our_loops(s.state_dir), "loop device detached")
    eq(attached_state(c, vid), ("available", []))
    # data persists across attachments (different device name this time)
    c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/sdg")
    dev2 = os.path.join(s.info["device_root"], "xvdg")
    wait_for(lambda: os.path.lexists(dev2), 5, msg=dev2)
    with open(dev2, "rb") as f:
        f.seek(4096)
        eq(f.read(15), b"REXRAY-MARKER-1", "data persisted")
    eq(attached_state(c, vid)[1][0][1], "/dev/sdg")
    # snapshot (while attached) -> restore -> data
    snap = c.create_snapshot(VolumeId=vid, Description="snap1")["SnapshotId"]
    check(os.path.exists(os.path.join(s.info["backing_dir"], snap + ".img")), "snapshot backing file")
    eq(c.describe_snapshots(Filters=[{"Name": "snapshot-id", "Values": [snap]}])["Snapshots"][0]["State"],
       "completed")
    c.detach_volume(VolumeId=vid, Force=True)
    check(not os.path.lexists(dev2), "xvdg removed")
    v2 = c.create_volume(AvailabilityZone="us-east-1a", SnapshotId=snap, Size=2)["VolumeId"]
    eq(os.path.getsize(os.path.join(s.info["backing_dir"], v2 + ".img")), 2 << 30, "restored + grown")
    c.attach_volume(VolumeId=v2, InstanceId=s.instance_id, Device="/dev/xvdh")
    dev3 = os.path.join(s.info["device_root"], "xvdh")
    wait_for(lambda: os.path.lexists(dev3), 5, msg=dev3)
    with open(dev3, "rb") as f:
        f.seek(4096)
        eq(f.read(15), b"REXRAY-MARKER-1", "data in the volume restored from the snapshot")
    c.detach_volume(VolumeId=v2)
    # copy the snapshot to another region (request goes to the destination region)
    w = s.ec2_client(region="us-west-2")
    cp = w.copy_snapshot(SourceRegion="us-east-1", SourceSnapshotId=snap, Description="copy")["SnapshotId"]
    check(os.path.exists(os.path.join(s.info["backing_dir"], cp + ".img")), "copied snapshot backing file")
    eq(w.describe_snapshots(SnapshotIds=[cp])["Snapshots"][0]["State"], "completed")
    w.delete_snapshot(SnapshotId=cp)
    check(not os.path.exists(os.path.join(s.info["backing_dir"], cp + ".img")), "snapshot file removed")
    c.delete_snapshot(SnapshotId=snap)
    for x in (vid, v2):
        c.delete_volume(VolumeId=x)
        check(not os.path.exists(os.path.join(s.info["backing_dir"], x + ".img")), "volume file removed")
    expect_error(lambda: c.describe_volumes(VolumeIds=[vid]), "InvalidVolume.NotFound", 400)


@test
def ec2_aws_fidelity_errors():
    s = stack("xen")
    c = s.ec2_client()
    v1 = c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    v2 = c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    vb = c.create_volume(AvailabilityZone="us-east-1b", Size=1)["VolumeId"]
    c.attach_volume(VolumeId=v1, InstanceId=s.instance_id, Device="/dev/xvdk")
    e = expect_error(lambda: c.attach_volume(VolumeId=v2, InstanceId=s.instance_id, Device="/dev/xvdk"),
                     "InvalidParameterValue", 400)
    check("already in use" in e.response["Error"]["Message"], e.response["Error"]["Message"])
    expect_error(lambda: c.attach_volume(VolumeId=v2, InstanceId=s.instance_id, Device="/dev/sdk"),
                 "InvalidParameterValue")
    expect_error(lambda: c.attach_volume(VolumeId=v1, InstanceId=s.instance_id, Device="/dev/xvdl"),
                 "VolumeInUse")
    expect_error(lambda: c.delete_volume(VolumeId=v1), "VolumeInUse")
    expect_error(lambda: c.attach_volume(VolumeId=vb, InstanceId=s.instance_id, Device="/dev/xvdl"),
                 "InvalidVolume.ZoneMismatch")
    expect_error(lambda: c.attach_volume(VolumeId=v2, InstanceId=s.instance_id, Device="xvdl"),
                 "InvalidParameterValue")
    expect_error(lambda: c.attach_volume(VolumeId=v2, InstanceId="i-0123456789abcdef0", Device="/dev/xvdl"),
                 "InvalidInstanceID.NotFound")
    expect_error(lambda: c.detach_volume(VolumeId=v2), "IncorrectState")
    expect_error(lambda: c.detach_volume(VolumeId=v1, InstanceId=s.other_instance_id), "InvalidAttachment.NotFound")
    expect_error(lambda: c.describe_volumes(VolumeIds=["abc"]), "InvalidVolumeID.Malformed")
    e = expect_error(lambda: c.describe_volumes(VolumeIds=["vol-0123456789abcdef0"]), "InvalidVolume.NotFound")
    eq(e.response["Error"]["Message"], "The volume 'vol-0123456789abcdef0' does not exist.")
    # VolumeId.N missing -> NotFound even with filters; filters AND, values OR
    expect_error(lambda: c.describe_volumes(VolumeIds=["vol-0123456789abcdef0"], Filters=[
        {"Name": "availability-zone", "Values": ["us-east-1a"]}]), "InvalidVolume.NotFound")
    got = c.describe_volumes(VolumeIds=[vb], Filters=[{"Name": "availability-zone", "Values": ["us-east-1a"]}])
    eq(got["Volumes"], [], "excluded by filter")
    expect_error(lambda: c.describe_volumes(Filters=[{"Name": "bogus", "Values": ["x"]}]), "InvalidParameterValue", 400)
    expect_error(lambda: c.describe_snapshots(Filters=[{"Name": "bogus", "Values": ["x"]}]), "InvalidParameterValue")
    # CreateVolume checks EC2 makes
    expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1a", Size=1, VolumeType="gp2", Iops=100),
                 "InvalidParameterCombination")
    expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1a", Size=4, VolumeType="io1"),
                 "MissingParameter")
    expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1z", Size=1), "InvalidParameterValue")
    expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1a", Size=0), "InvalidParameterValue")
    expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1a", Size=20000), "InvalidParameterValue")
    expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1a", Size=1, VolumeType="fast"),
                 "InvalidParameterValue")
    expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1a", Size=1, VolumeType="gp2", Throughput=200),
                 "InvalidParameterCombination")
    expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1a", Size=1, KmsKeyId="alias/x"),
                 "InvalidParameterDependency")
    g3 = c.create_volume(AvailabilityZone="us-east-1a", Size=1, VolumeType="gp3", Iops=4000, Throughput=250)
    eq((g3["VolumeType"], g3["Iops"], g3["Throughput"]), ("gp3", 4000, 250))
    io = c.create_volume(AvailabilityZone="us-east-1a", Size=4, VolumeType="io1", Iops=200)
    eq((io["VolumeType"], io["Iops"]), ("io1", 200))
    kms = "arn:aws:kms:us-east-1:123456789012:key/abcd1234-a123-456a-a12b-a123b4cd56ef"
    en = c.create_volume(AvailabilityZone="us-east-1a", Size=1, Encrypted=True, KmsKeyId=kms)
    eq((en["Encrypted"], en["KmsKeyId"]), (True, kms))
    dflt = c.create_volume(AvailabilityZone="us-east-1a", Size=1, Encrypted=True)
    check(dflt["KmsKeyId"].startswith("arn:aws:kms:us-east-1:123456789012:key/"), "default EBS key")
    expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1a", Size=1, DryRun=True), "DryRunOperation", 412)
    c.detach_volume(VolumeId=v1)
    for x in (v1, v2, vb, g3["VolumeId"], io["VolumeId"], en["VolumeId"], dflt["VolumeId"]):
        c.delete_volume(VolumeId=x)


@test
def ec2_response_shape():
    s = stack("xen")
    ep = s.info["ec2_endpoint"]
    body = "Action=DescribeVolumes&Version=2016-11-15&VolumeId.1=vol-0123456789abcdef0"
    h = sigv4.sign_request("POST", ep + "/", body, s.access_key, s.secret_key, "us-east-1",
                           headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    st, text, hdrs = raw_post(ep + "/", body, h)
    eq(st, 400)
    check(re.fullmatch(r'<\?xml version="1.0" encoding="UTF-8"\?><Response><Errors><Error><Code>InvalidVolume\.NotFound'
                       r"</Code><Message>The volume 'vol-0123456789abcdef0' does not exist\.</Message></Error>"
                       r"</Errors><RequestID>[0-9a-f-]{36}</RequestID></Response>", text), text)
    body = "Action=DescribeVolumes&Version=2016-11-15"
    h = sigv4.sign_request("POST", ep + "/", body, s.access_key, s.secret_key, "us-east-1",
                           headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    st, text, hdrs = raw_post(ep + "/", body, h)
    eq(st, 200)
    check('<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">' in text, text[:200])
    check(re.search(r"<requestId>[0-9a-f-]{36}</requestId>", text), "request id")


@test
def ec2_reply_fields_moto_omits():
    """CreateTags/DeleteVolume say <return>true</return> and attachments carry
    <deleteOnTermination>, as EC2 sends them (the proxy adds what moto omits)."""
    s = stack("xen")

    def call(body):
        url, h = _signed(s, "Version=2016-11-15&" + body)
        st, text, _ = raw_post(url, "Version=2016-11-15&" + body, h)
        eq(st, 200, text)
        return text

    vid = re.search(r"<volumeId>(vol-[0-9a-f]+)</volumeId>",
                    call("Action=CreateVolume&AvailabilityZone=us-east-1a&Size=1")).group(1)
    t = call("Action=CreateTags&ResourceId.1=%s&Tag.1.Key=Name&Tag.1.Value=shape" % vid)
    check(re.search(r"</requestId><return>true</return></CreateTagsResponse>$", t), t)
    call("Action=AttachVolume&VolumeId=%s&InstanceId=%s&Device=/dev/xvdf" % (vid, s.instance_id))
    wait_for(lambda: "<status>attached</status>" in call("Action=DescribeVolumes&VolumeId.1=%s" % vid), 10,
             msg="the attachment")
    t = call("Action=DescribeVolumes&VolumeId.1=%s&VolumeId.2=%s" % (vid, s.info["root_volume_id"]))
    items = re.findall(r"<volumeId>(vol-[0-9a-f]+)</volumeId>.*?<attachTime>[^<]*</attachTime>"
                       r"<deleteOnTermination>(true|false)</deleteOnTermination>", t)
    eq(dict(items), {vid: "false", s.info["root_volume_id"]: "true"}, t)
    call("Action=DetachVolume&VolumeId=%s" % vid)
    t = call("Action=DeleteVolume&VolumeId=%s" % vid)
    check(re.search(r"</requestId><return>true</return></DeleteVolumeResponse>$", t), t)


def _signed(s, body, **kw):
    ep = s.info["ec2_endpoint"]
    h = sigv4.sign_request("POST", ep + "/", body, kw.pop("access_key", s.access_key),
                           kw.pop("secret_key", s.secret_key), kw.pop("region", "us-east-1"),
                           headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, **kw)
    return ep + "/", h


@test
def auth_rejections():
    s = stack("xen")
    c = s.ec2_client(access_key="AKIDWRONGKEY", secret_key="wrong-secret")
    e = expect_error(lambda: c.describe_volumes(), "AuthFailure", 401)
    eq(e.response["Error"]["Message"], "AWS was not able to validate the provided access credentials")
    # known key, wrong secret: the signature cannot match
    expect_error(lambda: s.ec2_client(secret_key="wrong-secret").describe_volumes(), "SignatureDoesNotMatch", 403)
    body = "Action=DescribeVolumes&Version=2016-11-15"
    url, h = _signed(s, body)
    eq(raw_post(url, body, h)[0], 200)
    st, text, _ = raw_post(url, body.replace("DescribeVolumes", "DescribeSnapshots"), h)  # tampered body
    eq((st, re.search(r"<Code>(.*?)</Code>", text).group(1)), (403, "SignatureDoesNotMatch"))
    old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 600))
    url, h = _signed(s, body, amz_date=old)
    st, text, _ = raw_post(url, body, h)
    eq((st, re.search(r"<Code>(.*?)</Code>", text).group(1)), (400, "RequestExpired"))
    future = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + 600))
    url, h = _signed(s, body, amz_date=future)
    eq(raw_post(url, body, h)[0], 400)
    # 4 minutes off is fine
    url, h = _signed(s, body, amz_date=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 240)))
    eq(raw_post(url, body, h)[0], 200)
    # whatever SignedHeaders lists: without content-length, without content-type ...
    for names in (["content-type", "host", "x-amz-date"], ["host", "x-amz-date"], ["host"]):
        url, h = _signed(s, body, signed_headers=names)
        eq(raw_post(url, body, h)[0], 200, "signed headers %s" % names)
    # ... but host must be signed, and a signed header must be present
    url, h = _signed(s, body, signed_headers=["content-type", "x-amz-date"])
    eq(raw_post(url, body, h)[0], 403)
    url = s.info["ec2_endpoint"] + "/"
    h = sigv4.sign_request("POST", url, body, s.access_key, s.secret_key,
                                "us-east-1", headers={"Content-Type": "application/x-www-form-urlencoded",
                                                      "X-Extra": "1"})
    eq(raw_post(url, body, h)[0], 200)
    del h["X-Extra"]
    eq(raw_post(url, body, h)[0], 403)
    # unsigned extra headers are ignored, a changed signed header is not
    url, h = _signed(s, body)
    h["X-Unsigned"] = "whatever"
    eq(raw_post(url, body, h)[0], 200)
    h["Content-Type"] = "application/x-www-form-urlencoded"
    eq(raw_post(url, body, h)[0], 403)
    # wrong service / region scope -> AuthFailure; no auth at all
    url, h = _signed(s, body)
    h["Authorization"] = h["Authorization"].replace("/ec2/", "/s3/")
    eq(raw_post(url, body, h)[0], 401)
    st, text, _ = raw_post(url, body, {"Content-Type": "application/x-www-form-urlencoded"})
    eq(st, 401)
    check("MissingAuthenticationToken" in text, text)
    # presigned (query string) auth
    req = botocore.awsrequest.AWSRequest(method="POST", url=s.info["ec2_endpoint"] + "/",
                                         data=dict(urllib.parse.parse_qsl(body)),
                                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4QueryAuth(botocore.credentials.Credentials(s.access_key, s.secret_key), "ec2",
                                 "us-east-1", expires=60).add_auth(req)
    p = req.prepare()
    check("X-Amz-Signature=" in p.url and "Action=DescribeVolumes" in p.url, p.url)
    eq(raw_post(p.url, p.body or b"", dict(p.headers))[0], 200, "presigned")
    bad = p.url.replace("Action=DescribeVolumes", "Action=DescribeSnapshots")
    eq(raw_post(bad, p.body or b"", dict(p.headers))[0], 403, "tampered presigned")


@test
def awscli_describe_volumes():
    s = stack("xen")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=s.access_key, AWS_SECRET_ACCESS_KEY=s.secret_key,
               AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    env.pop("AWS_PROFILE", None)
    c = s.ec2_client()
    vid = c.create_volume(AvailabilityZone="us-east-1a", Size=3,
                          TagSpecifications=[{"ResourceType": "volume",
                                              "Tags": [{"Key": "Name", "Value": "cli-vol"}]}])["VolumeId"]
    p = subprocess.run(["aws", "--endpoint-url", s.info["ec2_endpoint"], "ec2", "describe-volumes",
                        "--filters", "Name=tag:Name,Values=cli-vol", "--output", "json"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    eq(p.returncode, 0, p.stderr)
    vols = json.loads(p.stdout)["Volumes"]
    eq([(v["VolumeId"], v["Size"]) for v in vols], [(vid, 3)])
    p = subprocess.run(["aws", "--endpoint-url", s.info["ec2_endpoint"], "ec2", "describe-snapshots",
                        "--owner-ids", "self", "--output", "json"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    eq(p.returncode, 0, p.stderr)
    env["AWS_SECRET_ACCESS_KEY"] = "nope"
    env["AWS_ACCESS_KEY_ID"] = "AKIDNOPE"
    p = subprocess.run(["aws", "--endpoint-url", s.info["ec2_endpoint"], "ec2", "describe-volumes"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    check(p.returncode != 0 and "AuthFailure" in p.stderr, p.stderr)
    c.delete_volume(VolumeId=vid)


@test
def faults_and_call_counting():
    s = stack("xen")
    c = s.ec2_client()
    s.control("POST", "/calls/reset")
    eq(s.control("GET", "/calls"), {})
    c.describe_volumes()
    c.describe_volumes()
    c.describe_instances(InstanceIds=[s.instance_id])
    eq(s.control("GET", "/calls"), {"DescribeVolumes": 2, "DescribeInstances": 1})
    s.control("POST", "/faults", {"throttle": 2})
    expect_error(lambda: c.describe_volumes(), "RequestLimitExceeded", 503)
    expect_error(lambda: c.describe_volumes(), "RequestLimitExceeded", 503)
    c.describe_volumes()
    s.control("POST", "/faults", {"error500": 1})
    expect_error(lambda: c.describe_volumes(), "InternalError", 500)
    c.describe_volumes()
    eq(s.control("GET", "/calls")["DescribeVolumes"], 7)
    # botocore with retries converges through a burst (and every attempt is counted)
    s.control("POST", "/calls/reset")
    s.control("POST", "/faults", {"throttle": 2, "error500": 1})
    s.ec2_client(retries=5).describe_volumes()
    eq(s.control("GET", "/calls"), {"DescribeVolumes": 4})
    # scoped to Actions
    s.control("POST", "/faults", {"throttle": 1, "actions": ["CreateVolume"]})
    c.describe_volumes()
    expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1a", Size=1), "RequestLimitExceeded")
    s.control("POST", "/faults/clear")
    # delay
    s.control("POST", "/faults", {"delay_ms": 300})
    t = time.time()
    c.describe_volumes()
    check(time.time() - t >= 0.3, "delay_ms applied")
    s.control("POST", "/faults/clear")
    eq(s.control("GET", "/faults")["delay_ms"], 0)
    log = s.control("GET", "/log?n=3")
    check(log and log[-1]["action"] == "DescribeVolumes", "log")


@test
def fault_stuck_attach_and_detach():
    s = stack("xen")
    c = s.ec2_client()
    vid = c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    s.control("POST", "/faults", {"stuck_attach": True})
    c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/xvdm")
    time.sleep(1.0)
    eq(attached_state(c, vid), ("in-use", [(s.instance_id, "/dev/xvdm", "attaching")]))
    check(not os.path.lexists(os.path.join(s.info["device_root"], "xvdm")), "no hot-plug when stuck")
    s.control("POST", "/faults/clear")
    eq(attached_state(c, vid)[1][0][2], "attaching", "stays stuck after clear")
    c.detach_volume(VolumeId=vid, Force=True)
    eq(attached_state(c, vid), ("available", []))
    # stuck detach: non-forced detach hangs in 'detaching', device stays; force frees it
    c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/xvdm")
    dev = os.path.join(s.info["device_root"], "xvdm")
    wait_for(lambda: os.path.lexists(dev), 5, msg=dev)
    s.control("POST", "/faults", {"stuck_detach": True})
    eq(c.detach_volume(VolumeId=vid)["State"], "detaching")
    time.sleep(0.5)
    eq(attached_state(c, vid)[1][0][2], "detaching")
    check(os.path.lexists(dev), "device still there while detaching")
    c.detach_volume(VolumeId=vid, Force=True)
    check(not os.path.lexists(dev), "forced detach removes the device")
    eq(attached_state(c, vid), ("available", []))
    s.control("POST", "/faults/clear")
    c.delete_volume(VolumeId=vid)


@test
def fault_expire_credentials_and_role_credentials():
    s = stack("xen")
    md = s.info["metadata_endpoint"]
    st, role, _ = http("GET", md + "/latest/meta-data/iam/security-credentials/")
    eq((st, role), (200, s.info["role_name"]))
    st, text, _ = http("GET", md + "/latest/meta-data/iam/security-credentials/" + role)
    cr = json.loads(text)
    eq(cr["Code"], "Success")
    eq(cr["AccessKeyId"], s.access_key)
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", cr["Expiration"]), cr["Expiration"])
    exp = datetime.datetime.strptime(cr["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    check(exp > datetime.datetime.utcnow() + datetime.timedelta(hours=1), "expiration in the future")
    rc = s.ec2_client(access_key=cr["AccessKeyId"], secret_key=cr["SecretAccessKey"], session_token=cr["Token"])
    rc.describe_volumes()
    expect_error(lambda: s.ec2_client(session_token="bogus").describe_volumes(), "AuthFailure", 401)
    s.control("POST", "/faults", {"expire_credentials": True})
    expect_error(lambda: s.ec2_client().describe_volumes(), "AuthFailure", 401)
    expect_error(lambda: rc.describe_volumes(), "AuthFailure", 401)
    # the instance role rotates: fresh credentials from IMDS work
    cr2 = json.loads(http("GET", md + "/latest/meta-data/iam/security-credentials/" + role)[1])
    check(cr2["AccessKeyId"] != s.access_key and cr2["Token"] != cr["Token"], "rotated")
    vols = s.ec2_client(access_key=cr2["AccessKeyId"], secret_key=cr2["SecretAccessKey"],
                        session_token=cr2["Token"]).describe_volumes()["Volumes"]
    check(any(v["VolumeId"] == s.info["root_volume_id"] for v in vols), "same account with the rotated key")
    expect_error(lambda: s.ec2_client(access_key=cr2["AccessKeyId"], secret_key=cr2["SecretAccessKey"])
                 .describe_volumes(), "AuthFailure", 401)
    s.control("POST", "/faults/clear")
    s.ec2_client().describe_volumes()
    # short-lived role credentials expire
    s.control("POST", "/imds", {"role_ttl_s": 2})
    cr3 = json.loads(http("GET", md + "/latest/meta-data/iam/security-credentials/" + role)[1])
    c3 = s.ec2_client(access_key=cr3["AccessKeyId"], secret_key=cr3["SecretAccessKey"], session_token=cr3["Token"])
    c3.describe_volumes()
    time.sleep(2.5)
    expect_error(lambda: c3.describe_volumes(), "AuthFailure", 401)
    s.control("POST", "/imds/reset")


@test
def state_machine_delays():
    s = stack("xen")
    c = s.ec2_client()
    s.control("POST", "/config", {"create_delay_ms": 800, "snapshot_delay_ms": 800})
    try:
        v = c.create_volume(AvailabilityZone="us-east-1a", Size=1)
        eq(v["State"], "creating")
        vid = v["VolumeId"]
        eq(c.describe_volumes(VolumeIds=[vid])["Volumes"][0]["State"], "creating")
        expect_error(lambda: c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/xvdo"),
                     "IncorrectState")
        wait_for(lambda: c.describe_volumes(VolumeIds=[vid])["Volumes"][0]["State"] == "available", 5,
                 msg="available")
        sn = c.create_snapshot(VolumeId=vid, Description="d")
        eq(sn["State"], "pending")
        got = c.describe_snapshots(SnapshotIds=[sn["SnapshotId"]])["Snapshots"][0]
        eq(got["State"], "pending")
        check(got["Progress"].endswith("%") and got["Progress"] != "100%", got["Progress"])
        e = expect_error(lambda: c.create_volume(AvailabilityZone="us-east-1a", SnapshotId=sn["SnapshotId"]),
                         "IncorrectState")
        eq(e.response["Error"]["Message"], "Snapshot is in invalid state - pending")
        wait_for(lambda: c.describe_snapshots(SnapshotIds=[sn["SnapshotId"]])["Snapshots"][0]["State"]
                 == "completed", 5, msg="completed")
        s.control("POST", "/config", {"create_delay_ms": 0, "snapshot_delay_ms": 0})
        s.control("POST", "/faults", {"snapshot_error": 1})
        bad = c.create_snapshot(VolumeId=vid)["SnapshotId"]
        got = c.describe_snapshots(Filters=[{"Name": "snapshot-id", "Values": [bad]}])["Snapshots"][0]
        eq((got["State"], got["StateMessage"]), ("error", "Internal error: emulated snapshot failure"))
        for x in (sn["SnapshotId"], bad):
            c.delete_snapshot(SnapshotId=x)
        c.delete_volume(VolumeId=vid)
    finally:
        s.control("POST", "/config", {"create_delay_ms": 0, "snapshot_delay_ms": 0})
        s.control("POST", "/faults/clear")


@test
def detach_while_mounted_is_reported():
    s = stack("xen")
    c = s.ec2_client()
    vid = c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/xvdp")
    dev = os.path.join(s.info["device_root"], "xvdp")
    wait_for(lambda: os.path.lexists(dev), 5, msg=dev)
    loop = os.readlink(dev)
    mnt = os.path.join(s.state_dir, "mnt-busy")
    os.makedirs(mnt, exist_ok=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", loop], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["mount", loop, mnt], check=True)
    try:
        with open(os.path.join(mnt, "f"), "w") as f:
            f.write("hello")
        c.detach_volume(VolumeId=vid, Force=True)
        check(not os.path.lexists(dev), "device link removed")
        errs = s.control("GET", "/state")["devices"]["errors"]
        check(any(vid in e["error"] and "still mounted" in e["error"] for e in errs), errs)
    finally:
        subprocess.run(["umount", mnt], check=True)
    wait_for(lambda: loop not in our_loops(s.state_dir), 5, msg="loop freed at last unmount")
    # the data written before the detach is in the backing file
    c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/xvdp")
    wait_for(lambda: os.path.lexists(dev), 5, msg=dev)
    subprocess.run(["mount", "-o", "ro", os.readlink(dev), mnt], check=True)
    try:
        eq(open(os.path.join(mnt, "f")).read(), "hello")
    finally:
        subprocess.run(["umount", mnt], check=True)
    c.detach_volume(VolumeId=vid)
    c.delete_volume(VolumeId=vid)


@test
def attach_other_and_preempt():
    s = stack("xen")
    c = s.ec2_client()
    vid = c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    r = s.control("POST", "/attach-other", {"volume_id": vid})
    eq(r["instance_id"], s.other_instance_id)
    eq(attached_state(c, vid)[1][0][0], s.other_instance_id)
    e = expect_error(lambda: c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/xvdn"),
                     "VolumeInUse")
    check(vid in e.response["Error"]["Message"], "message names the volume")
    c.detach_volume(VolumeId=vid, Force=True)  # preempt: no InstanceId
    c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/xvdn")
    wait_for(lambda: os.path.lexists(os.path.join(s.info["device_root"], "xvdn")), 5, msg="xvdn")
    try:
        s.control("POST", "/attach-other", {"volume_id": vid})
        raise AssertionError("attach-other of an attached volume accepted")
    except RuntimeError as e:
        check("409" in str(e), str(e))
    s.control("POST", "/detach", {"volume_id": vid})
    check(not os.path.lexists(os.path.join(s.info["device_root"], "xvdn")), "control detach unplugs")
    c.delete_volume(VolumeId=vid)


@test
def concurrent_describe_and_attach():
    import threading
    s = stack("xen")
    c = s.ec2_client()
    vids = [c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"] for _ in range(4)]
    errs = []

    def go(i, vid):
        try:
            cl = s.ec2_client()
            cl.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/xvd" + "fghi"[i])
            for _ in range(10):
                cl.describe_volumes(VolumeIds=[vid])
        except Exception as e:  # noqa: BLE001
            errs.append(e)
    ts = [threading.Thread(target=go, args=(i, v)) for i, v in enumerate(vids)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    eq(errs, [])
    for i in range(4):
        wait_for(lambda: os.path.lexists(os.path.join(s.info["device_root"], "xvd" + "fghi"[i])), 5)
    for v in vids:
        c.detach_volume(VolumeId=v)
        c.delete_volume(VolumeId=v)
    eq(sorted(os.listdir(s.info["device_root"])), ["disk", "xvda1"])


# ---------------------------------------------------------------------------
# IMDS


@test
def imds_v2_and_v1():
    s = stack("xen")
    md = s.info["metadata_endpoint"]
    st, tok, h = http("PUT", md + "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
    eq(st, 200)
    eq(h.get("X-aws-ec2-metadata-token-ttl-seconds"), "21600")
    check(len(tok) > 20, tok)
    T = {"X-aws-ec2-metadata-token": tok}
    doc = json.loads(http("GET", md + "/latest/dynamic/instance-identity/document", T)[1])
    eq((doc["instanceId"], doc["region"], doc["availabilityZone"], doc["accountId"]),
       (s.instance_id, "us-east-1", "us-east-1a", "123456789012"))
    check(doc["imageId"].startswith("ami-") and doc["privateIp"] and doc["instanceType"], doc)
    eq(http("GET", md + "/latest/meta-data/instance-id", T)[:2], (200, s.instance_id))
    eq(http("GET", md + "/latest/meta-data/placement/availability-zone", T)[:2], (200, "us-east-1a"))
    st, listing, _ = http("GET", md + "/latest/meta-data/block-device-mapping/", T)
    eq(st, 200)
    check({"ami", "root", "ephemeral0"} <= set(listing.split("\n")), listing)
    eq(http("GET", md + "/latest/meta-data/block-device-mapping/ephemeral0", T)[:2], (200, "sdb"))
    eq(http("GET", md + "/latest/meta-data/block-device-mapping/root", T)[:2], (200, "/dev/sda1"))
    eq(http("GET", md + "/latest/meta-data/no/such/thing", T)[0], 404)
    eq(http("HEAD", md + "/latest/meta-data/")[0], 200)
    # v1
    eq(http("GET", md + "/latest/meta-data/instance-id")[:2], (200, s.instance_id))
    # bad / expired token
    eq(http("GET", md + "/latest/meta-data/instance-id", {"X-aws-ec2-metadata-token": "nope"})[0], 401)
    st, short, _ = http("PUT", md + "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "1"})
    eq(st, 200)
    eq(http("GET", md + "/latest/meta-data/instance-id", {"X-aws-ec2-metadata-token": short})[0], 200)
    time.sleep(1.3)
    eq(http("GET", md + "/latest/meta-data/instance-id", {"X-aws-ec2-metadata-token": short})[0], 401)
    # TTL validation, X-Forwarded-For
    for ttl in ("0", "21601", "abc", None):
        hh = {} if ttl is None else {"X-aws-ec2-metadata-token-ttl-seconds": ttl}
        eq(http("PUT", md + "/latest/api/token", hh)[0], 400, "ttl %r" % ttl)
    eq(http("PUT", md + "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60",
                                              "X-Forwarded-For": "1.2.3.4"})[0], 403)
    # knobs
    s.control("POST", "/imds", {"require_token": True})
    eq(http("GET", md + "/latest/meta-data/instance-id")[0], 401)
    eq(http("GET", md + "/latest/meta-data/instance-id", T)[0], 200)
    s.control("POST", "/imds", {"expire_tokens": True})
    eq(http("GET", md + "/latest/meta-data/instance-id", T)[0], 401)
    s.control("POST", "/imds", {"require_token": False, "disabled": True})
    eq(http("GET", md + "/latest/meta-data/instance-id")[0], 403)
    eq(http("PUT", md + "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})[0], 403)
    s.control("POST", "/imds", {"disabled": False, "no_role": True})
    eq(http("GET", md + "/latest/meta-data/iam/security-credentials/")[0], 404)
    s.control("POST", "/imds", {"no_role": False, "down": True})
    try:
        http("GET", md + "/latest/meta-data/instance-id", timeout=3)
        raise AssertionError("IMDS still answers while down")
    except urllib.error.URLError as e:
        check(isinstance(e.reason, ConnectionRefusedError), repr(e.reason))
    s.control("POST", "/imds/reset")
    eq(http("GET", md + "/latest/meta-data/instance-id")[:2], (200, s.instance_id))
    check(s.control("GET", "/imds")["requests"].get("PUT /latest/api/token", 0) >= 5, "imds request counters")


# ---------------------------------------------------------------------------
# Nitro


@test
def nitro_nvme_devices():
    s = stack("nitro", nitro=True)
    eq(s.info["mode"], "nitro")
    c = s.ec2_client()
    dr, sr = s.info["device_root"], s.info["sysfs_root"]
    # the root disk is nvme0n1, like on a real Nitro instance
    eq(open(os.path.join(sr, "block/nvme0n1/device/serial")).read().strip(),
       s.info["root_volume_id"].replace("-", ""))
    v1 = c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    v2 = c.create_volume(AvailabilityZone="us-east-1a", Size=2)["VolumeId"]
    c.attach_volume(VolumeId=v1, InstanceId=s.instance_id, Device="/dev/xvdf")
    byid1 = os.path.join(dr, "disk/by-id/nvme-Amazon_Elastic_Block_Store_" + v1.replace("-", ""))
    wait_for(lambda: os.path.lexists(byid1), 5, msg=byid1)
    eq(os.readlink(byid1), "../../nvme1n1")
    check(not os.path.lexists(os.path.join(dr, "xvdf")), "no xvdf on Nitro")
    node = os.path.join(dr, "nvme1n1")
    loop = os.readlink(node)
    check(re.fullmatch(r"/dev/loop\d+", loop), loop)
    eq(os.path.realpath(byid1), loop)
    eq(loop_backing(loop), os.path.join(s.info["backing_dir"], v1 + ".img"))
    serial = open(os.path.join(sr, "block/nvme1n1/device/serial")).read()
    eq(serial, v1.replace("-", "").ljust(20) + "\n", "serial")
    eq(open(os.path.join(sr, "block/nvme1n1/device/model")).read().strip(), "Amazon Elastic Block Store")
    st = os.stat(loop)
    eq(open(os.path.join(sr, "block/nvme1n1/dev")).read().strip(), "%d:%d" % (os.major(st.st_rdev),
                                                                             os.minor(st.st_rdev)))
    c.attach_volume(VolumeId=v2, InstanceId=s.instance_id, Device="/dev/xvdg")
    # The by-id link is the hot-plug's last step (as for the first volume):
    # the node alone may come before its sysfs entry (seen under ASan load).
    byid2 = os.path.join(dr, "disk/by-id/nvme-Amazon_Elastic_Block_Store_" + v2.replace("-", ""))
    wait_for(lambda: os.path.lexists(byid2), 5, msg=byid2)
    eq(os.readlink(byid2), "../../nvme2n1")
    eq(open(os.path.join(sr, "block/nvme2n1/device/serial")).read().strip(), v2.replace("-", ""))
    # detach the first: its nodes go, the index is reused by the next attach (like the kernel)
    c.detach_volume(VolumeId=v1)
    for p in (byid1, node, os.path.join(sr, "block/nvme1n1")):
        check(not os.path.lexists(p), "%s removed" % p)
    check(loop not in our_loops(s.state_dir), "loop detached")
    c.attach_volume(VolumeId=v1, InstanceId=s.instance_id, Device="/dev/xvdh")
    wait_for(lambda: os.path.lexists(byid1), 5, msg=byid1)
    eq(os.readlink(byid1), "../../nvme1n1")
    for v in (v1, v2):
        c.detach_volume(VolumeId=v)
        c.delete_volume(VolumeId=v)
    eq(sorted(os.listdir(os.path.join(dr, "disk/by-id"))),
       ["nvme-Amazon_Elastic_Block_Store_" + s.info["root_volume_id"].replace("-", "")])


@test
def nitro_xvd_links_option():
    d = os.path.join(_tmp_root, "nitrolinks")
    with Ec2Stack(d, nitro=True, nitro_xvd_links=True, hotplug_delay_ms=0) as s:
        c = s.ec2_client()
        vid = c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
        c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/sdf")
        s.control("POST", "/wait-hotplug", {"volume_id": vid})
        eq(os.readlink(os.path.join(d, "dev/sdf")), "nvme1n1")
        check(stat.S_ISBLK(os.stat(os.path.join(d, "dev/sdf")).st_mode), "resolves to the disk")
        c.detach_volume(VolumeId=vid)
        check(not os.path.lexists(os.path.join(d, "dev/sdf")), "link removed")


# ---------------------------------------------------------------------------
# Cleanup


@test
def cleanup_context_manager():
    d = os.path.join(_tmp_root, "ctx")
    with Ec2Stack(d) as s:
        c = s.ec2_client()
        vid = c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
        c.attach_volume(VolumeId=vid, InstanceId=s.instance_id, Device="/dev/xvdf")
        wait_for(lambda: os.path.lexists(os.path.join(d, "dev/xvdf")), 5)
        moto_pid = s.info["moto_pid"]
        check(len(our_loops(d)) == 2, "root + data loop devices")
        ports = [int(s.info[k].rsplit(":", 1)[1].split("/")[0])
                 for k in ("ec2_endpoint", "metadata_endpoint", "moto_endpoint")]
    eq(our_loops(d), [], "no loop devices left")
    check(not pid_alive(moto_pid), "moto_server stopped")
    check(not os.path.exists(os.path.join(d, "dev")), "device links removed")
    check(not os.path.exists(os.path.join(d, "stack.json")), "stack.json removed")
    for port in ports:
        with socket.socket() as so:
            check(so.connect_ex(("127.0.0.1", port)) != 0, "port %d closed" % port)


def _spawn(args, d):
    return subprocess.Popen([sys.executable] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=HERE)


def _wait_json(d, proc, timeout=60):
    path = os.path.join(d, "stack.json")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            return json.load(open(path))
        if proc.poll() is not None:
            raise AssertionError("stack exited early: %s" % proc.stderr.read())
        time.sleep(0.1)
    raise AssertionError("no stack.json")


def _use_and_mount(info):
    """attach a volume, mkfs + mount it under the state dir (cleanup must undo that)."""
    import botocore.session
    c = botocore.session.Session().create_client("ec2", region_name="us-east-1", endpoint_url=info["ec2_endpoint"],
                                                 aws_access_key_id=info["access_key"],
                                                 aws_secret_access_key=info["secret_key"])
    vid = c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    c.attach_volume(VolumeId=vid, InstanceId=info["instance_id"], Device="/dev/xvdf")
    dev = os.path.join(info["device_root"], "xvdf")
    if info["mode"] == "nitro":
        dev = os.path.join(info["device_root"], "disk/by-id/nvme-Amazon_Elastic_Block_Store_" + vid.replace("-", ""))
    wait_for(lambda: os.path.lexists(dev), 5, msg=dev)
    mnt = os.path.join(info["state_dir"], "mnt")
    os.makedirs(mnt, exist_ok=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", os.path.realpath(dev)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["mount", os.path.realpath(dev), mnt], check=True)
    check(mounts_under(info["state_dir"]), "mounted")
    return vid


@test
def cleanup_cli_on_sigterm():
    d = os.path.join(_tmp_root, "cli")
    p = _spawn([os.path.join(HERE, "stack.py"), "--state-dir", d, "--nitro"], d)
    info = _wait_json(d, p)
    eq(p.stdout.readline().strip(), os.path.join(d, "stack.json"), "CLI prints the json path")
    _use_and_mount(info)
    check(our_loops(d), "loops exist")
    p.send_signal(signal.SIGTERM)
    eq(p.wait(60), 0, "exit status")
    eq(our_loops(d), [], "no loop devices left")
    eq(mounts_under(d), [], "no mounts left")
    check(not pid_alive(info["moto_pid"]), "moto_server stopped")
    check(not os.path.exists(os.path.join(d, "stack.json")), "stack.json removed")
    check(not os.path.exists(os.path.join(d, "dev")), "dev removed")


@test
def cleanup_library_on_sigterm():
    d = os.path.join(_tmp_root, "lib")
    code = ("import sys, time; sys.path.insert(0, %r)\n"
            "from stack import Ec2Stack\n"
            "with Ec2Stack(%r) as s:\n"
            "    print('ready', flush=True)\n"
            "    time.sleep(600)\n" % (HERE, d))
    p = _spawn(["-c", code], d)
    info = _wait_json(d, p)
    _use_and_mount(info)
    p.send_signal(signal.SIGTERM)
    p.wait(60)
    eq(our_loops(d), [], "no loop devices left")
    eq(mounts_under(d), [], "no mounts left")
    check(not pid_alive(info["moto_pid"]), "moto_server stopped")


@test
def cleanup_after_sigkill():
    d = os.path.join(_tmp_root, "kill")
    p = _spawn([os.path.join(HERE, "stack.py"), "--state-dir", d], d)
    info = _wait_json(d, p)
    _use_and_mount(info)
    p.kill()
    p.wait(30)
    wait_for(lambda: not pid_alive(info["moto_pid"]), 10, msg="moto_server dies with its parent")
    check(our_loops(d), "SIGKILL leaves loop devices behind")
    r = subprocess.run([sys.executable, os.path.join(HERE, "stack.py"), "--cleanup", d],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    eq(r.returncode, 0, r.stdout)
    eq(our_loops(d), [], "--cleanup detached them")
    eq(mounts_under(d), [], "--cleanup unmounted")


# ---------------------------------------------------------------------------


def main():
    if os.geteuid() != 0:
        print("must run as root (loop devices)")
        return 2
    sel = [a for a in sys.argv[1:] if not a.startswith("-")]
    passed = failed = 0
    before = set(glob.glob("/dev/xvd*") + glob.glob("/dev/disk/by-id/nvme-Amazon*"))
    try:
        for fn in TESTS:
            if sel and not any(x in fn.__name__ for x in sel):
                continue
            t = time.time()
            try:
                fn()
                passed += 1
                print("PASS %-45s %5.1fs" % (fn.__name__, time.time() - t), flush=True)
            except Exception as e:  # noqa: BLE001
                failed += 1
                print("FAIL %-45s %s" % (fn.__name__, e), flush=True)
                if VERBOSE:
                    traceback.print_exc()
    finally:
        for s in list(_stacks.values()):
            s.stop()
    # global leftovers
    leftovers = our_loops(_tmp_root) + mounts_under(_tmp_root)
    if leftovers:
        failed += 1
        print("FAIL leftovers: %s" % leftovers)
    if set(glob.glob("/dev/xvd*") + glob.glob("/dev/disk/by-id/nvme-Amazon*")) != before:
        failed += 1
        print("FAIL files created under /dev")
    if not failed:
        subprocess.run(["rm", "-rf", _tmp_root])
    else:
        print("state dirs kept in %s" % _tmp_root)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
